package policy

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/policy/trust"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// art is an artifact's content and its digests.
type art struct {
	name    string
	content string
	sha256  string
	sha512  string
}

func newArt(name string) art {
	d, _ := digest.Reader(strings.NewReader("content of "+name), digest.SHA256, digest.SHA512)
	return art{name: name, content: "content of " + name, sha256: d[digest.SHA256], sha512: d[digest.SHA512]}
}

func (a art) input() Input {
	return Input{Name: a.name, Digests: digest.Set{digest.SHA256: a.sha256}}
}

func (a art) subject(algs ...string) digest.Artifact {
	d := digest.Set{}
	for _, alg := range algs {
		switch alg {
		case digest.SHA256:
			d[alg] = a.sha256
		case digest.SHA512:
			d[alg] = a.sha512
		}
	}
	return digest.Artifact{Name: a.name, Digests: d}
}

// v1Line is SLSA provenance v1 about the subjects, signed.
func v1Line(t testing.TB, o provenance.AttestOptions, subjects []digest.Artifact, by ...provenancetest.Key) string {
	t.Helper()
	st, err := provenance.NewAttestStatement(subjects, o)
	if err != nil {
		t.Fatal(err)
	}
	return provenancetest.StatementLine(t, st, by...)
}

// v02Line is SLSA provenance v0.2 about the subjects, signed.
func v02Line(t testing.TB, builder, source string, subjects []digest.Artifact, by ...provenancetest.Key) string {
	t.Helper()
	pred := fmt.Sprintf(`{"builder":{"id":%q},"buildType":"https://example.com/bt","invocation":{"configSource":{"uri":%q}},"materials":[{"uri":"git+https://github.com/o/dep"}]}`, builder, source)
	st, err := provenance.NewGenericStatement(subjects, provenance.PredicateSLSAv0_2, []byte(pred))
	if err != nil {
		t.Fatal(err)
	}
	return provenancetest.StatementLine(t, st, by...)
}

// respelled re-signs the payload of a signed line with old replaced by
// new: a statement provenant would not write, signed by a trusted key.
func respelled(t testing.TB, signed, old, new string, by ...provenancetest.Key) string {
	t.Helper()
	var env attest.Envelope
	if err := json.Unmarshal([]byte(signed), &env); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(payload), old) {
		t.Fatalf("the payload has no %s", old)
	}
	return provenancetest.Line(t, env.PayloadType, []byte(strings.ReplaceAll(string(payload), old, new)), by...)
}

// tamper rewrites an envelope line.
func tamper(t testing.TB, l string, f func(env map[string]any)) string {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal([]byte(l), &env); err != nil {
		t.Fatal(err)
	}
	f(env)
	b, _ := json.Marshal(env)
	return string(b)
}

func TestVerify(t *testing.T) {
	k := provenancetest.SeededKeys(t, 4)
	app, lib := newArt("app"), newArt("lib")
	const builder = "https://github.com/org/builders/.github/workflows/release.yml"
	const source = "git+https://github.com/org/app@refs/heads/main"
	good := provenance.AttestOptions{BuilderID: builder + "@refs/tags/v1", Source: source}
	both := []digest.Artifact{app.subject(digest.SHA256), lib.subject(digest.SHA256)}
	keys1 := with(setup{}, WithKeys(k[0].Public))
	// builds1: k[0] signs for the builder (a trust file's keys[].builders);
	// without it a builder id is only claimed.
	builds1 := with(setup{}, WithKeys(k[0].Public), builderTrust([]string{builder}, k[0]))
	keys3 := with(setup{}, WithKeys(k[0].Public, k[1].Public, k[2].Public))

	goodLine := v1Line(t, good, both, k[0])
	dupPayload := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":"` + app.sha256 + `"}}],"predicateType":"https://slsa.dev/provenance/v1","predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`)
	sameSigTwice := tamper(t, goodLine, func(env map[string]any) {
		sigs := env["signatures"].([]any)
		env["signatures"] = append(sigs, sigs[0])
	})
	otherPred, err := provenance.NewGenericStatement(both, "https://example.com/not-provenance/v1", []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name    string
		lines   []string
		opts    setup
		inputs  []Input
		allowed bool
		reasons []string // substrings, each in the reasons of every artifact
	}{
		{"signed by a trusted key", []string{goodLine}, keys1, []Input{app.input(), lib.input()}, true, nil},
		{"threshold 2, signed by 2 of 3", []string{v1Line(t, good, both, k[0], k[1])}, with(keys3, WithThreshold(2)), []Input{app.input()}, true, nil},
		{"threshold 3, signed by 2 of 3", []string{v1Line(t, good, both, k[0], k[2])}, with(keys3, WithThreshold(3)), []Input{app.input()}, false, []string{"b.jsonl:1: signature", "2 distinct trusted key(s), 3 required"}},
		{"same signature twice counts once", []string{sameSigTwice}, with(keys3, WithThreshold(2)), []Input{app.input()}, false, []string{"1 distinct trusted key(s), 2 required"}},
		{"wrong key", []string{v1Line(t, good, both, k[3])}, keys3, []Input{app.input()}, false, []string{"no signature from a trusted key"}},
		{"tampered payload", []string{tamper(t, goodLine, func(env map[string]any) {
			env["payload"] = base64.StdEncoding.EncodeToString([]byte(`{"_type":"https://in-toto.io/Statement/v1"}`))
		})}, keys1, []Input{app.input()}, false, []string{"b.jsonl:1: signature"}},
		{"tampered payloadType", []string{tamper(t, goodLine, func(env map[string]any) { env["payloadType"] = "application/json" })}, keys1, []Input{app.input()}, false, []string{"b.jsonl:1: signature"}},
		{"signed, but not an in-toto payloadType", []string{provenancetest.Line(t, "application/json", []byte(`{}`), k[0])}, keys1, []Input{app.input()}, false, []string{"payload type"}},
		{"signed payload with a duplicate key", []string{provenancetest.Line(t, attest.PayloadType, dupPayload, k[0])}, keys1, []Input{app.input()}, false, []string{"duplicate JSON key \"predicateType\""}},
		{"signed, unknown statement type", []string{provenancetest.Line(t, attest.PayloadType, []byte(`{"_type":"https://in-toto.io/Statement/v2","subject":[{"name":"app","digest":{"sha256":"`+app.sha256+`"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`), k[0])}, keys1, []Input{app.input()}, false, []string{`b.jsonl:1: statement: unknown statement type "https://in-toto.io/Statement/v2"`}},
		{"wrong predicate type", []string{provenancetest.StatementLine(t, otherPred, k[0])}, keys1, []Input{app.input()}, false, []string{"no SLSA provenance names this artifact; only b.jsonl:1 (https://example.com/not-provenance/v1)"}},
		{"requested predicate type", []string{provenancetest.StatementLine(t, otherPred, k[0])}, with(keys1, WithPredicateType("https://example.com/not-provenance/v1")), []Input{app.input()}, true, nil},
		// A builder id is a claim until a signer proves it (issue 13, item 4b).
		{"builder id only claimed", []string{goodLine}, with(keys1, WithBuilderID(builder)), []Input{app.input()}, false, []string{`b.jsonl:1: builder id "` + builder + `@refs/tags/v1" is only claimed: no signer proves it`}},
		{"key mapped to another builder", []string{goodLine}, with(keys1, builderTrust([]string{"https://other.example.com/b"}, k[0]), WithBuilderID(builder)), []Input{app.input()}, false, []string{"is only claimed"}},
		{"builder mapped for another key", []string{goodLine}, with(keys3, builderTrust([]string{builder}, k[1]), WithBuilderID(builder)), []Input{app.input()}, false, []string{"is only claimed"}},
		{"key mapped to the builder at another ref", []string{goodLine}, with(keys1, builderTrust([]string{builder + "@refs/tags/v2"}, k[0]), WithBuilderID(builder)), []Input{app.input()}, false, []string{"is only claimed"}},
		{"builder id matches any ref", []string{goodLine}, with(builds1, WithBuilderID(builder)), []Input{app.input()}, true, nil},
		{"builder id matches the ref", []string{goodLine}, with(builds1, WithBuilderID(builder+"@refs/tags/v1")), []Input{app.input()}, true, nil},
		{"builder id with another ref", []string{goodLine}, with(builds1, WithBuilderID(builder+"@refs/tags/v2")), []Input{app.input()}, false, []string{`builder id is "` + builder + `@refs/tags/v1", want "` + builder + `@refs/tags/v2"`}},
		{"builder id mismatch", []string{goodLine}, with(builds1, WithBuilderID("https://evil.example.com/builder")), []Input{app.input(), lib.input()}, false, []string{"b.jsonl:1: builder id is"}},
		{"source matches", []string{goodLine}, with(keys1, WithSourceURI("github.com/org/app")), []Input{app.input()}, true, nil},
		{"source matches with ref", []string{goodLine}, with(keys1, WithSourceURI("https://github.com/org/app@refs/heads/main")), []Input{app.input()}, true, nil},
		{"source mismatch", []string{goodLine}, with(keys1, WithSourceURI("github.com/org/other")), []Input{app.input()}, false, []string{`source is "` + source + `", want "github.com/org/other"`}},
		{"source ref mismatch", []string{goodLine}, with(keys1, WithSourceURI("github.com/org/app@refs/heads/dev")), []Input{app.input()}, false, []string{"source is"}},
		{"no source recorded", []string{v1Line(t, provenance.AttestOptions{BuilderID: builder}, both, k[0])}, with(keys1, WithSourceURI("github.com/org/app")), []Input{app.input()}, false, []string{"provenance records no source"}},
		{"v0.2 provenance", []string{v02Line(t, builder, source, both, k[0])}, with(builds1, WithBuilderID(builder), WithSourceURI("github.com/org/app@refs/heads/main")), []Input{app.input(), lib.input()}, true, nil},
		{"v0.2 provenance, builder mismatch", []string{v02Line(t, "https://other", source, both, k[0])}, with(builds1, WithBuilderID(builder)), []Input{app.input()}, false, []string{`builder id is "https://other"`}},
		{"v0.2 provenance, first material is the source without configSource", []string{v02Line(t, builder, "", both, k[0])}, with(keys1, WithSourceURI("github.com/o/dep")), []Input{app.input()}, true, nil},
		{"v0.2 provenance, a material is not the source", []string{v02Line(t, builder, source, both, k[0])}, with(keys1, WithSourceURI("github.com/o/dep")), []Input{app.input()}, false, []string{`source is "` + source + `"`}},
		{"v1 provenance, a second dependency is not the source", []string{v1Line(t, provenance.AttestOptions{BuilderID: builder, Source: source}, both, k[0])}, with(builds1, WithSourceURI("github.com/org/app"), WithBuilderID(builder)), []Input{app.input()}, true, nil},
		{"sha512-only subject, artifact by sha512", []string{v1Line(t, good, []digest.Artifact{app.subject(digest.SHA512)}, k[0])}, keys1, []Input{{Name: "app", Digests: digest.Set{digest.SHA512: app.sha512}}}, true, nil},
		{"sha512-only subject, artifact by sha256 only", []string{v1Line(t, good, []digest.Artifact{app.subject(digest.SHA512)}, k[0])}, keys1, []Input{app.input()}, false, []string{"no verified attestation names this artifact (sha256:" + app.sha256 + ")"}},
		{"sha256+sha512 subject, sha512 disagrees", []string{v1Line(t, good, []digest.Artifact{{Name: "app", Digests: digest.Set{digest.SHA256: app.sha256, digest.SHA512: lib.sha512}}}, k[0])}, keys1, []Input{{Name: "app", Digests: digest.Set{digest.SHA256: app.sha256, digest.SHA512: app.sha512}}}, false, []string{"no verified attestation names this artifact"}},
		{"sha256+sha512 subject, both agree", []string{v1Line(t, good, []digest.Artifact{app.subject(digest.SHA256, digest.SHA512)}, k[0])}, keys1, []Input{{Name: "app", Digests: digest.Set{digest.SHA256: app.sha256, digest.SHA512: app.sha512}}}, true, nil},
		// The in-toto digest spec says lowercase hex; a policy compares the
		// digest as written, so an uppercase one is refused, not matched.
		{"uppercase digest in the subject", []string{respelled(t, goodLine, app.sha256, strings.ToUpper(app.sha256), k[0])}, keys1, []Input{app.input()}, false, []string{`b.jsonl:1: statement: subject[0]: digest sha256 "` + strings.ToUpper(app.sha256) + `" is not lowercase hex`}},
		// Names two parsers read differently (issue 13, item 12).
		{"predicate_type", []string{respelled(t, goodLine, `"predicateType"`, `"predicate_type"`, k[0])}, keys1, []Input{app.input()}, false, []string{`b.jsonl:1: statement: member "predicate_type" is not in the in-toto Statement v1 spec (the spec spells it "predicateType")`}},
		{"_TYPE", []string{respelled(t, goodLine, `"_type"`, `"_TYPE"`, k[0])}, keys1, []Input{app.input()}, false, []string{`member "_TYPE" is not in the in-toto Statement v1 spec (the spec spells it "_type")`}},
		{"run_details", []string{respelled(t, goodLine, `"runDetails"`, `"run_details"`, k[0])}, keys1, []Input{app.input()}, false, []string{`b.jsonl:1: SLSA provenance v1: predicate: member "run_details" is not in the SLSA provenance v1 spec (the spec spells it "runDetails")`}},
		{"artifact not covered", []string{v1Line(t, good, []digest.Artifact{lib.subject(digest.SHA256)}, k[0])}, keys1, []Input{app.input()}, false, []string{"no verified attestation names this artifact"}},
		{"two provenances, conflicting builders", []string{v1Line(t, good, both, k[0]), v1Line(t, provenance.AttestOptions{BuilderID: "https://evil.example.com/b", Source: source}, both, k[0])}, with(builds1, WithBuilderID(builder)), []Input{app.input()}, false, []string{`b.jsonl:2: builder id is "https://evil.example.com/b"`}},
		{"two provenances, both pass", []string{v1Line(t, good, both, k[0]), goodLine}, with(builds1, WithBuilderID(builder)), []Input{app.input()}, true, nil},
		{"malformed line denies every artifact", []string{goodLine, `{"payloadType":"x","payload":"@@","signatures":[{"sig":"AQ=="}]}`}, keys1, []Input{app.input(), lib.input()}, false, []string{"b.jsonl:2: malformed envelope: payload is not base64"}},
		{"unverified envelope denies every artifact", []string{goodLine, v1Line(t, good, []digest.Artifact{newArt("other").subject(digest.SHA256)}, k[3])}, keys1, []Input{app.input(), lib.input()}, false, []string{"b.jsonl:2: signature"}},
		{"no artifacts", []string{goodLine}, keys1, nil, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := NewVerifier(c.opts.opts...)
			if err != nil {
				t.Fatalf("NewVerifier = %v", err)
			}
			r, err := v.Verify(context.Background(), provenancetest.Entries(t, c.lines...), c.inputs, c.opts.expect...)
			if err != nil {
				t.Fatalf("Verify = %v", err)
			}
			if r.Allowed != c.allowed {
				t.Errorf("Verify(%s).Allowed = %v, want %v; artifacts %+v", c.name, r.Allowed, c.allowed, r.Artifacts)
			}
			if len(r.Artifacts) != len(c.inputs) {
				t.Fatalf("Verify(%s) = %d artifacts, want %d", c.name, len(r.Artifacts), len(c.inputs))
			}
			for _, a := range r.Artifacts {
				if a.Allowed != c.allowed {
					t.Errorf("artifact %s allowed = %v, want %v (reasons %q)", a.Name, a.Allowed, c.allowed, a.Reasons)
				}
				if a.Allowed && (len(a.Reasons) != 0 || len(a.Attestations) == 0) {
					t.Errorf("artifact %s allowed with reasons %q and attestations %v", a.Name, a.Reasons, a.Attestations)
				}
				if !a.Allowed && len(a.Reasons) == 0 {
					t.Errorf("artifact %s denied without a reason", a.Name)
				}
				joined := strings.Join(a.Reasons, "\n")
				for _, want := range c.reasons {
					if !strings.Contains(joined, want) {
						t.Errorf("artifact %s reasons %q, want one containing %q", a.Name, a.Reasons, want)
					}
				}
				for _, r := range a.Reasons {
					if strings.Contains(r, "\n") {
						t.Errorf("reason %q is not one line", r)
					}
				}
			}
		})
	}
}

// TestVerifyFiles: artifacts given by path are hashed with every algorithm
// a verified subject uses, so a sha512-only subject matches a file.
func TestVerifyFiles(t *testing.T) {
	k := provenancetest.SeededKeys(t, 4)
	app := newArt("app")
	dir := t.TempDir()
	p := filepath.Join(dir, "app")
	attesttest.WriteFile(t, p, []byte(app.content), 0o644)
	v, err := NewVerifier(WithKeys(k[0].Public))
	if err != nil {
		t.Fatal(err)
	}
	es := provenancetest.Entries(t, v1Line(t, provenance.AttestOptions{}, []digest.Artifact{app.subject(digest.SHA512)}, k[0]))
	r, err := v.Verify(context.Background(), es, []Input{{Name: "app", Path: p}})
	if err != nil {
		t.Fatalf("Verify = %v", err)
	}
	if !r.Allowed || r.Artifacts[0].Digests[digest.SHA512] != app.sha512 {
		t.Errorf("Verify(file, sha512 subject) = %+v, want allowed", r.Artifacts)
	}
	missing := filepath.Join(dir, "missing")
	if _, err := v.Verify(context.Background(), es, []Input{{Name: "missing", Path: missing}}); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Verify(missing artifact) = %v, want an error naming it", err)
	}
}

func TestNewVerifierErrors(t *testing.T) {
	k := provenancetest.SeededKeys(t, 4)
	cases := []struct {
		name string
		opts []Option
		want string
	}{
		{"no key", nil, "no trusted key"},
		{"threshold 0", []Option{WithKeys(k[0].Public), WithThreshold(0)}, "at least 1"},
		{"threshold above keys", []Option{WithKeys(k[0].Public, k[1].Public), WithThreshold(3)}, "threshold 3"},
		{"same key twice", []Option{WithKeys(k[0].Public, k[0].Public), WithThreshold(2)}, "1 distinct"},
	}
	for _, c := range cases {
		if _, err := NewVerifier(c.opts...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewVerifier(%s) = %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

// TestBadExpectation: an expectation that cannot hold is an error of the
// call, before anything is judged; VerifyEntry fails the entry with it.
func TestBadExpectation(t *testing.T) {
	k := provenancetest.SeededKeys(t, 4)
	app := newArt("app")
	v, err := NewVerifier(WithKeys(k[0].Public))
	if err != nil {
		t.Fatal(err)
	}
	es := provenancetest.Entries(t, v1Line(t, provenance.AttestOptions{BuilderID: "https://b"}, []digest.Artifact{app.subject(digest.SHA256)}, k[0]))
	for _, x := range []Expectation{WithPredicateType(""), WithSourceVersionedTag("v1.x"), WithPolicies(nil), nil} {
		if r, err := v.Verify(context.Background(), es, []Input{app.input()}, x); err == nil {
			t.Errorf("Verify with a bad expectation = %+v, want an error", r)
		}
		if a := v.VerifyEntry(context.Background(), es[0], WithoutArtifactUnsafe(), x); a.Verified || a.Err == nil {
			t.Errorf("VerifyEntry with a bad expectation = %+v, want it failed", a)
		}
	}
}

func TestReadBundles(t *testing.T) {
	k := provenancetest.SeededKeys(t, 4)
	app := newArt("app")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	attesttest.WriteFile(t, good, []byte(v1Line(t, provenance.AttestOptions{}, []digest.Artifact{app.subject(digest.SHA256)}, k[0])+"\n"), 0o644)
	empty := filepath.Join(dir, "empty.jsonl")
	attesttest.WriteFile(t, empty, nil, 0o644)
	trunc := filepath.Join(dir, "trunc.jsonl")
	attesttest.WriteFile(t, trunc, []byte(`{"payloadType":"x","payload":"`), 0o644)

	v, err := NewVerifier(WithKeys(k[0].Public))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		files   []string
		allowed bool
		want    string
	}{
		{"good", []string{good}, true, ""},
		{"empty bundle", []string{empty}, false, "empty.jsonl: empty bundle"},
		{"good and empty", []string{good, empty}, false, "empty.jsonl: empty bundle"},
		{"truncated", []string{good, trunc}, false, "trunc.jsonl:1: malformed envelope: truncated JSON"},
	}
	for _, c := range cases {
		es, err := ReadBundles(c.files)
		if err != nil {
			t.Errorf("ReadBundles(%s) = %v", c.name, err)
			continue
		}
		r, err := v.Verify(context.Background(), es, []Input{app.input()})
		if err != nil {
			t.Fatal(err)
		}
		if r.Allowed != c.allowed || !strings.Contains(strings.Join(r.Artifacts[0].Reasons, "\n"), c.want) {
			t.Errorf("Verify(%s) allowed %v reasons %q, want %v with %q", c.name, r.Allowed, r.Artifacts[0].Reasons, c.allowed, c.want)
		}
	}
	missing := filepath.Join(dir, "missing.jsonl")
	if _, err := ReadBundles([]string{good, missing}); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("ReadBundles(missing) = %v, want an error naming it", err)
	}
}

// builderTrust maps the signers' keys to builders, as a trust file's
// keys[].builders does.
func builderTrust(builders []string, signers ...provenancetest.Key) Option {
	t := &trust.File{File: "builders.yaml"}
	for i, s := range signers {
		t.Keys = append(t.Keys, &trust.Key{Name: fmt.Sprintf("k%d", i), KeyID: s.Public.ID, Key: s.Public, Builders: builders, Source: "builders.yaml:1"})
	}
	return WithTrust(t)
}

// TestVerifyVSAResult: verify accepts a VSA as evidence only when it says
// PASSED, read through the in-toto VSA binding with the specification's
// member names exactly (issue 13, item 8).
func TestVerifyVSAResult(t *testing.T) {
	k := provenancetest.SeededKeys(t, 4)
	app := newArt("app")
	subj := []digest.Artifact{app.subject(digest.SHA256)}
	vsaLine := func(pred string) string {
		st, err := provenance.NewGenericStatement(subj, provenance.PredicateVSAv1, []byte(pred))
		if err != nil {
			t.Fatal(err)
		}
		return provenancetest.StatementLine(t, st, k[0])
	}
	const base = `"verifier":{"id":"https://gate.example.com"},"timeVerified":"2026-01-01T00:00:00Z","resourceUri":"app","policy":{"uri":"https://example.com/p"},"verifiedLevels":["SLSA_BUILD_LEVEL_2"]`
	tests := []struct {
		name, pred, want string
	}{
		{"passed", `{` + base + `,"verificationResult":"PASSED"}`, ""},
		{"failed", `{` + base + `,"verificationResult":"FAILED"}`, `verification summary result is "FAILED", not PASSED`},
		{"no result", `{` + base + `}`, `verification summary result is "", not PASSED`},
		{"lower case", `{` + base + `,"verificationResult":"passed"}`, `verification summary result is "passed", not PASSED`},
		{"protobuf member name", `{` + base + `,"verification_result":"PASSED"}`, `predicate member "verification_result" is not in the SLSA VSA v1 specification`},
		{"case variant beside a failure", `{` + base + `,"verificationResult":"FAILED","VerificationResult":"PASSED"}`, `predicate member "VerificationResult" is not in`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(WithKeys(k[0].Public))
			if err != nil {
				t.Fatal(err)
			}
			r, err := v.Verify(context.Background(), provenancetest.Entries(t, vsaLine(tt.pred)), []Input{app.input()}, WithPredicateType(provenance.PredicateVSAv1))
			if err != nil {
				t.Fatal(err)
			}
			reasons := strings.Join(r.Artifacts[0].Reasons, "\n")
			if (tt.want == "") != r.Allowed || !strings.Contains(reasons, tt.want) {
				t.Errorf("allowed = %v (%s), want %q", r.Allowed, reasons, tt.want)
			}
		})
	}
}
