package policy

import (
	"context"
	"github.com/provenant/provenant/policy/rules"
	"testing"
)

// BenchmarkGate1000x1000 is a release gate over 1,000 artifacts against a
// 1,000-envelope bundle with one policy (builtin:slsa at level 1), in one
// process: policies compiled once, every envelope verified, the input
// document built once and shared, Rego evaluated once per artifact.
func BenchmarkGate1000x1000(b *testing.B) {
	const n = 1000
	ctx := context.Background()
	f := newGateFixture(b, n)
	v, entries, inputs := f.v, f.entries, f.inputs
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := v.Verify(ctx, entries, inputs)
		if err != nil {
			b.Fatal(err)
		}
		if !r.Allowed || len(r.Artifacts) != n {
			b.Fatalf("allowed = %v, %d artifacts", r.Allowed, len(r.Artifacts))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n/1e3, "µs/artifact")
}

// BenchmarkLoadPolicies is the one-time cost of parsing and compiling.
func BenchmarkLoadPolicies(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := rules.LoadPolicies(ctx, []string{"builtin:slsa", "builtin:github", "builtin:chain"}); err != nil {
			b.Fatal(err)
		}
	}
}
