package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestInTotoDocExamplesRun runs every ```sh block of docs/in-toto.md, in
// order, in one scratch directory, with a freshly built provenant and
// in-toto-golang's CLI on PATH: the demo supply chain end to end, the
// interop with in-toto-golang, and the attack that must be denied.
func TestInTotoDocExamplesRun(t *testing.T) {
	intoto := inTotoGolang(t)
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "in-toto.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 6 {
		t.Fatalf("found %d sh blocks in docs/in-toto.md, want the demo's", len(blocks))
	}
	bin := filepath.Dir(provenantBinary(t))
	dir := t.TempDir()
	path := strings.Join([]string{bin, filepath.Dir(intoto), os.Getenv("PATH")}, string(os.PathListSeparator))
	for i, b := range blocks {
		cmd := exec.Command("bash", "-c", "set -euo pipefail\n"+b[1])
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PATH="+path, "NO_COLOR=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("docs/in-toto.md sh block %d failed: %v\n%s\n--- output\n%s", i+1, err, b[1], out)
		}
		if strings.Contains(b[1], "|| test $? -eq 1") && !strings.Contains(string(out), "disallowed by rule [DISALLOW *]") {
			t.Errorf("block %d: the attack is not denied by the package step's rules:\n%s", i+1, out)
		}
	}
}
