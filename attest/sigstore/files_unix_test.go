//go:build unix

package sigstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/attesttest"
)

// TestLoadRefusesSpecialFiles: Sigstore bundles, trusted roots and signed
// artifacts are read only from regular files. Every case blocked forever
// (or read without end) before only regular files were read: the deadline
// turns that into a failure.
func TestLoadRefusesSpecialFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	attesttest.Mkfifo(t, fifo)
	s, _ := keyedSigner(t, "ecdsa-p256")
	for name, fn := range map[string]func() error{
		"LoadBundle":       func() error { _, err := LoadBundle(fifo); return err },
		"LoadTrustedRoot":  func() error { _, err := LoadTrustedRoot(fifo); return err },
		"SignArtifactFile": func() error { _, err := SignArtifactFile(context.Background(), s, fifo); return err },
	} {
		err := attesttest.Within(t, 5*time.Second, name, fn)
		if err == nil || !strings.Contains(err.Error(), fifo+": a named pipe, not a regular file") {
			t.Errorf("%s(fifo) = %v, want a named pipe refused", name, err)
		}
	}
	if _, err := SignArtifactFile(context.Background(), s, "/dev/zero"); err == nil || !strings.Contains(err.Error(), "a character device") {
		t.Errorf("SignArtifactFile(/dev/zero) = %v, want refused", err)
	}
}
