package attest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/provenant/provenant/attest"
)

// Open a signing key by reference. Here it is an encrypted key file whose
// password the program supplies; the same call opens pkcs11: and KMS URIs
// once attest/pkcs11 and attest/kms are imported (they register themselves).
// The library reads no environment variable and no terminal.
func ExampleLoadSignerRef() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	password := attest.WithPassword(func() ([]byte, error) { return []byte("correct horse"), nil })
	files, err := attest.WriteKeyPair(filepath.Join(dir, "release"), attest.ECDSAP256, false, password)
	if err != nil {
		panic(err)
	}

	signer, err := attest.LoadSignerRef(ctx, files.PrivateKey, password)
	if err != nil {
		panic(err)
	}
	defer func() { _ = attest.CloseSigner(signer) }() // releases a token's session; nothing for a file
	id, _ := signer.KeyID()
	fmt.Println("signs as the public key:", id == files.KeyID)

	_, err = attest.LoadSignerRef(ctx, files.PrivateKey)
	fmt.Println("without the password:", errors.Is(err, attest.ErrEncryptedKey))

	_, err = attest.LoadSignerRef(ctx, "pkcs11:token=release;object=signing?module-path=/usr/lib/softhsm/libsofthsm2.so")
	fmt.Println("a token, attest/pkcs11 not imported:", errors.Is(err, attest.ErrNoKeyBackend))
	// Output:
	// signs as the public key: true
	// without the password: true
	// a token, attest/pkcs11 not imported: true
}
