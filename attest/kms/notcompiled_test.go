//go:build !kms

package kms

import (
	"errors"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
)

func TestOpenNotCompiled(t *testing.T) {
	if got := Compiled(); len(got) != 0 {
		t.Fatalf("Compiled() = %v without -tags kms, want none", got)
	}
	for _, in := range []string{"awskms:///alias/x", "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k", "azurekms://v.vault.azure.net/k", "hashivault://k"} {
		_, err := Open(t.Context(), in)
		if !errors.Is(err, ErrNotCompiled) || !strings.Contains(err.Error(), "go build -tags kms ./cmd/provenant") || !strings.Contains(err.Error(), in) {
			t.Errorf("Open(%q) = %v, want ErrNotCompiled saying how to rebuild", in, err)
		}
	}
}

// TestLoadSignerRefNotCompiled: importing the package registers it with
// attest.LoadSignerRef, which then says how to rebuild.
func TestLoadSignerRefNotCompiled(t *testing.T) {
	_, err := attest.LoadSignerRef(t.Context(), "awskms:///alias/x")
	if !errors.Is(err, ErrNotCompiled) || errors.Is(err, attest.ErrNoKeyBackend) {
		t.Errorf("LoadSignerRef(awskms:///alias/x) = %v, want ErrNotCompiled", err)
	}
	if _, err := attest.LoadSignerRef(t.Context(), "awskms://bad"); !errors.Is(err, ErrURI) {
		t.Errorf("LoadSignerRef(awskms://bad) = %v, want ErrURI", err)
	}
}
