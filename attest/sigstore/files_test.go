package sigstore

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// keyedSigner is a signing key and the verifier that trusts it.
func keyedSigner(t *testing.T, kt string) (attest.Signer, *Verifier) {
	t.Helper()
	k := provenancetest.NewKey(t, attest.KeyType(kt))
	v, err := NewVerifier(WithKeys(k.Public))
	if err != nil {
		t.Fatal(err)
	}
	return k.Signer, v
}

// TestLoadTrustedRootBounded: a trusted root is read whole, so it is
// bounded.
func TestLoadTrustedRootBounded(t *testing.T) {
	p := filepath.Join(t.TempDir(), "root.json")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxTrustedRootBytes + 1); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTrustedRoot(p); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("larger than %d bytes", MaxTrustedRootBytes)) {
		t.Errorf("LoadTrustedRoot(too large) = %v", err)
	}
}
