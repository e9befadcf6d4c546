//go:build unix

package inspect

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/attesttest"
)

// TestReadFileRefusesFIFO: a FIFO as a bundle hung inspect; it is refused
// at once, naming the path and what it is.
func TestReadFileRefusesFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "b.intoto.jsonl")
	attesttest.Mkfifo(t, fifo)
	in, err := New()
	if err != nil {
		t.Fatal(err)
	}
	err = attesttest.Within(t, 5*time.Second, "ReadFile(fifo)", func() error { return in.ReadFile(context.Background(), fifo) })
	if err == nil || !strings.HasSuffix(err.Error(), fifo+": a named pipe, not a regular file") {
		t.Errorf("ReadFile(fifo) = %v, want a named pipe refused", err)
	}
}
