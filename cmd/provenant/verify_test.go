package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/policy/report"
	"github.com/provenant/provenant/provenance"
)

// fixture is a directory with artifacts, bundles and keys for CLI tests.
// Ed25519 signatures are deterministic, so everything in it is too.
type fixture struct {
	pkgDir, dir string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pkgDir := packageDir(t)
	dir := t.TempDir()
	f := &fixture{pkgDir: pkgDir, dir: dir}
	for _, k := range []string{"ed25519-test-only", "other-ed25519-test-only", "ecdsa-p256-test-only"} {
		for _, ext := range []string{".key", ".pub"} {
			data, err := os.ReadFile(filepath.Join(pkgDir, "testdata", "keys", k+ext))
			if err != nil {
				t.Fatal(err)
			}
			f.write(t, k+ext, string(data))
		}
	}
	// The release key signs for the release builder: without this, a
	// builder id is only claimed.
	f.write(t, "builders.trust.yaml", "keys:\n  - id: release\n    path: ed25519-test-only.pub\n    builders: [https://ci.example.com/builders/release]\n")
	f.write(t, "app.tar.gz", "the release\n")
	f.write(t, "lib.tar.gz", "a library\n")
	f.write(t, "tampered.tar.gz", "the release, changed\n")
	signer, err := attest.LoadSigner(filepath.Join(dir, "ed25519-test-only.key"))
	if err != nil {
		t.Fatal(err)
	}
	arts := f.hash(t, "app.tar.gz", "lib.tar.gz")
	good := f.sign(t, signer, f.statement(t, arts, "https://ci.example.com/builders/release@v1", "git+https://github.com/example/app@refs/tags/v1.0.0"))
	f.writeLines(t, "good.intoto.jsonl", good)

	// A pretty-printed single envelope.
	pretty, err := json.MarshalIndent(good, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	f.write(t, "pretty.json", string(pretty)+"\n")

	// Bad input, one per file.
	f.write(t, "truncated.intoto.jsonl", string(mustMarshal(t, good))[:80]+"\n")
	f.write(t, "notjson.intoto.jsonl", "this is not JSON\n")
	f.write(t, "empty.intoto.jsonl", "\n\n")
	f.write(t, "nosig.intoto.jsonl", `{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}`+"\n")
	f.write(t, "badb64.intoto.jsonl", `{"payloadType":"application/vnd.in-toto+json","payload":"%%%not base64%%%","signatures":[{"sig":"AAAA"}]}`+"\n")
	tampered := *good
	tampered.Payload = base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(decodePayload(t, good)), "release@v1", "evil@v1", 1)))
	f.writeLines(t, "tampered.intoto.jsonl", good, &tampered)
	other, err := attest.SignPayload(context.Background(), "text/plain", []byte("hello"), signer)
	if err != nil {
		t.Fatal(err)
	}
	f.writeLines(t, "payloadtype.intoto.jsonl", other)
	v2, err := attest.SignPayload(context.Background(), attest.PayloadType,
		[]byte(`{"_type":"https://in-toto.io/Statement/v2","subject":[{"name":"x","digest":{"sha256":"`+arts[0].Digests["sha256"]+`"}}],"predicateType":"p","predicate":{}}`), signer)
	if err != nil {
		t.Fatal(err)
	}
	f.writeLines(t, "stmttype.intoto.jsonl", v2)
	dup, err := attest.SignPayload(context.Background(), attest.PayloadType,
		[]byte(`{"_type":"https://in-toto.io/Statement/v1","_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x","digest":{"sha256":"`+arts[0].Digests["sha256"]+`"}}],"predicateType":"p","predicate":{}}`), signer)
	if err != nil {
		t.Fatal(err)
	}
	f.writeLines(t, "dupkey.intoto.jsonl", dup)
	f.write(t, "notakey.pub", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	return f
}

func (f *fixture) write(t *testing.T, name, data string) {
	t.Helper()
	attesttest.WriteFile(t, filepath.Join(f.dir, name), []byte(data), 0o644)
}

func (f *fixture) writeLines(t *testing.T, name string, envs ...*attest.Envelope) {
	t.Helper()
	var b strings.Builder
	for _, e := range envs {
		b.Write(mustMarshal(t, e))
		b.WriteByte('\n')
	}
	f.write(t, name, b.String())
}

func (f *fixture) hash(t *testing.T, names ...string) []digest.Artifact {
	t.Helper()
	arts := make([]digest.Artifact, len(names))
	for i, n := range names {
		d, err := digest.File(filepath.Join(f.dir, n), digest.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		arts[i] = digest.Artifact{Name: n, Digests: d}
	}
	return arts
}

func (f *fixture) statement(t *testing.T, arts []digest.Artifact, builder, source string) *attest.Statement {
	t.Helper()
	ext, err := structpb.NewStruct(map[string]any{"source": source})
	if err != nil {
		t.Fatal(err)
	}
	st, err := provenance.NewStatement(arts, &slsa1.Provenance{
		BuildDefinition: &slsa1.BuildDefinition{BuildType: provenance.BuildTypeAttest, ExternalParameters: ext},
		RunDetails:      &slsa1.RunDetails{Builder: &slsa1.Builder{Id: builder}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (f *fixture) sign(t *testing.T, s attest.Signer, st *attest.Statement) *attest.Envelope {
	t.Helper()
	env, err := attest.SignStatement(context.Background(), st, s)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func mustMarshal(t *testing.T, e *attest.Envelope) []byte {
	t.Helper()
	b, err := attest.MarshalEnvelope(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodePayload(t *testing.T, e *attest.Envelope) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(e.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyGolden(t *testing.T) {
	const key = "--key=ed25519-test-only.pub"
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"ok", []string{"verify", "--bundle=good.intoto.jsonl", key, "app.tar.gz", "lib.tar.gz"}, 0},
		{"ok-json", []string{"verify", "--format=json", "--bundle=good.intoto.jsonl", key, "app.tar.gz"}, 0},
		{"ok-pretty-envelope", []string{"verify", "--bundle=pretty.json", key, "app.tar.gz"}, 0},
		{"ok-builder-source", []string{"verify", "--bundle=good.intoto.jsonl", "--trust=builders.trust.yaml", "--builder-id=https://ci.example.com/builders/release", "--source-uri=github.com/example/app", "app.tar.gz"}, 0},
		{"denied-builder-only-claimed", []string{"verify", "--bundle=good.intoto.jsonl", key, "--builder-id=https://ci.example.com/builders/release", "--source-uri=github.com/example/app", "app.tar.gz"}, 1},
		{"ok-threshold-two-keys", []string{"verify", "--bundle=good.intoto.jsonl", key, "--key=other-ed25519-test-only.pub", "app.tar.gz"}, 0},
		{"denied-threshold", []string{"verify", "--bundle=good.intoto.jsonl", key, "--key=other-ed25519-test-only.pub", "--threshold=2", "app.tar.gz"}, 1},
		{"usage-same-key-twice-threshold-2", []string{"verify", "--bundle=good.intoto.jsonl", key, key, "--threshold=2", "app.tar.gz"}, 2},
		{"denied-tampered-artifact", []string{"verify", "--bundle=good.intoto.jsonl", key, "app.tar.gz", "tampered.tar.gz"}, 1},
		{"denied-tampered-artifact-json", []string{"verify", "--format=json", "--bundle=good.intoto.jsonl", key, "tampered.tar.gz"}, 1},
		{"denied-wrong-key", []string{"verify", "--bundle=good.intoto.jsonl", "--key=other-ed25519-test-only.pub", "app.tar.gz"}, 1},
		{"denied-builder", []string{"verify", "--bundle=good.intoto.jsonl", key, "--builder-id=https://ci.example.com/builders/other", "app.tar.gz"}, 1},
		{"denied-builder-ref", []string{"verify", "--bundle=good.intoto.jsonl", key, "--builder-id=https://ci.example.com/builders/release@v2", "app.tar.gz"}, 1},
		{"denied-source", []string{"verify", "--bundle=good.intoto.jsonl", key, "--source-uri=github.com/example/other", "app.tar.gz"}, 1},
		{"denied-predicate-type", []string{"verify", "--bundle=good.intoto.jsonl", key, "--predicate-type=https://example.com/other", "app.tar.gz"}, 1},
		{"denied-tampered-envelope", []string{"verify", "--bundle=tampered.intoto.jsonl", key, "app.tar.gz"}, 1},
		{"bad-truncated", []string{"verify", "--bundle=truncated.intoto.jsonl", key, "app.tar.gz"}, 1},
		{"bad-not-json", []string{"verify", "--bundle=notjson.intoto.jsonl", key, "app.tar.gz"}, 1},
		{"bad-empty", []string{"verify", "--bundle=empty.intoto.jsonl", key, "app.tar.gz"}, 1},
		{"bad-no-signatures", []string{"verify", "--bundle=nosig.intoto.jsonl", key, "app.tar.gz"}, 1},
		{"bad-base64", []string{"verify", "--bundle=badb64.intoto.jsonl", key, "app.tar.gz"}, 1},
		{"bad-payload-type", []string{"verify", "--bundle=payloadtype.intoto.jsonl", key, "app.tar.gz"}, 1},
		{"bad-statement-type", []string{"verify", "--bundle=stmttype.intoto.jsonl", key, "app.tar.gz"}, 1},
		{"bad-duplicate-key", []string{"verify", "--bundle=dupkey.intoto.jsonl", key, "app.tar.gz"}, 1},
		{"input-not-a-key", []string{"verify", "--bundle=good.intoto.jsonl", "--key=notakey.pub", "app.tar.gz"}, 2},
		{"input-missing-key", []string{"verify", "--bundle=good.intoto.jsonl", "--key=missing.pub", "app.tar.gz"}, 2},
		{"input-missing-bundle", []string{"verify", "--bundle=missing.intoto.jsonl", key, "app.tar.gz"}, 2},
		{"input-missing-artifact", []string{"verify", "--bundle=good.intoto.jsonl", key, "missing.tar.gz"}, 2},
		{"usage-no-key", []string{"verify", "--bundle=good.intoto.jsonl", "app.tar.gz"}, 2},
		{"usage-no-artifact", []string{"verify", "--bundle=good.intoto.jsonl", key}, 2},
		{"usage-bad-flag", []string{"verify", "--no-such-flag"}, 2},
		{"usage-bad-format", []string{"verify", "--format=yaml", "--bundle=good.intoto.jsonl", key, "app.tar.gz"}, 2},
	}
	f := newFixture(t)
	t.Chdir(f.dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.args...)
			if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine ") {
				t.Errorf("stderr has a stack trace:\n%s", r.stderr)
			}
			oneLineStderr(t, r)
			goldenRun(t, f.pkgDir, filepath.Join("verify", tt.name+".golden"), r, tt.wantCode)
		})
	}
}

// TestVerifyJSONIsDocumented checks that the JSON result parses and has the
// fields docs/formats.md promises.
func TestVerifyJSONIsDocumented(t *testing.T) {
	f := newFixture(t)
	r := runCLI(t, f.dir, "verify", "--format=json", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "app.tar.gz", "tampered.tar.gz")
	var doc struct {
		SchemaVersion string `json:"schemaVersion"`
		Verified      *bool  `json:"verified"`
		Criteria      struct {
			Keys      []string `json:"keys"`
			Threshold int      `json:"threshold"`
		} `json:"criteria"`
		Envelopes []struct {
			Source struct {
				File string `json:"file"`
				Line int    `json:"line"`
			} `json:"source"`
			Verified bool     `json:"verified"`
			Signers  []string `json:"signers"`
		} `json:"envelopes"`
		Artifacts []struct {
			Name     string            `json:"name"`
			Digests  map[string]string `json:"digests"`
			Verified bool              `json:"verified"`
			Reasons  []string          `json:"reasons"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if doc.SchemaVersion != verifySchema || doc.Verified == nil || *doc.Verified {
		t.Errorf("schemaVersion = %q, verified = %v; want %q, false", doc.SchemaVersion, doc.Verified, verifySchema)
	}
	if len(doc.Envelopes) != 1 || !doc.Envelopes[0].Verified || doc.Envelopes[0].Source.Line != 1 || len(doc.Envelopes[0].Signers) != 1 {
		t.Errorf("envelopes = %+v, want one verified envelope at line 1 with one signer", doc.Envelopes)
	}
	if len(doc.Artifacts) != 2 || !doc.Artifacts[0].Verified || doc.Artifacts[1].Verified || len(doc.Artifacts[1].Reasons) == 0 {
		t.Errorf("artifacts = %+v, want app verified and tampered denied with a reason", doc.Artifacts)
	}
	if doc.Criteria.Threshold != 1 || len(doc.Criteria.Keys) != 1 {
		t.Errorf("criteria = %+v", doc.Criteria)
	}
}

// TestVerifyTextCapsReasons: many bad envelopes give a few lines per
// artifact and a count, not one line each; JSON keeps them all.
func TestVerifyTextCapsReasons(t *testing.T) {
	f := newFixture(t)
	t.Chdir(f.dir)
	f.write(t, "many.intoto.jsonl", strings.Repeat("this is not JSON\n", 25))
	r := runCLI(t, "", "verify", "--bundle=many.intoto.jsonl", "--key=ed25519-test-only.pub", "app.tar.gz")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	if n := strings.Count(r.stdout, "also:"); n != report.MaxTextReasons+1 {
		t.Errorf("%d 'also:' lines, want %d:\n%s", n, report.MaxTextReasons+1, r.stdout)
	}
	if !strings.Contains(r.stdout, "also: 15 more reason(s); --format json lists them all") {
		t.Errorf("no count of the reasons left out:\n%s", r.stdout)
	}
	r = runCLI(t, "", "verify", "--format=json", "--bundle=many.intoto.jsonl", "--key=ed25519-test-only.pub", "app.tar.gz")
	if n := strings.Count(r.stdout, "many.intoto.jsonl:"); n < 25 {
		t.Errorf("JSON names %d bad lines, want all 25", n)
	}
}
