package pkcs11_test

import (
	"fmt"

	"github.com/provenant/provenant/attest/pkcs11"
)

// Parse an RFC 7512 URI. Printing it never shows the PIN.
func ExampleParseURI() {
	u, err := pkcs11.ParseURI("pkcs11:token=release;object=signing%20key?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.Token, "/", u.Object, "/", u.ModulePath, "/ has a PIN:", u.HasPIN())
	fmt.Println(u)
	// Output:
	// release / signing key / /usr/lib/softhsm/libsofthsm2.so / has a PIN: true
	// pkcs11:token=release;object=signing%20key?module-path=/usr/lib/softhsm/libsofthsm2.so
}
