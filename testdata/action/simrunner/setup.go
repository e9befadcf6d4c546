package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// releaseVersion is the version of the fake release the tests install.
const releaseVersion = "v9.9.9-test"

// platform names the release binary for this machine, as install.sh does
// from RUNNER_OS and RUNNER_ARCH.
func platform() (runnerOS, runnerArch, name string) {
	runnerOS = map[string]string{"linux": "Linux", "darwin": "macOS", "windows": "Windows"}[runtime.GOOS]
	runnerArch = map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
	name = "provenant-" + runtime.GOOS + "-" + runtime.GOARCH
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return
}

// prepare lays out what the scenarios install from: provenant built once as
// a release binary, a fake release directory (good and tampered), copies of
// the action with and without the pinned release, and a tool cache with
// this Go in it (what actions/setup-go leaves).
func (e *testEnv) prepare(repo string) error {
	_, _, name := platform()
	e.release, e.tampered = filepath.Join(e.scratch, "release"), filepath.Join(e.scratch, "release-tampered")
	for _, d := range []string{e.release, e.tampered} {
		if err := os.MkdirAll(filepath.Join(d, releaseVersion), 0o755); err != nil {
			return err
		}
	}
	bin := filepath.Join(e.release, releaseVersion, name)
	build := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid= -X main.version="+releaseVersion, "-o", bin, "./cmd/provenant")
	build.Dir, build.Env = repo, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building the fake release: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(e.tampered, releaseVersion, name), append(data, "tampered"...), 0o755); err != nil {
		return err
	}
	e.pinned, e.unpinned = filepath.Join(e.scratch, "action"), filepath.Join(e.scratch, "action-unreleased")
	for _, d := range []string{e.pinned, e.unpinned} {
		if err := copyTree(repo, d); err != nil {
			return err
		}
	}
	src, err := exec.Command("bash", filepath.Join(e.pinned, ".github/provenant-action/install.sh"), "--source-digest", e.pinned).Output()
	if err != nil {
		return fmt.Errorf("install.sh --source-digest: %v", err)
	}
	sum, err := exec.Command("sha256sum", bin).Output()
	if err != nil {
		return err
	}
	dir := filepath.Join(e.pinned, ".github/provenant-action")
	if err := os.WriteFile(filepath.Join(dir, "release.txt"), []byte("version "+releaseVersion+"\nsource "+strings.TrimSpace(string(src))+"\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(strings.Fields(string(sum))[0]+"  "+name+"\n"), 0o644); err != nil {
		return err
	}
	_ = os.Remove(filepath.Join(e.unpinned, ".github/provenant-action/release.txt"))
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return err
	}
	e.toolcache = filepath.Join(e.scratch, "toolcache")
	tc := filepath.Join(e.toolcache, "go", strings.TrimPrefix(runtime.Version(), "go"), "x64")
	if err := os.MkdirAll(filepath.Dir(tc), 0o755); err != nil {
		return err
	}
	return os.Symlink(strings.TrimSpace(string(goroot)), tc)
}

// copyTree copies the files git knows of (tracked or not ignored) from
// repo to dst: the action's checkout at its ref.
func copyTree(repo, dst string) error {
	out, err := exec.Command("git", "-C", repo, "ls-files", "-co", "--exclude-standard", "-z").Output()
	if err != nil { // not a git checkout (-ref): copy all of it
		if out, err := exec.Command("cp", "-R", repo+"/.", dst).CombinedOutput(); err != nil {
			return fmt.Errorf("copying the action: %v: %s", err, out)
		}
		return nil
	}
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		info, err := os.Lstat(filepath.Join(repo, f))
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the working tree, or a link
		}
		data, err := os.ReadFile(filepath.Join(repo, f))
		if err != nil {
			return err
		}
		p := filepath.Join(dst, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, info.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

// sigstore is the loopback Sigstore of testdata/keyless (Fulcio, the
// timestamp authority, an OIDC issuer) and a GitHub Actions token endpoint
// that hands out the issuer's token.
type sigstore struct {
	skip                              string
	fulcio, tsa, trustedRoot, idToken string
	identity                          string
	tokenURL, requestToken            string
	stop                              func()
}

func startSigstore(repo, scratch string) *sigstore {
	envFile := filepath.Join(scratch, "sigstore.env")
	bin := filepath.Join(scratch, "keyless")
	build := exec.Command("go", "build", "-o", bin, "./testdata/keyless")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		return &sigstore{skip: fmt.Sprintf("building testdata/keyless: %v: %s", err, out)}
	}
	cmd := exec.Command(bin, envFile)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return &sigstore{skip: err.Error()}
	}
	s := &sigstore{stop: func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }}
	vars := map[string]string{}
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline) && len(vars) == 0; time.Sleep(200 * time.Millisecond) {
		f, err := os.Open(envFile)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok {
				vars[k], _ = strconv.Unquote(v)
			}
		}
		f.Close()
	}
	switch {
	case vars["SKIP"] != "":
		s.skip = vars["SKIP"]
	case len(vars) == 0:
		s.skip = "the loopback Sigstore did not start in 5 minutes"
	}
	if s.skip != "" {
		return s
	}
	tok, err := os.ReadFile(vars["TOKEN_FILE"])
	if err != nil {
		s.skip = err.Error()
		return s
	}
	s.fulcio, s.tsa, s.trustedRoot, s.idToken = vars["FULCIO_URL"], vars["TSA_URL"], vars["TRUSTED_ROOT"], strings.TrimSpace(string(tok))
	s.identity = vars["IDENTITY"]
	s.requestToken = "request-token-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "bearer "+s.requestToken || r.URL.Query().Get("audience") != "sigstore" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"value": s.idToken})
	}))
	s.tokenURL = srv.URL + "/token?api-version=2.0"
	stop := s.stop
	s.stop = func() { srv.Close(); stop() }
	return s
}
