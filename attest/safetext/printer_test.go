package safetext

import (
	"errors"
	"strings"
	"testing"
)

// failAfter accepts n writes, then fails every one.
type failAfter struct {
	n      int
	writes int
	b      strings.Builder
}

var errFull = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	f.writes++
	if f.writes > f.n {
		return 0, errFull
	}
	return f.b.Write(p)
}

// TestPrinterKeepsFirstError: the first failed write is kept, nothing is
// written after it, and Err reports it once at the end.
func TestPrinterKeepsFirstError(t *testing.T) {
	w := &failAfter{n: 2}
	p := NewPrinter(w)
	p.Printf("%s\n", "one")
	p.Println("two")
	if p.Err() != nil {
		t.Fatalf("Err = %v before any failure", p.Err())
	}
	p.Print("three")
	p.Printf("four")
	if _, err := p.Write([]byte("five")); !errors.Is(err, errFull) {
		t.Errorf("Write after a failure = %v, want the first error", err)
	}
	if !errors.Is(p.Err(), errFull) {
		t.Errorf("Err = %v, want %v", p.Err(), errFull)
	}
	if w.writes != 3 || w.b.String() != "one\ntwo\n" {
		t.Errorf("%d writes reached the writer, wrote %q; want 3 and the first two lines", w.writes, w.b.String())
	}
}
