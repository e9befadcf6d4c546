//go:build unix

package rules

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/attesttest"
)

// TestPolicyFilesRegularOnly: a FIFO or a device given as a policy or a
// policy configuration (directly, through a link, or inside a policy
// directory) is refused before it is opened: it neither blocks verify nor
// fills memory; an oversized file is refused too.
func TestPolicyFilesRegularOnly(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.rego")
	attesttest.Mkfifo(t, fifo)
	zero := filepath.Join(dir, "zero.rego")
	attesttest.Symlink(t, "/dev/zero", zero)
	sub := filepath.Join(dir, "policies")
	attesttest.Mkdir(t, sub)
	attesttest.Symlink(t, fifo, filepath.Join(sub, "x.rego"))
	yamlFifo := filepath.Join(dir, "policy.yaml")
	attesttest.Mkfifo(t, yamlFifo)
	big := filepath.Join(dir, "big.rego")
	attesttest.WriteFile(t, big, []byte("package big\n\n"+strings.Repeat(" ", MaxPolicyFileBytes)), 0o644)
	attesttest.Within(t, 30*time.Second, "reading a FIFO or a device as a policy", func() any {
		for _, p := range []string{fifo, zero, sub, big} {
			if _, err := LoadPolicies(context.Background(), []string{p}); err == nil || !strings.Contains(err.Error(), "not a regular file") && !strings.Contains(err.Error(), "larger than 16 MiB") {
				t.Errorf("LoadPolicies(%s): error %v, want a refusal", p, err)
			}
		}
		if _, err := RunPolicyTests(context.Background(), []string{sub}, 0, nil); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("RunPolicyTests(%s): error %v, want a refusal", sub, err)
		}
		if _, err := LoadConfig(yamlFifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("LoadConfig(fifo): error %v, want a refusal", err)
		}
		return nil
	})
}
