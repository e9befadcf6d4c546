package digest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
)

// Patterns. Artifacts on disk (Expand, HashTree: `provenant attest`'s
// arguments, `run --materials` and `--products`) and artifact names (Match:
// what a policy exception names) are matched in one dialect, doublestar's
// (github.com/bmatcuk/doublestar/v4):
//
//	*        any run of characters within one path element
//	?        one character within a path element
//	[abc]    one of a set; [a-z] a range; [!a] or [^a] none of them
//	{a,b}    one of the alternatives (which may hold patterns)
//	**       as a whole element: any number of elements, none included
//	\c       the character c itself (on Unix; Windows has no escape)
//
// Elements are separated by "/" (and, on disk on Windows, "\"). A pattern
// matches a whole name, never a part of it, and "*" matches dot files too.
// A pattern must be valid UTF-8; a name that is not matches no pattern
// (doublestar would take every invalid byte for the same character).

// ErrBadPattern: a pattern does not parse.
var ErrBadPattern = errors.New("bad pattern")

// Match reports whether an artifact name (a path with forward slashes, as
// a statement's subject names it) matches pattern, in the dialect above.
// An invalid pattern is ErrBadPattern, never a match.
func Match(pattern, name string) (bool, error) {
	if err := ValidatePattern(pattern); err != nil {
		return false, err
	}
	if !utf8.ValidString(name) {
		return false, nil
	}
	return doublestar.MatchUnvalidated(pattern, name), nil
}

// ValidatePattern returns ErrBadPattern when pattern does not parse (or is
// empty, or not valid UTF-8).
func ValidatePattern(pattern string) error {
	if pattern == "" || !utf8.ValidString(pattern) || !doublestar.ValidatePattern(pattern) {
		return fmt.Errorf("%w: %q", ErrBadPattern, pattern)
	}
	return nil
}

// IsPattern says whether s holds a pattern's special characters; a name
// without them matches only itself.
func IsPattern(s string) bool { return strings.ContainsAny(s, "*?[{") }

// glob expands a pattern on disk. Links are not followed while matching
// ("**" does not descend through a link to a directory), though a link can
// itself match. A directory that matches stands for its whole tree: what
// matches below it is left out. base is the directory the pattern is
// anchored in (its leading elements without special characters).
func glob(pattern string) (matches []string, base string, err error) {
	clean := filepath.ToSlash(filepath.Clean(pattern))
	if !utf8.ValidString(pattern) || !doublestar.ValidatePathPattern(clean) {
		return nil, "", fmt.Errorf("%s: %w: syntax error in pattern", pattern, ErrBadPattern)
	}
	base, _ = doublestar.SplitPattern(clean)
	m, err := doublestar.FilepathGlob(pattern, doublestar.WithNoFollow(), doublestar.WithFailOnIOErrors())
	if err != nil {
		if errors.Is(err, doublestar.ErrBadPattern) {
			return nil, "", fmt.Errorf("%s: %w: syntax error in pattern", pattern, ErrBadPattern)
		}
		return nil, "", fmt.Errorf("%s: %w", pattern, err)
	}
	sort.Strings(m)
	var dirs []string
	for _, p := range m {
		if underAny(p, dirs) {
			continue
		}
		matches = append(matches, p)
		if info, err := os.Lstat(p); err == nil && info.IsDir() {
			dirs = append(dirs, p)
		}
	}
	return matches, filepath.FromSlash(base), nil
}

// underAny says whether p is strictly below one of dirs.
func underAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if d == "." || strings.HasPrefix(p, strings.TrimSuffix(d, string(filepath.Separator))+string(filepath.Separator)) {
			return true
		}
	}
	return false
}
