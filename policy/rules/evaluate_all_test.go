package rules

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestEvaluateAllInOrder: EvaluateAll gives, for any number of workers,
// what Evaluate gives for each input, in input order, and writes print()
// output input by input; a cancelled context is an error, never a
// result.
func TestEvaluateAllInOrder(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "p.rego")
	src := "package p\n\ndeny contains sprintf(\"%s denied\", [input.artifact.name]) if {\n\tprint(input.artifact.name)\n\tinput.artifact.verified == false\n}\n"
	if err := os.WriteFile(pol, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var inputs []ast.Value
	var want []string
	var wantPrint bytes.Buffer
	for i := range 50 {
		doc := gateDoc()
		art := doc["artifact"].(map[string]any)
		art["name"] = fmt.Sprintf("a%02d", i)
		art["verified"] = i%3 != 0
		v, err := astValue(doc)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, v)
		if i%3 == 0 {
			want = append(want, fmt.Sprintf("a%02d denied", i))
		}
		fmt.Fprintf(&wantPrint, "%s:4: a%02d\n", pol, i)
	}
	ctx := context.Background()
	for _, workers := range []int{0, 1, 2, 7, 100} {
		var out bytes.Buffer
		ps, err := LoadPolicies(ctx, []string{pol}, WithPrintOutput(&out))
		if err != nil {
			t.Fatal(err)
		}
		evals, err := ps.EvaluateAll(ctx, inputs, nil, workers)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i, e := range evals {
			one, _ := ps.Evaluate(ctx, inputs[i], nil)
			if !slices.EqualFunc(e.Findings, one, func(a, b Finding) bool { return a.Message == b.Message && a.Kind == b.Kind }) {
				t.Errorf("workers=%d, input %d: %v, Evaluate gives %v", workers, i, e.Findings, one)
			}
			for _, f := range e.Findings {
				got = append(got, f.Message)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("workers=%d: findings %q, want %q", workers, got, want)
		}
		// Evaluate above printed too: the first len(inputs) lines are
		// EvaluateAll's.
		if printed := out.String()[:wantPrint.Len()]; printed != wantPrint.String() {
			t.Errorf("workers=%d: print output\n%s\nwant\n%s", workers, printed, wantPrint.String())
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	ps, err := LoadPolicies(ctx, []string{pol})
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 4} {
		if evals, err := ps.EvaluateAll(cancelled, inputs, nil, workers); err == nil {
			t.Errorf("workers=%d: cancelled context gave %d results and no error", workers, len(evals))
		}
	}
}
