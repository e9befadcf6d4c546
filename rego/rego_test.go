package regolib_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/provenant/provenant/policy/rules"
	regolib "github.com/provenant/provenant/rego"
)

// TestRegoTests runs every test_* rule of the built-in policies' *_test.rego
// files, as `provenant policy test builtin:NAME` does.
func TestRegoTests(t *testing.T) {
	results, err := rules.RunPolicyTests(context.Background(), []string{"."}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) < 40 {
		t.Fatalf("ran %d Rego tests, want the built-in policies' tests", len(results))
	}
	for _, r := range results {
		if !r.Passed() {
			t.Errorf("%s.%s (%s): %s %s%s", r.Package, r.Name, r.Location, r.Outcome, r.Error, r.Output)
		}
	}
}

// TestInputSchemaIsTheDocs: the schema compiled into the binary is the one
// published in docs/.
func TestInputSchemaIsTheDocs(t *testing.T) {
	docs, err := os.ReadFile(filepath.Join("..", "docs", "policy-input.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(docs, regolib.InputSchema) {
		t.Error("rego/policy-input.schema.json differs from docs/policy-input.schema.json: copy the docs file over it")
	}
}
