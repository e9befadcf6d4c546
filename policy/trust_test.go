package policy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/policy/trust"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// trustDir writes the public halves of the test signers as k0.pub .. k3.pub
// and the trust file, and returns the trust file's path.
func trustDir(t *testing.T, yaml string) string {
	t.Helper()
	return provenancetest.TrustDir(t, yaml, provenancetest.Publics(provenancetest.SeededKeys(t, 4)...)...)
}

func TestVerifyTrust(t *testing.T) {
	k := provenancetest.SeededKeys(t, 4)
	app := newArt("app")
	subj := []digest.Artifact{app.subject(digest.SHA256)}
	step := func(name string) provenance.AttestOptions {
		return provenance.AttestOptions{BuilderID: "https://ci.example.com/b", ExtraParams: map[string]any{"step": name}}
	}
	const base = `keys:
  - id: current
    path: k0.pub
    validFrom: 2025-01-01T00:00:00Z
  - id: retired
    path: k1.pub
    validFrom: 2019-01-01T00:00:00Z
    validUntil: 2020-01-01T00:00:00Z
  - id: revoked
    path: k2.pub
    revoked: true
  - id: spare
    path: k3.pub
`
	const steps = `  - id: alice
    path: k1.pub
  - id: bob
    path: k2.pub
  - id: carol
    path: k3.pub
  - id: ci
    path: k0.pub
steps:
  build:
    keys: [ci]
  release:
    keys: [alice, bob, carol]
    threshold: 2
`
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		trust string
		clock time.Time
		line  string
		extra []Option
		want  string // "" allowed; else a substring of the reason
	}{
		{"current key", base, now, v1Line(t, step("x"), subj, k[0]), nil, ""},
		{"current key before its window", base, time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), v1Line(t, step("x"), subj, k[0]), nil,
			`key "current" (TRUST:2) signed but is not valid before 2025-01-01T00:00:00Z (judged at 2024-06-01T00:00:00Z, verification time`},
		{"retired key after its window", base, now, v1Line(t, step("x"), subj, k[1]), nil,
			`); key "retired" (TRUST:5) signed but expired at 2020-01-01T00:00:00Z (judged at 2026-03-01T00:00:00Z`},
		{"retired key inside its window", base, time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC), v1Line(t, step("x"), subj, k[1]), nil, ""},
		{"revoked key", base, now, v1Line(t, step("x"), subj, k[2]), nil, `key "revoked" (TRUST:9) signed but is revoked`},
		{"revoked key also given with --key", base, now, v1Line(t, step("x"), subj, k[2]), []Option{WithKeys(k[2].Public)}, `key "revoked" (TRUST:9) signed but is revoked`},
		{"revoked and current sign, threshold 1", base, now, v1Line(t, step("x"), subj, k[2], k[0]), nil, ""},
		{"global threshold 2 from the file", base + "threshold: 2\n", now, v1Line(t, step("x"), subj, k[0]), nil, "signed by 1 distinct trusted key(s), 2 required"},
		{"global threshold 2 met", base + "threshold: 2\n", now, v1Line(t, step("x"), subj, k[0], k[3]), nil, ""},
		{"--key valid forever", "keys:\n  - id: old\n    path: k1.pub\n    validUntil: 2020-01-01T00:00:00Z\n", now, v1Line(t, step("x"), subj, k[1]), []Option{WithKeys(k[1].Public)}, ""},
		{"release 2 of 3 met", "keys:\n" + steps, now, v1Line(t, step("release"), subj, k[1], k[3]), nil, ""},
		{"release 2 of 3 not met", "keys:\n" + steps, now, v1Line(t, step("release"), subj, k[1], k[0]), nil,
			`step "release" needs 2 of its key(s) alice, bob, carol (TRUST:13) among the usable signers; 1 signed (alice)`},
		{"release by nobody of the step", "keys:\n" + steps, now, v1Line(t, step("release"), subj, k[0]), nil, `step "release" needs 2 of`},
		{"build by ci", "keys:\n" + steps, now, v1Line(t, step("build"), subj, k[0]), nil, ""},
		{"build by a maintainer", "keys:\n" + steps, now, v1Line(t, step("build"), subj, k[1]), nil, `step "build" needs 1 of its key(s) ci (TRUST:11) among the usable signers; none of them signed`},
		{"step without a rule", "keys:\n" + steps, now, v1Line(t, step("test"), subj, k[1]), nil, ""},
		{"no step: global rule only", "keys:\n" + steps, now, v1Line(t, provenance.AttestOptions{}, subj, k[2]), nil, ""},
		{"step rule, revoked member", "keys:\n" + strings.Replace(steps, "path: k2.pub\n", "path: k2.pub\n    revoked: true\n", 1), now,
			v1Line(t, step("release"), subj, k[1], k[2]), nil, `step "release" needs 2 of its key(s)`},
		// A keyid is only a hint (issue 13, item 3): a key given with --key
		// as a securesystemslib JSON key that claims alice's keyid is not
		// alice, and alice's revoked key under another keyid stays revoked.
		{"attacker key claiming a step member's keyid", "keys:\n  - id: alice\n    path: k0.pub\nsteps:\n  build:\n    keys: [alice]\n", now,
			v1Line(t, step("build"), subj, k[1]), []Option{WithKeys(jsonKeyWithID(t, k[1], k[0].Public.ID))}, `step "build" needs 1 of its key(s) alice (TRUST:5) among the usable signers; none of them signed`},
		{"revoked key given with --key under another keyid", "keys:\n  - id: alice\n    path: k0.pub\n    revoked: true\n  - id: bob\n    path: k1.pub\n", now,
			v1Line(t, step("x"), subj, k[0]), []Option{WithKeys(jsonKeyWithID(t, k[0], strings.Repeat("ab", 32)))}, `key "alice" (TRUST:2) signed but is revoked`},
		{"step is not a string", "keys:\n" + steps, now, v1Line(t, provenance.AttestOptions{ExtraParams: map[string]any{"step": 3}}, subj, k[1]), nil, "externalParameters.step is not a non-empty string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := trustDir(t, tt.trust)
			tr, err := trust.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			opts := append([]Option{WithTrust(tr), WithClock(func() time.Time { return tt.clock })}, tt.extra...)
			v, err := NewVerifier(opts...)
			if err != nil {
				t.Fatal(err)
			}
			r, err := v.Verify(context.Background(), provenancetest.Entries(t, tt.line), []Input{app.input()})
			if err != nil {
				t.Fatal(err)
			}
			want := strings.ReplaceAll(tt.want, "TRUST", path)
			switch {
			case want == "" && !r.Allowed:
				t.Errorf("denied (%v), want allowed", r.Artifacts[0].Reasons)
			case want != "" && r.Allowed:
				t.Errorf("allowed, want denied with %q", want)
			case want != "" && !strings.Contains(strings.Join(r.Artifacts[0].Reasons, "\n"), want):
				t.Errorf("reasons = %q, want one containing %q", r.Artifacts[0].Reasons, want)
			}
		})
	}
}

func TestTrustThresholdConflict(t *testing.T) {
	path := trustDir(t, "keys:\n  - id: a\n    path: k0.pub\n  - id: b\n    path: k1.pub\nthreshold: 2\n")
	tr, err := trust.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewVerifier(WithTrust(tr), WithThreshold(1)); err == nil || !strings.Contains(err.Error(), "conflicts with threshold 2") {
		t.Errorf("NewVerifier(--threshold 1, file threshold 2) error = %v, want a conflict", err)
	}
	v, err := NewVerifier(WithTrust(tr), WithThreshold(2))
	if err != nil {
		t.Fatalf("NewVerifier(agreeing thresholds) = %v", err)
	}
	if v.o.threshold != 2 {
		t.Errorf("threshold = %d, want 2", v.o.threshold)
	}
}

// jsonKeyWithID is s's public key as a securesystemslib JSON key whose
// "keyid" field says keyid.
func jsonKeyWithID(t *testing.T, s provenancetest.Key, keyid string) *attest.PublicKey {
	t.Helper()
	k, err := attest.ParsePublicKey(provenancetest.SSLibKey(t, s.Public, keyid))
	if err != nil {
		t.Fatal(err)
	}
	return k
}
