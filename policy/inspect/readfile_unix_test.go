//go:build unix

package inspect

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadFileRefusesFIFO: a FIFO as a bundle hung inspect; it is refused
// at once, naming the path and what it is.
func TestReadFileRefusesFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "b.intoto.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	in, err := New()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- in.ReadFile(context.Background(), fifo) }()
	select {
	case err := <-done:
		if err == nil || !strings.HasSuffix(err.Error(), fifo+": a named pipe, not a regular file") {
			t.Errorf("ReadFile(fifo) = %v, want a named pipe refused", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadFile(fifo) still running after 5 s")
	}
}
