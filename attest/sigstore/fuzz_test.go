package sigstore

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseBundle: parsing never panics, and whatever parses can be
// verified (against nothing trusted) without panicking and never passes.
func FuzzParseBundle(f *testing.F) {
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`))
	for _, g := range []string{"sigstore-go/testing-data/bundles/*.json", "sigstore-go/examples/bundle-*.json", "slsa-verifier/bundle-unit/*"} {
		files, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "vectors", g))
		for _, p := range files {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	v, err := NewVerifier(WithKeys(testKey(f)))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			return
		}
		if _, err := v.Verify(context.Background(), b, Artifact{}); err == nil {
			t.Fatal("a bundle verified against a key that signed nothing")
		}
	})
}
