// Package ocitest starts OCI registries on this machine for tests: Debian's
// docker-registry (the CNCF distribution registry 2.8, with no referrers
// API, so the sha256-<hex> fallback tag is exercised), with or without
// htpasswd authentication, and go-containerregistry's in-process registry
// with its referrers API on, behind a small wrapper that makes it answer
// as the OCI distribution spec 1.1 says (OCI-Subject on a manifest push,
// artifactType taken from the manifest, the artifactType filter applied).
// PROVENANT_TEST_REGISTRY=host:port adds any other registry.
//
// A test that cannot have a registry skips, saying which one and why.
package ocitest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/crypto/bcrypt"
)

// DistributionVersion is the Debian docker-registry version .ci/run
// installs.
const DistributionVersion = "2.8.2"

// EnvRegistry names an extra registry to test against (host:port).
const EnvRegistry = "PROVENANT_TEST_REGISTRY"

// Registry is a registry a test can use.
type Registry struct {
	// Name says which registry it is, for subtests.
	Name string
	// Host is host:port.
	Host string
	// Referrers says whether it has the referrers API.
	Referrers bool
	// Username and Password are set when it wants them.
	Username, Password string
	// Requests counts the HTTP requests the in-process registry served
	// (0 for the others).
	Requests *atomic.Int64
}

// Repo is Host/name.
func (r *Registry) Repo(name string) string { return r.Host + "/" + name }

// DockerConfig writes a Docker config.json with the registry's
// credentials into dir and returns its path.
func (r *Registry) DockerConfig(t testing.TB, dir string) string {
	t.Helper()
	type authEntry struct {
		Auth string `json:"auth"`
	}
	cfg := map[string]any{"auths": map[string]authEntry{}}
	if r.Username != "" {
		cfg["auths"] = map[string]authEntry{r.Host: {Auth: basicAuth(r.Username, r.Password)}}
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// DistributionBinary finds Debian's docker-registry: on PATH, where .ci/run
// unpacks it ($PROVENANT_CI_CACHE, default ~/.cache/provenant-ci,
// docker-registry-VERSION/usr/bin), or installed in /usr/bin. "" when it
// is nowhere.
func DistributionBinary() string {
	if p, err := exec.LookPath("docker-registry"); err == nil {
		return p
	}
	cache := os.Getenv("PROVENANT_CI_CACHE")
	if cache == "" {
		if home, err := os.UserHomeDir(); err == nil {
			cache = filepath.Join(home, ".cache", "provenant-ci")
		}
	}
	for _, p := range []string{filepath.Join(cache, "docker-registry-"+DistributionVersion, "usr", "bin", "docker-registry"), "/usr/bin/docker-registry"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// Distribution starts Debian's docker-registry on 127.0.0.1 with storage
// in a temporary directory, stopped when the test ends; with a user name,
// behind htpasswd authentication. It skips the test when the binary
// cannot be found.
func Distribution(t testing.TB, username, password string) *Registry {
	t.Helper()
	bin := DistributionBinary()
	if bin == "" {
		t.Skip("Debian's docker-registry " + DistributionVersion + " not found (on PATH or in the CI cache): run .ci/run to install it")
	}
	dir := t.TempDir()
	var authCfg string
	if username != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		htpasswd := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(htpasswd, []byte(username+":"+string(hash)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		authCfg = fmt.Sprintf("auth:\n  htpasswd:\n    realm: provenant-test\n    path: %s\n", htpasswd)
	}
	var lastErr error
	for range 5 {
		port := freePort(t)
		host := fmt.Sprintf("127.0.0.1:%d", port)
		cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n%s",
			filepath.Join(dir, "storage"), host, authCfg)
		cfgPath := filepath.Join(dir, "config.yml")
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "serve", cfgPath)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Skipf("Debian's docker-registry (%s) does not start: %v", bin, err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		if lastErr = waitReady(host, exited); lastErr == nil {
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
			})
			return &Registry{Name: "distribution", Host: host, Username: username, Password: password}
		}
		_ = cmd.Process.Kill()
		<-exited
		lastErr = fmt.Errorf("%v\n%s", lastErr, logs.String())
	}
	t.Fatalf("Debian's docker-registry did not start: %v", lastErr)
	return nil
}

// waitReady waits until GET /v2/ answers (200, or 401 behind auth).
func waitReady(host string, exited <-chan struct{}) error {
	deadline := time.Now().Add(15 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("it exited")
		default:
		}
		resp, err := client.Get("http://" + host + "/v2/")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not ready after 15s")
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// InProcess starts go-containerregistry's registry with its referrers API,
// behind Referrers11, on 127.0.0.1, stopped when the test ends.
func InProcess(t testing.TB) *Registry {
	t.Helper()
	var n atomic.Int64
	inner := registry.New(registry.WithReferrersSupport(true), registry.Logger(discardLogger()))
	h := Referrers11(inner)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &Registry{Name: "ggcr-referrers", Host: strings.TrimPrefix(srv.URL, "http://"), Referrers: true, Requests: &n}
}

// External is the registry PROVENANT_TEST_REGISTRY names, if any.
func External() *Registry {
	host := os.Getenv(EnvRegistry)
	if host == "" {
		return nil
	}
	return &Registry{Name: "external", Host: host}
}

// All returns the registries a test can use: the in-process one (always),
// Debian's docker-registry when it is installed, and PROVENANT_TEST_REGISTRY.
// It logs which are missing.
func All(t testing.TB) []*Registry {
	t.Helper()
	regs := []*Registry{InProcess(t)}
	if DistributionBinary() != "" {
		regs = append(regs, Distribution(t, "", ""))
	} else {
		t.Log("Debian's docker-registry not found: testing without the fallback-tag registry (run .ci/run to install it)")
	}
	if ext := External(); ext != nil {
		regs = append(regs, ext)
	}
	return regs
}

// PushImage pushes a small random image to REGISTRY/repo:tag (plain HTTP)
// and returns its manifest digest.
func (r *Registry) PushImage(t testing.TB, repo, tag string) string {
	t.Helper()
	return r.pushImage(t, repo, tag, name.Insecure)
}

// PushImageTLS pushes a small random image over HTTPS with client's
// transport (an httptest TLS server's client) and returns its digest.
func (r *Registry) PushImageTLS(t testing.TB, client *http.Client, repo, tag string) string {
	t.Helper()
	return r.pushImage(t, repo, tag, name.StrictValidation, remote.WithTransport(client.Transport))
}

func (r *Registry) pushImage(t testing.TB, repo, tag string, nameOpt name.Option, more ...remote.Option) string {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(r.Host+"/"+repo+":"+tag, nameOpt)
	if err != nil {
		t.Fatal(err)
	}
	opts := append([]remote.Option{remote.WithContext(context.Background())}, more...)
	if r.Username != "" {
		opts = append(opts, remote.WithAuth(basicAuthenticator{r.Username, r.Password}))
	}
	if err := remote.Write(ref, img, opts...); err != nil {
		t.Fatalf("pushing a test image to %s: %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// Referrers11 makes go-containerregistry's referrers API answer as the
// distribution spec 1.1 says: a manifest push with a subject answers with
// OCI-Subject; each listed referrer's artifactType is its manifest's
// artifactType (go-containerregistry takes the config's media type); and
// ?artifactType= filters the list, with OCI-Filters-Applied.
func Referrers11(inner http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		n := len(parts)
		switch {
		case r.Method == http.MethodPut && n >= 4 && parts[n-2] == "manifests":
			body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var m struct {
				Subject *struct {
					Digest string `json:"digest"`
				} `json:"subject"`
			}
			if json.Unmarshal(body, &m) == nil && m.Subject != nil {
				w.Header().Set("OCI-Subject", m.Subject.Digest)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			inner.ServeHTTP(w, r)
		case r.Method == http.MethodGet && n >= 4 && parts[n-2] == "referrers":
			rec := httptest.NewRecorder()
			inner.ServeHTTP(rec, r)
			if rec.Code != http.StatusOK {
				copyResponse(w, rec)
				return
			}
			var idx map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &idx); err != nil {
				copyResponse(w, rec)
				return
			}
			repo := strings.Join(parts[1:n-2], "/")
			want := r.URL.Query().Get("artifactType")
			list, _ := idx["manifests"].([]any)
			kept := []any{}
			for _, e := range list {
				d, ok := e.(map[string]any)
				if !ok {
					continue
				}
				dig, _ := d["digest"].(string)
				if at := manifestArtifactType(inner, repo, dig); at != "" {
					d["artifactType"] = at
				}
				if want == "" || d["artifactType"] == want {
					kept = append(kept, d)
				}
			}
			idx["manifests"] = kept
			out, err := json.Marshal(idx)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
			if want != "" {
				w.Header().Set("OCI-Filters-Applied", "artifactType")
			}
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(out)
		default:
			inner.ServeHTTP(w, r)
		}
	})
}

func manifestArtifactType(inner http.Handler, repo, dig string) string {
	req := httptest.NewRequest(http.MethodGet, "/v2/"+repo+"/manifests/"+dig, nil)
	rec := httptest.NewRecorder()
	inner.ServeHTTP(rec, req)
	var m struct {
		ArtifactType string `json:"artifactType"`
		Config       struct {
			MediaType string `json:"mediaType"`
		} `json:"config"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &m) != nil {
		return ""
	}
	if m.ArtifactType != "" {
		return m.ArtifactType
	}
	return m.Config.MediaType
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// CountingTransport counts the requests it sends (a benchmark's "how many
// HTTP requests").
type CountingTransport struct {
	Base http.RoundTripper
	n    atomic.Int64
}

// RoundTrip implements http.RoundTripper.
func (c *CountingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	base := c.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}

// Count is the number of requests so far.
func (c *CountingTransport) Count() int64 { return c.n.Load() }

// Reset sets the count to zero.
func (c *CountingTransport) Reset() { c.n.Store(0) }

func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }

func basicAuth(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

// basicAuthenticator gives go-containerregistry a user and password.
type basicAuthenticator struct{ user, pass string }

func (b basicAuthenticator) Authorization() (*authn.AuthConfig, error) {
	return &authn.AuthConfig{Username: b.user, Password: b.pass}, nil
}
