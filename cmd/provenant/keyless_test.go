package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/sigstore/sigstoretest"
)

// keylessEnv is a private Sigstore on loopback, an empty trusted-root
// cache of the test's own, no token in the environment, a token file
// and an artifact, in the test's directory.
type keylessEnv struct {
	s           *sigstoretest.Sigstore
	dir, token  string
	tokenFile   string
	serviceArgs []string // --fulcio-url, --tsa-url, no Rekor
}

func newKeylessEnv(t *testing.T) *keylessEnv {
	t.Helper()
	return newKeylessEnvWith(t, sigstoretest.Start)
}

func newKeylessEnvWith(t *testing.T, start func(sigstoretest.T) *sigstoretest.Sigstore) *keylessEnv {
	t.Helper()
	s := start(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	for _, v := range []string{envSigstoreToken, envActionsTokenURL, envActionsToken} {
		t.Setenv(v, "")
	}
	e := &keylessEnv{s: s, dir: t.TempDir(), token: s.Issuer.Token(t, nil)}
	e.tokenFile = sigstoretest.WriteToken(t, e.token)
	e.serviceArgs = []string{"--fulcio-url", s.FulcioURL, "--tsa-url", s.TSAURL, "--rekor-url", ""}
	attesttest.WriteFile(t, filepath.Join(e.dir, "app.tar.gz"), []byte("an app\n"), 0o644)
	return e
}

// keyless runs a signing command with --keyless, the services and the
// trusted root, the token from the file.
func (e *keylessEnv) keyless(t *testing.T, args ...string) result {
	t.Helper()
	full := append(append([]string{args[0], "--keyless", "--identity-token", e.tokenFile, "--trusted-root", e.s.TrustedRoot}, e.serviceArgs...), args[1:]...)
	return runCLI(t, e.dir, full...)
}

func (e *keylessEnv) identity() []string {
	return []string{"--certificate-identity", sigstoretest.Email, "--certificate-oidc-issuer", e.s.Issuer.URL}
}

// noToken fails if the token shows in output or a file.
func (e *keylessEnv) noToken(t *testing.T, r result, files ...string) {
	t.Helper()
	if sigstoretest.Contains([]byte(r.stdout+r.stderr), e.token) {
		t.Errorf("the identity token was printed:\n%s", r)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(e.dir, f))
		if err == nil && sigstoretest.Contains(b, e.token) {
			t.Errorf("the identity token is in %s", f)
		}
	}
}

// TestKeylessRoundTrip: attest, run and sign --keyless against Fulcio and
// a timestamp authority on loopback; verify, verify-signature and
// inspect accept the bundles for the token's identity only, with
// --trusted-root and then with the root imported into the cache.
func TestKeylessRoundTrip(t *testing.T) {
	e := newKeylessEnv(t)
	r := e.keyless(t, "attest", "--bundle", "app.intoto.jsonl", "app.tar.gz")
	if r.code != 0 {
		t.Fatalf("attest --keyless: %s", r)
	}
	e.noToken(t, r, "app.intoto.jsonl")
	r = runCLI(t, e.dir, append([]string{"verify", "--bundle", "app.intoto.jsonl", "--trusted-root", e.s.TrustedRoot, "app.tar.gz"}, e.identity()...)...)
	if r.code != 0 || !strings.Contains(r.stdout, sigstoretest.Email) {
		t.Fatalf("verify: %s", r)
	}
	r = runCLI(t, e.dir, "verify", "--bundle", "app.intoto.jsonl", "--trusted-root", e.s.TrustedRoot,
		"--certificate-identity", "someone@example.com", "--certificate-oidc-issuer", e.s.Issuer.URL, "app.tar.gz")
	if r.code != 1 {
		t.Errorf("verify for another identity: %s", r)
	}

	// The same, after trust import, with no --trusted-root.
	if r := runCLI(t, e.dir, "trust", "import", e.s.TrustedRoot, "--name", "loopback"); r.code != 0 {
		t.Fatalf("trust import: %s", r)
	}
	r = runCLI(t, e.dir, append([]string{"verify", "--bundle", "app.intoto.jsonl", "app.tar.gz"}, e.identity()...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "trusted root cache:loopback") {
		t.Fatalf("verify with the cached root: %s", r)
	}
	if r.stderr != "" {
		t.Errorf("a fresh root warned: %s", r.stderr)
	}

	// sign --keyless: a message signature; verify-signature with the cache.
	r = e.keyless(t, "sign", "--bundle", "app.sigstore.json", "app.tar.gz")
	if r.code != 0 || !strings.Contains(r.stdout, "keyless") {
		t.Fatalf("sign --keyless: %s", r)
	}
	e.noToken(t, r, "app.sigstore.json")
	r = runCLI(t, e.dir, append([]string{"verify-signature", "--bundle", "app.sigstore.json", "app.tar.gz"}, e.identity()...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "trusted root: cache:loopback") {
		t.Fatalf("verify-signature with the cached root: %s", r)
	}

	// run --keyless --bundle-format sigstore: one bundle file.
	r = e.keyless(t, "run", "--bundle", "build.sigstore.json", "--bundle-format", "sigstore", "--step", "build", "--products", "out",
		"--", "sh", "-c", "mkdir -p out && echo built > out/bin")
	if r.code != 0 {
		t.Fatalf("run --keyless: %s", r)
	}
	r = runCLI(t, e.dir, append([]string{"verify", "--bundle", "build.sigstore.json", "out/bin"}, e.identity()...)...)
	if r.code != 0 {
		t.Fatalf("verify the run's bundle: %s", r)
	}

	// inspect names the root that verified the bundle.
	r = runCLI(t, e.dir, append([]string{"inspect", "--format", "json", "app.intoto.jsonl"}, e.identity()...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "trusted root cache:loopback") {
		t.Fatalf("inspect with the cached root: %s", r)
	}
	// Without identity flags inspect verifies nothing and reads no cache.
	if r := runCLI(t, e.dir, "inspect", "app.intoto.jsonl"); r.code != 0 {
		t.Errorf("inspect without flags: %s", r)
	}

	// --trusted-root wins over the cache: another root refuses.
	other := filepath.Join(e.dir, "other_root.json")
	attesttest.WriteFile(t, other, []byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`), 0o644)
	r = runCLI(t, e.dir, append([]string{"verify", "--bundle", "app.intoto.jsonl", "--trusted-root", other, "app.tar.gz"}, e.identity()...)...)
	if r.code != 1 {
		t.Errorf("verify with --trusted-root of another Sigstore: %s", r)
	}
}

// TestKeylessTokenSources: GitLab's SIGSTORE_ID_TOKEN and the GitHub
// Actions token endpoint (asked for audience sigstore with the job's
// bearer token) each give the token; without any, nothing is signed.
func TestKeylessTokenSources(t *testing.T) {
	pkg := packageDir(t)
	e := newKeylessEnv(t)
	noFile := append([]string{"attest", "--keyless", "--trusted-root", e.s.TrustedRoot}, e.serviceArgs...)

	t.Setenv(envSigstoreToken, e.token)
	if r := runCLI(t, e.dir, append(noFile, "--bundle", "gitlab.intoto.jsonl", "app.tar.gz")...); r.code != 0 {
		t.Fatalf("SIGSTORE_ID_TOKEN: %s", r)
	}
	t.Setenv(envSigstoreToken, "")

	const bearer = "job-request-token-0123456789"
	var asked string
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = r.URL.Query().Get("audience")
		if r.Header.Get("Authorization") != "bearer "+bearer {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"value": e.token})
	}))
	defer gh.Close()
	t.Setenv(envActionsTokenURL, gh.URL+"/token?api-version=2.0")
	t.Setenv(envActionsToken, bearer)
	r := runCLI(t, e.dir, append(noFile, "--bundle", "github.intoto.jsonl", "app.tar.gz")...)
	if r.code != 0 || asked != "sigstore" {
		t.Fatalf("GitHub Actions endpoint (audience %q): %s", asked, r)
	}
	if strings.Contains(r.stdout+r.stderr, bearer) {
		t.Errorf("the request token was printed: %s", r)
	}
	t.Setenv(envActionsToken, "a-wrong-request-token-0123")
	r = runCLI(t, e.dir, append(noFile, "--bundle", "denied.intoto.jsonl", "app.tar.gz")...)
	if r.code != 2 || !strings.Contains(r.stderr, "403") || strings.Contains(r.stderr, "a-wrong-request-token") {
		t.Errorf("GitHub Actions endpoint refusing: %s", r)
	}
	t.Setenv(envActionsTokenURL, "")
	t.Setenv(envActionsToken, "")

	r = runCLI(t, e.dir, append(noFile, "--bundle", "none.intoto.jsonl", "app.tar.gz")...)
	goldenRun(t, pkg, "keyless/no-token.golden", r, 2, e.dir, "DIR")
	for _, f := range []string{"denied.intoto.jsonl", "none.intoto.jsonl"} {
		if _, err := os.Lstat(filepath.Join(e.dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s was written", f)
		}
	}
}

// TestKeylessRefused: an expired token, a token Fulcio refuses, and a
// Fulcio that cannot be reached end with exit 2, a line that says so, and
// no bundle.
func TestKeylessRefused(t *testing.T) {
	e := newKeylessEnv(t)
	expired := sigstoretest.WriteToken(t, e.s.Issuer.Token(t, sigstoretest.Claims{"exp": time.Now().Add(-time.Minute).Unix(), "iat": time.Now().Add(-time.Hour).Unix()}))
	foreign := sigstoretest.WriteToken(t, e.s.Issuer.ForeignToken(t, nil))
	closed := "http://127.0.0.1:" + sigstoretest.FreePort(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"expired token", []string{"--identity-token", expired, "--fulcio-url", e.s.FulcioURL, "--tsa-url", e.s.TSAURL}, "the identity token has expired"},
		{"token Fulcio refuses", []string{"--identity-token", foreign, "--fulcio-url", e.s.FulcioURL, "--tsa-url", e.s.TSAURL}, "Fulcio returned 400"},
		{"Fulcio unreachable", []string{"--identity-token", e.tokenFile, "--fulcio-url", closed, "--tsa-url", e.s.TSAURL}, "connection refused"},
		{"no timestamp and no log", []string{"--identity-token", e.tokenFile, "--fulcio-url", e.s.FulcioURL, "--tsa-url", ""}, "no timestamp authority and no transparency log"},
		{"token file is a directory", []string{"--identity-token", e.dir, "--fulcio-url", e.s.FulcioURL, "--tsa-url", e.s.TSAURL}, "not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"attest", "--keyless", "--rekor-url", "", "--trusted-root", e.s.TrustedRoot, "--bundle", "x.intoto.jsonl"}, tc.args...)
			r := runCLI(t, e.dir, append(args, "app.tar.gz")...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tc.want)
			}
			oneLineStderr(t, r)
			e.noToken(t, r)
			if _, err := os.Lstat(filepath.Join(e.dir, "x.intoto.jsonl")); !os.IsNotExist(err) {
				t.Error("a bundle was written")
			}
		})
	}
}

// TestKeylessUsage: the keyless flags are refused without --keyless, with
// --key, and the three URLs with --signing-config.
func TestKeylessUsage(t *testing.T) {
	pkg := packageDir(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"fulcio-without-keyless", []string{"attest", "--key", "k.key", "--fulcio-url", "http://127.0.0.1:1", "--bundle", "b", "a"}},
		{"key-and-keyless", []string{"sign", "--key", "k.key", "--keyless", "--bundle", "b", "a"}},
		{"signing-config-and-tsa", []string{"run", "--keyless", "--signing-config", "sc.json", "--tsa-url", "http://127.0.0.1:1", "--bundle", "b", "--step", "s", "--products", "p", "--", "true"}},
		{"cert-with-keyless", []string{"attest", "--keyless", "--identity-token", "t", "--cert", "c.pem", "--bundle", "b", "a"}},
	} {
		r := runCLI(t, dir, tc.args...)
		goldenRun(t, pkg, "keyless/"+tc.name+".golden", r, 2)
	}
}

// TestKeylessSigningConfig: --signing-config names the services (here
// Fulcio, the timestamp authority and a Rekor v2 log on loopback); the
// bundle's log entry verifies against the trusted root.
func TestKeylessSigningConfig(t *testing.T) {
	e := newKeylessEnvWith(t, sigstoretest.StartWithRekor)
	r := runCLI(t, e.dir, "attest", "--keyless", "--identity-token", e.tokenFile, "--signing-config", e.s.SigningConfig,
		"--trusted-root", e.s.TrustedRoot, "--bundle", "sc.intoto.jsonl", "app.tar.gz")
	if r.code != 0 {
		t.Fatalf("attest --signing-config: %s", r)
	}
	r = runCLI(t, e.dir, append([]string{"verify", "--bundle", "sc.intoto.jsonl", "--trusted-root", e.s.TrustedRoot, "app.tar.gz"}, e.identity()...)...)
	if r.code != 0 {
		t.Fatalf("verify: %s", r)
	}
	if b, err := os.ReadFile(filepath.Join(e.dir, "sc.intoto.jsonl")); err != nil || !strings.Contains(string(b), `"tlogEntries":[{`) {
		t.Fatalf("no log entry in the bundle: %v", err)
	}
	// The entry is checked: a root without the log refuses it.
	noLog := filepath.Join(e.dir, "no-log-root.json")
	attesttest.WriteFile(t, noLog, (&sigstoretest.Sigstore{FulcioURL: e.s.FulcioURL, TSAURL: e.s.TSAURL}).TrustedRootWith(t, e.s.FulcioRoot, e.s.TSAChain), 0o644)
	r = runCLI(t, e.dir, append([]string{"verify", "--bundle", "sc.intoto.jsonl", "--trusted-root", noLog, "app.tar.gz"}, e.identity()...)...)
	if r.code != 1 {
		t.Errorf("verify with a root without the log: %s", r)
	}
}

// TestStaleCachedRootWarns: a cached root older than 30 days still
// verifies, with a warning on stderr.
func TestStaleCachedRootWarns(t *testing.T) {
	e := newKeylessEnv(t)
	if r := e.keyless(t, "attest", "--bundle", "app.intoto.jsonl", "app.tar.gz"); r.code != 0 {
		t.Fatal(r)
	}
	trustNow = func() time.Time { return time.Now().Add(-40 * 24 * time.Hour) }
	r := runCLI(t, e.dir, "trust", "import", e.s.TrustedRoot, "--name", "old")
	trustNow = time.Now
	if r.code != 0 {
		t.Fatal(r)
	}
	r = runCLI(t, e.dir, append([]string{"verify", "--bundle", "app.intoto.jsonl", "app.tar.gz"}, e.identity()...)...)
	if r.code != 0 || !strings.Contains(r.stderr, `warning: the cached trusted root "old" was fetched 40 days ago`) {
		t.Fatalf("verify with a stale root: %s", r)
	}
	r = runCLI(t, e.dir, "trust", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "stale") {
		t.Errorf("trust list: %s", r)
	}
	// A keyed DSSE bundle reads no warning: the cache is not what
	// verifies it.
	if r := runCLI(t, e.dir, "keygen", "--out", "k"); r.code != 0 {
		t.Fatal(r)
	}
	if r := runCLI(t, e.dir, "attest", "--key", "k.key", "--bundle", "keyed.intoto.jsonl", "app.tar.gz"); r.code != 0 {
		t.Fatal(r)
	}
	if r := runCLI(t, e.dir, "verify", "--bundle", "keyed.intoto.jsonl", "--key", "k.pub", "app.tar.gz"); r.code != 0 || r.stderr != "" {
		t.Errorf("verify of a keyed bundle: %s", r)
	}
}

// TestCosignVerifiesKeyless: cosign v2.6.2 verifies provenant's keyless
// bundles (a DSSE statement and a message signature) with a trusted root
// built from the loopback servers and the signer's identity. The servers
// have no CT log and no Rekor: --insecure-ignore-sct and
// --insecure-ignore-tlog, with --use-signed-timestamps for the RFC 3161
// time.
func TestCosignVerifiesKeyless(t *testing.T) {
	cosign := cosignPath(t)
	e := newKeylessEnv(t)
	if r := e.keyless(t, "attest", "--bundle", "att.sigstore.json", "--bundle-format", "sigstore", "app.tar.gz"); r.code != 0 {
		t.Fatal(r)
	}
	if r := e.keyless(t, "sign", "--bundle", "blob.sigstore.json", "app.tar.gz"); r.code != 0 {
		t.Fatal(r)
	}
	common := []string{"--new-bundle-format", "--trusted-root", e.s.TrustedRoot, "--insecure-ignore-sct", "--insecure-ignore-tlog", "--use-signed-timestamps"}
	id := []string{"--certificate-identity", sigstoretest.Email, "--certificate-oidc-issuer", e.s.Issuer.URL}
	att := append(append(append([]string{"verify-blob-attestation", "--bundle", "att.sigstore.json", "--type", "slsaprovenance1"}, common...), id...), "app.tar.gz")
	if _, err := runCosign(t, cosign, e.dir, att...); err != nil {
		t.Errorf("cosign verify-blob-attestation: %v", err)
	}
	blob := append(append(append([]string{"verify-blob", "--bundle", "blob.sigstore.json"}, common...), id...), "app.tar.gz")
	if _, err := runCosign(t, cosign, e.dir, blob...); err != nil {
		t.Errorf("cosign verify-blob: %v", err)
	}
	// cosign refuses another identity: the test can fail.
	wrong := append(append(append([]string{"verify-blob", "--bundle", "blob.sigstore.json"}, common...),
		"--certificate-identity", "someone@example.com", "--certificate-oidc-issuer", e.s.Issuer.URL), "app.tar.gz")
	if _, err := runCosign(t, cosign, e.dir, wrong...); err == nil {
		t.Error("cosign verified the bundle for another identity")
	}
}

// TestCosignVerifiesKeylessRekorV2: with a Rekor v2 log (rekor-tiles) on
// loopback, cosign v2.6.2 verifies the keyless bundle's log entry too (no
// --insecure-ignore-tlog), and refuses it with a trusted root that lacks
// the log.
func TestCosignVerifiesKeylessRekorV2(t *testing.T) {
	cosign := cosignPath(t)
	e := newKeylessEnvWith(t, sigstoretest.StartWithRekor)
	r := runCLI(t, e.dir, "sign", "--keyless", "--identity-token", e.tokenFile, "--signing-config", e.s.SigningConfig,
		"--trusted-root", e.s.TrustedRoot, "--bundle", "blob.sigstore.json", "app.tar.gz")
	if r.code != 0 {
		t.Fatal(r)
	}
	noLog := filepath.Join(e.dir, "no-log-root.json")
	attesttest.WriteFile(t, noLog, (&sigstoretest.Sigstore{FulcioURL: e.s.FulcioURL, TSAURL: e.s.TSAURL}).TrustedRootWith(t, e.s.FulcioRoot, e.s.TSAChain), 0o644)
	for _, tc := range []struct {
		root string
		ok   bool
	}{{e.s.TrustedRoot, true}, {noLog, false}} {
		_, err := runCosign(t, cosign, e.dir, "verify-blob", "--bundle", "blob.sigstore.json", "--new-bundle-format",
			"--trusted-root", tc.root, "--insecure-ignore-sct", "--use-signed-timestamps",
			"--certificate-identity", sigstoretest.Email, "--certificate-oidc-issuer", e.s.Issuer.URL, "app.tar.gz")
		if (err == nil) != tc.ok {
			t.Errorf("cosign verify-blob with %s: err = %v, want ok = %v", filepath.Base(tc.root), err, tc.ok)
		}
	}
}
