package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
)

// TestVerifyArtifactSyntaxGolden: verify takes what attest takes:
// files, directories (walked recursively) and quoted globs, "**"
// included, expanded by the same code (digest.Expand). A glob that matches
// nothing, an empty directory and a FIFO are input errors; a directory
// with one unattested file is denied.
func TestVerifyArtifactSyntaxGolden(t *testing.T) {
	const key = "--key=ed25519-test-only.pub"
	f := newFixture(t)
	for _, d := range []string{"dist/sub", "mixed", "empty"} {
		if err := os.MkdirAll(filepath.Join(f.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	f.write(t, "dist/app.tar.gz", "the release\n")
	f.write(t, "dist/sub/lib.tar.gz", "a library\n")
	f.write(t, "mixed/app.tar.gz", "the release\n")
	f.write(t, "mixed/tampered.tar.gz", "the release, changed\n")
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"directory", []string{"dist"}, 0},
		{"glob", []string{"dist/*.tar.gz"}, 0},
		{"doublestar", []string{"dist/**/*.tar.gz"}, 0},
		{"file-and-directory", []string{"app.tar.gz", "./dist/"}, 0},
		{"directory-with-unattested-file", []string{"mixed"}, 1},
		{"glob-no-match", []string{"dist/*.zip"}, 2},
		{"empty-directory", []string{"empty"}, 2},
		{"missing", []string{"nope/app.tar.gz"}, 2},
		{"resource-uri-directory", []string{"--vsa-out=v.jsonl", "--vsa-key=ed25519-test-only.key", "--verifier-id=https://v.example", "--resource-uri=x", "dist"}, 2},
	}
	t.Chdir(f.dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", append([]string{"verify", "--bundle=good.intoto.jsonl", key}, tt.args...)...)
			oneLineStderr(t, r)
			goldenRun(t, f.pkgDir, filepath.Join("verify", "artifacts-"+tt.name+".golden"), r, tt.wantCode)
		})
	}
	if _, err := os.Stat("v.jsonl"); err == nil {
		t.Error("a refused --resource-uri wrote VSAs")
	}
}

// TestVerifyWrongKeyNamesKeyIDs: a wrong key says which keyid the
// envelope carries and which keys were trusted, in text and JSON, from
// the verification's own result.
func TestVerifyWrongKeyNamesKeyIDs(t *testing.T) {
	f := newFixture(t)
	t.Chdir(f.dir)
	r := runCLI(t, "", "verify", "--format=json", "--bundle=good.intoto.jsonl", "--key=other-ed25519-test-only.pub", "--key=ecdsa-p256-test-only.pub", "app.tar.gz")
	goldenRun(t, f.pkgDir, filepath.Join("verify", "denied-wrong-key-json.golden"), r, 1)
	for _, want := range []string{`"signatureKeyids"`, `"trustedKeyids"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
}

// TestVerifyBundleShapeGolden: a JSON array, pretty-printed documents one
// after another, or --print-input's output given as --bundle is an input
// error (exit 2) of one line that says what the file is and how to convert
// it; the conversion it prints (jq) gives a bundle that verifies. A file
// the detector does not recognise keeps its own denials.
func TestVerifyBundleShapeGolden(t *testing.T) {
	f := newFixture(t)
	t.Chdir(f.dir)
	good, err := os.ReadFile("good.intoto.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(good))
	pretty, err := os.ReadFile("pretty.json")
	if err != nil {
		t.Fatal(err)
	}
	f.write(t, "array.json", "["+line+","+line+"]\n")
	f.write(t, "array-pretty.json", "[\n"+strings.TrimSpace(string(pretty))+"\n]\n")
	f.write(t, "two.json", string(pretty)+string(pretty))
	r := runCLI(t, "", "verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "--print-input", "app.tar.gz", "lib.tar.gz")
	if r.code != 0 {
		t.Fatalf("--print-input: %s", r)
	}
	f.write(t, "input.json", r.stdout)
	f.write(t, "junk.json", "[\n1,\n")
	for _, c := range []struct {
		name, file string
		code       int
	}{
		{"array", "array.json", 2},
		{"array-pretty", "array-pretty.json", 2},
		{"two-documents", "two.json", 2},
		{"print-input", "input.json", 2},
		{"unrecognised", "junk.json", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, "", "verify", "--bundle="+c.file, "--key=ed25519-test-only.pub", "app.tar.gz")
			oneLineStderr(t, r)
			goldenRun(t, f.pkgDir, filepath.Join("verify", "shape-"+c.name+".golden"), r, c.code)
		})
	}
	jq, err := exec.LookPath("jq")
	if err != nil {
		t.Skip("jq not installed: the conversions printed are not run")
	}
	for _, c := range []struct{ file, filter, out string }{
		{"array.json", ".[]", "array.jsonl"},
		{"two.json", ".", "two.jsonl"},
	} {
		out, err := exec.Command(jq, "-c", c.filter, c.file).Output()
		if err != nil {
			t.Fatal(err)
		}
		f.write(t, c.out, string(out))
		if r := runCLI(t, "", "verify", "--bundle="+c.out, "--key=ed25519-test-only.pub", "app.tar.gz"); r.code != 0 {
			t.Errorf("%s converted as printed does not verify: %s", c.file, r)
		}
	}
}

// TestUnknownFlagSuggestsGolden: a mistyped flag gets the command's
// closest flags, and a mistyped command cobra's suggestion, each on a
// line of its own after the one-line error; a flag nothing is close to
// gets the error alone.
func TestUnknownFlagSuggestsGolden(t *testing.T) {
	pkg := packageDir(t)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"flag-typo", []string{"verify", "--bundel=x.jsonl", "--key=k.pub", "app"}},
		{"flag-typo-inherited", []string{"verify", "--colour=never"}},
		{"flag-prefix", []string{"verify", "--certificate-oidc"}},
		{"flag-typo-nested", []string{"policy", "test", "--verbos"}},
		{"flag-typo-run", []string{"run", "--builderid=https://x", "--", "true"}},
		{"flag-far", []string{"verify", "--no-such-flag"}},
		{"flag-shorthand", []string{"verify", "-z"}},
		{"command-typo", []string{"verfy"}},
		{"flag-hostile", []string{"verify", "--bundle\x1b[2J"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, "", c.args...)
			goldenRun(t, pkg, filepath.Join("suggest", c.name+".golden"), r, 2)
		})
	}
}

// TestRunBuilderID: --builder-id is recorded on a local build; it must be
// an absolute URI; on GitHub Actions only the platform's own is accepted,
// and a contradicting one is refused before the command runs.
func TestRunBuilderID(t *testing.T) {
	pkg := packageDir(t)
	setupRun(t) // GitHub Actions, github-hosted
	base := []string{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "build", "--products", "out", "--", "sh", "-c", "mkdir -p out && echo built > out/app && touch ran"}
	with := func(id string) []string {
		return append([]string{"run", "--builder-id", id}, base[1:]...)
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"conflict-github", with("https://ci.example.com/runners/1")},
		{"not-a-uri", with("ci.example.com/runners/1")},
		{"credentials", with("https://bot:hunter2@ci.example.com/runners/1")},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, "", c.args...)
			goldenRun(t, pkg, filepath.Join("run", "builder-id-"+c.name+".golden"), r, 2)
			if _, err := os.Stat("ran"); err == nil {
				t.Fatal("the command ran")
			}
			if strings.Contains(r.stderr, "hunter2") {
				t.Error("a password was printed")
			}
		})
	}
	// The platform's own id is accepted on GitHub.
	if r := runCLI(t, "", with("https://github.com/actions/runner/github-hosted")...); r.code != 0 {
		t.Fatalf("the platform's own builder id: %s", r)
	}
	// Locally the flag wins over urn:provenant:builder:local.
	t.Setenv("GITHUB_ACTIONS", "")
	if err := os.Remove("b.intoto.jsonl"); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "", with("https://ci.example.com/runners/1")...); r.code != 0 {
		t.Fatalf("local: %s", r)
	}
	p := string(decodePayload(t, mustReadEntries(t, "b.intoto.jsonl")[0].Envelope))
	if !strings.Contains(p, `"builder":{"id":"https://ci.example.com/runners/1"`) {
		t.Errorf("builder id not recorded: %s", p)
	}
}

// TestRunTestResult: a step that produces nothing is recorded with what
// it examined as subjects of an in-toto test result (goldens of the
// statements, times scrubbed); verify reads it through the one
// verification path, the policy input exposes it, and the example policy
// (testdata/policies/tests-passed.rego) releases an artifact only when a
// verified test result PASSED on the commit it was built from.
func TestRunTestResult(t *testing.T) {
	pkg := packageDir(t)
	policyFile := filepath.Join(pkg, "..", "..", "testdata", "policies", "tests-passed.rego")
	setupRun(t) // GitHub Actions at commit 0123...
	run := func(bundle string, args ...string) result {
		return runCLI(t, "", append([]string{"run", "--key", "test-only.key", "--bundle", bundle}, args...)...)
	}
	if r := run("passed.intoto.jsonl", "--step", "test", "--test-result", "--materials", "src", "--", "true"); r.code != 0 || !strings.Contains(r.stderr, "test result PASSED for 2 examined file(s)") {
		t.Fatalf("test step: %s", r)
	}
	if r := run("failed.intoto.jsonl", "--step", "test", "--test-result", "--materials", "src", "--", "sh", "-c", "exit 3"); r.code != 3 || !strings.Contains(r.stderr, "its test result, FAILED, was written") {
		t.Fatalf("failing test step: %s", r)
	}
	golden(t, pkg, filepath.Join("run", "test-result-statements.golden"), testResultStatements(t, "passed.intoto.jsonl")+testResultStatements(t, "failed.intoto.jsonl"))
	for _, c := range []struct {
		name string
		args []string
	}{
		{"no-materials", []string{"--step", "test", "--test-result", "--", "true"}},
		{"with-products", []string{"--step", "test", "--test-result", "--materials", "src", "--products", "out", "--", "true"}},
		{"with-link", []string{"--step", "test", "--test-result", "--materials", "src", "--link", "--", "true"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			goldenRun(t, pkg, filepath.Join("run", "test-result-"+c.name+".golden"), run("x.intoto.jsonl", c.args...), 2)
		})
	}
	build := []string{"--step", "compile", "--materials", "src", "--products", "out", "--", "sh", "-c", "mkdir -p out && echo app > out/app"}
	if r := run("build.intoto.jsonl", build...); r.code != 0 {
		t.Fatalf("build step: %s", r)
	}
	// The same build on another commit, tested there.
	t.Setenv("GITHUB_SHA", strings.Repeat("f", 40))
	if r := run("other.intoto.jsonl", "--step", "test", "--test-result", "--materials", "src", "--", "true"); r.code != 0 {
		t.Fatalf("test step on another commit: %s", r)
	}
	cat := func(name string, files ...string) {
		var b strings.Builder
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(data)
		}
		f := filepath.Join(".", name)
		attesttestWrite(t, f, b.String())
	}
	// The policy is read from here under a relative name: its digest
	// (shown in the goldens) covers the name it was loaded by, which must
	// not depend on where the repository is checked out.
	cat("tests-passed.rego", policyFile)
	cat("tested.jsonl", "passed.intoto.jsonl", "build.intoto.jsonl")
	cat("tests-failed.jsonl", "failed.intoto.jsonl", "build.intoto.jsonl")
	cat("tested-elsewhere.jsonl", "other.intoto.jsonl", "build.intoto.jsonl")
	for _, c := range []struct {
		name, bundle string
		code         int
	}{
		{"tested", "tested.jsonl", 0},
		{"untested", "build.intoto.jsonl", 1},
		{"tests-failed", "tests-failed.jsonl", 1},
		{"tested-on-another-commit", "tested-elsewhere.jsonl", 1},
	} {
		t.Run("gate-"+c.name, func(t *testing.T) {
			r := runCLI(t, "", "verify", "--bundle", c.bundle, "--key", "test-only.pub", "--policy", "tests-passed.rego", "out/app")
			goldenRun(t, pkg, filepath.Join("run", "test-result-gate-"+c.name+".golden"), r, c.code)
		})
	}
	// The policy input exposes the verified test result.
	r := runCLI(t, "", "verify", "--bundle", "tested.jsonl", "--key", "test-only.pub", "--print-input", "out/app")
	if r.code != 0 || !strings.Contains(r.stdout, `"testResult": {`) || !strings.Contains(r.stdout, `"result": "PASSED"`) {
		t.Errorf("--print-input: %s", r)
	}
}

func attesttestWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testResultStatements renders the test result statements of a bundle
// (unverified: the test only looks) as indented JSON, with the start
// time and duration replaced.
func testResultStatements(t *testing.T, bundle string) string {
	t.Helper()
	var b strings.Builder
	for _, e := range mustReadEntries(t, bundle) {
		var st map[string]any
		if err := json.Unmarshal(decodePayload(t, e.Envelope), &st); err != nil {
			t.Fatal(err)
		}
		for _, c := range st["predicate"].(map[string]any)["configuration"].([]any) {
			if a, ok := c.(map[string]any)["annotations"].(map[string]any); ok {
				a["durationMs"], a["startedOn"] = "DURATION", "STARTED"
			}
		}
		out, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(out, '\n'))
	}
	return b.String()
}

func mustReadEntries(t *testing.T, bundle string) []attest.Entry {
	t.Helper()
	es, err := attest.ReadBundleFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Err != nil || e.Envelope == nil {
			t.Fatalf("%s: %v", e.Source, e.Err)
		}
	}
	return es
}
