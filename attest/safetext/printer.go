package safetext

import (
	"fmt"
	"io"
)

// Printer writes a document piece by piece and keeps the first write
// error, as bufio.Writer does, so that a renderer of many lines checks
// once, at the end (Err), and no line's error goes unseen. After an
// error it writes nothing more.
type Printer struct {
	w   io.Writer
	err error
}

// NewPrinter prints to w.
func NewPrinter(w io.Writer) *Printer { return &Printer{w: w} }

// Printf is fmt.Fprintf to the printer's writer.
func (p *Printer) Printf(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, a...)
	}
}

// Print is fmt.Fprint to the printer's writer.
func (p *Printer) Print(a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprint(p.w, a...)
	}
}

// Println is fmt.Fprintln to the printer's writer.
func (p *Printer) Println(a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintln(p.w, a...)
	}
}

// Write makes the printer an io.Writer (for a tabwriter in front of it);
// it returns the first error, this write's or an earlier one.
func (p *Printer) Write(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n, err := p.w.Write(b)
	p.err = err
	return n, err
}

// Err is the first write error, or nil.
func (p *Printer) Err() error { return p.err }
