package safetext

import (
	"strings"
	"testing"
)

// hostile are strings a signer can put in any signed field (a builder id,
// a subject name, a SAN) or a policy can put in a message.
var hostile = []string{
	"\x1b[2J\x1b[H✓ app: verified\nallowed: 1 artifact(s) verified",
	"https://builder\r✓ allowed",
	"evil\u202e\u2066dellowa\u2069",
	"a\u200bb\ufeffc\u00add",
	"line\u2028two\u2029three\u0085four",
	"<img src=x onerror=alert(1)>",
	"</td></tr></table><h1>✅ allowed</h1>",
	"| ✅ | `app` | verified |",
	"**allowed** _ok_ ~~denied~~",
	"[allowed](https://evil.example) ![ok](https://evil.example/ok.png)",
	"$\\color{green}{\\text{allowed}}$ $$x$$",
	"# allowed",
	"> ✅ allowed",
	"- [x] allowed",
	"1. allowed",
	"&lt;b&gt; &#x3C;script&#x3E;",
	"`code` ``more``",
	"a\\|b",
	"\xff\xfe invalid utf-8",
	"tab\there",
	"<!-- hide the rest",
	"<details open><summary>ok</summary>",
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain https://github.com/org/repo@refs/tags/v1", "plain https://github.com/org/repo@refs/tags/v1"},
		{"\x1b[31mred", `\x1b[31mred`},
		{"a\nb\rc\td", `a\nb\rc\td`},
		{"\u202eevil", `\u202eevil`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"sep\u2028x", `sep\u2028x`},
		{"c1\u009bx", `c1\u009bx`},
		{"del\x7f", `del\x7f`},
		{"bad\xffutf8", "bad\ufffdutf8"},
		{"ünïcödé ✓ 名前", "ünïcödé ✓ 名前"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLine(t *testing.T) {
	if got, want := Line("  one\n two\r\n\tthree \x1b[K "), `one two three \x1b[K`; got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
}

// TestHostileStrings: for each format, no hostile string keeps a byte that
// the format would read as structure.
func TestHostileStrings(t *testing.T) {
	for _, s := range hostile {
		for name, out := range map[string]string{"Text": Text(s), "Line": Line(s), "Markdown": Markdown(s), "MarkdownCode": MarkdownCode(s), "HTML": HTML(s)} {
			for _, r := range out {
				if escaped(r) {
					t.Errorf("%s(%q) = %q keeps %U", name, s, out, r)
				}
			}
			if strings.ContainsAny(out, "\n\r\x1b") {
				t.Errorf("%s(%q) = %q has a line break or ESC", name, s, out)
			}
		}
		if h := HTML(s); strings.ContainsAny(h, "<>\"'") || strings.Contains(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(h, "&amp;", ""), "&lt;", ""), "&gt;", ""), "&#34;", ""), "&#39;", ""), "&") {
			t.Errorf("HTML(%q) = %q keeps markup", s, h)
		}
		md := Markdown(s)
		if unescapedIn(md, "<>$") {
			t.Errorf("Markdown(%q) = %q keeps HTML or math", s, md)
		}
		if unescapedMarkdown(md) {
			t.Errorf("Markdown(%q) = %q keeps an unescaped Markdown character", s, md)
		}
		if c := MarkdownCode(s); strings.HasPrefix(c, "`") {
			inner := strings.TrimSuffix(strings.TrimPrefix(c, "`"), "`")
			if strings.Contains(inner, "`") || strings.Contains(strings.ReplaceAll(inner, `\|`, ""), "|") {
				t.Errorf("MarkdownCode(%q) = %q breaks out of the span or the cell", s, c)
			}
		} else if c != md {
			t.Errorf("MarkdownCode(%q) = %q, neither a code span nor Markdown text", s, c)
		}
	}
}

// unescapedIn says whether s holds one of chars literally.
func unescapedIn(s, chars string) bool { return strings.ContainsAny(s, chars) }

// unescapedMarkdown says whether a Markdown-significant character appears
// without its backslash.
func unescapedMarkdown(s string) bool {
	for _, e := range []string{"&amp;", "&lt;", "&gt;", "&#36;"} {
		s = strings.ReplaceAll(s, e, "")
	}
	if strings.Contains(s, "&") {
		return true // an entity the input wrote
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			i++ // the escaped character
			continue
		}
		if strings.IndexByte("`*_[]~|#", c) >= 0 {
			return true
		}
	}
	return false
}

func TestMarkdownLeading(t *testing.T) {
	for in, want := range map[string]string{
		"- item": `\- item`, "+ item": `\+ item`, "=== ": `\=== `, "1. x": "1. x", "a-b": "a-b", ": x": `\: x`,
		"> quote": "&gt; quote", "# h": `\# h`,
	} {
		if got := Markdown(in); got != want {
			t.Errorf("Markdown(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownCode(t *testing.T) {
	for in, want := range map[string]string{
		"":                           "",
		"https://github.com/org/rep": "`https://github.com/org/rep`",
		"a|b":                        "`a\\|b`",
		"<b>$x$</b>":                 "`<b>$x$</b>`",
		"a`b":                        "a\\`b",
		`a\|b`:                       `a\\\|b`,
		" padded":                    `\ padded`[1:],
	} {
		if got := MarkdownCode(in); got != want {
			t.Errorf("MarkdownCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzEscapes(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, out := range map[string]string{"Text": Text(s), "Line": Line(s), "Markdown": Markdown(s), "MarkdownCode": MarkdownCode(s), "HTML": HTML(s)} {
			for _, r := range out {
				if escaped(r) {
					t.Fatalf("%s(%q) = %q keeps %U", name, s, out, r)
				}
			}
		}
		if strings.ContainsAny(HTML(s), "<>\"'") {
			t.Fatalf("HTML(%q) keeps markup", s)
		}
		if md := Markdown(s); strings.ContainsAny(md, "<>$") || unescapedMarkdown(md) {
			t.Fatalf("Markdown(%q) = %q", s, md)
		}
	})
}
