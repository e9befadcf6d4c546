package vsacache_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/rules"
	"github.com/provenant/provenant/policy/vsacache"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// gate1000 is the release gate of issue 20: 1,000 artifact files of 4 KiB
// on disk, a bundle of 1,000 envelopes (one per artifact, Ed25519) read
// from its file, builtin:slsa, and the gate's VSA key.
func gate1000(b *testing.B) (*policy.Verifier, []attest.Entry, []policy.Input, []policy.Expectation, provenancetest.Key) {
	b.Helper()
	const n = 1000
	ctx := context.Background()
	dir := b.TempDir()
	k, gate := provenancetest.SeededKey(b, 1), provenancetest.SeededKey(b, 9)
	envs := make([]*attest.Envelope, n)
	inputs := make([]policy.Input, n)
	for i := range n {
		name := fmt.Sprintf("app-%04d", i)
		// provenancetest's artifact name is its content plus a newline.
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(name+"\n"), 0o644); err != nil {
			b.Fatal(err)
		}
		env, err := attest.SignStatement(ctx, provenancetest.Statement(b, provenancetest.Attestation{Subjects: []string{name}}), k.Signer)
		if err != nil {
			b.Fatal(err)
		}
		envs[i] = env
		inputs[i] = policy.Input{Name: path, Path: path}
	}
	bundle := filepath.Join(dir, "gate.intoto.jsonl")
	if err := attest.AppendToBundle(bundle, envs...); err != nil {
		b.Fatal(err)
	}
	entries, err := policy.ReadBundles([]string{bundle})
	if err != nil {
		b.Fatal(err)
	}
	ps, err := rules.LoadPolicies(ctx, []string{"builtin:slsa"})
	if err != nil {
		b.Fatal(err)
	}
	v, err := policy.NewVerifier(policy.WithKeys(k.Public))
	if err != nil {
		b.Fatal(err)
	}
	return v, entries, inputs, []policy.Expectation{policy.WithPolicies(ps)}, gate
}

// BenchmarkVSACacheGate1000 is the 1,000-artifact gate through the VSA
// cache: cold (every artifact verified fully and a VSA written) and warm
// (every artifact a hit), in the same run. Reading the bundle and
// compiling the policy are outside (BenchmarkReadBundle1000 and
// BenchmarkLoadPolicies measure them); testdata/bench/vsa-cache.sh
// measures the whole command.
func BenchmarkVSACacheGate1000(b *testing.B) {
	v, entries, inputs, expect, gate := gate1000(b)
	ctx := context.Background()
	open := func(b *testing.B, dir string, signer bool) *vsacache.Cache {
		opts := []vsacache.Option{}
		if signer {
			opts = append(opts, vsacache.WithSigner(gate.Signer))
		}
		c, err := vsacache.New(vsacache.Dir(dir, attest.Limits{}), []*attest.PublicKey{gate.Public}, gateID, opts...)
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	run := func(b *testing.B, c *vsacache.Cache, want vsacache.Stats) {
		r, st, err := c.Verify(ctx, v, entries, inputs, expect...)
		if err != nil {
			b.Fatal(err)
		}
		if !r.Allowed || st != want {
			b.Fatalf("allowed %v, %+v, want %+v", r.Allowed, st, want)
		}
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			dir := b.TempDir()
			b.StartTimer()
			run(b, open(b, dir, true), vsacache.Stats{Misses: 1000, Written: 1000})
		}
	})
	b.Run("warm", func(b *testing.B) {
		dir := b.TempDir()
		run(b, open(b, dir, true), vsacache.Stats{Misses: 1000, Written: 1000})
		c := open(b, dir, false)
		for b.Loop() {
			run(b, c, vsacache.Stats{Hits: 1000})
		}
	})
}
