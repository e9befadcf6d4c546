package vsacache_test

import (
	"context"
	"testing"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/rules"
	"github.com/provenant/provenant/policy/vsacache"
)

// TestPolicyKeyCovers: every part of the gate that can change a decision
// changes the policy digest; the same gate gives the same digest.
func TestPolicyKeyCovers(t *testing.T) {
	w := newWorld(t)
	digestOf := func(t *testing.T, v *policy.Verifier, expect []policy.Expectation, opts ...vsacache.Option) string {
		t.Helper()
		r, err := v.NewReport(expect...)
		if err != nil {
			t.Fatal(err)
		}
		k, err := w.cache(t, opts...).PolicyKey(r.Criteria)
		if err != nil {
			t.Fatal(err)
		}
		return k.Digest["sha256"]
	}
	base := digestOf(t, w.v, nil)
	if again := digestOf(t, w.v, nil); again != base {
		t.Fatalf("same gate, digests %s and %s", base, again)
	}
	other, err := policy.NewVerifier(policy.WithKeys(w.release.Public, w.other.Public), policy.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := rules.LoadPolicies(context.Background(), []string{"builtin:slsa"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		v      *policy.Verifier
		expect []policy.Expectation
		opts   []vsacache.Option
	}{
		{name: "another trusted key", v: other},
		{name: "builder id", expect: []policy.Expectation{policy.WithBuilderID("https://ci.example.com/builder")}},
		{name: "source", expect: []policy.Expectation{policy.WithSourceURI("github.com/example/app")}},
		{name: "predicate type", expect: []policy.Expectation{policy.WithPredicateType("https://example.com/other")}},
		{name: "a policy", expect: []policy.Expectation{policy.WithPolicies(ps)}},
		{name: "fail on warn", expect: []policy.Expectation{policy.WithPolicies(ps), policy.WithFailOnWarn(true)}},
		{name: "policy data", opts: []vsacache.Option{vsacache.WithPolicyConfig(&rules.Config{Data: map[string]any{"builder": "x"}})}},
		{name: "an exception", opts: []vsacache.Option{vsacache.WithPolicyConfig(&rules.Config{Exceptions: []rules.Exception{{Code: "x", Reason: "r"}}})}},
		{name: "trusted root", opts: []vsacache.Option{vsacache.WithTrustMaterial("trusted-root", "00")}},
		{name: "limits", opts: []vsacache.Option{vsacache.WithLimits(attest.Limits{SignatureChecks: 1})}},
	}
	seen := map[string]string{base: "base"}
	for _, tt := range tests {
		v := tt.v
		if v == nil {
			v = w.v
		}
		d := digestOf(t, v, tt.expect, tt.opts...)
		if prev, dup := seen[d]; dup {
			t.Errorf("%s: same policy digest as %s", tt.name, prev)
		}
		seen[d] = tt.name
	}
}

// FuzzCacheEntry: whatever bytes stand in a cache entry, the artifact is
// never allowed by them (nothing here holds the gate's key), and nothing
// panics.
func FuzzCacheEntry(f *testing.F) {
	f.Add([]byte("{}\n"))
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"AAAA"}]}` + "\n"))
	f.Add([]byte("\x00\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		w := newWorld(t)
		c := w.cache(t)
		w.putBytes(t, c, data)
		r, st, err := c.Verify(context.Background(), w.v, w.entries, w.inputs[:1])
		if err != nil {
			t.Fatal(err)
		}
		if st.Hits != 0 || r.Artifacts[0].Cache != nil {
			t.Fatalf("an entry of fuzzed bytes was used: %q", data)
		}
	})
}
