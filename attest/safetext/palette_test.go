package safetext

import "testing"

func TestPalette(t *testing.T) {
	on, off := Palette{On: true}, Palette{}
	for _, tt := range []struct {
		got, want string
	}{
		{on.Green("ok"), "\x1b[32mok\x1b[0m"},
		{on.Red("no"), "\x1b[31mno\x1b[0m"},
		{on.Yellow("?"), "\x1b[33m?\x1b[0m"},
		{on.Bold("h"), "\x1b[1mh\x1b[0m"},
		{on.Dim("l"), "\x1b[2ml\x1b[0m"},
		{off.Green("ok") + off.Red("no") + off.Yellow("?") + off.Bold("h") + off.Dim("l"), "okno?hl"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
