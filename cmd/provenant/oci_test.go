package main

import (
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/oci/ocitest"
)

var (
	otherDigest = regexp.MustCompile(`sha256:[0-9a-f]{64}`)
	keyID       = regexp.MustCompile(`\b([0-9a-f]{64}|[0-9a-f]{12})\b`)
)

// ociGolden checks a registry command's output against a golden file,
// with the registry's address, the image's digest and every other digest
// (referrer manifests, which carry a time) replaced.
func ociGolden(t *testing.T, pkg, name string, r result, code int, host, digest string) {
	t.Helper()
	mask := func(s string) string {
		s = strings.ReplaceAll(s, host, "REGISTRY")
		s = strings.ReplaceAll(s, digest, "sha256:IMAGE")
		s = strings.ReplaceAll(s, strings.Replace(digest, ":", "-", 1), "sha256-IMAGE")
		return keyID.ReplaceAllString(otherDigest.ReplaceAllString(s, "sha256:…"), "KEYID")
	}
	r.stdout, r.stderr = mask(r.stdout), mask(r.stderr)
	goldenRun(t, pkg, name, r, code)
}

// ociWorkDir makes a key pair (k.key, k.pub), a stranger's (s.pub), an
// image in a registry, and changes into the directory.
func ociWorkDir(t *testing.T, reg *ocitest.Registry) (dir, digest string) {
	t.Helper()
	dir = keygenWorkDir(t, "ed25519")
	if r := runCLI(t, "", "keygen", "--out", "s"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	// No credentials of the user's own are read.
	t.Setenv("DOCKER_CONFIG", filepath.Join(dir, "docker"))
	t.Setenv("REGISTRY_AUTH_FILE", "")
	return dir, reg.PushImage(t, "app", "v1")
}

// TestOCICommands runs attest --push, verify, fetch, push and inspect
// against the in-process referrers registry and Debian's docker-registry
// (fallback tag), with golden output.
func TestOCICommands(t *testing.T) {
	pkg := packageDir(t)
	for _, reg := range ocitest.All(t) {
		if reg.Name == "external" {
			continue
		}
		t.Run(reg.Name, func(t *testing.T) {
			_, d := ociWorkDir(t, reg)
			img := reg.Repo("app")
			g := func(name string, r result, code int) {
				t.Helper()
				ociGolden(t, pkg, "oci/"+name+".golden", r, code, reg.Host, d)
			}
			g("attest-push", runCLI(t, "", "attest", "--key", "k.key", "--image", img+":v1", "--push", "--oci-storage", "both"), 0)
			g("verify", runCLI(t, "", "verify", "--key", "k.pub", "oci://"+img+"@"+d), 0)
			if r := runCLI(t, "", "verify", "--key", "k.pub", "--image", img+"@"+d, "--format", "json"); r.code != 0 || !strings.Contains(r.stdout, `"file": "`+img+":"+strings.Replace(d, ":", "-", 1)+`.att"`) {
				t.Errorf("verify --image --format json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			g("verify-stranger", runCLI(t, "", "verify", "--key", "s.pub", "oci://"+img+"@"+d), 1)
			g("verify-tag", runCLI(t, "", "verify", "--key", "k.pub", "oci://"+img+":v1"), 2)
			g("fetch", runCLI(t, "", "fetch", "--output", "fetched.jsonl", img+":v1"), 0)
			g("verify-fetched", runCLI(t, "", "verify", "--bundle", "fetched.jsonl", "--key", "k.pub", "--artifact-digest", d), 0)
			if r := runCLI(t, "", "fetch", "--output", "fetched.jsonl", img+":v1"); r.code != 2 || !strings.Contains(r.stderr, "--force") {
				t.Errorf("fetch over an existing file: exit %d, %s; want 2 and a --force hint", r.code, r.stderr)
			}
			// Never through a link, into a pipe, or over a key.
			attesttest.Symlink(t, "k.key", "link.jsonl")
			attesttest.Mkfifo(t, "fifo.jsonl")
			for _, out := range []string{"link.jsonl", "fifo.jsonl"} {
				if r := runCLI(t, "", "fetch", "--force", "--output", out, img+":v1"); r.code != 2 {
					t.Errorf("fetch --force --output %s: exit %d, want 2", out, r.code)
				}
			}
			if key, err := os.ReadFile("k.key"); err != nil || !strings.Contains(string(key), "PRIVATE KEY") {
				t.Errorf("the key behind the link changed: %v", err)
			}
			if r := runCLI(t, "", "inspect", "--key", "k.pub", "oci://"+img+"@"+d); r.code != 0 || !strings.Contains(r.stdout, "2 verified") {
				t.Errorf("inspect oci://: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if r := runCLI(t, "", "inspect", "--key", "s.pub", "oci://"+img+"@"+d); r.code != 1 {
				t.Errorf("inspect oci:// with a stranger's key: exit %d, want 1", r.code)
			}
			// A bundle made here, pushed later, as a referrer.
			if r := runCLI(t, "", "attest", "--key", "k.key", "--bundle", "later.intoto.jsonl", "--image", img+"@"+d); r.code != 0 {
				t.Fatal(r.stderr)
			}
			reg.PushImage(t, "app", "v2")
			g("push-referrer", runCLI(t, "", "push", "--bundle", "later.intoto.jsonl", "--oci-storage", "referrer", img+"@"+d), 0)
			if r := runCLI(t, "", "verify", "--key", "k.pub", "oci://"+img+"@"+d); r.code != 0 || !strings.Contains(r.stdout, "(3 envelope(s))") {
				t.Errorf("verify after push: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// TestOCIInputErrors: a registry that is down, a reference that is not
// one, a missing --image for --push: each one line and exit 2.
func TestOCIInputErrors(t *testing.T) {
	pkg := packageDir(t)
	reg := ocitest.InProcess(t)
	_, d := ociWorkDir(t, reg)
	down := "127.0.0.1:1"
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"registry-down", []string{"verify", "--key", "k.pub", "oci://" + down + "/app@" + d}},
		{"not-a-reference", []string{"verify", "--key", "k.pub", "oci://app:v1"}},
		{"push-without-image", []string{"attest", "--key", "k.key", "--push", "art.txt"}},
		{"bad-storage", []string{"push", "--bundle", "x.jsonl", "--oci-storage", "tar", reg.Repo("app") + "@" + d}},
		{"no-attestation", []string{"fetch", "--output", "none.jsonl", reg.Repo("app") + "@" + d}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			oneLineStderr(t, r)
			ociGolden(t, pkg, "oci/"+tc.name+".golden", r, 2, reg.Host, d)
		})
	}
}

// TestOCICredentials: behind htpasswd, no credentials is exit 2 with a
// hint; DOCKER_CONFIG and REGISTRY_AUTH_FILE are read; the password is
// printed nowhere.
func TestOCICredentials(t *testing.T) {
	const password = "pa55-for-the-registry-only"
	reg := ocitest.Distribution(t, "ci", password)
	dir, d := ociWorkDir(t, reg)
	img := reg.Repo("app")
	r := runCLI(t, "", "attest", "--key", "k.key", "--image", img+"@"+d, "--push")
	if r.code != 2 || !strings.Contains(r.stderr, "docker login") {
		t.Errorf("without credentials: exit %d, %s; want 2 and a login hint", r.code, r.stderr)
	}
	oneLineStderr(t, r)
	cfgDir := filepath.Join(dir, "docker")
	attesttest.Mkdir(t, cfgDir)
	reg.DockerConfig(t, cfgDir)
	outs := []result{runCLI(t, "", "attest", "--key", "k.key", "--image", img+"@"+d, "--push", "--oci-storage", "both")}
	// The containers auth file is read first.
	t.Setenv("DOCKER_CONFIG", filepath.Join(dir, "elsewhere"))
	authDir := filepath.Join(dir, "containers")
	attesttest.Mkdir(t, authDir)
	t.Setenv("REGISTRY_AUTH_FILE", reg.DockerConfig(t, authDir))
	outs = append(outs, runCLI(t, "", "verify", "--key", "k.pub", "oci://"+img+"@"+d))
	for i, r := range outs {
		if r.code != 0 {
			t.Errorf("run %d with credentials: exit %d\n%s%s", i, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, password) {
			t.Errorf("run %d printed the password", i)
		}
	}
}

// TestOCIRegistryCA: a TLS registry on loopback is reached over HTTPS
// with --registry-ca, and refused without it.
func TestOCIRegistryCA(t *testing.T) {
	srv := httptest.NewTLSServer(ocitest.Referrers11(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0)))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "https://")
	dir := keygenWorkDir(t, "ed25519")
	t.Setenv("DOCKER_CONFIG", filepath.Join(dir, "docker"))
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	attesttest.WriteFile(t, "ca.pem", ca, 0o644)
	if _, err := x509.ParseCertificate(srv.Certificate().Raw); err != nil {
		t.Fatal(err)
	}
	// The image is pushed by provenant itself: attest --push needs an
	// image, so push one with the test helper over TLS first.
	reg := &ocitest.Registry{Host: host}
	d := reg.PushImageTLS(t, srv.Client(), "app", "v1")
	img := host + "/app@" + d
	r := runCLI(t, "", "attest", "--key", "k.key", "--image", img, "--push")
	if r.code != 2 {
		t.Errorf("plain HTTP to a TLS registry: exit %d, want 2\n%s", r.code, r.stderr)
	}
	r = runCLI(t, "", "attest", "--key", "k.key", "--image", img, "--push", "--registry-ca", "ca.pem", "--oci-storage", "both")
	if r.code != 0 {
		t.Fatalf("with --registry-ca: exit %d\n%s", r.code, r.stderr)
	}
	if r := runCLI(t, "", "verify", "--key", "k.pub", "--registry-ca", "ca.pem", "oci://"+img); r.code != 0 {
		t.Errorf("verify over TLS: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", "verify", "--key", "k.pub", "--registry-ca", "ca.pem", "--plain-http", "oci://"+img); r.code != 2 {
		t.Errorf("--plain-http with --registry-ca: exit %d, want 2", r.code)
	}
	other := filepath.Join(dir, "other.pem")
	attesttest.WriteFile(t, other, []byte("not a certificate\n"), 0o644)
	if r := runCLI(t, "", "verify", "--key", "k.pub", "--registry-ca", other, "oci://"+img); r.code != 2 {
		t.Errorf("a --registry-ca with no certificate: exit %d, want 2", r.code)
	}
	_ = os.Remove(other)
}

// TestOCIDocExamplesRun runs every ```sh block of docs/oci.md, in order,
// with a fresh binary, against a registry holding $REGISTRY/app:v1.
func TestOCIDocExamplesRun(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "oci.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 5 {
		t.Fatalf("found %d sh blocks in docs/oci.md, want at least 5", len(blocks))
	}
	reg := cosignRegistry(t)
	d := reg.PushImage(t, "app", "v1")
	dir := t.TempDir()
	runShellBlocks(t, "docs/oci.md sh", blocks, dir,
		"REGISTRY="+reg.Host, "DIGEST="+d, "DOCKER_CONFIG="+filepath.Join(dir, "docker"), "REGISTRY_AUTH_FILE=")
}

// TestOCISignImage: sign --image --push signs the manifest and pushes the
// bundle as a referrer; fetched, it verifies as a signature over the
// manifest digest, and not over another.
func TestOCISignImage(t *testing.T) {
	reg := ocitest.InProcess(t)
	_, d := ociWorkDir(t, reg)
	img := reg.Repo("app")
	if r := runCLI(t, "", "keygen", "--type", "ecdsa-p256", "--out", "e"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := runCLI(t, "", "sign", "--key", "e.key", "--image", img+":v1", "--push", "--bundle", "manifest.sigstore.json")
	if r.code != 0 || !strings.Contains(r.stdout, "(referrer)") {
		t.Fatalf("sign --image --push: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// It is not an attestation: fetch lists it as skipped, and the image's
	// attestations verify beside it.
	if r := runCLI(t, "", "fetch", "--output", "sig.jsonl", img+"@"+d); r.code != 2 || !strings.Contains(r.stdout, "skipped") || !strings.Contains(r.stdout, "message signature") {
		t.Errorf("fetch of an image with only a signature: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", "attest", "--key", "e.key", "--image", img+"@"+d, "--push", "--oci-storage", "both"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := runCLI(t, "", "verify", "--key", "e.pub", "oci://"+img+"@"+d); r.code != 0 {
		t.Errorf("verify beside a signature referrer: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, b := range []string{"manifest.sigstore.json"} {
		if r := runCLI(t, "", "verify-signature", "--bundle", b, "--key", "e.pub", "--artifact-digest", d); r.code != 0 {
			t.Errorf("verify-signature of %s: exit %d\n%s%s", b, r.code, r.stdout, r.stderr)
		}
		if r := runCLI(t, "", "verify-signature", "--bundle", b, "--key", "e.pub", "--artifact-digest", "sha256:"+strings.Repeat("0", 64)); r.code != 1 {
			t.Errorf("verify-signature of %s for another digest: exit %d, want 1", b, r.code)
		}
	}
	for _, args := range [][]string{
		{"sign", "--key", "e.key", "--image", img + ":v1"},
		{"sign", "--key", "e.key", "--image", img + ":v1", "--push", "art.txt"},
		{"sign", "--key", "e.key", "--push", "--bundle", "x.json", "art.txt"},
	} {
		if r := runCLI(t, "", args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2", args, r.code)
		}
	}
}
