package digest

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
)

// TestMatch: the one pattern dialect, on artifact names.
func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"dist/*", "dist/app", true},
		{"dist/*", "dist/sub/app", false},
		{"dist/*", "dist/.hidden", true},
		{"dist/**", "dist/sub/deep/app", true},
		{"dist/**", "dist", true},
		{"**/*.tar.gz", "app.tar.gz", true},
		{"**/*.tar.gz", "a/b/app.tar.gz", true},
		{"**/*.tar.gz", "a/b/app.tar.gz.sig", false},
		{"dist/*.{tar.gz,zip}", "dist/app.zip", true},
		{"dist/*.{tar.gz,zip}", "dist/app.tgz", false},
		{"dist/app-[0-9].bin", "dist/app-7.bin", true},
		{"dist/app-[!0-9].bin", "dist/app-7.bin", false},
		{"dist/app-[^0-9].bin", "dist/app-x.bin", true},
		{"dist/app?.bin", "dist/app1.bin", true},
		{"dist/app?.bin", "dist/app/.bin", false},
		{`dist/\*`, "dist/*", true},
		{`dist/\*`, "dist/app", false},
		{"dist/app", "dist/app", true},
		{"dist/app", "dist/app2", false},
		{"dist", "dist/app", false}, // a whole name, never a prefix
		{"*", "a/b", false},
	}
	for _, tt := range tests {
		got, err := Match(tt.pattern, tt.name)
		if err != nil || got != tt.want {
			t.Errorf("Match(%q, %q) = %v, %v; want %v", tt.pattern, tt.name, got, err, tt.want)
		}
	}
	// Invalid UTF-8: every invalid byte would be the same character.
	for _, c := range [][2]string{{"dist/*", "dist/\xad"}, {"dist/\uFFFD", "dist/\xad"}, {"**", "\xc6"}} {
		if ok, err := Match(c[0], c[1]); ok || err != nil {
			t.Errorf("Match(%q, %q) = %v, %v; want no match", c[0], c[1], ok, err)
		}
	}
	for _, bad := range []string{"dist/[", "dist/{a,b", "dist/[]", "", "dist/\xc6"} {
		if ok, err := Match(bad, "dist/a"); ok || !errors.Is(err, ErrBadPattern) {
			t.Errorf("Match(%q) = %v, %v; want ErrBadPattern", bad, ok, err)
		}
		if err := ValidatePattern(bad); !errors.Is(err, ErrBadPattern) {
			t.Errorf("ValidatePattern(%q) = %v, want ErrBadPattern", bad, err)
		}
	}
}

// TestHashTreePatternDialect: artifacts on disk take the same patterns.
func TestHashTreePatternDialect(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", map[string]string{
		"src/main.c":      "m",
		"src/util.c":      "u",
		"src/util.h":      "h",
		"src/lib/x.c":     "x",
		"src/lib/y.go":    "y",
		"dist/app-1.zip":  "z",
		"dist/app-1.tgz":  "t",
		"dist/.sig":       "s",
		"weird/[lit].txt": "l",
	})
	tests := []struct {
		roots []string
		want  []string
	}{
		{[]string{"src/{main,util}.c"}, []string{"src/main.c " + sum("m"), "src/util.c " + sum("u")}},
		{[]string{"src/**/*.{c,go}"}, []string{"src/lib/x.c " + sum("x"), "src/lib/y.go " + sum("y"), "src/main.c " + sum("m"), "src/util.c " + sum("u")}},
		{[]string{"src/*.[!c]"}, []string{"src/util.h " + sum("h")}},
		{[]string{"dist/*"}, []string{"dist/.sig " + sum("s"), "dist/app-1.tgz " + sum("t"), "dist/app-1.zip " + sum("z")}},
		{[]string{`weird/\[lit\].txt`}, []string{"weird/[lit].txt " + sum("l")}},
		{[]string{"weird/[lit].txt"}, []string{"weird/[lit].txt " + sum("l")}}, // an existing name is literal
		// A matched directory stands for its tree, once.
		{[]string{"src/**"}, []string{"src/lib/x.c " + sum("x"), "src/lib/y.go " + sum("y"), "src/main.c " + sum("m"), "src/util.c " + sum("u"), "src/util.h " + sum("h")}},
		{[]string{"s*"}, []string{"src/lib/x.c " + sum("x"), "src/lib/y.go " + sum("y"), "src/main.c " + sum("m"), "src/util.c " + sum("u"), "src/util.h " + sum("h")}},
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
	for _, bad := range []string{"src/{a,b", "src/[x"} {
		if _, err := HashTree(context.Background(), []string{bad}); !errors.Is(err, ErrBadPattern) || !strings.HasPrefix(err.Error(), bad+": ") {
			t.Errorf("HashTree(%q) = %v, want ErrBadPattern naming the pattern", bad, err)
		}
	}
}

// TestHashTreeMatchedLinks: a link a pattern matches is not a named root:
// it is followed only to a regular file inside the pattern's base (or
// another root), else recorded as a link. So `--products 'dist/*'` where
// the build planted dist/etc -> /etc hashes nothing outside dist.
func TestHashTreeMatchedLinks(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	writeTree(t, ".", map[string]string{
		"dist/app":       "app",
		"dist/sub/lib":   "lib",
		"outside/secret": "secret outside the declared paths",
		"outside/d/f":    "f",
	})
	links := map[string]string{
		"dist/app-latest": "app",                                    // inside, a file: followed
		"dist/out-file":   "../outside/secret",                      // outside: a link
		"dist/abs-out":    filepath.Join(root, "outside", "secret"), // outside, absolute
		"dist/out-dir":    "../outside",                             // a directory outside: a link, not walked
		"dist/in-dir":     "sub",                                    // a directory inside: a link, not walked
		"dist/dangling":   "nowhere",                                // a link
		"named-link":      filepath.Join(root, "outside", "d"),      // named: followed
	}
	symlinks(t, links)
	tr, err := HashTree(context.Background(), []string{"dist/*", "named-link"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"dist/abs-out " + sum(filepath.Join(root, "outside", "secret")) + " -> " + filepath.Join(root, "outside", "secret"),
		"dist/app " + sum("app"),
		"dist/app-latest " + sum("app"),
		"dist/dangling " + sum("nowhere") + " -> nowhere",
		"dist/in-dir " + sum("sub") + " -> sub",
		"dist/out-dir " + sum("../outside") + " -> ../outside",
		"dist/out-file " + sum("../outside/secret") + " -> ../outside/secret",
		"dist/sub/lib " + sum("lib"),
		"named-link/f " + sum("f"),
	}
	if got := describe(tr); !reflect.DeepEqual(got, want) {
		t.Errorf("HashTree =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// "**" does not descend through a link to a directory.
	tr, err = HashTree(context.Background(), []string{"dist/**/lib", "dist/**/f"}, WithMissingOK())
	if err != nil {
		t.Fatal(err)
	}
	if got := describe(tr); !reflect.DeepEqual(got, []string{"dist/sub/lib " + sum("lib")}) {
		t.Errorf("HashTree(dist/**/...) = %v, want only dist/sub/lib", got)
	}
}

// TestExpandMatchedLinks: attest's arguments follow links, named or
// matched, as before: the caller names what it attests.
func TestExpandMatchedLinks(t *testing.T) {
	dir := tree(t, "real/a.txt", "real/b.txt")
	attesttest.Symlink(t, filepath.Join(dir, "real"), filepath.Join(dir, "link-dir"))
	got, err := Expand([]string{filepath.Join(dir, "link-*")})
	want := []string{filepath.Join(dir, "link-dir", "a.txt"), filepath.Join(dir, "link-dir", "b.txt")}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Expand(link-*) = %v, %v; want %v", got, err, want)
	}
	got, err = Expand([]string{filepath.Join(dir, "real", "{a,b}.txt")})
	if err != nil || len(got) != 2 {
		t.Errorf("Expand({a,b}) = %v, %v", got, err)
	}
}
