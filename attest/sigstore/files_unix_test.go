//go:build unix

package sigstore

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within runs fn and fails the test if it has not returned after a few
// seconds: every case here blocked forever (or read without end) before
// only regular files were read.
func within(t *testing.T, what string, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("%s still running after 5 s", what)
		return nil
	}
}

// TestLoadRefusesSpecialFiles: Sigstore bundles, trusted roots and signed
// artifacts are read only from regular files.
func TestLoadRefusesSpecialFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	s, _ := keyedSigner(t, "ecdsa-p256")
	for name, fn := range map[string]func() error{
		"LoadBundle":       func() error { _, err := LoadBundle(fifo); return err },
		"LoadTrustedRoot":  func() error { _, err := LoadTrustedRoot(fifo); return err },
		"SignArtifactFile": func() error { _, err := SignArtifactFile(context.Background(), s, fifo); return err },
	} {
		err := within(t, name, fn)
		if err == nil || !strings.Contains(err.Error(), fifo+": a named pipe, not a regular file") {
			t.Errorf("%s(fifo) = %v, want a named pipe refused", name, err)
		}
	}
	if _, err := SignArtifactFile(context.Background(), s, "/dev/zero"); err == nil || !strings.Contains(err.Error(), "a character device") {
		t.Errorf("SignArtifactFile(/dev/zero) = %v, want refused", err)
	}
}
