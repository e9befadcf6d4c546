package rules

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestResult is the outcome of one Rego test rule (test_*).
type TestResult struct {
	Package  string        `json:"package"`
	Name     string        `json:"name"`
	Location Location      `json:"location"`
	Outcome  string        `json:"outcome"` // PASS, FAIL, ERROR, SKIPPED
	Error    string        `json:"error,omitempty"`
	Output   string        `json:"output,omitempty"` // print() output
	Duration time.Duration `json:"durationNs"`
}

// Passed says whether the test passed (a skipped test did not fail).
func (t TestResult) Passed() bool { return t.Outcome == "PASS" || t.Outcome == "SKIPPED" }

// RunPolicyTests runs the test_* rules of the .rego files named by paths
// (files, directories walked recursively, builtin:NAME with its tests), as
// `opa test` does, with the same capabilities as verify (no network
// built-ins). The provenant.lib helper package is loaded unless a file
// defines it. Results are sorted by file and line. Of the options,
// WithRegoVersion applies.
func RunPolicyTests(ctx context.Context, paths []string, timeout time.Duration, data map[string]any, opts ...PolicyOption) ([]TestResult, error) {
	o, err := newPolicyOptions(opts)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no policy given", ErrPolicy)
	}
	if err := validateData(data, nil); err != nil {
		return nil, err
	}
	files, _, err := collectModules(paths, true)
	if err != nil {
		return nil, err
	}
	mods, order, err := parseModules(files, o.regoVersion, false)
	if err != nil {
		return nil, err
	}
	// Tests give their own data.config (with data.config as ...); what
	// the policies declare is checked against a configuration given.
	decls, err := declarations(mods, order)
	if err != nil {
		return nil, err
	}
	if data != nil {
		if err := checkDeclared(decls, data); err != nil {
			return nil, err
		}
	}
	if timeout <= 0 {
		timeout = DefaultPolicyTimeout
	}
	store := map[string]any{}
	if data != nil {
		store["config"] = data
	}
	if err := checkEveryRefs(everyShadow(mods), o); err != nil {
		return nil, err
	}
	compiler, err := newCompiler(o)
	if err != nil {
		return nil, err
	}
	runner := tester.NewRunner().
		SetCompiler(compiler).
		SetStore(inmem.NewFromObject(store)).
		SetDefaultRegoVersion(ast.RegoV1).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(true).
		SetTimeout(timeout).
		SetModules(mods)
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrPolicy, strings.Join(regoErrorLines(err), "; "))
	}
	var out []TestResult
	for r := range ch {
		tr := TestResult{
			Package:  strings.TrimPrefix(r.Package, "data."),
			Name:     r.Name,
			Duration: r.Duration,
			Output:   string(r.Output),
		}
		if r.Location != nil {
			tr.Location = Location{File: r.Location.File, Line: r.Location.Row}
		}
		switch {
		case r.Skip:
			tr.Outcome = "SKIPPED"
		case r.Error != nil:
			tr.Outcome = "ERROR"
			tr.Error = strings.Join(regoErrorLines(r.Error), "; ")
		case r.Fail:
			tr.Outcome = "FAIL"
		default:
			tr.Outcome = "PASS"
		}
		out = append(out, tr)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Location.File != out[j].Location.File {
			return out[i].Location.File < out[j].Location.File
		}
		return out[i].Location.Line < out[j].Location.Line
	})
	return out, nil
}
