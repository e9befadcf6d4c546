package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/sigstore/sigstoretest"
)

const emptyRootJSON = `{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`

// TestTrustUpdate: trust update fetches a TUF repository's trusted root
// into the cache; a rollback is refused with exit 1 and the cache kept;
// usage errors exit 2.
func TestTrustUpdate(t *testing.T) {
	pkg := packageDir(t)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	dir := t.TempDir()
	repo := sigstoretest.NewTUFRepo(t)
	repo.SetTarget("trusted_root.json", []byte(emptyRootJSON))
	attesttest.WriteFile(t, filepath.Join(dir, "root.json"), repo.RootJSON(), 0o644)
	replace := []string{repo.URL, "REPO", cache, "CACHE"}

	r := runCLI(t, dir, "trust", "update", "--name", "test", "--tuf-url", repo.URL, "--tuf-root", "root.json")
	goldenRun(t, pkg, "trust-roots/update.golden", r, 0, replace...)
	trustNow = func() time.Time { return time.Now().Add(3 * time.Hour) }
	defer func() { trustNow = time.Now }()
	r = runCLI(t, dir, "trust", "list")
	goldenRun(t, pkg, "trust-roots/list.golden", r, 0, append(replace, rfc3339(t, r.stdout), "TIME")...)
	trustNow = time.Now

	old := repo.TimestampJSON()
	repo.SetTarget("trusted_root.json", []byte(emptyRootJSON+"\n"))
	if r := runCLI(t, dir, "trust", "update", "--name", "test", "--tuf-url", repo.URL, "--tuf-root", "root.json"); r.code != 0 {
		t.Fatal(r)
	}
	cached := filepath.Join(cache, "provenant", "trusted-roots", "test.json")
	before, err := os.ReadFile(cached)
	if err != nil {
		t.Fatal(err)
	}
	repo.ServeTimestamp(old)
	r = runCLI(t, dir, "trust", "update", "--name", "test", "--tuf-url", repo.URL, "--tuf-root", "root.json")
	goldenRun(t, pkg, "trust-roots/rollback.golden", r, 1, replace...)
	if after, _ := os.ReadFile(cached); string(after) != string(before) {
		t.Error("a refused update changed the cached root")
	}

	for _, tc := range []struct {
		name string
		args []string
	}{
		{"url-without-root", []string{"trust", "update", "--name", "x", "--tuf-url", repo.URL}},
		{"url-without-name", []string{"trust", "update", "--tuf-url", repo.URL, "--tuf-root", "root.json"}},
		{"bad-name", []string{"trust", "import", "root.json", "--name", "../x"}},
		{"import-not-a-root", []string{"trust", "import", "root.json", "--name", "x"}},
	} {
		r := runCLI(t, dir, tc.args...)
		goldenRun(t, pkg, "trust-roots/"+tc.name+".golden", r, 2, replace...)
	}
}

// rfc3339 finds the time trust list printed.
func rfc3339(t *testing.T, s string) string {
	t.Helper()
	i := strings.Index(s, "fetched ")
	if i < 0 {
		t.Fatalf("no time in %q", s)
	}
	return s[i+len("fetched ") : i+len("fetched ")+len("2006-01-02T15:04:05Z")]
}

// TestTrustListEmpty: an empty cache says how to fill it.
func TestTrustListEmpty(t *testing.T) {
	pkg := packageDir(t)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	r := runCLI(t, t.TempDir(), "trust", "list")
	goldenRun(t, pkg, "trust-roots/list-empty.golden", r, 0, cache, "CACHE")
	r = runCLI(t, "", "trust", "list", "--format", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"roots": []`) {
		t.Errorf("trust list --format json: %s", r)
	}
}
