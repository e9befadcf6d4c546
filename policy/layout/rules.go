package layout

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/in-toto/in-toto-golang/in_toto"
)

// checkRules checks every artifact rule of the layout before any is
// applied: in-toto-golang panics on an empty rule, treats a malformed
// pattern as matching nothing (so a DISALLOW with one would never deny)
// and prints a warning on stdout, and a MATCH rule naming no step or
// inspection of the layout consumes nothing. Each of these makes the
// layout invalid here.
func checkRules(l in_toto.Layout) error {
	names := map[string]bool{}
	for _, s := range l.Steps {
		names[s.Name] = true
	}
	for _, in := range l.Inspect {
		names[in.Name] = true
	}
	check := func(kind, item, field string, rules [][]string) error {
		for i, r := range rules {
			if err := checkRule(r, names); err != nil {
				return fmt.Errorf("%s %q: %s[%d] %s: %w", kind, item, field, i, formatRule(r), err)
			}
		}
		return nil
	}
	for _, s := range l.Steps {
		if err := check("step", s.Name, "expected_materials", s.ExpectedMaterials); err != nil {
			return err
		}
		if err := check("step", s.Name, "expected_products", s.ExpectedProducts); err != nil {
			return err
		}
	}
	for _, in := range l.Inspect {
		if err := check("inspection", in.Name, "expected_materials", in.ExpectedMaterials); err != nil {
			return err
		}
		if err := check("inspection", in.Name, "expected_products", in.ExpectedProducts); err != nil {
			return err
		}
	}
	return nil
}

func checkRule(rule []string, names map[string]bool) error {
	if len(rule) == 0 {
		return errors.New("is empty")
	}
	r, err := in_toto.UnpackRule(rule)
	if err != nil {
		return errors.New("is not an in-toto artifact rule (MATCH, ALLOW, DISALLOW, CREATE, DELETE, MODIFY or REQUIRE)")
	}
	if r["type"] != "require" {
		// in-toto-golang matches the pattern path.Clean makes of it:
		// "a\\/" is "a\\" then, which ends with an escape.
		for _, p := range []string{r["pattern"], path.Clean(r["pattern"])} {
			if err := checkPattern(p); err != nil {
				return fmt.Errorf("pattern %q: %w", r["pattern"], err)
			}
		}
	}
	if r["type"] == "match" && !names[r["dstName"]] {
		return fmt.Errorf("names %q, which is no step or inspection of the layout", r["dstName"])
	}
	return nil
}

// formatRule shows a rule as the layout writes it.
func formatRule(r []string) string {
	return "[" + strings.Join(r, " ") + "]"
}

// checkPattern refuses a pattern in-toto's matcher cannot read. Its
// syntax (in-toto-golang's match, as in in-toto-python): "*" any string,
// "?" any character, "\c" the character c, and character classes "[...]"
// (negated by a leading "!") of characters and ranges "a-z", non-empty,
// closed, in valid UTF-8.
func checkPattern(p string) error {
	bad := errors.New("malformed pattern")
	if !utf8.ValidString(p) {
		return errors.New("not valid UTF-8")
	}
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			if i+1 >= len(p) {
				return fmt.Errorf("%w: it ends with an escape", bad)
			}
			i++
		case '[':
			end, err := classEnd(p, i+1)
			if err != nil {
				return fmt.Errorf("%w: %v", bad, err)
			}
			i = end
		}
	}
	return nil
}

// classEnd reads a character class whose "[" is just before start and
// returns the index of its "]".
func classEnd(p string, start int) (int, error) {
	i := start
	if i < len(p) && p[i] == '!' {
		i++
	}
	// char reads one possibly escaped character of a class.
	char := func() error {
		if i >= len(p) || p[i] == '-' || p[i] == ']' {
			return errors.New("a character class needs a character here")
		}
		if p[i] == '\\' {
			i++
			if i >= len(p) {
				return errors.New("a character class ends with an escape")
			}
		}
		_, n := utf8.DecodeRuneInString(p[i:])
		i += n
		if i >= len(p) {
			return errors.New("a character class is not closed")
		}
		return nil
	}
	for n := 0; ; n++ {
		if i >= len(p) {
			return 0, errors.New("a character class is not closed")
		}
		if p[i] == ']' && n > 0 {
			return i, nil
		}
		if err := char(); err != nil {
			return 0, err
		}
		if p[i] == '-' {
			i++
			if err := char(); err != nil {
				return 0, err
			}
		}
	}
}

// parameter is a substitution marker left in a layout: "{NAME}".
var parameter = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{([a-zA-Z0-9_-]+)\}`) })

// parameterName is what in-toto-golang accepts as a parameter's name.
var parameterName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9_-]+$`) })

// unsubstituted lists the parameters the layout still uses after
// substitution: they had no value.
func unsubstituted(l in_toto.Layout) []string {
	var out []string
	add := func(ss []string) {
		for _, s := range ss {
			for _, m := range parameter().FindAllStringSubmatch(s, -1) {
				if !slices.Contains(out, m[1]) {
					out = append(out, m[1])
				}
			}
		}
	}
	for _, s := range l.Steps {
		add(s.ExpectedCommand)
		for _, r := range append(slices.Clone(s.ExpectedMaterials), s.ExpectedProducts...) {
			add(r)
		}
	}
	for _, in := range l.Inspect {
		add(in.Run)
		for _, r := range append(slices.Clone(in.ExpectedMaterials), in.ExpectedProducts...) {
			add(r)
		}
	}
	slices.Sort(out)
	return out
}
