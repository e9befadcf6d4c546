package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/policy/rules"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// TestWithParallelism: any bound gives the report of a sequential
// evaluation; a bound below 1 is refused.
func TestWithParallelism(t *testing.T) {
	for _, n := range []int{0, -1} {
		if _, err := NewVerifier(WithParallelism(n)); err == nil {
			t.Errorf("WithParallelism(%d): no error", n)
		}
	}
	k := provenancetest.SeededKeys(t, 1)
	var lines []string
	var inputs []Input
	for i := range 30 {
		a := newArt(fmt.Sprintf("dist/app-%02d", i))
		builder := "https://ci.example.com/b@v1"
		if i%4 == 0 {
			builder = "https://evil.example.com/b@v1"
		}
		lines = append(lines, v1Line(t, provenance.AttestOptions{BuilderID: builder}, []digest.Artifact{a.subject(digest.SHA256)}, k[0]))
		inputs = append(inputs, a.input())
	}
	es, err := attest.ReadBundle(strings.NewReader(strings.Join(lines, "\n")+"\n"), "b.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ps, err := rules.LoadPolicies(ctx, []string{"../testdata/bench/policies/loop.rego", "builtin:slsa"}, rules.WithPolicyData(map[string]any{"slsa": map[string]any{"level": 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var want string
	for _, n := range []int{1, 2, 3, 64} {
		v, err := NewVerifier(WithKeys(k[0].Public), WithParallelism(n))
		if err != nil {
			t.Fatal(err)
		}
		r, err := v.Verify(ctx, es, inputs, WithPolicies(ps))
		if err != nil {
			t.Fatal(err)
		}
		if r.Allowed {
			t.Fatalf("parallelism %d: allowed, want denied (the evil builder)", n)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			want = string(b)
			continue
		}
		if string(b) != want {
			t.Errorf("parallelism %d: the report differs from a sequential evaluation's", n)
		}
	}
}
