package provenance

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
)

const (
	hashA = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	hashB = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

func testArts() []digest.Artifact {
	return []digest.Artifact{
		{Name: "dist/app", Digests: digest.Set{"sha256": hashA}},
		{Name: "dist/lib.so", Digests: digest.Set{"sha256": hashB, "sha512": strings.Repeat("ab", 64)}},
	}
}

func TestNewAttestStatementDefaults(t *testing.T) {
	st, err := NewAttestStatement(testArts(), AttestOptions{})
	if err != nil {
		t.Fatalf("NewAttestStatement = %v", err)
	}
	if st.GetType() != attest.StatementTypeV1 || st.GetPredicateType() != PredicateSLSAv1 {
		t.Errorf("statement type %q / %q", st.GetType(), st.GetPredicateType())
	}
	if n := len(st.GetSubject()); n != 2 || st.GetSubject()[1].GetDigest()["sha512"] == "" {
		t.Errorf("subjects = %v, want both artifacts with their digests", st.GetSubject())
	}
	sum, err := Read(st)
	if err != nil {
		t.Fatalf("Read(NewAttestStatement) = %v", err)
	}
	if sum.BuilderID != LocalBuilderID || sum.BuildType != BuildTypeAttest || sum.Source != "" {
		t.Errorf("Summarize = %+v, want the local builder, the attest build type and no source", sum)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(sum.InvocationID) {
		t.Errorf("invocation id %q is not a UUID v4", sum.InvocationID)
	}
	// The statement signs and reads back.
	if _, err := attest.MarshalStatement(st); err != nil {
		t.Errorf("MarshalStatement(NewAttestStatement) = %v", err)
	}
}

func TestNewAttestStatementOptions(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	o := AttestOptions{
		BuilderID:   "https://ci.example.com/builders/release@v2",
		BuildType:   "https://example.com/bt/v1",
		Source:      "git+https://github.com/org/repo@refs/tags/v1",
		Started:     start,
		Finished:    start.Add(time.Minute),
		Version:     "1.2.3",
		ExtraParams: map[string]any{"target": "linux"},
	}
	st, err := NewAttestStatement(testArts(), o)
	if err != nil {
		t.Fatalf("NewAttestStatement = %v", err)
	}
	sum, err := Read(st)
	if err != nil {
		t.Fatal(err)
	}
	if sum.BuilderID != o.BuilderID || sum.BuildType != o.BuildType || sum.Source != o.Source {
		t.Errorf("Summarize = %+v, want %+v", sum, o)
	}
	pred := st.GetPredicate().AsMap()
	bd := pred["buildDefinition"].(map[string]any)
	ext := bd["externalParameters"].(map[string]any)
	if ext["target"] != "linux" || ext["source"] != o.Source {
		t.Errorf("externalParameters = %v", ext)
	}
	if arts, _ := ext["artifacts"].([]any); len(arts) != 2 || arts[0] != "dist/app" {
		t.Errorf("externalParameters.artifacts = %v", ext["artifacts"])
	}
	deps, _ := bd["resolvedDependencies"].([]any)
	if len(deps) != 1 || deps[0].(map[string]any)["uri"] != o.Source {
		t.Errorf("resolvedDependencies = %v, want the source", deps)
	}
	rd := pred["runDetails"].(map[string]any)
	meta := rd["metadata"].(map[string]any)
	if meta["startedOn"] != "2026-01-02T02:04:05Z" || meta["finishedOn"] != "2026-01-02T02:05:05Z" {
		t.Errorf("metadata = %v, want UTC times", meta)
	}
	if v := rd["builder"].(map[string]any)["version"]; v.(map[string]any)["provenant"] != "1.2.3" {
		t.Errorf("builder.version = %v", v)
	}
}

func TestNewStatementErrors(t *testing.T) {
	if _, err := NewAttestStatement(nil, AttestOptions{}); err == nil {
		t.Errorf("NewAttestStatement(no artifacts) = nil error")
	}
	bad := []digest.Artifact{{Name: "x", Digests: digest.Set{"sha256": "abc"}}}
	if _, err := NewAttestStatement(bad, AttestOptions{}); err == nil || !strings.Contains(err.Error(), "statement") {
		t.Errorf("NewAttestStatement(bad digest) = %v, want a statement error", err)
	}
	noExt := &slsa1.Provenance{
		BuildDefinition: &slsa1.BuildDefinition{BuildType: "bt"},
		RunDetails:      &slsa1.RunDetails{Builder: &slsa1.Builder{Id: "b"}},
	}
	if _, err := NewStatement(testArts(), noExt); !errors.Is(err, slsa1.ErrExternalParamsRequired) {
		t.Errorf("NewStatement(no externalParameters) = %v, want ErrExternalParamsRequired", err)
	}
	ext, _ := structpb.NewStruct(map[string]any{"a": 1})
	noBuilder := &slsa1.Provenance{
		BuildDefinition: &slsa1.BuildDefinition{BuildType: "bt", ExternalParameters: ext},
		RunDetails:      &slsa1.RunDetails{Builder: &slsa1.Builder{}, Metadata: &slsa1.BuildMetadata{InvocationId: "i"}},
	}
	if _, err := NewStatement(testArts(), noBuilder); !errors.Is(err, slsa1.ErrBuilderRequired) && !errors.Is(err, slsa1.ErrBuilderIdRequired) {
		t.Errorf("NewStatement(no builder) = %v, want ErrBuilderRequired", err)
	}
}

// TestNewAttestStatementRefusesWhatWouldLeak: attest's builder id is
// checked as run's is (an absolute URI without credentials), and a source
// URI with credentials is refused; the error shows neither secret.
func TestNewAttestStatementRefusesWhatWouldLeak(t *testing.T) {
	for _, tt := range []struct {
		o    AttestOptions
		want string
	}{
		{AttestOptions{BuilderID: "not a uri"}, "white space"},
		{AttestOptions{BuilderID: "ci-builder"}, "not an absolute URI"},
		{AttestOptions{BuilderID: "https://me:hunter2@ci.example.com/b"}, "user name or password"},
		{AttestOptions{BuilderID: "https://ci.example.com/b?token=hunter2"}, "user name, password or token"},
		{AttestOptions{Source: "git+https://x-access-token:ghp_abcdefabcdefabcdefabcdefabcdefabcdef12@github.com/o/r@refs/heads/main"}, "user name, password or token"},
		{AttestOptions{Source: "https://me:hunter2@git.example.com/r.git"}, "user name, password or token"},
	} {
		_, err := NewAttestStatement(testArts(), tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want %q", tt.o, err, tt.want)
			continue
		}
		for _, secret := range []string{"hunter2", "ghp_"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%+v: error %q shows the secret", tt.o, err)
			}
		}
	}
	if _, err := NewAttestStatement(testArts(), AttestOptions{BuilderID: "https://ci.example.com/b", Source: "git+https://github.com/o/r@refs/heads/main"}); err != nil {
		t.Errorf("a clean builder id and source: %v", err)
	}
}

func TestNewGenericStatement(t *testing.T) {
	st, err := NewGenericStatement(testArts(), "https://example.com/p/v1", []byte(`{"a":[1,"x"]}`))
	if err != nil {
		t.Fatalf("NewGenericStatement = %v", err)
	}
	if st.GetPredicateType() != "https://example.com/p/v1" || st.GetPredicate().AsMap()["a"] == nil {
		t.Errorf("NewGenericStatement = %v", st)
	}
	for _, pred := range []string{``, `[]`, `null`, `1`, `"x"`, `{`, `not json`} {
		if _, err := NewGenericStatement(testArts(), "p", []byte(pred)); err == nil {
			t.Errorf("NewGenericStatement(%q) = nil error, want not a JSON object", pred)
		}
	}
	if _, err := NewGenericStatement(testArts(), "", []byte(`{}`)); err == nil {
		t.Errorf("NewGenericStatement(no predicate type) = nil error")
	}
	if _, err := NewGenericStatement(nil, "p", []byte(`{}`)); err == nil {
		t.Errorf("NewGenericStatement(no artifacts) = nil error")
	}
}

func TestNewInvocationIDUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := NewInvocationID()
		if seen[id] || len(id) != 36 {
			t.Fatalf("NewInvocationID() = %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
	}
}

func TestAttest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	signer, key := testKeys(t)
	app := filepath.Join(dir, "app")
	attesttest.WriteFile(t, app, []byte("abc"), 0o644)
	sums := filepath.Join(dir, "SHA256SUMS")
	attesttest.WriteFile(t, sums, []byte(hashB+"  other.tar\n"), 0o644)
	bundle := filepath.Join(dir, "b.intoto.jsonl")
	w := dsseWriter(bundle, signer)

	res, err := Attest(ctx, AttestRequest{Writer: w, Artifacts: []string{app}, Checksums: []string{sums}, SHA512: true})
	if err != nil {
		t.Fatalf("Attest = %v", err)
	}
	if len(res.Subjects) != 2 || res.Subjects[0].Digests["sha256"] != hashA || res.Subjects[0].Digests["sha512"] == "" || res.Subjects[1].Name != "other.tar" {
		t.Errorf("Attest subjects = %+v", res.Subjects)
	}
	if _, err := Attest(ctx, AttestRequest{Writer: w, Artifacts: []string{app}}); err != nil {
		t.Fatalf("Attest(second) = %v", err)
	}
	entries, err := attest.ReadBundleFile(bundle)
	if err != nil || len(entries) != 2 {
		t.Fatalf("bundle = %d entries, %v, want 2 (appended)", len(entries), err)
	}
	v, err := attest.VerifyEnvelope(ctx, entries[0].Envelope, []*attest.PublicKey{key}, 1)
	if err != nil {
		t.Fatal(err)
	}
	st, err := attest.ParseStatement(v.PayloadType, v.Payload)
	if err != nil || st.GetPredicateType() != PredicateSLSAv1 {
		t.Fatalf("ParseStatement = %v, %v", st, err)
	}

	pred := filepath.Join(dir, "pred.json")
	attesttest.WriteFile(t, pred, []byte(`{"result":"PASSED"}`), 0o644)
	res, err = Attest(ctx, AttestRequest{Writer: w, Artifacts: []string{app}, PredicateFile: pred, PredicateType: "https://in-toto.io/attestation/test-result/v0.1"})
	if err != nil || res.PredicateType != "https://in-toto.io/attestation/test-result/v0.1" {
		t.Errorf("Attest(predicate) = %+v, %v", res, err)
	}

	badSums := filepath.Join(dir, "BAD")
	attesttest.WriteFile(t, badSums, []byte("nope\n"), 0o644)
	notObject := filepath.Join(dir, "list.json")
	attesttest.WriteFile(t, notObject, []byte(`[]`), 0o644)
	bad := []struct {
		name string
		r    AttestRequest
		want string
	}{
		{"no writer", AttestRequest{Artifacts: []string{app}}, "no writer"},
		{"missing artifact", AttestRequest{Writer: w, Artifacts: []string{filepath.Join(dir, "missing")}}, "missing: no such file"},
		{"no artifacts", AttestRequest{Writer: w}, "no artifacts"},
		{"missing checksums", AttestRequest{Writer: w, Checksums: []string{filepath.Join(dir, "NOSUMS")}}, "NOSUMS"},
		{"bad checksums", AttestRequest{Writer: w, Checksums: []string{badSums}}, "BAD:1: not a checksum line"},
		{"predicate without type", AttestRequest{Writer: w, Artifacts: []string{app}, PredicateFile: pred}, "go together"},
		{"predicate not an object", AttestRequest{Writer: w, Artifacts: []string{app}, PredicateFile: notObject, PredicateType: "p"}, "not a JSON object"},
		{"missing predicate", AttestRequest{Writer: w, Artifacts: []string{app}, PredicateFile: filepath.Join(dir, "nope.json"), PredicateType: "p"}, "nope.json"},
	}
	before, _ := os.ReadFile(bundle)
	for _, c := range bad {
		_, err := Attest(ctx, c.r)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Attest(%s) = %v, want ErrInput containing %q", c.name, err, c.want)
		}
	}
	if after, _ := os.ReadFile(bundle); string(after) != string(before) {
		t.Errorf("a failed Attest changed the bundle")
	}
	if _, err := Attest(ctx, AttestRequest{Writer: dsseWriter(filepath.Join(dir, "no", "dir", "b.jsonl"), signer), Artifacts: []string{app}}); err == nil || errors.Is(err, ErrInput) {
		t.Errorf("Attest(unwritable bundle) = %v, want a write error that is not ErrInput", err)
	}
}
