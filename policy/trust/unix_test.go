//go:build unix

package trust

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/regfile"
)

// TestLoadTrustRefusesFIFO: a named pipe as --trust blocked the verifier;
// it is refused at once.
func TestLoadTrustRefusesFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "trust.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan error, 1)
	go func() { _, err := Load(fifo); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, regfile.ErrNotRegular) || !strings.Contains(err.Error(), "a named pipe, not a regular file") {
			t.Errorf("Load(FIFO) = %v, want a named-pipe refusal", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Load(FIFO) still running after 5 s")
	}
}
