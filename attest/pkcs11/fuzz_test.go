package pkcs11

import (
	"strings"
	"testing"
)

// FuzzParseURI: the parser never panics, never accepts a URI without a
// module path or a key name, and never prints a pin-value.
func FuzzParseURI(f *testing.F) {
	for _, s := range []string{
		"pkcs11:token=t;object=k?module-path=/m.so",
		"pkcs11:id=%01%02;type=private?module-path=/m.so&pin-value=1234",
		"pkcs11:object=k?module-path=/m.so&pin-source=file:/p",
		"pkcs11:slot-id=1;object=k;x-y=z?module-path=/m.so",
		"pkcs11:",
		"pkcs11:?&;=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") && !strings.Contains(s, "\n") {
				t.Errorf("ParseURI(%q): multi-line error %q", s, err)
			}
			return
		}
		if u.ModulePath == "" || (u.Object == "" && u.ID == nil) {
			t.Errorf("ParseURI(%q) accepted a URI without a module path or key name", s)
		}
		if u.HasPIN() && u.pin != "" && strings.Contains(u.String(), "pin-value") {
			t.Errorf("ParseURI(%q).String() = %q shows pin-value", s, u.String())
		}
		again, err := ParseURI(u.String())
		if err != nil {
			t.Errorf("ParseURI(%q) = %q, which does not parse again: %v", s, u.String(), err)
			return
		}
		if again.String() != u.String() {
			t.Errorf("String is not stable: %q then %q", u.String(), again.String())
		}
	})
}
