package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/sigstore/sigstoretest"
)

const envGitHubServerURLForTest = "GITHUB_SERVER_URL"

// TestMain keeps a real GitHub Actions job that runs these tests out of
// them: in-process runs and the binaries they start see no GITHUB_ACTIONS
// unless a test sets it. It removes this run's XDG_CACHE_HOME after.
func TestMain(m *testing.M) {
	for _, k := range []string{envGitHubActions, envGitHubOutput, envGitHubSummary} {
		_ = os.Unsetenv(k)
	}
	code := m.Run()
	_ = os.RemoveAll(testCacheHome) // cache_env_test.go
	os.Exit(code)
}

// githubRunner makes the runner's files for one step and sets the
// variables GitHub mode reads.
func githubRunner(t *testing.T) (output, summary string) {
	t.Helper()
	dir := t.TempDir()
	output, summary = filepath.Join(dir, "output"), filepath.Join(dir, "summary")
	attesttest.WriteFile(t, output, nil, 0o644)
	attesttest.WriteFile(t, summary, nil, 0o644)
	t.Setenv(envGitHubActions, "true")
	t.Setenv(envGitHubOutput, output)
	t.Setenv(envGitHubSummary, summary)
	return output, summary
}

var stopToken = regexp.MustCompile(`provenant-[0-9a-f]{32}`)

// githubGolden is what a step left: the CLI's output (the stop-commands
// token replaced), the outputs file and the summary.
func githubGolden(t *testing.T, r result, dir, output, summary string) string {
	t.Helper()
	o, _ := os.ReadFile(output)
	s, _ := os.ReadFile(summary)
	all := r.String() + "--- GITHUB_OUTPUT\n" + string(o) + "--- GITHUB_STEP_SUMMARY\n" + string(s)
	all = stopToken.ReplaceAllString(all, "TOKEN")
	return strings.ReplaceAll(all, dir, "DIR")
}

func TestGitHubActions(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"verify-allowed", []string{"verify", "--bundle", "good.intoto.jsonl", "--key", "ed25519-test-only.pub", "app.tar.gz"}, 0},
		{"verify-denied", []string{"verify", "--bundle", "good.intoto.jsonl", "--key", "ed25519-test-only.pub", "app.tar.gz", "tampered.tar.gz"}, 1},
		{"verify-denied-json", []string{"verify", "--format", "json", "--bundle", "good.intoto.jsonl", "--key", "ed25519-test-only.pub", "tampered.tar.gz"}, 1},
		{"verify-input-error", []string{"verify", "--bundle", "missing.intoto.jsonl", "--key", "ed25519-test-only.pub", "app.tar.gz"}, 2},
		{"verify-never", []string{"verify", "--github-actions", "never", "--bundle", "good.intoto.jsonl", "--key", "ed25519-test-only.pub", "app.tar.gz"}, 0},
		{"attest", []string{"attest", "--key", "ed25519-test-only.key", "--bundle", "new.intoto.jsonl", "app.tar.gz", "::add-mask::x"}, 0},
		{"inspect", []string{"inspect", "--key", "ed25519-test-only.pub", "good.intoto.jsonl"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			output, summary := githubRunner(t)
			if tc.name == "attest" {
				f.write(t, "::add-mask::x", "a subject whose name is a workflow command\n")
			}
			r := runCLI(t, f.dir, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r)
			}
			golden(t, f.pkgDir, "github/"+tc.name+".golden", githubGolden(t, r, f.dir, output, summary))
		})
	}
}

// A broken chain in a GitHub step: an output and an error annotation for
// the finding, whatever the signatures say.
func TestGitHubActionsInspectMismatch(t *testing.T) {
	pkg := packageDir(t)
	dir := newInspectFixture(t)
	output, summary := githubRunner(t)
	r := runCLI(t, dir, "inspect", "--key", "ed25519-test-only.pub", "broken.intoto.jsonl")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r)
	}
	got := githubGolden(t, r, dir, output, summary)
	if !strings.Contains(got, "mismatches=1") || !strings.Contains(got, "::error title=provenant inspect%3A digest-mismatch::") {
		t.Errorf("want the mismatches output and an error annotation:\n%s", got)
	}
	golden(t, pkg, "github/inspect-mismatch.golden", got)
}

// A runner file that is a link, or --github-actions always outside a
// step, never gets written; the step says why.
func TestGitHubActionsRefuses(t *testing.T) {
	f := newFixture(t)
	output, _ := githubRunner(t)
	target := filepath.Join(t.TempDir(), "elsewhere")
	attesttest.WriteFile(t, target, nil, 0o644)
	if err := os.Remove(output); err != nil {
		t.Fatal(err)
	}
	attesttest.Symlink(t, target, output)
	r := runCLI(t, f.dir, "verify", "--bundle", "good.intoto.jsonl", "--key", "ed25519-test-only.pub", "app.tar.gz")
	if r.code != 0 || !strings.Contains(r.stdout, "::warning title=provenant verify::GitHub Actions report:") {
		t.Errorf("a linked GITHUB_OUTPUT: want exit 0 and a warning, got\n%s", r)
	}
	if data, _ := os.ReadFile(target); len(data) != 0 {
		t.Errorf("the link's target was written: %q", data)
	}

	t.Setenv(envGitHubOutput, "")
	r = runCLI(t, f.dir, "verify", "--github-actions", "always", "--bundle", "good.intoto.jsonl", "--key", "ed25519-test-only.pub", "app.tar.gz")
	if r.code != 2 || !strings.Contains(r.stderr, "--github-actions always needs GITHUB_OUTPUT") {
		t.Errorf("always without GITHUB_OUTPUT: want exit 2, got\n%s", r)
	}
	r = runCLI(t, f.dir, "verify", "--github-actions", "sometimes", "--bundle", "good.intoto.jsonl", "--key", "ed25519-test-only.pub", "app.tar.gz")
	if r.code != 2 {
		t.Errorf("--github-actions sometimes: want exit 2, got\n%s", r)
	}
}

// In a GitHub Actions job signing keylessly, attest refuses a --builder-id
// that is not the workflow the job's token names (finding 2 of issue 17).
func TestGitHubKeylessBuilder(t *testing.T) {
	f := newFixture(t)
	iss := sigstoretest.NewIssuer(t)
	const ref = "example/app/.github/workflows/release.yml@refs/tags/v1"
	tokens := map[string]string{
		"with-ref": iss.Token(t, sigstoretest.Claims{"job_workflow_ref": ref}),
		"no-ref":   iss.Token(t, nil),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"value": tokens[r.URL.Query().Get("which")]})
	}))
	defer srv.Close()
	t.Setenv(envGitHubServerURLForTest, "https://github.com")
	t.Setenv(envActionsToken, "request-token")
	for _, tc := range []struct {
		name, which, builder string
		refused              bool
	}{
		{"other workflow", "with-ref", "https://github.com/example/app/.github/workflows/other.yml", true},
		{"other repository", "with-ref", "https://github.com/evil/app/.github/workflows/release.yml@refs/tags/v1", true},
		{"other ref", "with-ref", "https://github.com/example/app/.github/workflows/release.yml@refs/heads/main", true},
		{"prefix only", "with-ref", "https://github.com/example/app/.github/workflows/release.yml@refs/tags/v", true},
		{"no workflow in the token", "no-ref", "https://github.com/example/app/.github/workflows/release.yml", true},
		{"this workflow", "with-ref", "https://github.com/example/app/.github/workflows/release.yml", false},
		{"this workflow at its ref", "with-ref", "https://github.com/" + ref, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(envActionsTokenURL, srv.URL+"/?which="+tc.which)
			r := runCLI(t, f.dir, "attest", "--keyless", "--fulcio-url", "http://127.0.0.1:1", "--tsa-url", "http://127.0.0.1:1", "--rekor-url", "",
				"--builder-id", tc.builder, "--bundle", "k.intoto.jsonl", "app.tar.gz")
			refusedNow := strings.Contains(r.stderr, "not the workflow this job runs as") || strings.Contains(r.stderr, "names no workflow")
			if refusedNow != tc.refused || r.code != 2 {
				t.Errorf("refused=%v (want %v), exit %d:\n%s", refusedNow, tc.refused, r.code, r)
			}
		})
	}
}
