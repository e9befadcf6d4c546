package main

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
)

// TestTerminalDetection: /dev/null is a character device but not a
// terminal: no colour and no progress line rewriting go to it (the mode
// bits said yes, x/term says no).
func TestTerminalDetection(t *testing.T) {
	t.Setenv("TERM", "xterm")
	attesttest.Unsetenv(t, "NO_COLOR")
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer attesttest.Close(t, null)
	if info, err := null.Stat(); err != nil || info.Mode()&os.ModeCharDevice == 0 {
		t.Skipf("%s is not a character device here", os.DevNull)
	}
	if isTerminal(null) {
		t.Errorf("isTerminal(%s) = true", os.DevNull)
	}
	for _, c := range []struct {
		color string
		w     io.Writer
		want  bool
	}{
		{"auto", null, false},
		{"auto", &bytes.Buffer{}, false},
		{"always", null, true},
		{"never", null, false},
	} {
		if got := useColor(&globalFlags{color: c.color}, c.w); got != c.want {
			t.Errorf("useColor(%s, %T) = %v, want %v", c.color, c.w, got, c.want)
		}
	}
	if pp := newProgressPrinter(null, true); pp.tty {
		t.Errorf("the progress printer rewrites lines on %s", os.DevNull)
	}
}
