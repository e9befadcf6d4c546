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

// BenchmarkGatePolicy1000x1000 is issue 20's gate in one process: 1,000
// artifacts, 1,000 envelopes, and a policy checking the builder id, over
// every attestation of the input for every artifact (loop: quadratic) or
// over those covering the artifact (covering: through the index). par=1
// evaluates the artifacts one after the other, par=max on GOMAXPROCS
// goroutines.
func BenchmarkGatePolicy1000x1000(b *testing.B) {
	const n = 1000
	ctx := context.Background()
	for _, pol := range []string{"loop", "covering"} {
		f := newGateFixtureWith(b, n, []string{"../testdata/bench/policies/" + pol + ".rego"})
		for _, par := range []string{"1", "max"} {
			b.Run("policy="+pol+"/par="+par, func(b *testing.B) {
				var opts []Expectation
				if par == "1" {
					opts = append(opts, Expectation(WithParallelism(1)))
				}
				b.ReportAllocs()
				for b.Loop() {
					r, err := f.v.Verify(ctx, f.entries, f.inputs, opts...)
					if err != nil {
						b.Fatal(err)
					}
					if !r.Allowed || len(r.Artifacts) != n {
						b.Fatalf("allowed = %v, %d artifacts", r.Allowed, len(r.Artifacts))
					}
				}
			})
		}
	}
}
