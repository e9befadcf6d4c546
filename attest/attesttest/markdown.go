package attesttest

import "strings"

// MarkdownProse is s without its backslash escapes and `code spans`: the
// text a Markdown renderer would interpret, where a signer's string must
// not draw HTML, math or a table.
func MarkdownProse(s string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case s[i] == '`':
			in = !in
		case !in:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
