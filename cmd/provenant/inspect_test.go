package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/provenance"
)

// inspectTestTime is the generation time every HTML report made in tests
// shows, so that goldens hold still.
var inspectTestTime = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func init() { inspectNow = func() time.Time { return inspectTestTime } }

// runBuildType is the buildType `provenant run` records.
const runBuildType = "https://github.com/provenant/provenant/blob/main/docs/buildtypes/run-v1.md"

// inspectStep describes one step of a test bundle, the way `provenant run`
// records it.
type inspectStep struct {
	name      string
	materials map[string]string // name -> content
	products  map[string]string
	start     time.Time
	// Optional facts, as provenant run records them: the builder
	// (LocalBuilderID when empty), the source commit (a fixed one when
	// empty), the source's dirty annotation, the command and its exit
	// status.
	builder, commit string
	dirty           *bool
	command         []any
	exit            int
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// runStatement builds a statement shaped like `provenant run`'s, with fixed
// times and invocation id so that signatures (Ed25519) and goldens are
// deterministic.
func runStatement(t *testing.T, s inspectStep, n int) *attest.Statement {
	t.Helper()
	const source = "git+https://github.com/example/app@refs/heads/main"
	command := s.command
	if command == nil {
		command = []any{"make", s.name}
	}
	ext, err := structpb.NewStruct(map[string]any{
		"step":    s.name,
		"command": command,
		"source":  source,
	})
	if err != nil {
		t.Fatal(err)
	}
	commit, builder := s.commit, s.builder
	if commit == "" {
		commit = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
	}
	if builder == "" {
		builder = provenance.LocalBuilderID
	}
	src := &ita.ResourceDescriptor{Uri: source, Digest: map[string]string{"gitCommit": commit}}
	if s.dirty != nil {
		src.Annotations = &structpb.Struct{Fields: map[string]*structpb.Value{"dirty": structpb.NewBoolValue(*s.dirty)}}
	}
	deps := []*ita.ResourceDescriptor{src}
	for _, name := range sortedNames(s.materials) {
		deps = append(deps, &ita.ResourceDescriptor{Name: name, Digest: map[string]string{"sha256": sha256Hex(s.materials[name])}})
	}
	var products []digest.Artifact
	for _, name := range sortedNames(s.products) {
		products = append(products, digest.Artifact{Name: name, Digests: digest.Set{"sha256": sha256Hex(s.products[name])}})
	}
	pred := &slsa1.Provenance{
		BuildDefinition: &slsa1.BuildDefinition{BuildType: runBuildType, ExternalParameters: ext, ResolvedDependencies: deps},
		RunDetails: &slsa1.RunDetails{
			Builder: &slsa1.Builder{Id: builder},
			Metadata: &slsa1.BuildMetadata{
				InvocationId: "00000000-0000-4000-8000-00000000000" + string(rune('0'+n)),
				StartedOn:    timestamppb.New(s.start),
				FinishedOn:   timestamppb.New(s.start.Add(3 * time.Second)),
			},
			Byproducts: []*ita.ResourceDescriptor{{Name: "command", Annotations: &structpb.Struct{Fields: map[string]*structpb.Value{
				"exitStatus": structpb.NewNumberValue(float64(s.exit)),
				"durationMs": structpb.NewNumberValue(3000),
			}}}},
		},
	}
	st, err := provenance.NewStatement(products, pred)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func sortedNames(m map[string]string) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if names[j] < names[i] {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	return names
}

// newInspectFixture writes a directory with the test keys and bundles:
// two-step.intoto.jsonl (build, then package consuming build's product),
// and mixed.intoto.jsonl (a good envelope, a line that is not one, and an
// envelope signed by another key).
func newInspectFixture(t *testing.T) string {
	t.Helper()
	pkgDir := packageDir(t)
	dir := t.TempDir()
	for _, k := range []string{"ed25519-test-only.key", "ed25519-test-only.pub", "other-ed25519-test-only.key", "other-ed25519-test-only.pub"} {
		data, err := os.ReadFile(filepath.Join(pkgDir, "testdata", "keys", k))
		if err != nil {
			t.Fatal(err)
		}
		attesttest.WriteFile(t, filepath.Join(dir, k), data, 0o644)
	}
	signer, err := attest.LoadSigner(filepath.Join(dir, "ed25519-test-only.key"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := attest.LoadSigner(filepath.Join(dir, "other-ed25519-test-only.key"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	build := runStatement(t, inspectStep{
		name:      "build",
		materials: map[string]string{"src/main.c": "int main(void) { return 0; }\n", "Makefile": "app.o: src/main.c\n"},
		products:  map[string]string{"build/app.o": "object code\n"},
		start:     start,
	}, 1)
	pkg := runStatement(t, inspectStep{
		name:      "package",
		materials: map[string]string{"build/app.o": "object code\n", "README.md": "# app\n"},
		products:  map[string]string{"dist/app.tar.gz": "the release\n"},
		start:     start.Add(time.Minute),
	}, 2)
	sign := func(st *attest.Statement, s attest.Signer) string {
		env, err := attest.SignStatement(context.Background(), st, s)
		if err != nil {
			t.Fatal(err)
		}
		b, err := attest.MarshalEnvelope(env)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	attesttest.WriteFile(t, filepath.Join(dir, "two-step.intoto.jsonl"), []byte(sign(build, signer)+"\n"+sign(pkg, signer)+"\n"), 0o644)
	attesttest.WriteFile(t, filepath.Join(dir, "mixed.intoto.jsonl"), []byte(sign(build, signer)+"\n{\"payloadType\": 1}\n\n"+sign(pkg, other)+"\n"), 0o644)
	attesttest.WriteFile(t, filepath.Join(dir, "empty.intoto.jsonl"), []byte("\n\n"), 0o644)

	// The README's example: compile copies src/main.c to build/app, the
	// same content under two names.
	const mainC = "int main(void) { return 0; }\n"
	compile := runStatement(t, inspectStep{
		name:      "compile",
		materials: map[string]string{"src/main.c": mainC},
		products:  map[string]string{"build/app": mainC},
		command:   []any{"sh", "-c", "mkdir -p build && cat src/*.c > build/app"},
		start:     start,
	}, 4)
	pack := runStatement(t, inspectStep{
		name:      "package",
		materials: map[string]string{"build/app": mainC},
		products:  map[string]string{"dist/app.tar.gz": "the release\n"},
		command:   []any{"sh", "-c", "mkdir -p dist && tar -czf dist/app.tar.gz build/app"},
		start:     start.Add(time.Minute),
	}, 5)
	attesttest.WriteFile(t, filepath.Join(dir, "same-digest.intoto.jsonl"), []byte(sign(compile, signer)+"\n"+sign(pack, signer)+"\n"), 0o644)

	// A broken chain: build/hello changed between compile and package.
	compileHello := runStatement(t, inspectStep{
		name:      "compile",
		materials: map[string]string{"src/hello.c": "int main(void) { return 1; }\n"},
		products:  map[string]string{"build/hello": "hello\n"},
		start:     start,
	}, 6)
	packHello := runStatement(t, inspectStep{
		name:      "package",
		materials: map[string]string{"build/hello": "tampered\n"},
		products:  map[string]string{"dist/hello.tar.gz": "the hello release\n"},
		start:     start.Add(time.Minute),
	}, 7)
	attesttest.WriteFile(t, filepath.Join(dir, "broken.intoto.jsonl"), []byte(sign(compileHello, signer)+"\n"+sign(packHello, signer)+"\n"), 0o644)

	// Unusual facts: a dirty tree, a failed command, another builder,
	// another commit.
	dirty, clean := true, false
	test := runStatement(t, inspectStep{
		name:      "test",
		materials: map[string]string{"build/app.o": "object code\n"},
		products:  map[string]string{"test-report.xml": "<testsuite/>\n"},
		dirty:     &dirty,
		exit:      2,
		start:     start.Add(2 * time.Minute),
	}, 8)
	buildClean := runStatement(t, inspectStep{
		name:      "build",
		materials: map[string]string{"src/main.c": "int main(void) { return 0; }\n", "Makefile": "app.o: src/main.c\n"},
		products:  map[string]string{"build/app.o": "object code\n"},
		dirty:     &clean,
		start:     start,
	}, 9)
	elsewhere := runStatement(t, inspectStep{
		name:      "sign",
		materials: map[string]string{"dist/app.tar.gz": "the release\n"},
		products:  map[string]string{"dist/app.tar.gz.sig": "signature\n"},
		builder:   "https://laptop.example.com/alice",
		commit:    "0123456789abcdef0123456789abcdef01234567",
		start:     start.Add(3 * time.Minute),
	}, 10)
	attesttest.WriteFile(t, filepath.Join(dir, "unusual.intoto.jsonl"), []byte(sign(buildClean, signer)+"\n"+sign(pkg, signer)+"\n"+sign(test, signer)+"\n"+sign(elsewhere, signer)+"\n"), 0o644)
	return dir
}

// inspectTranscript is what a golden file holds: the command, its exit
// code, and both streams.
func inspectTranscript(args []string, r result) string {
	var b strings.Builder
	b.WriteString("$ provenant " + strings.Join(args, " ") + "\n")
	b.WriteString("# exit " + strconv.Itoa(r.code) + "\n")
	if r.stderr != "" {
		b.WriteString("# stderr\n" + r.stderr)
	}
	b.WriteString("# stdout\n" + r.stdout)
	return b.String()
}

func TestInspectGolden(t *testing.T) {
	pkgDir := packageDir(t)
	dir := newInspectFixture(t)
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"two-step-table", []string{"inspect", "two-step.intoto.jsonl"}, 0},
		{"two-step-table-key", []string{"inspect", "--key", "ed25519-test-only.pub", "two-step.intoto.jsonl"}, 0},
		{"two-step-json", []string{"inspect", "--format", "json", "two-step.intoto.jsonl"}, 0},
		{"two-step-json-key", []string{"inspect", "--key", "ed25519-test-only.pub", "--format", "json", "two-step.intoto.jsonl"}, 0},
		{"two-step-markdown", []string{"inspect", "--format", "markdown", "two-step.intoto.jsonl"}, 0},
		{"two-step-markdown-key", []string{"inspect", "--key", "ed25519-test-only.pub", "--format", "markdown", "two-step.intoto.jsonl"}, 0},
		{"two-step-html-key", []string{"inspect", "--key", "ed25519-test-only.pub", "--format", "html", "two-step.intoto.jsonl"}, 0},
		{"mixed-html", []string{"inspect", "--format", "html", "mixed.intoto.jsonl"}, 0},
		{"two-step-wrong-key", []string{"inspect", "--key", "other-ed25519-test-only.pub", "two-step.intoto.jsonl"}, 1},
		{"two-step-wrong-key-json", []string{"inspect", "--key", "other-ed25519-test-only.pub", "--format", "json", "two-step.intoto.jsonl"}, 1},
		{"mixed-table", []string{"inspect", "mixed.intoto.jsonl"}, 0},
		{"mixed-table-keys", []string{"inspect", "--key", "ed25519-test-only.pub", "--key", "other-ed25519-test-only.pub", "mixed.intoto.jsonl"}, 1},
		// Nodes are (name, digest): the same content under two names is
		// two nodes that share a digest, not a loop.
		{"same-digest-table", []string{"inspect", "--key", "ed25519-test-only.pub", "same-digest.intoto.jsonl"}, 0},
		{"same-digest-json", []string{"inspect", "--key", "ed25519-test-only.pub", "--format", "json", "same-digest.intoto.jsonl"}, 0},
		{"same-digest-markdown", []string{"inspect", "--key", "ed25519-test-only.pub", "--format", "markdown", "same-digest.intoto.jsonl"}, 0},
		{"same-digest-html", []string{"inspect", "--key", "ed25519-test-only.pub", "--format", "html", "same-digest.intoto.jsonl"}, 0},
		// A name two steps see with different digests: a finding, first,
		// and exit 1 whatever the signatures say.
		{"broken-table", []string{"inspect", "--key", "ed25519-test-only.pub", "broken.intoto.jsonl"}, 1},
		{"broken-json", []string{"inspect", "--key", "ed25519-test-only.pub", "--format", "json", "broken.intoto.jsonl"}, 1},
		{"broken-markdown", []string{"inspect", "--key", "ed25519-test-only.pub", "--format", "markdown", "broken.intoto.jsonl"}, 1},
		{"broken-html", []string{"inspect", "--key", "ed25519-test-only.pub", "--format", "html", "broken.intoto.jsonl"}, 1},
		{"broken-no-key", []string{"inspect", "broken.intoto.jsonl"}, 1},
		{"broken-report-only", []string{"inspect", "--key", "ed25519-test-only.pub", "--on-mismatch", "report", "broken.intoto.jsonl"}, 0},
		{"broken-wrong-key-report-only", []string{"inspect", "--key", "other-ed25519-test-only.pub", "--on-mismatch", "report", "--format", "json", "broken.intoto.jsonl"}, 1},
		{"bad-on-mismatch", []string{"inspect", "--on-mismatch", "ignore", "broken.intoto.jsonl"}, 2},
		// Recorded facts, the unusual ones flagged.
		{"unusual-table", []string{"inspect", "--key", "ed25519-test-only.pub", "unusual.intoto.jsonl"}, 0},
		{"unusual-json", []string{"inspect", "--key", "ed25519-test-only.pub", "--format", "json", "unusual.intoto.jsonl"}, 0},
		{"unusual-markdown", []string{"inspect", "--key", "ed25519-test-only.pub", "--format", "markdown", "unusual.intoto.jsonl"}, 0},
		{"unusual-html", []string{"inspect", "--key", "ed25519-test-only.pub", "--format", "html", "unusual.intoto.jsonl"}, 0},
		{"bad-missing-file", []string{"inspect", "nope.intoto.jsonl"}, 2},
		{"bad-empty-bundle", []string{"inspect", "empty.intoto.jsonl"}, 2},
		{"bad-no-bundle", []string{"inspect"}, 2},
		{"bad-format", []string{"inspect", "--format", "sarif", "two-step.intoto.jsonl"}, 2},
		{"bad-color", []string{"inspect", "--color", "purple", "two-step.intoto.jsonl"}, 2},
		{"bad-key", []string{"inspect", "--key", "two-step.intoto.jsonl", "two-step.intoto.jsonl"}, 2},
		{"bad-trusted-root", []string{"inspect", "--trusted-root", "root.json", "two-step.intoto.jsonl"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, dir, tt.args...)
			if r.code != tt.wantCode {
				t.Errorf("provenant %s: exit %d, want %d\nstderr: %s", strings.Join(tt.args, " "), r.code, tt.wantCode, r.stderr)
			}
			if r.code == exitInput && (r.stderr == "" || strings.Count(r.stderr, "\n") != 1) {
				t.Errorf("exit 2 should print one line on stderr, got %q", r.stderr)
			}
			golden(t, pkgDir, filepath.Join("inspect", tt.name+".golden"), inspectTranscript(tt.args, r))
		})
	}
}

// inspectVectorCases are real bundles from ../shared/vectors (paths
// relative to it).
var inspectVectorCases = []struct {
	name     string
	args     []string
	wantCode int
}{
	{"vsa-key", []string{"inspect", "--key", "slsa-vsa/vsa_signing_public_key.pem", "slsa-vsa/gke-gce-pre.bcid-vsa.jsonl"}, 0},
	{"vsa-no-key", []string{"inspect", "slsa-vsa/gke-gce-pre.bcid-vsa.jsonl"}, 0},
	{"slsa-verifier-dsse", []string{"inspect", "slsa-verifier/cli/slsa-verifier/testdata/annotated-tag.intoto.jsonl", "slsa-verifier/cli/slsa-verifier/testdata/gha_generic/v2.0.0/binary-linux-amd64-push-v13.0.30.intoto.jsonl"}, 0},
	{"sigstore-unverified", []string{"inspect", "sigstore-go/testing-data/bundles/sigstore.js@2.0.0-provenance.sigstore.json", "slsa-verifier/cli/slsa-verifier/testdata/bcr/MODULE.bazel.intoto.jsonl"}, 0},
	// A certificate signer is verified only for a required identity.
	{"sigstore-identity", []string{"inspect", "--trusted-root", "sigstore-go/examples/trusted-root-public-good.json",
		"--certificate-identity-regexp", "^https://github.com/sigstore/sigstore-js/", "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com",
		"sigstore-go/testing-data/bundles/sigstore.js@2.0.0-provenance.sigstore.json"}, 0},
	{"sigstore-other-identity", []string{"inspect", "--trusted-root", "sigstore-go/examples/trusted-root-public-good.json",
		"--certificate-identity", "someone@example.com", "--certificate-oidc-issuer", "https://github.com/login/oauth",
		"sigstore-go/testing-data/bundles/sigstore.js@2.0.0-provenance.sigstore.json"}, 1},
	{"sigstore-trusted-root", []string{"inspect", "--trusted-root", "sigstore-go/examples/trusted-root-public-good.json", "sigstore-go/testing-data/bundles/sigstore.js@2.0.0-provenance.sigstore.json", "sigstore-go/testing-data/bundles/dsse-2sigs.sigstore.json", "slsa-verifier/cli/slsa-verifier/testdata/gha_go/v2.1.0/binary-linux-amd64-push-v13.0.30.intoto.jsonl"}, 1},
}

func TestInspectVectorsGolden(t *testing.T) {
	pkgDir := packageDir(t)
	dir := attesttest.Vectors(t)
	for _, tt := range inspectVectorCases {
		for _, format := range []string{"table", "json", "markdown", "html"} {
			t.Run(tt.name+"-"+format, func(t *testing.T) {
				args := append([]string{tt.args[0], "--format", format}, tt.args[1:]...)
				r := runCLI(t, dir, args...)
				if r.code != tt.wantCode {
					t.Errorf("provenant %s: exit %d, want %d\nstderr: %s", strings.Join(args, " "), r.code, tt.wantCode, r.stderr)
				}
				golden(t, pkgDir, filepath.Join("inspect", "vectors", tt.name+"-"+format+".golden"), inspectTranscript(args, r))
			})
		}
	}
}

func TestInspectVSAVerifies(t *testing.T) {
	dir := attesttest.Vectors(t)
	r := runCLI(t, dir, "inspect", "--format", "json", "--key", "slsa-vsa/vsa_signing_public_key.pem", "slsa-vsa/gke-gce-pre.bcid-vsa.jsonl")
	for _, want := range []string{
		`"status": "verified"`,
		`"verifierId": "https://bcid.corp.google.com/verifier/bcid_package_enforcer/v0.1"`,
		`"verificationResult": "PASSED"`,
		`"BCID_L1"`, `"SLSA_BUILD_LEVEL_2"`,
		`"keyid": "keystore://76574:prod:vsa_signing_public_key"`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("inspect of the VSA vector lacks %s\n%s", want, r.stdout)
		}
	}
	if r.code != 0 {
		t.Errorf("exit %d, want 0; stderr %s", r.code, r.stderr)
	}
}

// TestInspectHTMLSelfContained checks that the HTML report loads nothing:
// no script, no external stylesheet, image or font, and that text from a
// bundle cannot inject markup.
func TestInspectHTMLSelfContained(t *testing.T) {
	dir := newInspectFixture(t)
	// A statement whose names try to inject markup and terminal escapes.
	signer, err := attest.LoadSigner(filepath.Join(dir, "ed25519-test-only.key"))
	if err != nil {
		t.Fatal(err)
	}
	st := runStatement(t, inspectStep{
		name:      "evil",
		materials: map[string]string{"<script>alert(1)</script>": "x"},
		// ESC [2J clears a terminal; U+202E reorders text on it.
		products: map[string]string{"<img src=https://example.com/x.png>\x1b[2J\u202egpj.exe": "y"},
		start:    time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	}, 3)
	// A step that consumes the hostile name with another digest (a
	// finding that quotes it) from a hostile builder (a note that quotes
	// it).
	st2 := runStatement(t, inspectStep{
		name:      "evil2",
		materials: map[string]string{"<img src=https://example.com/x.png>\x1b[2J\u202egpj.exe": "z"},
		products:  map[string]string{"out": "w"},
		builder:   "https://b.example/<script>alert(2)</script>\x1b[2J\u202e",
		start:     time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	}, 4)
	var lines []byte
	for _, st := range []*attest.Statement{st, st2} {
		env, err := attest.SignStatement(context.Background(), st, signer)
		if err != nil {
			t.Fatal(err)
		}
		line, err := attest.MarshalEnvelope(env)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(append(lines, line...), '\n')
	}
	attesttest.WriteFile(t, filepath.Join(dir, "evil.intoto.jsonl"), lines, 0o644)
	for _, format := range []string{"html", "markdown", "table"} {
		r := runCLI(t, dir, "inspect", "--on-mismatch", "report", "--format", format, "two-step.intoto.jsonl", "evil.intoto.jsonl")
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", format, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "CHAIN BROKEN") || !strings.Contains(r.stdout, "b.example") {
			t.Fatalf("%s output does not show the finding and the note:\n%s", format, r.stdout)
		}
		low := strings.ToLower(r.stdout)
		if !strings.Contains(r.stdout, "gpj.exe") {
			t.Fatalf("%s output does not show the hostile statement:\n%s", format, r.stdout)
		}
		if strings.ContainsAny(r.stdout, "\u202e\x1b") {
			t.Errorf("%s output contains a raw U+202E or ESC", format)
		}
		for _, bad := range []string{"<script", "<img"} {
			switch format {
			case "html":
				if strings.Contains(low, bad) {
					t.Errorf("HTML output contains %q", bad)
				}
			case "markdown":
				// Markdown shows names in code spans, where HTML is
				// text; Mermaid labels escape it.
				fenced := false
				for i, line := range strings.Split(low, "\n") {
					if strings.HasPrefix(line, "```") {
						fenced = !fenced
						continue
					}
					if !fenced && strings.Contains(attesttest.MarkdownProse(line), bad) {
						t.Errorf("markdown line %d holds %q outside a code span: %s", i+1, bad, line)
					}
				}
			}
		}
		if format != "html" {
			continue
		}
		if m := regexp.MustCompile(`<[a-z][^<>]*\s(src|href|srcset|action)\s*=`).FindString(low); m != "" {
			t.Errorf("HTML report has a tag that loads something: %s", m)
		}
		for _, bad := range []string{"@import", "url(http", "<link", "<iframe", "<object", "<embed"} {
			if strings.Contains(low, bad) {
				t.Errorf("HTML report contains %q: it must load nothing", bad)
			}
		}
		if n := strings.Count(low, "http://www.w3.org/2000/svg"); n != 1 {
			t.Errorf("want exactly one http URL outside text (the SVG namespace), got %d", n)
		}
		if !strings.Contains(low, "content-security-policy") {
			t.Error("HTML report has no Content-Security-Policy")
		}
	}
}

// TestInspectJSONSchema validates every JSON report the goldens hold, and
// a few edge cases, against docs/inspect.schema.json; and checks that the
// schema refuses a report with an undocumented field.
func TestInspectJSONSchema(t *testing.T) {
	schemaPath, err := filepath.Abs(filepath.Join("..", "..", "docs", "inspect.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	schema, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatalf("compiling %s: %v", schemaPath, err)
	}
	dir := newInspectFixture(t)
	reports := map[string]string{}
	for _, args := range [][]string{
		{"two-step.intoto.jsonl"},
		{"--key", "ed25519-test-only.pub", "two-step.intoto.jsonl"},
		{"--key", "other-ed25519-test-only.pub", "mixed.intoto.jsonl"},
		{"--key", "ed25519-test-only.pub", "same-digest.intoto.jsonl"},
		{"--key", "ed25519-test-only.pub", "broken.intoto.jsonl"},
		{"--key", "ed25519-test-only.pub", "unusual.intoto.jsonl"},
	} {
		r := runCLI(t, dir, append([]string{"inspect", "--format", "json"}, args...)...)
		reports[strings.Join(args, " ")] = r.stdout
	}
	if vd, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "vectors")); err == nil {
		if _, err := os.Stat(vd); err == nil {
			for _, tt := range inspectVectorCases {
				r := runCLI(t, vd, append([]string{"inspect", "--format", "json"}, tt.args[1:]...)...)
				reports[tt.name] = r.stdout
			}
		}
	}
	for name, out := range reports {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
		if err != nil {
			t.Errorf("%s: output is not JSON: %v", name, err)
			continue
		}
		if err := schema.Validate(doc); err != nil {
			t.Errorf("%s: report does not match docs/inspect.schema.json: %v", name, err)
		}
	}
	bad := strings.Replace(reports["two-step.intoto.jsonl"], `"schemaVersion"`, `"undocumented": 1, "schemaVersion"`, 1)
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	if schema.Validate(doc) == nil {
		t.Error("the schema accepts a report with an undocumented field")
	}
}

// TestInspectColor: colour only when asked for or on a terminal (a test's
// buffer is not one), and never in other formats.
func TestInspectColor(t *testing.T) {
	dir := newInspectFixture(t)
	tests := []struct {
		args []string
		want bool
	}{
		{[]string{"inspect", "two-step.intoto.jsonl"}, false},
		{[]string{"inspect", "--color", "always", "two-step.intoto.jsonl"}, true},
		{[]string{"inspect", "--color", "always", "--format", "json", "two-step.intoto.jsonl"}, false},
		{[]string{"inspect", "--color", "never", "two-step.intoto.jsonl"}, false},
	}
	for _, tt := range tests {
		r := runCLI(t, dir, tt.args...)
		if got := strings.Contains(r.stdout, "\x1b["); got != tt.want {
			t.Errorf("provenant %s: colour %v, want %v", strings.Join(tt.args, " "), got, tt.want)
		}
	}
}
