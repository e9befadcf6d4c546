//go:build unix

package rules

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPolicyFilesRegularOnly: a FIFO or a device given as a policy or a
// policy configuration (directly, through a link, or inside a policy
// directory) is refused before it is opened: it neither blocks verify nor
// fills memory; an oversized file is refused too.
func TestPolicyFilesRegularOnly(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.rego")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	zero := filepath.Join(dir, "zero.rego")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "policies")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(fifo, filepath.Join(sub, "x.rego")); err != nil {
		t.Fatal(err)
	}
	yamlFifo := filepath.Join(dir, "policy.yaml")
	if err := syscall.Mkfifo(yamlFifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.rego")
	if err := os.WriteFile(big, []byte("package big\n\n"+strings.Repeat(" ", MaxPolicyFileBytes)), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
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
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("reading a FIFO or a device as a policy blocked")
	}
}
