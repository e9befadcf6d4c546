package main

import (
	"encoding/json"
	"io"
	"os"

	"golang.org/x/term"
)

// isTerminal says whether w is a terminal (x/term asks the terminal driver;
// a character device such as /dev/null is not one).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
