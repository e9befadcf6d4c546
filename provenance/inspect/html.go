package inspect

import (
	"bufio"
	"errors"
)

func writeHTML(w *bufio.Writer, r *Report) error { return errors.New("html: not yet") }
