package vsa

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/rules"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// vsaLevels verifies entries (signed statements) for the artifact app with
// the policies and configuration given, and returns the verifiedLevels of
// the VSA written for the allowed release.
func vsaLevels(t *testing.T, atts []provenancetest.Attestation, policies []string, config string, expect ...policy.Expectation) []string {
	t.Helper()
	ctx := context.Background()
	k := provenancetest.SeededKey(t, 0)
	bundle := filepath.Join(t.TempDir(), "b.jsonl")
	for _, a := range atts {
		env, err := attest.SignStatement(ctx, provenancetest.Statement(t, a), k.Signer)
		if err != nil {
			t.Fatal(err)
		}
		if err := attest.AppendToBundle(bundle, env); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := policy.ReadBundles([]string{bundle})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := rules.ParseConfig([]byte(config), "policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := rules.LoadPolicies(ctx, policies, rules.WithPolicyData(cfg.Data))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v, err := policy.NewVerifier(policy.WithKeys(k.Public), policy.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	r, err := v.Verify(ctx, entries, []policy.Input{{Name: "app", Digests: provenancetest.ArtifactDigests("app")}}, append([]policy.Expectation{policy.WithPolicies(ps), policy.WithExceptions(cfg.Exceptions...)}, expect...)...)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Allowed {
		t.Fatalf("release denied:\n%s", dump(r.Artifacts))
	}
	envs, err := Envelopes(ctx, r, Request{Signer: k.Signer, VerifierID: "https://gate.example.com", Time: now})
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Predicate struct {
			VerifiedLevels []string `json:"verifiedLevels"`
		} `json:"predicate"`
	}
	payload, err := base64.StdEncoding.DecodeString(envs[0].Payload)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(payload, &st); err != nil {
		t.Fatal(err)
	}
	return st.Predicate.VerifiedLevels
}

// TestVSALevelIsReached: the level a VSA records is the level the
// verified provenance reached, never the configured requirement; an
// exception waives a denial and does not raise the level; an artifact
// without provenance gets no level (issue 13 item 7).
func TestVSALevelIsReached(t *testing.T) {
	local := provenancetest.Attestation{Subjects: []string{"app"}, Builder: "urn:provenant:builder:local"}
	hosted := provenancetest.Attestation{Subjects: []string{"app"}, Builder: "https://ci.example.com/builder"}
	testResult := provenancetest.Attestation{Subjects: []string{"app"}, PredicateType: "https://in-toto.io/attestation/test-result/v0.1", Predicate: map[string]any{"result": "PASSED", "configuration": []any{map[string]any{"name": "ci", "uri": "https://ci.example.com/tests"}}}}
	waive := func(level int, codes ...string) string {
		c := fmt.Sprintf("data:\n  slsa: {level: %d}\nexceptions:\n", level)
		for _, code := range codes {
			c += fmt.Sprintf("  - code: %s\n    reason: legacy\n", code)
		}
		return c
	}
	tests := []struct {
		name     string
		atts     []provenancetest.Attestation
		policies []string
		config   string
		expect   []policy.Expectation
		want     []string
	}{
		{"L1 required, L1 reached", []provenancetest.Attestation{local}, []string{"builtin:slsa"}, "", nil, []string{"SLSA_BUILD_LEVEL_1"}},
		{"L3 waived, L1 reached", []provenancetest.Attestation{local}, []string{"builtin:slsa"}, waive(3, "slsa.level"), nil, []string{"SLSA_BUILD_LEVEL_1"}},
		{"L2 waived, claimed hosted builder", []provenancetest.Attestation{hosted}, []string{"builtin:slsa"}, waive(2, "slsa.level"), nil, []string{"SLSA_BUILD_LEVEL_1"}},
		{"no provenance, waived", []provenancetest.Attestation{testResult}, []string{"builtin:slsa"}, waive(3, "slsa.provenance"),
			[]policy.Expectation{policy.WithPredicateType("https://in-toto.io/attestation/test-result/v0.1")}, []string{}},
		{"without builtin:slsa, provenance", []provenancetest.Attestation{hosted}, []string{"builtin:chain"}, "data:\n  slsa: {level: 3}\n  chain: [{from: a, to: b}]\nexceptions:\n  - {code: chain.step, reason: x}\n", nil, []string{"SLSA_BUILD_LEVEL_1"}},
		{"without builtin:slsa, no provenance", []provenancetest.Attestation{testResult}, []string{"builtin:chain"}, "data:\n  chain: [{from: a, to: b}]\nexceptions:\n  - {code: chain.step, reason: x}\n",
			[]policy.Expectation{policy.WithPredicateType("https://in-toto.io/attestation/test-result/v0.1")}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := vsaLevels(t, tt.atts, tt.policies, tt.config, tt.expect...)
			if !slices.Equal(got, tt.want) {
				t.Errorf("verifiedLevels = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSLSALevelsStrict: verified levels are parsed strictly.
func TestSLSALevelsStrict(t *testing.T) {
	for _, l := range []string{
		"SLSA_BUILD_LEVEL_+3", "SLSA_BUILD_LEVEL_03", "SLSA_BUILD_LEVEL_3 ", "SLSA_BUILD_LEVEL_ 3", "SLSA_BUILD_LEVEL_-1",
		"SLSA_BUILD_LEVEL_\u0663", "SLSA_BUILD_LEVEL_３", "SLSA_BUILD_LEVEL_", "SLSA_BUILD_LEVEL", "SLSA_build_LEVEL_3",
		"SLSA_BUILD_level_3", "SLSA__LEVEL_3", "SLSA_BUILD_LEVEL_3_", "SLSA_BUILD_LEVEL_3\n", "SLSA_BUILD_LEVEL_99999999999999999999",
		"SLSA_BUILD_LEVEL_0x3", "SLSA_BUILD_LEVEL_3.0", "SLSA_BU-ILD_LEVEL_3",
	} {
		if _, err := slsaLevels([]string{l}); err == nil {
			t.Errorf("slsaLevels(%q) accepted it", l)
		}
		if err := matchLevels([]string{l}, []string{"SLSA_BUILD_LEVEL_1"}); err == nil {
			t.Errorf("a VSA with %q meets SLSA_BUILD_LEVEL_1", l)
		}
	}
	got, err := slsaLevels([]string{"SLSA_BUILD_LEVEL_2", "SLSA_BUILD_LEVEL_0", "SLSA_SOURCE_LEVEL_10", "BCID_L1"})
	if err != nil || got["BUILD"] != 2 || got["SOURCE"] != 10 || len(got) != 2 {
		t.Errorf("slsaLevels = %v, %v", got, err)
	}
}

// TestVerifyVSAsStrictLevels: a VSA whose verifiedLevels spell a level
// loosely does not verify, and a wanted level must be well-formed.
func TestVerifyVSAsStrictLevels(t *testing.T) {
	ctx := context.Background()
	k := provenancetest.SeededKey(t, 0)
	vsa := func(levels ...string) attest.Entry {
		pred, err := json.Marshal(map[string]any{"verifier": map[string]any{"id": "https://gate"}, "timeVerified": "2026-01-01T00:00:00Z", "resourceUri": "app",
			"verificationResult": "PASSED", "verifiedLevels": levels, "inputAttestations": []any{}})
		if err != nil {
			t.Fatal(err)
		}
		st, err := provenance.NewGenericStatement([]digest.Artifact{{Name: "app", Digests: provenancetest.ArtifactDigests("app")}}, provenance.PredicateVSAv1, pred)
		if err != nil {
			t.Fatal(err)
		}
		env, err := attest.SignStatement(ctx, st, k.Signer)
		if err != nil {
			t.Fatal(err)
		}
		return attest.Entry{Source: attest.Source{File: "vsa.jsonl", Line: 1}, Envelope: env}
	}
	check := Check{Keys: []*attest.PublicKey{k.Public}, SubjectDigests: []string{"sha256:" + provenancetest.ArtifactDigests("app")[digest.SHA256]}, VerifierID: "https://gate", ResourceURI: "app", Levels: []string{"SLSA_BUILD_LEVEL_3"}}
	for _, tc := range []struct {
		levels []string
		ok     bool
	}{
		{[]string{"SLSA_BUILD_LEVEL_3"}, true},
		{[]string{"SLSA_BUILD_LEVEL_+3"}, false},
		{[]string{"SLSA_BUILD_LEVEL_03"}, false},
		{[]string{"SLSA_BUILD_LEVEL_3 "}, false},
		{[]string{"SLSA_BUILD_LEVEL_\u0663"}, false},
		{[]string{"SLSA_BUILD_LEVEL_1", "SLSA_BUILD_LEVEL_+3"}, false},
	} {
		_, ok, err := Verify(ctx, []attest.Entry{vsa(tc.levels...)}, check)
		if err != nil || ok != tc.ok {
			t.Errorf("VSA with %q: verified %v (%v), want %v", tc.levels, ok, err, tc.ok)
		}
	}
	bad := check
	bad.Levels = []string{"SLSA_BUILD_LEVEL_+3"}
	if _, _, err := Verify(ctx, []attest.Entry{vsa("SLSA_BUILD_LEVEL_3")}, bad); err == nil {
		t.Error("a wanted level SLSA_BUILD_LEVEL_+3 was accepted")
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// TestVerifierIDChecked: a VSA publishes its verifier id, so one that is
// not an absolute URI, or carries a password, is refused (and the
// password is not shown).
func TestVerifierIDChecked(t *testing.T) {
	k := provenancetest.SeededKey(t, 0)
	for id, want := range map[string]string{
		"release gate":                        "white space",
		"gate":                                "not an absolute URI",
		"https://gate:hunter2@ci.example.com": "user name or password",
		"https://ci.example.com/gate?access_token=hunter2": "user name, password or token",
	} {
		_, err := Envelopes(context.Background(), &policy.Report{Allowed: true}, Request{Signer: k.Signer, VerifierID: id})
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("verifier id %q: error %v, want %q without the password", id, err, want)
		}
	}
}

// TestResourceURIChecked: a resource URI that carries credentials is not
// published.
func TestResourceURIChecked(t *testing.T) {
	k := provenancetest.SeededKey(t, 0)
	r := &policy.Report{Allowed: true, Artifacts: []policy.Artifact{{Name: "app", Allowed: true}}}
	_, err := Envelopes(context.Background(), r, Request{Signer: k.Signer, VerifierID: "https://gate.example.com", ResourceURI: "https://me:hunter2@dl.example.com/app"})
	if err == nil || !strings.Contains(err.Error(), "user name, password or token") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v, want the credentials refused and not shown", err)
	}
}
