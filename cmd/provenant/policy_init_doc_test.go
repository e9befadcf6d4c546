package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPolicyInitDocExamplesRun runs every ```sh block of
// docs/policy-init.md, in order, in one scratch directory, with a freshly
// built provenant on PATH: init from a two-step build, its tests, the gate
// allowing the build and denying a rogue package step, the refusals.
func TestPolicyInitDocExamplesRun(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "policy-init.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 6 {
		t.Fatalf("found %d sh blocks in docs/policy-init.md, want the walk-through's", len(blocks))
	}
	out := runShellBlocks(t, "docs/policy-init.md", blocks, t.TempDir())
	for _, want := range []string{
		"PASS: 7/7",
		`Pinned step products: step "package" consumed "build/app" with a digest step "compile" did not produce (links)`,
		"data.pinned: missing; policy pinned (policy/policy.rego:1) requires it",
		"refs/tags/*",
		"policy/policy.rego: file already exists; nothing was written (give --force to replace the files)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the walk-through's output lacks %q:\n%s", want, out)
		}
	}
}
