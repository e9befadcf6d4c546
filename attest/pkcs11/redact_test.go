package pkcs11

import (
	"strings"
	"testing"
)

// TestRedactOddBytes: the PIN is removed whatever the case of the attribute
// and whatever bytes surround it, including invalid UTF-8 (which once made
// the index computed on a lower-cased copy run past the end: found by
// FuzzParseURI, input kept in testdata/fuzz).
func TestRedactOddBytes(t *testing.T) {
	for _, in := range []string{
		"pkcs11:token=t?pin-value=s3cr3t",
		"pkcs11:token=t?PIN-VALUE=s3cr3t&module-path=/x.so",
		"\xa7\xcc0\xa0pin-value=s3cr3t",
		"\xff\xfe\xfdPin-Value=s3cr3t;object=k",
	} {
		got := Redact(in)
		if strings.Contains(got, "s3cr3t") {
			t.Errorf("Redact(%q) = %q: the PIN survived", in, got)
		}
		if !strings.Contains(got, "pin-value=REDACTED") {
			t.Errorf("Redact(%q) = %q: want the attribute marked redacted", in, got)
		}
	}
}
