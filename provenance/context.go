package provenance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// Platforms a build can run on, as BuildContext.Platform names them.
const (
	PlatformGitHubActions = "github-actions"
	PlatformGitLabCI      = "gitlab-ci"
	PlatformLocal         = "local"
)

// GitHubRunnerBuilderID is the builder id prefix GitHub's own provenance
// uses (actions/attest-build-provenance): followed by "/github-hosted" or
// "/self-hosted", from RUNNER_ENVIRONMENT.
const GitHubRunnerBuilderID = "https://github.com/actions/runner"

// BuildContext is where a build runs, as recorded in its provenance.
type BuildContext struct {
	Platform  string
	BuilderID string
	// InvocationID identifies the CI job run; empty for a local build,
	// which gets a random one.
	InvocationID string
	// Source is the checkout the build ran from; nil when none is known.
	Source *Source
	// Root is the repository's directory on disk: the working directory
	// is recorded relative to it. Empty when unknown.
	Root string
	// Workflow is recorded as externalParameters.workflow (CI only).
	Workflow map[string]any
	// Internal is recorded as internalParameters.<Platform key>: facts the
	// CI platform controls (event, run id, runner environment).
	Internal map[string]any
	// Notes say what could not be determined, for the user; they are not
	// recorded.
	Notes []string
}

// internalKey is the key under internalParameters for the platform facts.
func (c *BuildContext) internalKey() string {
	switch c.Platform {
	case PlatformGitHubActions:
		return "github"
	case PlatformGitLabCI:
		return "gitlab"
	}
	return "local"
}

// Source is a git checkout.
type Source struct {
	// URI is git+<repository URL>[@<ref>], without credentials.
	URI    string
	Commit string
	// Dirty is set for a local checkout: whether the working tree had
	// changes (tracked or untracked) when the build started. CI checkouts
	// are taken as the platform reports them.
	Dirty *bool
}

// Checkout is what a GitReader finds in a working tree.
type Checkout struct {
	Root   string // top-level directory
	Remote string // URL of the remote (origin, else the first), as configured
	Commit string // HEAD; empty in a repository without commits
	Ref    string // refs/heads/<branch>; empty for a detached HEAD
	Dirty  bool
}

// GitReader reads the git checkout around a directory.
type GitReader interface {
	Checkout(ctx context.Context, dir string) (*Checkout, error)
}

// ErrNoCheckout: the directory is not in a git checkout, or git cannot be run.
var ErrNoCheckout = errors.New("no git checkout")

// EnvMap turns KEY=VALUE lines (os.Environ) into a map.
func EnvMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

var (
	hexCommit = regexp.MustCompile(`^[0-9a-f]{40}$`)
	numeric   = regexp.MustCompile(`^[0-9]+$`)
)

// DetectContext works out where the build runs from the environment
// (GITHUB_ACTIONS=true, GITLAB_CI=true, else local) and, for a local build,
// from the git checkout around dir. CI facts are taken from the platform's
// variables and checked for shape; a CI platform that is announced but
// lacks the facts needed to record it faithfully is an error.
//
// Credentials in any URL it records (a server URL or a remote with a
// user and password) are redacted, and so are the notes.
func DetectContext(ctx context.Context, env map[string]string, dir string, git GitReader) (*BuildContext, error) {
	var (
		c   *BuildContext
		err error
	)
	switch {
	case env["GITHUB_ACTIONS"] == "true":
		c, err = githubContext(env)
	case env["GITLAB_CI"] == "true":
		c, err = gitlabContext(env)
	default:
		c, err = localContext(ctx, env, dir, git)
	}
	if err != nil {
		return nil, err
	}
	scrubContext(c)
	return c, nil
}

// scrubContext redacts credentials in every string of the context that is
// recorded or printed.
func scrubContext(c *BuildContext) {
	c.BuilderID = RedactText(c.BuilderID)
	c.InvocationID = RedactText(c.InvocationID)
	if c.Source != nil {
		c.Source.URI = RedactText(c.Source.URI)
	}
	for _, m := range []map[string]any{c.Workflow, c.Internal} {
		for k, v := range m {
			if s, ok := v.(string); ok {
				m[k] = RedactText(s)
			}
		}
	}
	for i, n := range c.Notes {
		c.Notes[i] = RedactText(n)
	}
}

func require(env map[string]string, platform string, names ...string) error {
	var missing []string
	for _, n := range names {
		if env[n] == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s detected, but %s not set: cannot record where the build ran", platform, strings.Join(missing, ", "))
	}
	return nil
}

func checkCommit(name, sha string) error {
	if !hexCommit.MatchString(sha) {
		return fmt.Errorf("%s %q is not a 40-digit lowercase hex commit", name, sha)
	}
	return nil
}

func putIf(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}

func githubContext(env map[string]string) (*BuildContext, error) {
	if err := require(env, "GitHub Actions", "GITHUB_REPOSITORY", "GITHUB_SHA", "GITHUB_RUN_ID"); err != nil {
		return nil, err
	}
	if err := checkCommit("GITHUB_SHA", env["GITHUB_SHA"]); err != nil {
		return nil, err
	}
	if !numeric.MatchString(env["GITHUB_RUN_ID"]) {
		return nil, fmt.Errorf("GITHUB_RUN_ID %q is not a number", env["GITHUB_RUN_ID"])
	}
	server := strings.TrimSuffix(env["GITHUB_SERVER_URL"], "/")
	if server == "" {
		server = "https://github.com"
	}
	repo := server + "/" + env["GITHUB_REPOSITORY"]
	c := &BuildContext{Platform: PlatformGitHubActions, Root: env["GITHUB_WORKSPACE"]}

	uri := "git+" + repo
	if ref := env["GITHUB_REF"]; ref != "" {
		uri += "@" + ref
	} else {
		c.Notes = append(c.Notes, "GITHUB_REF is not set: the source is recorded without a ref")
	}
	c.Source = &Source{URI: uri, Commit: env["GITHUB_SHA"]}

	attempt := env["GITHUB_RUN_ATTEMPT"]
	if attempt == "" {
		attempt = "1"
	}
	c.InvocationID = fmt.Sprintf("%s/actions/runs/%s/attempts/%s", repo, env["GITHUB_RUN_ID"], attempt)

	switch re := env["RUNNER_ENVIRONMENT"]; re {
	case "github-hosted", "self-hosted":
		c.BuilderID = GitHubRunnerBuilderID + "/" + re
	default:
		c.BuilderID = GitHubRunnerBuilderID + "/unknown"
		c.Notes = append(c.Notes, "RUNNER_ENVIRONMENT is not github-hosted or self-hosted: the builder id says unknown")
	}

	// GITHUB_WORKFLOW_REF: owner/repo/.github/workflows/build.yml@refs/heads/main
	if wr := env["GITHUB_WORKFLOW_REF"]; wr != "" {
		p, ref, _ := strings.Cut(wr, "@")
		wrepo, wpath := p, ""
		if parts := strings.SplitN(p, "/", 3); len(parts) == 3 {
			wrepo, wpath = parts[0]+"/"+parts[1], parts[2]
		}
		c.Workflow = map[string]any{"repository": server + "/" + wrepo, "path": wpath, "ref": ref}
	} else {
		c.Notes = append(c.Notes, "GITHUB_WORKFLOW_REF is not set: the workflow is not recorded")
	}

	c.Internal = map[string]any{"run_id": env["GITHUB_RUN_ID"], "run_attempt": attempt}
	for key, name := range map[string]string{
		"event_name":          "GITHUB_EVENT_NAME",
		"repository_id":       "GITHUB_REPOSITORY_ID",
		"repository_owner_id": "GITHUB_REPOSITORY_OWNER_ID",
		"runner_environment":  "RUNNER_ENVIRONMENT",
		"workflow_ref":        "GITHUB_WORKFLOW_REF",
		"workflow_sha":        "GITHUB_WORKFLOW_SHA",
		"job":                 "GITHUB_JOB",
		"runner_os":           "RUNNER_OS",
		"runner_arch":         "RUNNER_ARCH",
	} {
		putIf(c.Internal, key, env[name])
	}
	return c, nil
}

func gitlabContext(env map[string]string) (*BuildContext, error) {
	if err := require(env, "GitLab CI", "CI_SERVER_URL", "CI_PROJECT_PATH", "CI_COMMIT_SHA", "CI_JOB_ID"); err != nil {
		return nil, err
	}
	if err := checkCommit("CI_COMMIT_SHA", env["CI_COMMIT_SHA"]); err != nil {
		return nil, err
	}
	if !numeric.MatchString(env["CI_JOB_ID"]) {
		return nil, fmt.Errorf("CI_JOB_ID %q is not a number", env["CI_JOB_ID"])
	}
	server := strings.TrimSuffix(env["CI_SERVER_URL"], "/")
	project := env["CI_PROJECT_URL"]
	if project == "" {
		project = server + "/" + env["CI_PROJECT_PATH"]
	}
	c := &BuildContext{Platform: PlatformGitLabCI, Root: env["CI_PROJECT_DIR"]}

	var ref string
	switch {
	case env["CI_COMMIT_TAG"] != "":
		ref = "refs/tags/" + env["CI_COMMIT_TAG"]
	case env["CI_MERGE_REQUEST_IID"] != "":
		ref = "refs/merge-requests/" + env["CI_MERGE_REQUEST_IID"] + "/head"
	case env["CI_COMMIT_BRANCH"] != "":
		ref = "refs/heads/" + env["CI_COMMIT_BRANCH"]
	case env["CI_COMMIT_REF_NAME"] != "":
		ref = env["CI_COMMIT_REF_NAME"]
	}
	uri := "git+" + project
	if ref != "" {
		uri += "@" + ref
	} else {
		c.Notes = append(c.Notes, "no CI_COMMIT_TAG, CI_COMMIT_BRANCH or CI_COMMIT_REF_NAME: the source is recorded without a ref")
	}
	c.Source = &Source{URI: uri, Commit: env["CI_COMMIT_SHA"]}

	c.InvocationID = env["CI_JOB_URL"]
	if c.InvocationID == "" {
		c.InvocationID = project + "/-/jobs/" + env["CI_JOB_ID"]
	}
	// GitLab Runner's own provenance names the runner the same way.
	if id := env["CI_RUNNER_ID"]; id != "" {
		c.BuilderID = server + "/" + env["CI_PROJECT_PATH"] + "/-/runners/" + id
	} else {
		c.BuilderID = server + "/" + env["CI_PROJECT_PATH"] + "/-/runners"
		c.Notes = append(c.Notes, "CI_RUNNER_ID is not set: the builder id does not name the runner")
	}
	cfg := env["CI_CONFIG_PATH"]
	if cfg == "" {
		cfg = ".gitlab-ci.yml"
	}
	c.Workflow = map[string]any{"repository": project, "path": cfg, "ref": ref}

	c.Internal = map[string]any{"job_id": env["CI_JOB_ID"]}
	for key, name := range map[string]string{
		"server_url":      "CI_SERVER_URL",
		"project_id":      "CI_PROJECT_ID",
		"pipeline_id":     "CI_PIPELINE_ID",
		"pipeline_source": "CI_PIPELINE_SOURCE",
		"job_name":        "CI_JOB_NAME",
		"job_url":         "CI_JOB_URL",
		"runner_id":       "CI_RUNNER_ID",
		"runner_version":  "CI_RUNNER_VERSION",
	} {
		putIf(c.Internal, key, env[name])
	}
	return c, nil
}

func localContext(ctx context.Context, env map[string]string, dir string, git GitReader) (*BuildContext, error) {
	c := &BuildContext{Platform: PlatformLocal, BuilderID: LocalBuilderID}
	if env["CI"] == "true" {
		c.Notes = append(c.Notes, "CI=true, but neither GitHub Actions nor GitLab CI: recorded as a local build")
	}
	if git == nil {
		c.Notes = append(c.Notes, "no git reader: no source recorded")
		return c, nil
	}
	co, err := git.Checkout(ctx, dir)
	if err != nil {
		if errors.Is(err, ErrNoCheckout) {
			c.Notes = append(c.Notes, err.Error()+": no source recorded")
			return c, nil
		}
		return nil, err
	}
	c.Root = co.Root
	if co.Commit == "" {
		c.Notes = append(c.Notes, "the git repository has no commit yet: no source recorded")
		return c, nil
	}
	if err := checkCommit("HEAD", co.Commit); err != nil {
		return nil, err
	}
	repo := RemoteURI(co.Remote)
	if repo == "" {
		repo = (&url.URL{Scheme: "file", Path: filepath.ToSlash(co.Root)}).String()
		c.Notes = append(c.Notes, "the git checkout has no remote: the source is its local path")
	}
	uri := "git+" + repo
	if co.Ref != "" {
		uri += "@" + co.Ref
	}
	dirty := co.Dirty
	c.Source = &Source{URI: uri, Commit: co.Commit, Dirty: &dirty}
	return c, nil
}

var scpLike = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:[^@/]+@)?([^:/]+):(.+)$`) })

// RemoteURI turns a git remote as configured into a URL without
// credentials: "https://user:token@host/o/r" becomes "https://host/o/r"
// (also when the password makes the URL unparseable, "https://u:p/w@host/o/r"),
// and "git@host:o/r.git" becomes "ssh://host/o/r.git". A remote that is a
// local path becomes a file:// URL. It returns "" for an empty remote.
func RemoteURI(remote string) string {
	remote = strings.TrimSpace(remote)
	if remote == "" {
		return ""
	}
	if !strings.Contains(remote, "://") {
		if m := scpLike().FindStringSubmatch(remote); m != nil && !filepath.IsAbs(remote) && !strings.HasPrefix(remote, ".") {
			return "ssh://" + m[1] + "/" + strings.TrimPrefix(m[2], "/")
		}
		abs, err := filepath.Abs(remote)
		if err != nil {
			abs = remote
		}
		return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	}
	// User information goes first, read the way redaction reads it, so
	// that a password url.Parse rejects (one holding "/", "?", "#", "@"
	// or a bad escape) is dropped too.
	remote = stripUserinfo(remote)
	u, err := url.Parse(remote)
	if err != nil {
		// Still unparseable: keep scheme and path, without query or
		// fragment, and redact whatever else looks like a credential.
		if i := strings.IndexAny(remote, "?#"); i >= 0 {
			remote = remote[:i]
		}
		return RedactText(remote)
	}
	u.User = nil
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}

// ExecGit reads checkouts by running the git command.
type ExecGit struct{}

// Checkout implements GitReader.
func (ExecGit) Checkout(ctx context.Context, dir string) (*Checkout, error) {
	root, err := runGit(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, err
	}
	co := &Checkout{Root: root}
	if c, err := runGit(ctx, dir, "rev-parse", "--verify", "-q", "HEAD"); err == nil {
		co.Commit = c
	}
	if r, err := runGit(ctx, dir, "symbolic-ref", "-q", "HEAD"); err == nil && co.Commit != "" {
		co.Ref = r
	}
	if u, err := runGit(ctx, dir, "remote", "get-url", "origin"); err == nil {
		co.Remote = u
	} else if names, err := runGit(ctx, dir, "remote"); err == nil && names != "" {
		first, _, _ := strings.Cut(names, "\n")
		co.Remote, _ = runGit(ctx, dir, "remote", "get-url", first)
	}
	status, err := runGit(ctx, dir, "status", "--porcelain", "--untracked-files=normal")
	if err != nil {
		return nil, err
	}
	co.Dirty = status != ""
	return co, nil
}

func runGit(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	// Reading must not take the index lock another git process may need.
	cmd.Env = append(os.Environ(), "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("%w: git is not installed", ErrNoCheckout)
		}
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "not a git repository") {
			return "", fmt.Errorf("%w at %s", ErrNoCheckout, dir)
		}
		if msg == "" {
			return "", err
		}
		return "", fmt.Errorf("git %s: %s", args[0], RedactText(firstLine(msg)))
	}
	return strings.TrimSpace(string(out)), nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
