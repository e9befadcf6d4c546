package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeExamplesRun runs every ```sh block of the README's Usage section
// with a freshly built binary, in a scratch directory prepared as the README
// says, so that the examples cannot rot.
func TestReadmeExamplesRun(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	usage := string(readme)
	start := strings.Index(usage, "## Usage")
	if start < 0 {
		t.Fatal("README has no ## Usage section")
	}
	usage = usage[start:]
	if end := strings.Index(usage[len("## Usage"):], "\n## "); end >= 0 {
		usage = usage[:len("## Usage")+end]
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(usage, -1)
	if len(blocks) < 3 {
		t.Fatalf("found %d sh blocks in the Usage section, want at least 3", len(blocks))
	}
	bin := filepath.Dir(provenantBinary(t))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.tar.gz"), []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, b := range blocks {
		script := "set -euo pipefail\n" + b[1]
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "NO_COLOR=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("README Usage block %d failed: %v\n%s\n--- output\n%s", i+1, err, b[1], out)
		}
	}
}
