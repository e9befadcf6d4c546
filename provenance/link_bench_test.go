package provenance

import (
	"context"
	"fmt"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
)

// BenchmarkRunLink10k: what run --link adds to a step of 10,000 products:
// the link, its statement (signed and appended by the bundle's writer,
// not measured here) and the classic link file, signed over in-toto's
// canonical JSON, checked with in-toto-golang and written.
func BenchmarkRunLink10k(b *testing.B) {
	priv, _, err := attest.GenerateKey(attest.Ed25519)
	if err != nil {
		b.Fatal(err)
	}
	s, err := attest.ParseSigner(priv)
	if err != nil {
		b.Fatal(err)
	}
	w, err := NewLinkWriter(b.TempDir(), s)
	if err != nil {
		b.Fatal(err)
	}
	products := make([]digest.Entry, 10_000)
	for i := range products {
		products[i] = digest.Entry{Artifact: digest.Artifact{Name: fmt.Sprintf("out/f%05d.o", i), Digests: digest.Set{digest.SHA256: fmt.Sprintf("%064x", i)}}}
	}
	b.ResetTimer()
	for b.Loop() {
		l := RunLink("build", []string{"make"}, 0, nil, products)
		if _, err := l.Statement(); err != nil {
			b.Fatal(err)
		}
		if _, err := w.Write(context.Background(), l); err != nil {
			b.Fatal(err)
		}
	}
}
