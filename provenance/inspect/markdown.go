package inspect

import (
	"bufio"
	"errors"
)

func writeMarkdown(w *bufio.Writer, r *Report) error { return errors.New("markdown: not yet") }
