package digest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/attesttest"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// writeTree creates files (name -> content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		attesttest.WriteFile(t, filepath.Join(dir, filepath.FromSlash(name)), []byte(content), 0o644)
	}
}

// symlinks makes the links (name -> target).
func symlinks(t *testing.T, links map[string]string) {
	t.Helper()
	for name, target := range links {
		attesttest.Symlink(t, target, name)
	}
}

// describe renders a tree as "name sha256 [-> link]" lines.
func describe(tr *Tree) []string {
	var out []string
	for _, e := range tr.Entries {
		s := e.Name + " " + e.Digests[SHA256]
		if e.Link != "" {
			s += " -> " + e.Link
		}
		out = append(out, s)
	}
	return out
}

func TestHashTreeRootsAndPatterns(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", map[string]string{
		"src/a.go":          "a",
		"src/lib/b.go":      "b",
		"src/lib/deep/c.go": "c",
		"src/lib/d.txt":     "d",
		"README":            "r",
		".hidden":           "h",
	})
	tests := []struct {
		roots []string
		want  []string
	}{
		{[]string{"src"}, []string{"src/a.go " + sum("a"), "src/lib/b.go " + sum("b"), "src/lib/d.txt " + sum("d"), "src/lib/deep/c.go " + sum("c")}},
		{[]string{"./README", "README", "src/../README"}, []string{"README " + sum("r")}},
		{[]string{"src/*.go"}, []string{"src/a.go " + sum("a")}},
		{[]string{"src/**/*.go"}, []string{"src/a.go " + sum("a"), "src/lib/b.go " + sum("b"), "src/lib/deep/c.go " + sum("c")}},
		{[]string{"**/*.txt"}, []string{"src/lib/d.txt " + sum("d")}},
		{[]string{"src/lib/**"}, []string{"src/lib/b.go " + sum("b"), "src/lib/d.txt " + sum("d"), "src/lib/deep/c.go " + sum("c")}},
		{[]string{".hidden", "src/lib/deep"}, []string{".hidden " + sum("h"), "src/lib/deep/c.go " + sum("c")}},
	}
	for _, tt := range tests {
		tr, err := HashTree(context.Background(), tt.roots)
		if err != nil {
			t.Errorf("HashTree(%q): %v", tt.roots, err)
			continue
		}
		if got := describe(tr); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("HashTree(%q) =\n%s\nwant\n%s", tt.roots, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

func TestHashTreeMissing(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, roots := range [][]string{{"nope"}, {"nope/*.go"}, {"nope/**/x"}, {""}} {
		if _, err := HashTree(context.Background(), roots); err == nil {
			t.Errorf("HashTree(%q) succeeded, want an error", roots)
		}
	}
	for _, roots := range [][]string{{"nope"}, {"nope/*.go"}, {"nope/**/x"}} {
		tr, err := HashTree(context.Background(), roots, WithMissingOK())
		if err != nil || len(tr.Entries) != 0 {
			t.Errorf("HashTree(%q, WithMissingOK()) = %v, %v; want nothing and no error", roots, tr, err)
		}
	}
	if _, err := HashTree(context.Background(), []string{"[x"}); err == nil || !strings.Contains(err.Error(), "[x") {
		t.Errorf("bad pattern: err = %v, want one naming it", err)
	}
}

func TestHashTreeSymlinks(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	writeTree(t, ".", map[string]string{
		"tree/file":     "inside",
		"tree/sub/f2":   "f2",
		"other/outside": "secret outside the declared paths",
		"named/real":    "followed",
	})
	links := map[string]string{
		"tree/in-link":       "file",                                  // inside, a file: followed
		"tree/out-link":      "../other/outside",                      // outside: recorded as a link
		"tree/abs-out":       filepath.Join(root, "other", "outside"), // outside, absolute
		"tree/dir-link":      "sub",                                   // a directory: recorded, not walked
		"tree/dangling":      "does-not-exist",                        // nowhere
		"tree/loop":          "loop",                                  // itself
		"tree/to-named-root": "../named/real",                         // inside another declared root
		"named-link":         "named",                                 // a root that is a link: followed
	}
	symlinks(t, links)
	tr, err := HashTree(context.Background(), []string{"tree", "named-link"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"named-link/real " + sum("followed"),
		"tree/abs-out " + sum(filepath.Join(root, "other", "outside")) + " -> " + filepath.Join(root, "other", "outside"),
		"tree/dangling " + sum("does-not-exist") + " -> does-not-exist",
		"tree/dir-link " + sum("sub") + " -> sub",
		"tree/file " + sum("inside"),
		"tree/in-link " + sum("inside"),
		"tree/loop " + sum("loop") + " -> loop",
		"tree/out-link " + sum("../other/outside") + " -> ../other/outside",
		"tree/sub/f2 " + sum("f2"),
		"tree/to-named-root " + sum("followed"),
	}
	if got := describe(tr); !reflect.DeepEqual(got, want) {
		t.Errorf("HashTree =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestHashTreeSkipsSpecialFilesLoudly(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", map[string]string{"d/a": "a"})
	attesttest.Mkfifo(t, "d/pipe")
	tr, err := HashTree(context.Background(), []string{"d"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tr.Skipped, []Skipped{{Path: "d/pipe", Reason: "named pipe"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Skipped = %v, want %v", got, want)
	}
	if got := describe(tr); !reflect.DeepEqual(got, []string{"d/a " + sum("a")}) {
		t.Errorf("entries = %v", got)
	}
}

func TestHashTreeUnreadableFileIsAnError(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads everything")
	}
	t.Chdir(t.TempDir())
	writeTree(t, ".", map[string]string{"d/a": "a", "d/b": "b", "d/c": "c"})
	for _, p := range []string{"d/b", "d/c"} {
		if err := os.Chmod(p, 0); err != nil {
			t.Fatal(err)
		}
	}
	_, err := HashTree(context.Background(), []string{"d"})
	if err == nil || !strings.Contains(err.Error(), "d/b: permission denied") {
		t.Errorf("err = %v, want d/b: permission denied first", err)
	}
}

func TestHashTreeProgress(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", map[string]string{"d/a": "aa", "d/b": "bbb"})
	var last Progress
	calls := 0
	_, err := HashTree(context.Background(), []string{"d"}, WithProgress(func(p Progress) { last = p; calls++ }, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || last.Files != 2 || last.Total != 2 || last.Bytes != 5 || !last.Walked {
		t.Errorf("after %d call(s), last progress = %+v, want one final call with 2 files, 5 bytes, walked", calls, last)
	}
}

func TestHashTreeOptions(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", map[string]string{"a": "a"})
	tr, err := HashTree(context.Background(), []string{"a"}, WithAlgorithms(SHA256, SHA512), WithWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(tr.Entries[0].Digests); got != 2 {
		t.Errorf("digests = %v, want sha256 and sha512", tr.Entries[0].Digests)
	}
	for _, opt := range []TreeOption{WithAlgorithms("md5"), WithAlgorithms(), WithWorkers(0), WithProgress(func(Progress) {}, 0)} {
		if _, err := HashTree(context.Background(), []string{"a"}, opt); err == nil {
			t.Errorf("a bad option was accepted")
		}
	}
}

func TestHashTreeCancelled(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", map[string]string{"d/a": "a", "d/b": "b"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := HashTree(ctx, []string{"d"}); err == nil {
		t.Error("a cancelled HashTree succeeded")
	}
}

func TestChanged(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", map[string]string{"out/same": "s", "out/edit": "e1", "out/rewrite": "r", "out/gone": "g"})
	before, err := HashTree(context.Background(), []string{"out"})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	writeTree(t, ".", map[string]string{"out/edit": "e2", "out/new": "n"})
	if err := os.Remove("out/gone"); err != nil {
		t.Fatal(err)
	}
	// Rewritten with the same bytes, and a new modification time.
	if err := os.Remove("out/rewrite"); err != nil {
		t.Fatal(err)
	}
	writeTree(t, ".", map[string]string{"out/rewrite": "r"})
	if err := os.Chtimes("out/rewrite", old, old); err != nil {
		t.Fatal(err)
	}
	after, err := HashTree(context.Background(), []string{"out"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range Changed(before.Entries, after.Entries) {
		got = append(got, e.Name)
	}
	want := []string{"out/edit", "out/new", "out/rewrite"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Changed = %v, want %v", got, want)
	}
	if got := Changed(after.Entries, after.Entries); len(got) != 0 {
		t.Errorf("Changed(x, x) = %v, want nothing", got)
	}
}
