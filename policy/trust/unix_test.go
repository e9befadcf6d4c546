//go:build unix

package trust

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/regfile"
)

// TestLoadTrustRefusesFIFO: a named pipe as --trust blocked the verifier;
// it is refused at once.
func TestLoadTrustRefusesFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "trust.yaml")
	attesttest.Mkfifo(t, fifo)
	err := attesttest.Within(t, 5*time.Second, "Load(FIFO)", func() error { _, err := Load(fifo); return err })
	if !errors.Is(err, regfile.ErrNotRegular) || !strings.Contains(err.Error(), "a named pipe, not a regular file") {
		t.Errorf("Load(FIFO) = %v, want a named-pipe refusal", err)
	}
}
