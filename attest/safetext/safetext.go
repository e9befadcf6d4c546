package safetext

import (
	"fmt"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text makes s safe to print on one line of a terminal or a plain-text
// report: control characters (C0 including tab and line breaks, DEL, C1,
// which could move the cursor, rewrite what was printed or start a fake
// line), Unicode format characters (bidirectional overrides and isolates
// that reorder text, zero-width characters that hide it) and the Unicode
// line and paragraph separators are shown as Go escapes (\x1b, \n, \u202e).
// Invalid UTF-8 becomes U+FFFD. Everything else is kept as it is.
func Text(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case escaped(r):
			q := fmt.Sprintf("%+q", string(r))
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Line is Text for a message provenant composed (an error, a reason) that
// may span lines: runs of white space, line breaks included, become one
// space, then the rest is escaped as Text does.
func Line(s string) string {
	return Text(strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "))
}

func needsEscape(s string) bool {
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		if (r == utf8.RuneError && size == 1) || escaped(r) {
			return true
		}
	}
	return false
}

// escaped says whether r is shown as an escape: controls, format
// characters (Cf: bidi controls, zero-width space and joiners, the BOM,
// soft hyphen, tags) and the line and paragraph separators.
func escaped(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// markdownEscapes are the characters that carry meaning in CommonMark or
// GitHub-flavoured Markdown anywhere in a line: emphasis, code, links and
// images (which need "[", so "(", ")" and "!" are left alone),
// strike-through, table columns, raw HTML, entities, math.
var markdownEscapes = map[rune]string{
	'&':  "&amp;",
	'<':  "&lt;",
	'>':  "&gt;",
	'$':  "&#36;", // GitHub math ($...$, $$...$$) is found before escapes are read
	'\\': `\\`,
	'`':  "\\`",
	'*':  `\*`,
	'_':  `\_`,
	'[':  `\[`,
	']':  `\]`,
	'~':  `\~`,
	'|':  `\|`,
	'#':  `\#`,
}

// markdownLeading are the characters that carry meaning only at the start
// of a line (lists, headings, quotes, setext underlines, thematic breaks).
const markdownLeading = "-+=.:"

// Markdown makes s safe as inline text in GitHub-flavoured Markdown, in a
// table cell, a list item or a heading: first Text (one line, no control
// or format characters), then every character that could start HTML, an
// entity, emphasis, code, a link, an image, a table column, strike-through
// or math is escaped, and so is a character that means something at the
// start of a line. What renders is the text as written.
func Markdown(s string) string {
	s = Text(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i, r := range s {
		if e, ok := markdownEscapes[r]; ok {
			b.WriteString(e)
			continue
		}
		if i == 0 && strings.ContainsRune(markdownLeading, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MarkdownCode shows s as inline code (for names, identities, URIs,
// digests) where Markdown keeps it literal: inside a code span nothing is
// HTML, Markdown, an emoji or math. A "|" is escaped for a table cell
// (GitHub reads "\|" there even inside code). A value that cannot be a
// code span safely (it holds a backtick, or a backslash before a "|")
// is written as Markdown text instead. An empty s is "".
func MarkdownCode(s string) string {
	if s == "" {
		return ""
	}
	s = Text(s)
	if strings.Contains(s, "`") || strings.Contains(s, `\|`) || strings.TrimSpace(s) != s {
		return Markdown(s)
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}

// HTML makes s safe as HTML text or a quoted attribute value: Text, then
// <, >, &, ' and " escaped.
func HTML(s string) string {
	return html.EscapeString(Text(s))
}
