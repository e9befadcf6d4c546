//go:build !kms

package kms

import (
	"errors"
	"strings"
	"testing"
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
