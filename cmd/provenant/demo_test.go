package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoRuns runs `make demo`'s script (testdata/demo.sh) with a freshly
// built binary in a scratch directory, so that the README's first command
// cannot rot: every step must behave as the script expects (it checks the
// exit code of each denial itself).
func TestDemoRuns(t *testing.T) {
	bin := provenantBinary(t)
	script := filepath.Join("..", "..", "testdata", "demo.sh")
	cmd := exec.Command("bash", script)
	cmd.Env = append(os.Environ(), "PROVENANT="+bin, "DEMO_DIR="+filepath.Join(t.TempDir(), "demo"), "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo.sh: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "demo: all steps behaved as expected") {
		t.Errorf("demo.sh did not finish:\n%s", out)
	}
}
