package kms

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest"
)

// uriCases are key references and whether the provider accepts them. With
// -tags kms, providers_test.go checks the providers agree.
var uriCases = []struct {
	in string
	ok bool
}{
	{"awskms:///1234abcd-12ab-34cd-56ef-1234567890ab", true},
	{"awskms://localhost:4566/1234abcd-12ab-34cd-56ef-1234567890ab", true},
	{"awskms:///mrk-1234abcd12ab34cd56ef1234567890ab", true},
	{"awskms:///arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", true},
	{"awskms:///alias/release-signing", true},
	{"awskms://localhost:4566/arn:aws:kms:us-east-2:111122223333:alias/release", true},
	{"awskms:///not-a-key-id", false},
	{"awskms://1234abcd-12ab-34cd-56ef-1234567890ab", false},
	{"awskms:///arn:aws:kms:us-east-2:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab", false},
	{"gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k", true},
	{"gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1", true},
	{"gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k/versions/2", true},
	{"gcpkms://projects/p/locations/global/keyRings/r", false},
	{"gcpkms://p/l/r/k", false},
	{"azurekms://release.vault.azure.net/signing", true},
	{"azurekms://release.vault.azure.net/signing/0123abcd", true},
	{"azurekms://release.vault.azure.net", false},
	{"azurekms://release.vault.azure.net/signing/v1/extra", false},
	{"azurekms://release.vault.azure.net/signing/UPPER", false},
	{"hashivault://release", true},
	{"hashivault://release-key.v2", true},
	{"hashivault://", false},
	{"hashivault://a/b", false},
	{"hashivault://-bad", false},
}

func TestParseURI(t *testing.T) {
	for _, tt := range uriCases {
		u, err := ParseURI(tt.in)
		if tt.ok {
			if err != nil {
				t.Errorf("ParseURI(%q) = %v, want it accepted", tt.in, err)
			} else if u.Ref != tt.in || !strings.HasPrefix(tt.in, u.Scheme) || u.Provider == "" {
				t.Errorf("ParseURI(%q) = %+v", tt.in, u)
			}
			continue
		}
		if err == nil {
			t.Errorf("ParseURI(%q) accepted it, want an error", tt.in)
			continue
		}
		if !errors.Is(err, ErrURI) || !errors.Is(err, attest.ErrKey) {
			t.Errorf("ParseURI(%q) = %v, want ErrURI wrapping attest.ErrKey", tt.in, err)
		}
		if !strings.Contains(err.Error(), "the format is "+tt.in[:strings.Index(tt.in, "://")+3]) {
			t.Errorf("ParseURI(%q) = %q, want it to show the expected format", tt.in, err)
		}
	}
}

func TestParseURINotKMS(t *testing.T) {
	for _, in := range []string{"release.key", "pkcs11:object=k", "AWSKMS:///alias/x", "awskms:/alias/x", "kms://x", ""} {
		_, err := ParseURI(in)
		if !errors.Is(err, ErrURI) || !strings.Contains(err.Error(), "is not a KMS URI (want one of awskms://, gcpkms://, azurekms://, hashivault://)") {
			t.Errorf("ParseURI(%q) = %v, want a not-a-KMS-URI error", in, err)
		}
	}
}

func TestIsURI(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"awskms:///alias/x", true},
		{"gcpkms://projects/p", true},
		{"azurekms://v/k", true},
		{"hashivault://k", true},
		{"hashivault://", true}, // meant as one; ParseURI says what is wrong
		{"openbao://k", false},
		{"release.key", false},
		{"./awskms:///alias/x", false},
		{"pkcs11:object=k", false},
	}
	for _, tt := range tests {
		if got := IsURI(tt.in); got != tt.want {
			t.Errorf("IsURI(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestWithTimeout(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		if _, err := Open(t.Context(), "hashivault://k", WithTimeout(d)); err == nil || !strings.Contains(err.Error(), "timeout must be positive") {
			t.Errorf("Open(WithTimeout(%v)) = %v, want a timeout error", d, err)
		}
	}
}

func TestOpenBadURI(t *testing.T) {
	_, err := Open(t.Context(), "gcpkms://projects/p")
	if !errors.Is(err, ErrURI) {
		t.Errorf("Open(bad URI) = %v, want ErrURI", err)
	}
}

func TestBounded(t *testing.T) {
	start := time.Now()
	_, err := bounded(t.Context(), 50*time.Millisecond, func(ctx context.Context) (int, error) {
		time.Sleep(5 * time.Second) // ignores its context, like Vault's client
		return 1, nil
	})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("bounded(slow) = %v after %v, want a deadline error at once", err, time.Since(start))
	}
	v, err := bounded(t.Context(), time.Second, func(ctx context.Context) (int, error) { return 7, nil })
	if v != 7 || err != nil {
		t.Errorf("bounded(fast) = %v, %v; want 7, nil", v, err)
	}
	_, err = bounded(t.Context(), time.Second, func(ctx context.Context) (int, error) { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "panicked: boom") {
		t.Errorf("bounded(panics) = %v, want the panic as an error", err)
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"a\n\tb  c\n", 100, "a b c"},
		{"abcdef", 3, "abc…"},
		{"", 3, ""},
	}
	for _, tt := range tests {
		if got := oneLine(tt.in, tt.max); got != tt.want {
			t.Errorf("oneLine(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// TestLoadSignerRefSchemeCase: a KMS scheme in capitals is neither read as
// a file nor blamed on a missing package.
func TestLoadSignerRefSchemeCase(t *testing.T) {
	_, err := attest.LoadSignerRef(t.Context(), "AWSKMS:///alias/x")
	if !errors.Is(err, attest.ErrNoKeyBackend) || !strings.Contains(err.Error(), "write the scheme as awskms://") {
		t.Errorf("LoadSignerRef(AWSKMS:///alias/x) = %v, want the spelling", err)
	}
}
