package trustroot

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/sigstore/sigstoretest"
)

// trustedRoot is a trusted root with nothing in it; n spaces make
// versions that differ in their bytes.
func trustedRoot(n int) []byte {
	return []byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"` + strings.Repeat(" ", n) + `}`)
}

// snapshotDir reads every file under dir: the cache as it is.
func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[p] = string(b)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}

func update(c *Cache, repo *sigstoretest.TUFRepo, anchor []byte) (Info, error) {
	return c.Update(context.Background(), UpdateOptions{Name: "test", RepositoryURL: repo.URL, TUFRoot: anchor})
}

func cachedRoot(t *testing.T, c *Cache) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.Dir, "test.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestUpdate: a TUF update stores the repository's trusted root, and a
// newer one replaces it.
func TestUpdate(t *testing.T) {
	repo := sigstoretest.NewTUFRepo(t)
	repo.SetTarget(Target, trustedRoot(1))
	c := &Cache{Dir: t.TempDir()}
	info, err := update(c, repo, repo.RootJSON())
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "test" || info.Source != repo.URL || info.Path != filepath.Join(c.Dir, "test.json") {
		t.Errorf("info = %+v", info)
	}
	if got := cachedRoot(t, c); got != string(trustedRoot(1)) {
		t.Errorf("cached %q", got)
	}
	repo.SetTarget(Target, trustedRoot(2))
	if _, err := update(c, repo, repo.RootJSON()); err != nil {
		t.Fatal(err)
	}
	if got := cachedRoot(t, c); got != string(trustedRoot(2)) {
		t.Errorf("after the second update: cached %q", got)
	}
	roots, err := c.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(roots) != 1 || roots[0].Name != "test" || roots[0].TrustedRoot == nil {
		t.Fatalf("Load = %+v", roots)
	}
	if roots[0].Stale(time.Now()) || !roots[0].Stale(time.Now().Add(StaleAfter+time.Hour)) {
		t.Errorf("Stale is wrong for a root fetched at %v", roots[0].Fetched)
	}
}

// TestUpdateAttacks: rollback, freeze, expired metadata, a wrong TUF
// root, a tampered target and a target that is no trusted root are each
// refused, and the cache is left exactly as it was.
func TestUpdateAttacks(t *testing.T) {
	for _, tc := range []struct {
		name string
		// attack changes the repository and returns the TUF root the
		// client is given; for a rollback, also an old timestamp.json
		// to serve once the client has seen the newer one.
		attack func(t *testing.T, repo *sigstoretest.TUFRepo) (anchor, rollback []byte)
		want   string
	}{
		{"rollback of the timestamp", func(t *testing.T, repo *sigstoretest.TUFRepo) ([]byte, []byte) {
			old := repo.TimestampJSON()
			repo.SetTarget(Target, trustedRoot(3))
			return repo.RootJSON(), old
		}, "version"},
		{"freeze: an expired timestamp", func(t *testing.T, repo *sigstoretest.TUFRepo) ([]byte, []byte) {
			repo.Timestamp.Signed.Expires = time.Now().Add(-time.Hour)
			repo.PublishTimestamp()
			return repo.RootJSON(), nil
		}, "expired"},
		{"expired targets", func(t *testing.T, repo *sigstoretest.TUFRepo) ([]byte, []byte) {
			repo.Targets.Signed.Expires = time.Now().Add(-time.Hour)
			repo.Publish()
			return repo.RootJSON(), nil
		}, "expired"},
		{"a TUF root that did not sign the repository", func(t *testing.T, repo *sigstoretest.TUFRepo) ([]byte, []byte) {
			return sigstoretest.NewTUFRepo(t).RootJSON(), nil
		}, "signature"},
		{"a target whose bytes are not the signed ones", func(t *testing.T, repo *sigstoretest.TUFRepo) ([]byte, []byte) {
			repo.SetTarget(Target, trustedRoot(2)) // a new version, not cached yet
			// Same length, other bytes: the hash must catch it.
			repo.TamperTarget(Target, []byte(strings.Replace(string(trustedRoot(2)), "  ", "\n\n", 1)))
			return repo.RootJSON(), nil
		}, "target"},
		{"a target that is no trusted root", func(t *testing.T, repo *sigstoretest.TUFRepo) ([]byte, []byte) {
			repo.SetTarget(Target, []byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","mediaType":"x"}`))
			return repo.RootJSON(), nil
		}, "not a trusted root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := sigstoretest.NewTUFRepo(t)
			repo.SetTarget(Target, trustedRoot(1))
			c := &Cache{Dir: t.TempDir()}
			if _, err := update(c, repo, repo.RootJSON()); err != nil {
				t.Fatal(err)
			}
			anchor, rollback := tc.attack(t, repo)
			if rollback != nil {
				if _, err := update(c, repo, anchor); err != nil { // the client sees the newer version
					t.Fatal(err)
				}
				repo.ServeTimestamp(rollback)
			}
			before := snapshotDir(t, c.Dir)
			_, err := update(c, repo, anchor)
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("err = %v, want ErrRefused", err)
			}
			t.Logf("%v", err)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
			if after := snapshotDir(t, c.Dir); !maps.Equal(before, after) {
				t.Errorf("the cache changed:\nbefore %v\nafter  %v", keys(before), keys(after))
			}
		})
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestUpdateNeedsTUFRoot: another repository than the public-good one
// needs its TUF root; the embedded one is only for the public-good.
func TestUpdateNeedsTUFRoot(t *testing.T) {
	repo := sigstoretest.NewTUFRepo(t)
	c := &Cache{Dir: t.TempDir()}
	_, err := c.Update(context.Background(), UpdateOptions{RepositoryURL: repo.URL})
	if !errors.Is(err, ErrUpdate) || !strings.Contains(err.Error(), "TUF root") {
		t.Errorf("err = %v", err)
	}
	for _, anchor := range [][]byte{[]byte("not json"), []byte(`{"a":1,"a":2}`)} {
		if _, err := update(c, repo, anchor); !errors.Is(err, ErrUpdate) {
			t.Errorf("anchor %q: err = %v", anchor, err)
		}
	}
	if got := snapshotDir(t, c.Dir); len(got) != 0 {
		t.Errorf("files left: %v", keys(got))
	}
}

// TestImport: a trusted root given out of band is stored; anything else
// is refused and nothing is written.
func TestImport(t *testing.T) {
	c := &Cache{Dir: filepath.Join(t.TempDir(), "cache")}
	src := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(src, trustedRoot(0), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	info, err := c.ImportFile("private", src, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(info.Source, "import:") || !info.Fetched.Equal(now) {
		t.Errorf("info = %+v", info)
	}
	list, err := c.List()
	if err != nil || len(list) != 1 || list[0].Name != "private" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	before := snapshotDir(t, c.Dir)
	for _, tc := range []struct {
		name, root, data string
	}{
		{"not JSON", "bad", "garbage"},
		{"duplicate keys", "dup", `{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","mediaType":"x"}`},
		{"another media type", "other", `{"mediaType":"application/json"}`},
		{"a name with a slash", "../escape", string(trustedRoot(0))},
		{"an upper-case name", "Public", string(trustedRoot(0))},
		{"a name that is metadata", "x.meta", string(trustedRoot(0))},
		{"an empty name", "", string(trustedRoot(0))},
	} {
		if _, err := c.Import(tc.root, []byte(tc.data), "test", now); err == nil {
			t.Errorf("%s: imported", tc.name)
		}
	}
	if _, err := c.ImportFile("fifo", "/dev/zero", now); err == nil {
		t.Error("/dev/zero imported")
	}
	if after := snapshotDir(t, c.Dir); !maps.Equal(before, after) {
		t.Errorf("refused imports changed the cache: %v", keys(after))
	}
	// A link where the root goes is never written through.
	target := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(c.Dir, "linked.json")); err != nil {
		t.Skip(err)
	}
	if _, err := c.Import("linked", trustedRoot(0), "test", now); err == nil {
		t.Error("imported through a link")
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the link's target was changed: %q", b)
	}
}

// TestLoadRefusesATamperedRoot: a cached root whose bytes changed since
// it was stored is an error, not a root.
func TestLoadRefusesATamperedRoot(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	if _, err := c.Import("a", trustedRoot(0), "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.Dir, "a.json"), trustedRoot(5), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Load(); !errors.Is(err, ErrCache) || !strings.Contains(err.Error(), "digest") {
		t.Errorf("Load: %v", err)
	}
	empty := &Cache{Dir: filepath.Join(t.TempDir(), "none")}
	if roots, err := empty.Load(); err != nil || len(roots) != 0 {
		t.Errorf("an absent cache: %v, %v", roots, err)
	}
}

// TestDefaultDir follows XDG_CACHE_HOME (os.UserCacheDir's rule on
// Linux and the BSDs).
func TestDefaultDir(t *testing.T) {
	if os.Getenv("HOME") == "" {
		t.Skip("no HOME")
	}
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	got, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "provenant", "trusted-roots"); got != want && filepath.Dir(filepath.Dir(got)) != "" {
		if ucd, _ := os.UserCacheDir(); ucd == dir {
			t.Errorf("DefaultDir = %s, want %s", got, want)
		}
	}
}

// FuzzImport: whatever bytes are imported, Import either refuses them or
// stores a root that Load reads back; it never panics.
func FuzzImport(f *testing.F) {
	f.Add(trustedRoot(0))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","tlogs":[{}]}`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &Cache{Dir: t.TempDir()}
		if _, err := c.Import("f", data, "fuzz", time.Now()); err != nil {
			return
		}
		if roots, err := c.Load(); err != nil || len(roots) != 1 {
			t.Fatalf("imported, then Load = %v, %v", roots, err)
		}
	})
}

// BenchmarkUpdate: one trust update (a TUF refresh on a copy of the
// metadata, the target, the swap) against a repository on loopback.
func BenchmarkUpdate(b *testing.B) {
	repo := sigstoretest.NewTUFRepo(b)
	repo.SetTarget(Target, trustedRoot(1))
	c := &Cache{Dir: b.TempDir()}
	for b.Loop() {
		if _, err := c.Update(context.Background(), UpdateOptions{Name: "bench", RepositoryURL: repo.URL, TUFRoot: repo.RootJSON()}); err != nil {
			b.Fatal(err)
		}
	}
}
