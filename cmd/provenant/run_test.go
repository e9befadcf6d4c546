package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
)

// runCIEnv pins the build context to a GitHub Actions run, so that golden
// output does not depend on where the tests run.
var runCIEnv = map[string]string{
	"CI":                         "true",
	"GITHUB_ACTIONS":             "true",
	"GITLAB_CI":                  "",
	"GITHUB_SERVER_URL":          "https://github.com",
	"GITHUB_REPOSITORY":          "example/app",
	"GITHUB_REPOSITORY_ID":       "1001",
	"GITHUB_REPOSITORY_OWNER_ID": "2002",
	"GITHUB_REF":                 "refs/heads/main",
	"GITHUB_SHA":                 "0123456789abcdef0123456789abcdef01234567",
	"GITHUB_WORKFLOW_REF":        "example/app/.github/workflows/build.yml@refs/heads/main",
	"GITHUB_WORKFLOW_SHA":        "",
	"GITHUB_EVENT_NAME":          "push",
	"GITHUB_RUN_ID":              "4242",
	"GITHUB_RUN_ATTEMPT":         "1",
	"GITHUB_JOB":                 "",
	"RUNNER_ENVIRONMENT":         "github-hosted",
	"RUNNER_OS":                  "",
	"RUNNER_ARCH":                "",
}

// setupRun makes a work directory with a test key and a source tree, in the
// pinned GitHub Actions context, and changes into it.
func setupRun(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for k, v := range runCIEnv {
		t.Setenv(k, v)
	}
	t.Setenv("GITHUB_WORKSPACE", dir)
	priv, pub, err := attest.GenerateKey(attest.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"test-only.key": string(priv),
		"test-only.pub": string(pub),
		"src/main.c":    "int main(void) { return 0; }\n",
		"src/util.c":    "int util;\n",
	}
	for name, content := range files {
		attesttest.WriteFile(t, filepath.Join(dir, filepath.FromSlash(name)), []byte(content), 0o600)
	}
	t.Chdir(dir)
	return dir
}

// scrubbedStatements reads the bundle's payloads (unverified: the test
// only looks) and renders them with times, durations and the version
// replaced, as indented JSON.
func scrubbedStatements(t *testing.T, bundle string) string {
	t.Helper()
	entries, err := attest.ReadBundleFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		if e.Err != nil {
			t.Fatal(e.Err)
		}
		payload, err := base64.StdEncoding.DecodeString(e.Envelope.Payload)
		if err != nil {
			t.Fatal(err)
		}
		var st map[string]any
		if err := json.Unmarshal(payload, &st); err != nil {
			t.Fatal(err)
		}
		pred := st["predicate"].(map[string]any)
		rd := pred["runDetails"].(map[string]any)
		md := rd["metadata"].(map[string]any)
		md["startedOn"], md["finishedOn"] = "<time>", "<time>"
		rd["builder"].(map[string]any)["version"] = map[string]any{"provenant": "<version>"}
		for _, bp := range rd["byproducts"].([]any) {
			bp.(map[string]any)["annotations"].(map[string]any)["durationMs"] = "<ms>"
		}
		fmt.Fprintf(&b, "--- %s\n", e.Source)
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(st); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func transcript(args []string, r result) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = a
		if strings.ContainsAny(a, " *$&>'\"{}") {
			quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return fmt.Sprintf("$ provenant %s\nexit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(quoted, " "), r.code, r.stdout, r.stderr)
}

// TestRunGoldenTwoSteps: compile then package into one bundle, in GitHub
// Actions; the package step's material is the compile step's product.
func TestRunGoldenTwoSteps(t *testing.T) {
	pkg := packageDir(t)
	setupRun(t)
	steps := [][]string{
		{"run", "--key", "test-only.key", "--bundle", "build.intoto.jsonl", "--step", "compile",
			"--materials", "src", "--products", "build", "--env", "CC",
			"--", "sh", "-c", "mkdir -p build && cat src/*.c > build/app.o && echo compiled"},
		{"run", "--key", "test-only.key", "--bundle", "build.intoto.jsonl", "--step", "package",
			"--materials", "build/app.o", "--products", "dist/*", "--color", "never",
			"--", "sh", "-c", "mkdir -p dist && cat build/app.o build/app.o > dist/app.bin"},
	}
	t.Setenv("CC", "cc")
	var b strings.Builder
	for _, args := range steps {
		r := runCLI(t, "", args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		b.WriteString(transcript(args, r))
	}
	b.WriteString(scrubbedStatements(t, "build.intoto.jsonl"))
	golden(t, pkg, "run/two-steps.golden", b.String())

	// The bundle verifies both products, from the recorded source.
	r := runCLI(t, "", "verify", "--bundle", "build.intoto.jsonl", "--key=test-only.pub", "--source-uri", "github.com/example/app", "build/app.o", "dist/app.bin")
	if r.code != 0 {
		t.Errorf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The recorded builder (GitHub's hosted runner) is only a claim: a key
	// cannot prove it, and a trust file cannot say it does.
	r = runCLI(t, "", "verify", "--bundle", "build.intoto.jsonl", "--key=test-only.pub", "--builder-id", "https://github.com/actions/runner/github-hosted", "build/app.o")
	if r.code != 1 || !strings.Contains(r.stdout, "is only claimed") {
		t.Errorf("verify --builder-id with a key: exit %d, want 1 (only claimed)\n%s%s", r.code, r.stdout, r.stderr)
	}
	if err := os.WriteFile("trust.yaml", []byte("keys:\n  - id: ci\n    path: test-only.pub\n    builders: [https://github.com/actions/runner/github-hosted]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "", "verify", "--bundle", "build.intoto.jsonl", "--trust=trust.yaml", "--builder-id", "https://github.com/actions/runner/github-hosted", "build/app.o")
	if r.code != 2 || !strings.Contains(r.stderr, "signs only with Sigstore certificates") {
		t.Errorf("a trust file mapping a key to GitHub's runner: exit %d, want 2\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestRunGoldenJSON(t *testing.T) {
	pkg := packageDir(t)
	setupRun(t)
	args := []string{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "build", "--format", "json",
		"--products", "out", "--", "sh", "-c", "mkdir out && echo data > out/data && ln -s ../src out/src-link"}
	r := runCLI(t, "", args...)
	golden(t, pkg, "run/json.golden", transcript(args, r))
}

// TestRunGoldenErrors: one line on stderr and the exit code, for every way
// run refuses or the command fails; and no attestation in any of them.
func TestRunGoldenErrors(t *testing.T) {
	pkg := packageDir(t)
	setupRun(t)
	t.Setenv("GITHUB_TOKEN", "x")
	t.Setenv("BUILD_NOTE", "glpat-"+strings.Repeat("Zy8", 8))
	t.Setenv("MYSQL_PWD", "s3cr3t")
	t.Setenv("DATABASE_URL", "postgres://app:p/s3cr3t@db/app")
	base := []string{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "build", "--products", "."}
	cases := [][]string{
		append(base, "--", "sh", "-c", "exit 3"),
		append(base, "--", "sh", "-c", "kill -TERM $$"),
		append(base, "--", "provenant-no-such-command", "arg"),
		append(base, "--env", "GITHUB_TOKEN", "--", "true"),
		append(base, "--env", "BUILD_NOTE", "--", "true"),
		append(base, "--", "echo", "ghp_"+strings.Repeat("a1", 18)),
		append(base, "--env", "MYSQL_PWD", "--", "true"),
		append(base, "--env", "DATABASE_URL", "--", "true"),
		append(base, "true"),
		append(base, "--"),
		{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "build", "--", "true"},
		{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--products", ".", "--", "true"},
		{"run", "--key", "test-only.key", "--step", "build", "--products", ".", "--", "true"},
		{"run", "--bundle", "b.intoto.jsonl", "--step", "build", "--products", ".", "--", "true"},
		{"run", "--key", "missing.key", "--bundle", "b.intoto.jsonl", "--step", "build", "--products", ".", "--", "true"},
		{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "two words", "--products", ".", "--", "true"},
		{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "build", "--materials", "nope", "--products", ".", "--", "true"},
		{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "build", "--products", "dist", "--", "true"},
		{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "build", "--products", "src", "--", "true"},
	}
	var b strings.Builder
	for _, args := range cases {
		r := runCLI(t, "", args...)
		if r.code == 0 {
			t.Errorf("%v: exit 0, want a failure", args)
		}
		if n := strings.Count(r.stderr, "\n"); n != 1 {
			t.Errorf("%v: %d lines on stderr, want one: %q", args, n, r.stderr)
		}
		if strings.Contains(r.stderr, "glpat-") || strings.Contains(r.stderr, "ghp_") || strings.Contains(r.stderr, "s3cr3t") {
			t.Errorf("%v: stderr repeats a secret: %s", args, r.stderr)
		}
		b.WriteString(transcript(args, r))
	}
	if _, err := os.Stat("b.intoto.jsonl"); err == nil {
		t.Errorf("a failed run wrote the bundle")
	}
	golden(t, pkg, "run/errors.golden", b.String())
}

// setupLocalCheckout is setupRun outside CI: the work directory is a git
// checkout whose origin is remote, with src committed. It skips the test
// without git.
func setupLocalCheckout(t *testing.T, remote string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := setupRun(t)
	for k := range runCIEnv {
		attesttest.Unsetenv(t, k)
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "main")
	git("remote", "add", "origin", remote)
	attesttest.WriteFile(t, ".gitignore", []byte("test-only.key\ntest-only.pub\nout/\n*.jsonl\n"), 0o644)
	git("add", ".gitignore", "src")
	git("commit", "-q", "-m", "one")
	return dir
}

// TestRunLocalCheckout: outside CI, the source is read from the git working
// tree, and a dirty tree is recorded as dirty.
func TestRunLocalCheckout(t *testing.T) {
	dir := setupLocalCheckout(t, "https://builder:hunter2@git.example.com/team/app.git")
	args := []string{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "build", "--format", "json",
		"--materials", "src", "--products", "out", "--", "sh", "-c", "mkdir -p out && echo x > out/x"}
	for i, wantDirty := range []bool{false, true} {
		if wantDirty {
			attesttest.WriteFile(t, "src/util.c", []byte("int util = 1;\n"), 0o644)
			if err := os.RemoveAll("out"); err != nil {
				t.Fatal(err)
			}
		}
		r := runCLI(t, "", args...)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var got struct {
			Platform, BuilderID, Source string
			Dirty                       *bool
		}
		if err := json.Unmarshal([]byte(r.stderr), &got); err != nil {
			t.Fatalf("stderr is not the JSON report: %v\n%s", err, r.stderr)
		}
		if got.Platform != "local" || got.BuilderID != "urn:provenant:builder:local" ||
			got.Source != "git+https://git.example.com/team/app.git@refs/heads/main" || got.Dirty == nil || *got.Dirty != wantDirty {
			t.Errorf("run %d: %+v, want local, the remote without its password, dirty=%v", i, got, wantDirty)
		}
	}
	payload, _ := os.ReadFile(filepath.Join(dir, "b.intoto.jsonl"))
	if strings.Contains(string(payload), "hunter2") {
		t.Error("the remote's password is in the bundle")
	}
}

// TestRunPassesStreams: the command reads provenant's stdin and writes to
// its stdout; provenant's report is on stderr.
func TestRunPassesStreams(t *testing.T) {
	setupRun(t)
	r := runCLI(t, "", "run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "s", "--products", "out",
		"--", "sh", "-c", "mkdir out && wc -c < /dev/null > out/n && echo to-stdout && echo to-stderr >&2")
	if r.code != 0 || r.stdout != "to-stdout\n" || !strings.HasPrefix(r.stderr, "to-stderr\nprovenant: run: step s:") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestRunGoldenRedacts: run records a command with credentials redacted,
// says which arguments on stderr without a value, and records a
// secret-looking variable only with --env-allow-secret (issue 13, item 16).
func TestRunGoldenRedacts(t *testing.T) {
	pkg := packageDir(t)
	setupRun(t)
	t.Setenv("PUBLISHED_API_KEY", "public-demo-key")
	args := []string{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "publish", "--products", "out",
		"--env-allow-secret", "PUBLISHED_API_KEY",
		"--", "sh", "-c", "mkdir -p out && echo published > out/receipt", "sh",
		"--token=s3cr3t-1", "--password", "s3cr3t-2", "-H", "Authorization: Bearer s3cr3t-3",
		"https://deploy:p/s3cr3t-4@git.example.com/o/r.git", "DATABASE_URL=postgres://app:s3cr3t-5@db/app"}
	r := runCLI(t, "", args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	out := transcript(args, r) + scrubbedStatements(t, "b.intoto.jsonl")
	// The transcript repeats the command line as typed; the secrets must
	// be absent from everything after it.
	if after := out[strings.Index(out, "\nexit "):]; strings.Contains(after, "s3cr3t") {
		t.Errorf("a secret is printed or recorded:\n%s", after)
	}
	golden(t, pkg, "run/redacts.golden", out)
}

// TestRunRemoteWithUnparseablePassword: a git remote whose password
// url.Parse rejects is recorded and printed without it.
func TestRunRemoteWithUnparseablePassword(t *testing.T) {
	pkg := packageDir(t)
	dir := setupLocalCheckout(t, "https://builder:hun/ter2@git.example.com/team/app.git")
	args := []string{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "build", "--color", "never",
		"--products", "out", "--", "sh", "-c", "mkdir -p out && echo x > out/x"}
	r := runCLI(t, "", args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	payload, _ := os.ReadFile(filepath.Join(dir, "b.intoto.jsonl"))
	if strings.Contains(r.stderr+string(payload)+scrubbedStatements(t, "b.intoto.jsonl"), "ter2") {
		t.Errorf("the remote's password is printed or recorded:\n%s", r.stderr)
	}
	golden(t, pkg, "run/remote-unparseable.golden", transcript(args, r))
}

// TestRunGoldenGlobs: --materials and --products take the one pattern
// dialect ({a,b}, **); a link the build plants under a product pattern is
// recorded as a link, not followed out of the product directory.
func TestRunGoldenGlobs(t *testing.T) {
	pkg := packageDir(t)
	setupRun(t)
	attesttest.WriteFile(t, "src/inc/x.h", []byte("int x;\n"), 0o644)
	args := []string{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "build",
		"--materials", "src/{main,util}.c", "--materials", "**/*.h", "--products", "dist/*",
		"--", "sh", "-c", "mkdir -p dist/sub && echo a > dist/app && echo b > dist/sub/lib && ln -s / dist/root && ln -s app dist/app-latest"}
	r := runCLI(t, "", args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "dist/root/") {
		t.Errorf("run walked the link to / planted under dist/*:\n%s", r.stderr)
	}
	bad := []string{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "build", "--materials", "src/{main", "--products", "dist", "--", "true"}
	r2 := runCLI(t, "", bad...)
	golden(t, pkg, "run/globs.golden", transcript(args, r)+transcript(bad, r2))
}

// TestRunGoldenLink: run --link also writes the in-toto link file and a
// link statement; the link records every file under the products, the
// provenance only the new ones.
func TestRunGoldenLink(t *testing.T) {
	pkg := packageDir(t)
	setupRun(t)
	attesttest.Mkdir(t, "links")
	attesttest.WriteFile(t, filepath.Join("out", "old.txt"), []byte("from before\n"), 0o644)
	id := keyIDOf(t, "test-only.pub")
	args := []string{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "build", "--materials", "src",
		"--products", "out", "--link", "--link-dir", "links", "--", "sh", "-c", "cat src/main.c > out/app"}
	r := runCLI(t, "", args...)
	jsonArgs := []string{"run", "--key", "test-only.key", "--bundle", "b.intoto.jsonl", "--step", "package", "--materials", "out/app",
		"--products", "dist", "--link", "--format", "json", "--", "sh", "-c", "mkdir -p dist && cp out/app dist/app"}
	rj := runCLI(t, "", jsonArgs...)
	got := strings.ReplaceAll(transcript(args, r)+transcript(jsonArgs, rj), id[:8], "KEYID8")
	golden(t, pkg, "run/link.golden", got)
	for _, f := range []string{filepath.Join("links", "build."+id[:8]+".link"), "package." + id[:8] + ".link"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("link file: %v", err)
		}
	}
	entries, err := attest.ReadBundleFile("b.intoto.jsonl")
	if err != nil || len(entries) != 4 {
		t.Fatalf("bundle: %d entries, %v; want 4 (provenance and link, twice)", len(entries), err)
	}
}

// TestRunLinkRefusals: --link with what it cannot work with is refused
// before the command runs.
func TestRunLinkRefusals(t *testing.T) {
	pkg := packageDir(t)
	setupRun(t)
	attesttest.WriteFile(t, "not-a-dir", []byte("x"), 0o644)
	base := []string{"run", "--key", "test-only.key", "--step", "build", "--products", "out"}
	cmd := []string{"--", "sh", "-c", "mkdir -p out && touch out/ran"}
	cases := [][]string{
		append(append(slices.Clone(base), "--bundle", "b.intoto.jsonl", "--link-dir", "links"), cmd...),
		append(append(slices.Clone(base), "--bundle", "b.sigstore.json", "--bundle-format", "sigstore", "--link"), cmd...),
		append(append(slices.Clone(base), "--bundle", "b.intoto.jsonl", "--link", "--link-dir", "missing"), cmd...),
		append(append(slices.Clone(base), "--bundle", "b.intoto.jsonl", "--link", "--link-dir", "not-a-dir"), cmd...),
		append([]string{"run", "--keyless", "--step", "build", "--products", "out", "--bundle", "b.intoto.jsonl", "--link"}, cmd...),
	}
	var b strings.Builder
	for _, args := range cases {
		r := runCLI(t, "", args...)
		oneLineStderr(t, r)
		b.WriteString(transcript(args, r))
		if _, err := os.Stat(filepath.Join("out", "ran")); err == nil {
			t.Fatalf("%v: the command ran", args)
		}
	}
	golden(t, pkg, "run/link-refusals.golden", b.String())
}

// keyIDOf is the key id of a public key file.
func keyIDOf(t *testing.T, path string) string {
	t.Helper()
	k, err := attest.LoadPublicKey(path)
	if err != nil {
		t.Fatal(err)
	}
	return k.ID
}
