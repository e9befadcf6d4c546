package policy

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// BenchmarkVerify1000x1000: a release gate checking 1,000 artifacts, given
// by digest, against a bundle of 1,000 envelopes (one subject each), with a
// builder and a source to check.
func BenchmarkVerify1000x1000(b *testing.B) {
	const n = 1000
	k := provenancetest.SeededKeys(b, 4)
	var lines []string
	inputs := make([]Input, n)
	for i := range n {
		a := newArt(fmt.Sprintf("dist/app-%04d", i))
		lines = append(lines, v1Line(b, provenance.AttestOptions{BuilderID: "https://ci.example.com/b@v1", Source: "git+https://github.com/o/r@refs/heads/main"}, []digest.Artifact{a.subject(digest.SHA256)}, k[0]))
		inputs[i] = a.input()
	}
	bundle := strings.Join(lines, "\n") + "\n"
	expect := []Expectation{WithBuilderID("https://ci.example.com/b"), WithSourceURI("github.com/o/r")}
	v, err := NewVerifier(WithKeys(k[0].Public, k[1].Public))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(bundle)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		es, err := attest.ReadBundle(strings.NewReader(bundle), "b.jsonl")
		if err != nil {
			b.Fatal(err)
		}
		r, err := v.Verify(context.Background(), es, inputs, expect...)
		if err != nil {
			b.Fatal(err)
		}
		if !r.Allowed {
			b.Fatalf("denied: %q", r.Artifacts[0].Reasons)
		}
	}
}
