package provenance

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
)

// fakeGit is a GitReader that returns a fixed checkout or error.
type fakeGit struct {
	co  *Checkout
	err error
}

func (f fakeGit) Checkout(context.Context, string) (*Checkout, error) { return f.co, f.err }

const (
	sha1  = "0123456789abcdef0123456789abcdef01234567"
	sha1b = "89abcdef0123456789abcdef0123456789abcdef"
)

func githubEnv() map[string]string {
	return map[string]string{
		"CI":                         "true",
		"GITHUB_ACTIONS":             "true",
		"GITHUB_SERVER_URL":          "https://github.com",
		"GITHUB_REPOSITORY":          "octo/app",
		"GITHUB_REPOSITORY_ID":       "123",
		"GITHUB_REPOSITORY_OWNER_ID": "456",
		"GITHUB_REF":                 "refs/tags/v1.2.0",
		"GITHUB_SHA":                 sha1,
		"GITHUB_WORKFLOW_REF":        "octo/app/.github/workflows/release.yml@refs/tags/v1.2.0",
		"GITHUB_WORKFLOW_SHA":        sha1,
		"GITHUB_EVENT_NAME":          "push",
		"GITHUB_RUN_ID":              "987654321",
		"GITHUB_RUN_ATTEMPT":         "2",
		"GITHUB_JOB":                 "build",
		"GITHUB_WORKSPACE":           "/home/runner/work/app/app",
		"RUNNER_ENVIRONMENT":         "github-hosted",
		"RUNNER_OS":                  "Linux",
		"RUNNER_ARCH":                "X64",
	}
}

func gitlabEnv() map[string]string {
	return map[string]string{
		"CI":                 "true",
		"GITLAB_CI":          "true",
		"CI_SERVER_URL":      "https://gitlab.com",
		"CI_PROJECT_PATH":    "group/app",
		"CI_PROJECT_URL":     "https://gitlab.com/group/app",
		"CI_PROJECT_ID":      "42",
		"CI_PROJECT_DIR":     "/builds/group/app",
		"CI_COMMIT_SHA":      sha1b,
		"CI_COMMIT_BRANCH":   "main",
		"CI_COMMIT_REF_NAME": "main",
		"CI_PIPELINE_ID":     "1001",
		"CI_PIPELINE_SOURCE": "push",
		"CI_JOB_ID":          "2002",
		"CI_JOB_NAME":        "build",
		"CI_JOB_URL":         "https://gitlab.com/group/app/-/jobs/2002",
		"CI_RUNNER_ID":       "12270",
		"CI_CONFIG_PATH":     ".gitlab-ci.yml",
	}
}

// with returns a copy of m with changes applied; an empty value deletes.
func with(m map[string]string, changes ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(changes); i += 2 {
		if changes[i+1] == "" {
			delete(out, changes[i])
		} else {
			out[changes[i]] = changes[i+1]
		}
	}
	return out
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestDetectContext(t *testing.T) {
	clean := &Checkout{Root: "/src/app", Remote: "https://ada:" + "s3cret@github.com/octo/app.git", Commit: sha1, Ref: "refs/heads/main"}
	dirty := &Checkout{Root: "/src/app", Remote: "git@github.com:octo/app.git", Commit: sha1b, Dirty: true}
	noRemote := &Checkout{Root: "/src/app", Commit: sha1, Ref: "refs/heads/dev"}
	tests := []struct {
		name string
		env  map[string]string
		git  GitReader
		// want, as JSON of the fields compared
		platform, builder, invocation, source, commit string
		dirty                                         string // "", "true", "false"
		workflow, internal                            string // JSON, "" for nil
		root                                          string
	}{
		{
			name: "github hosted", env: githubEnv(),
			platform: PlatformGitHubActions, builder: "https://github.com/actions/runner/github-hosted",
			invocation: "https://github.com/octo/app/actions/runs/987654321/attempts/2",
			source:     "git+https://github.com/octo/app@refs/tags/v1.2.0", commit: sha1,
			workflow: `{"path":".github/workflows/release.yml","ref":"refs/tags/v1.2.0","repository":"https://github.com/octo/app"}`,
			internal: `{"event_name":"push","job":"build","repository_id":"123","repository_owner_id":"456","run_attempt":"2","run_id":"987654321","runner_arch":"X64","runner_environment":"github-hosted","runner_os":"Linux","workflow_ref":"octo/app/.github/workflows/release.yml@refs/tags/v1.2.0","workflow_sha":"` + sha1 + `"}`,
			root:     "/home/runner/work/app/app",
		},
		{
			name: "github self-hosted, enterprise server, first attempt",
			env: with(githubEnv(), "RUNNER_ENVIRONMENT", "self-hosted", "GITHUB_SERVER_URL", "https://ghe.example.com/",
				"GITHUB_RUN_ATTEMPT", "", "GITHUB_WORKFLOW_REF", "", "GITHUB_REF", "refs/pull/7/merge", "GITHUB_EVENT_NAME", "pull_request",
				"GITHUB_REPOSITORY_ID", "", "GITHUB_REPOSITORY_OWNER_ID", "", "GITHUB_WORKFLOW_SHA", "", "GITHUB_JOB", "", "RUNNER_OS", "", "RUNNER_ARCH", ""),
			platform: PlatformGitHubActions, builder: "https://github.com/actions/runner/self-hosted",
			invocation: "https://ghe.example.com/octo/app/actions/runs/987654321/attempts/1",
			source:     "git+https://ghe.example.com/octo/app@refs/pull/7/merge", commit: sha1,
			internal: `{"event_name":"pull_request","run_attempt":"1","run_id":"987654321","runner_environment":"self-hosted"}`,
			root:     "/home/runner/work/app/app",
		},
		{
			name: "gitlab branch", env: gitlabEnv(),
			platform: PlatformGitLabCI, builder: "https://gitlab.com/group/app/-/runners/12270",
			invocation: "https://gitlab.com/group/app/-/jobs/2002",
			source:     "git+https://gitlab.com/group/app@refs/heads/main", commit: sha1b,
			workflow: `{"path":".gitlab-ci.yml","ref":"refs/heads/main","repository":"https://gitlab.com/group/app"}`,
			internal: `{"job_id":"2002","job_name":"build","job_url":"https://gitlab.com/group/app/-/jobs/2002","pipeline_id":"1001","pipeline_source":"push","project_id":"42","runner_id":"12270","server_url":"https://gitlab.com"}`,
			root:     "/builds/group/app",
		},
		{
			name: "gitlab tag without job url",
			env: with(gitlabEnv(), "CI_COMMIT_TAG", "v2.0.0", "CI_COMMIT_BRANCH", "", "CI_JOB_URL", "", "CI_PROJECT_URL", "",
				"CI_RUNNER_ID", "", "CI_PROJECT_ID", "", "CI_PIPELINE_ID", "", "CI_PIPELINE_SOURCE", "", "CI_JOB_NAME", "", "CI_CONFIG_PATH", ""),
			platform: PlatformGitLabCI, builder: "https://gitlab.com/group/app/-/runners",
			invocation: "https://gitlab.com/group/app/-/jobs/2002",
			source:     "git+https://gitlab.com/group/app@refs/tags/v2.0.0", commit: sha1b,
			workflow: `{"path":".gitlab-ci.yml","ref":"refs/tags/v2.0.0","repository":"https://gitlab.com/group/app"}`,
			internal: `{"job_id":"2002","server_url":"https://gitlab.com"}`,
			root:     "/builds/group/app",
		},
		{
			name: "gitlab merge request", env: with(gitlabEnv(), "CI_COMMIT_BRANCH", "", "CI_MERGE_REQUEST_IID", "17"),
			platform: PlatformGitLabCI, builder: "https://gitlab.com/group/app/-/runners/12270",
			invocation: "https://gitlab.com/group/app/-/jobs/2002",
			source:     "git+https://gitlab.com/group/app@refs/merge-requests/17/head", commit: sha1b,
			workflow: `{"path":".gitlab-ci.yml","ref":"refs/merge-requests/17/head","repository":"https://gitlab.com/group/app"}`,
			internal: `{"job_id":"2002","job_name":"build","job_url":"https://gitlab.com/group/app/-/jobs/2002","pipeline_id":"1001","pipeline_source":"push","project_id":"42","runner_id":"12270","server_url":"https://gitlab.com"}`,
			root:     "/builds/group/app",
		},
		{
			name: "local clean, credentials stripped from the remote", env: map[string]string{}, git: fakeGit{co: clean},
			platform: PlatformLocal, builder: LocalBuilderID,
			source: "git+https://github.com/octo/app.git@refs/heads/main", commit: sha1, dirty: "false", root: "/src/app",
		},
		{
			name: "local dirty, detached, ssh remote", env: map[string]string{"GITHUB_ACTIONS": "false"}, git: fakeGit{co: dirty},
			platform: PlatformLocal, builder: LocalBuilderID,
			source: "git+ssh://github.com/octo/app.git", commit: sha1b, dirty: "true", root: "/src/app",
		},
		{
			name: "local without a remote", env: map[string]string{}, git: fakeGit{co: noRemote},
			platform: PlatformLocal, builder: LocalBuilderID,
			source: "git+file:///src/app@refs/heads/dev", commit: sha1, dirty: "false", root: "/src/app",
		},
		{
			name: "local outside git, in an unknown CI", env: map[string]string{"CI": "true"}, git: fakeGit{err: ErrNoCheckout},
			platform: PlatformLocal, builder: LocalBuilderID,
		},
		{
			name: "local repository without commits", env: map[string]string{}, git: fakeGit{co: &Checkout{Root: "/src/new"}},
			platform: PlatformLocal, builder: LocalBuilderID, root: "/src/new",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := DetectContext(context.Background(), tt.env, "/src/app", tt.git)
			if err != nil {
				t.Fatalf("DetectContext: %v", err)
			}
			var source, commit, dirty string
			if c.Source != nil {
				source, commit = c.Source.URI, c.Source.Commit
				if c.Source.Dirty != nil {
					dirty = toJSON(*c.Source.Dirty)
				}
			}
			var workflow, internal string
			if c.Workflow != nil {
				workflow = toJSON(c.Workflow)
			}
			if c.Internal != nil {
				internal = toJSON(c.Internal)
			}
			for _, f := range []struct{ field, got, want string }{
				{"Platform", c.Platform, tt.platform},
				{"BuilderID", c.BuilderID, tt.builder},
				{"InvocationID", c.InvocationID, tt.invocation},
				{"Source.URI", source, tt.source},
				{"Source.Commit", commit, tt.commit},
				{"Source.Dirty", dirty, tt.dirty},
				{"Workflow", workflow, tt.workflow},
				{"Internal", internal, tt.internal},
				{"Root", c.Root, tt.root},
			} {
				if f.got != f.want {
					t.Errorf("%s = %s, want %s", f.field, f.got, f.want)
				}
			}
			if strings.Contains(source, "s3cret") {
				t.Errorf("the source URI keeps the remote's password: %s", source)
			}
		})
	}
}

func TestDetectContextRefusesIncompleteCI(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"github without sha", with(githubEnv(), "GITHUB_SHA", ""), "GITHUB_SHA"},
		{"github without repository or run", with(githubEnv(), "GITHUB_REPOSITORY", "", "GITHUB_RUN_ID", ""), "GITHUB_REPOSITORY, GITHUB_RUN_ID"},
		{"github short sha", with(githubEnv(), "GITHUB_SHA", "abc123"), "not a 40-digit"},
		{"github run id not a number", with(githubEnv(), "GITHUB_RUN_ID", "1/../2"), "not a number"},
		{"gitlab without commit", with(gitlabEnv(), "CI_COMMIT_SHA", ""), "CI_COMMIT_SHA"},
		{"gitlab job id not a number", with(gitlabEnv(), "CI_JOB_ID", "x"), "not a number"},
	}
	for _, tt := range tests {
		_, err := DetectContext(context.Background(), tt.env, ".", nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
	// A git failure other than "no checkout" is an error, not a silent gap.
	boom := errors.New("git status: fatal: index file corrupt")
	if _, err := DetectContext(context.Background(), map[string]string{}, ".", fakeGit{err: boom}); !errors.Is(err, boom) {
		t.Errorf("git failure: err = %v, want %v", err, boom)
	}
}

func TestRemoteURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://github.com/o/r.git", "https://github.com/o/r.git"},
		{"https://x-access-token:" + "ghs_abc@github.com/o/r", "https://github.com/o/r"},
		{"https://user@gitlab.com/g/r.git", "https://gitlab.com/g/r.git"},
		{"git@github.com:o/r.git", "ssh://github.com/o/r.git"},
		{"github.com:o/r", "ssh://github.com/o/r"},
		{"ssh://git@host:2222/o/r", "ssh://host:2222/o/r"},
		{"/srv/git/r.git", "file:///srv/git/r.git"},
		{"https://host/r?private_token=abc", "https://host/r"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := RemoteURI(tt.in); got != tt.want {
			t.Errorf("RemoteURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestExecGit reads a real checkout with the git command.
func TestExecGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	gitIn := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if _, err := (ExecGit{}).Checkout(context.Background(), dir); !errors.Is(err, ErrNoCheckout) {
		t.Errorf("outside a checkout: err = %v, want ErrNoCheckout", err)
	}
	gitIn("init", "-q", "-b", "main")
	gitIn("remote", "add", "origin", "https://tok:"+"en@example.com/o/r.git")
	attesttest.WriteFile(t, filepath.Join(dir, "a"), []byte("a"), 0o644)
	gitIn("add", "a")
	gitIn("commit", "-q", "-m", "one")
	co, err := (ExecGit{}).Checkout(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.EvalSymlinks(dir)
	if got, _ := filepath.EvalSymlinks(co.Root); got != root || co.Ref != "refs/heads/main" || len(co.Commit) != 40 || co.Dirty {
		t.Errorf("Checkout = %+v, want root %s, refs/heads/main, a commit, clean", co, root)
	}
	attesttest.WriteFile(t, filepath.Join(dir, "untracked"), []byte("u"), 0o644)
	if co, err := (ExecGit{}).Checkout(context.Background(), dir); err != nil || !co.Dirty {
		t.Errorf("with an untracked file: %+v, %v; want dirty", co, err)
	}
}
