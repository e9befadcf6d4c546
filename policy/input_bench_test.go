package policy

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/policy/rules"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// gateFixture is the release gate of BenchmarkGate1000x1000 taken apart:
// n artifacts given by digest, a bundle of n envelopes (one subject each,
// signed by one key) read back from disk, a verifier with builtin:slsa,
// and the report of the built-in checks.
type gateFixture struct {
	v       *Verifier
	entries []attest.Entry
	inputs  []Input
	report  *Report
}

func newGateFixture(b *testing.B, n int) *gateFixture {
	b.Helper()
	return newGateFixtureWith(b, n, []string{"builtin:slsa"})
}

// newGateFixtureWith is newGateFixture with the given policies.
func newGateFixtureWith(b *testing.B, n int, policies []string) *gateFixture {
	b.Helper()
	ctx := context.Background()
	k := provenancetest.SeededKey(b, 0)
	envs := make([]*attest.Envelope, n)
	inputs := make([]Input, n)
	for i := range n {
		name := fmt.Sprintf("dist/app-%04d", i)
		env, err := attest.SignStatement(ctx, provenancetest.Statement(b, provenancetest.Attestation{Subjects: []string{name}}), k.Signer)
		if err != nil {
			b.Fatal(err)
		}
		envs[i] = env
		inputs[i] = Input{Name: name, Digests: provenancetest.ArtifactDigests(name)}
	}
	bundle := filepath.Join(b.TempDir(), "bundle.intoto.jsonl")
	if err := attest.AppendToBundle(bundle, envs...); err != nil {
		b.Fatal(err)
	}
	entries, err := ReadBundles([]string{bundle})
	if err != nil {
		b.Fatal(err)
	}
	// Level 1: the statements are signed with a plain key, which proves
	// no builder, so they reach L1 (issue 13 item 4b).
	ps, err := rules.LoadPolicies(ctx, policies, rules.WithPolicyData(map[string]any{"slsa": map[string]any{"level": 1}}))
	if err != nil {
		b.Fatal(err)
	}
	base, err := NewVerifier(WithKeys(k.Public))
	if err != nil {
		b.Fatal(err)
	}
	v, err := base.with([]Expectation{WithPolicies(ps)})
	if err != nil {
		b.Fatal(err)
	}
	r, err := v.check(ctx, entries, inputs)
	if err != nil {
		b.Fatal(err)
	}
	if !r.Allowed {
		b.Fatalf("built-in checks denied: %q", r.Artifacts[0].Reasons)
	}
	return &gateFixture{v: v, entries: entries, inputs: inputs, report: r}
}

// BenchmarkCheckEnvelopes1000 verifies the signatures of 1,000 envelopes
// and parses and summarises their statements: the part of a gate that
// grows with the bundle, once per envelope.
func BenchmarkCheckEnvelopes1000(b *testing.B) {
	f := newGateFixture(b, 1000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		for _, e := range f.entries {
			if env := f.v.verifyEntry(ctx, e); !env.Verified {
				b.Fatalf("%s: %s", env.Source, env.Err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000/1e3, "µs/envelope")
}

// BenchmarkSubjectLookup1000x1000 indexes the subjects of 1,000 verified
// envelopes by digest and decides 1,000 artifacts by lookup: it must grow
// with artifacts + envelopes, not their product.
func BenchmarkSubjectLookup1000x1000(b *testing.B) {
	f := newGateFixture(b, 1000)
	envs := f.report.Attestations
	b.ReportAllocs()
	for b.Loop() {
		idx := indexSubjects(envs)
		bad := f.v.bundleReasons(envs)
		for _, in := range f.inputs {
			if a := f.v.decide(envs, idx, bad, in.Name, in.Digests); !a.Allowed {
				b.Fatalf("%s: %q", a.Name, a.Reasons)
			}
		}
	}
}

// BenchmarkInputBuilding1000 builds the policy input of 1,000 artifacts:
// the attestations converted to OPA's representation once, then one small
// artifact object per artifact sharing them.
func BenchmarkInputBuilding1000(b *testing.B) {
	f := newGateFixture(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		ib, err := newInputBuilder(f.report)
		if err != nil {
			b.Fatal(err)
		}
		for i := range f.report.Artifacts {
			if _, err := ib.value(&f.report.Artifacts[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkPolicyEval is one evaluation of builtin:slsa for one artifact
// whose input carries a bundle of n attestations (prepared once): the cost
// should not grow with n, or a gate would be quadratic.
func BenchmarkPolicyEval(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprintf("attestations=%d", n), func(b *testing.B) {
			f := newGateFixture(b, n)
			ctx := context.Background()
			ib, err := newInputBuilder(f.report)
			if err != nil {
				b.Fatal(err)
			}
			in, err := ib.value(&f.report.Artifacts[n/2])
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				fs, _ := f.v.o.policies.Evaluate(ctx, in, ib.ids)
				for _, fd := range fs {
					if fd.Denies(false) {
						b.Fatalf("denied: %s", fd.Message)
					}
				}
			}
		})
	}
}
