package safetext

// Palette colours text with ANSI escapes when On (a terminal, asked for
// colour), and leaves it as it is otherwise. Colour wraps text already
// made safe (Text, Line): it adds escapes of its own, never the input's.
type Palette struct{ On bool }

func (p Palette) wrap(code, s string) string {
	if !p.On {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Green is for what passed.
func (p Palette) Green(s string) string { return p.wrap("32", s) }

// Red is for what failed.
func (p Palette) Red(s string) string { return p.wrap("31", s) }

// Yellow is for warnings and what was not checked.
func (p Palette) Yellow(s string) string { return p.wrap("33", s) }

// Bold is for headings.
func (p Palette) Bold(s string) string { return p.wrap("1", s) }

// Dim is for labels.
func (p Palette) Dim(s string) string { return p.wrap("2", s) }
