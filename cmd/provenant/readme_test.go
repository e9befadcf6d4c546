package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
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
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.tar.gz"), []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The Sigstore examples verify slsa-github-generator's provenance for
	// example-package and a GitHub attestation with the public-good root,
	// all from slsa-verifier's test data, after one trust import (where the user would run trust
	// update), in a trusted-root cache of this test's own.
	cache := t.TempDir()
	vectors := attesttest.Vectors(t)
	for name, from := range map[string]string{
		"trusted-root-public-good.json": filepath.Join(vectors, "slsa-verifier", "sigstore", "trusted-root-public-good.json"),
		"example-package.intoto.jsonl":  filepath.Join(vectors, "slsa-verifier", "cli", "slsa-verifier", "testdata", "gha_generic", "v2.1.0", "binary-linux-amd64-push-v13.0.30.intoto.jsonl"),
		"MODULE.bazel.intoto.jsonl":     filepath.Join(vectors, "slsa-verifier", "cli", "slsa-verifier", "testdata", "bcr", "MODULE.bazel.intoto.jsonl"),
		"MODULE.bazel":                  filepath.Join(vectors, "slsa-verifier", "cli", "slsa-verifier", "testdata", "bcr", "MODULE.bazel"),
	} {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		attesttest.WriteFile(t, filepath.Join(dir, name), b, 0o644)
	}
	runShellBlocks(t, "README Usage", blocks, dir, "XDG_CACHE_HOME="+cache)
}

// runShellBlocks runs each block (a match whose first group is a shell
// script) in order in dir with bash -euo pipefail, a freshly built
// provenant first on PATH, colour off, and env added. It returns what the
// blocks printed.
func runShellBlocks(t *testing.T, what string, blocks [][]string, dir string, env ...string) string {
	t.Helper()
	bin := filepath.Dir(provenantBinary(t))
	var all strings.Builder
	for i, b := range blocks {
		cmd := exec.Command("bash", "-c", "set -euo pipefail\n"+b[1])
		cmd.Dir = dir
		cmd.Env = append(append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "NO_COLOR=1"), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s block %d failed: %v\n%s\n--- output\n%s", what, i+1, err, b[1], out)
		}
		all.Write(out)
	}
	return all.String()
}
