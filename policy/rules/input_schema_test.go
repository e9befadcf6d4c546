package rules

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestInputSchemaRefs: policies are compiled against the published input
// schema, so a reference to a field the input cannot have (a policy
// written for a bare statement) is a load error naming the field, with a
// hint at input.attestations[_].statement; the predicate stays free-form
// (issue 13 item 10).
func TestInputSchemaRefs(t *testing.T) {
	const hint = "a statement is at input.attestations[_].statement"
	tests := []struct {
		name    string
		body    string
		wantErr []string // substrings; none: it must compile
	}{
		{"bare predicate", `input.predicate.buildDefinition.buildType == "x"`, []string{"p.rego:4:", "no input.predicate (input has artifact, attestations, expectations, index, schemaVersion)", hint + ", e.g. input.attestations[_].statement.predicate"}},
		{"bare subject", `some s in input.subject; s.digest.sha256 == "x"`, []string{"no input.subject", hint}},
		{"bare predicateType", `input.predicateType == "x"`, []string{"no input.predicateType", hint}},
		{"attestation predicate", `some att in input.attestations; att.predicate.x == 1`, []string{"no att.predicate", "att has digest, id, predicateType, signers, source, statement, step, testResult, verifiedBuilder", hint}},
		{"attestation predicate by index", `input.attestations[_].predicate.x == 1`, []string{"no input.attestations[_].predicate", hint}},
		{"alias of input", `x := input; x.subject`, []string{"no x.subject", hint}},
		{"typo in artifact", `input.artifact.nme == "x"`, []string{"no input.artifact.nme (input.artifact has attestations, digests, name, reasons, verified)"}},
		{"field of a string", `input.artifact.name.x == 1`, []string{"no input.artifact.name.x (input.artifact.name is string)"}},
		{"subject typo", `input.attestations[_].statement.subject[_].sha256 == "x"`, []string{"no input.attestations[_].statement.subject[_].sha256"}},
		{"protobuf name", `input.attestations[_].statement.predicate_type == "x"`, []string{"no input.attestations[_].statement.predicate_type"}},
		{"signer typo", `input.attestations[_].signers[_].keyId == "x"`, []string{"no input.attestations[_].signers[_].keyId"}},
		{"through every", `every a in input.attestations { a.predicate.x == 1 }`, []string{"no a.predicate (a has digest", hint}},
		{"through nested every", `every a in input.attestations { every s in a.statement.subject { s.sha256 == "x" } }`, []string{"no s.sha256"}},
		{"every in a comprehension", `y := [1 | every a in input.attestations { a.subject }]; count(y) > 0`, []string{"no a.subject"}},
		{"every, well typed", `x := 1; every i, a in input.attestations { x := 2; a.statement.predicate.x == x; i >= 0 }`, nil},
		{"predicate is free-form", `input.attestations[_].statement.predicate.buildDefinition.externalParameters.anything.at.all == 1`, nil},
		{"subject digest", `input.attestations[_].statement.subject[_].digest.sha512 == "x"`, nil},
		{"verified builder", `input.attestations[_].verifiedBuilder == "x"`, nil},
		{"certificate", `input.attestations[_].signers[_].certificate.buildSignerURI == "x"`, nil},
		{"expectations", `input.expectations.sourceUri == "x"`, nil},
		{"dynamic key", `k := "predicate"; input[k] == 1`, nil},
		{"schema annotation cannot reopen input", "true\n}\n\n# METADATA\n# schemas:\n#   - input: {}\ndeny contains \"y\" if {\n\tinput.predicate == 1", []string{"no input.predicate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "package p\n\ndeny contains \"x\" if {\n\t" + tt.body + "\n}\n"
			dir := writeModules(t, map[string]string{"p.rego": src})
			_, err := LoadPolicies(context.Background(), []string{dir})
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("LoadPolicies: %v", err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrPolicy) {
				t.Fatalf("LoadPolicies: error %v, want a policy error", err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

// TestInputSchemaV0AndTests: the schema applies to Rego v0 files and to
// `policy test` too; test inputs given with `with input as` are not
// checked against it.
func TestInputSchemaV0AndTests(t *testing.T) {
	dir := writeModules(t, map[string]string{"p.rego": "package p\n\ndeny[msg] {\n\tinput.predicate.x\n\tmsg := \"x\"\n}\n"})
	if _, err := LoadPolicies(context.Background(), []string{dir}, WithRegoVersion(RegoV0)); err == nil || !strings.Contains(err.Error(), "no input.predicate") {
		t.Errorf("v0 policy: error %v, want the schema's", err)
	}
	dir = writeModules(t, map[string]string{
		"p.rego":      "package p\n\ndeny contains \"x\" if input.subject\n",
		"p_test.rego": "package p_test\n\nimport data.p\n\ntest_x if {\n\tp.deny with input as {\"subject\": true}\n}\n",
	})
	if _, err := RunPolicyTests(context.Background(), []string{dir}, 0, nil); err == nil || !strings.Contains(err.Error(), "no input.subject") {
		t.Errorf("policy test: error %v, want the schema's", err)
	}
	dir = writeModules(t, map[string]string{
		"p.rego":      "package p\n\ndeny contains \"x\" if input.artifact.name == \"app\"\n",
		"p_test.rego": "package p_test\n\nimport data.p\n\ntest_x if {\n\tp.deny == {\"x\"} with input as {\"artifact\": {\"name\": \"app\"}}\n}\n",
	})
	res, err := RunPolicyTests(context.Background(), []string{dir}, 0, nil)
	if err != nil || len(res) != 1 || !res[0].Passed() {
		t.Errorf("policy test with a partial input: %+v, %v", res, err)
	}
}

// TestDocsRegoCompiles: every Rego example of the docs compiles against
// the input schema (a module, or rules that are wrapped in one).
func TestDocsRegoCompiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		md, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range regexp.MustCompile("(?s)```rego\n(.*?)```").FindAllStringSubmatch(string(md), -1) {
			src := m[1]
			if !regexp.MustCompile(`(?m)^package `).MatchString(src) {
				src = "package doc\n\nimport data.provenant.lib\n\n" + src
			}
			dir := writeModules(t, map[string]string{"example.rego": src})
			// An example that declares the configuration it requires
			// compiles, and asks for that configuration.
			if _, err := LoadPolicies(context.Background(), []string{dir}); err != nil && !errors.Is(err, ErrConfigRequired) {
				t.Errorf("%s, rego example %d: %v", filepath.Base(f), i+1, err)
			}
			n++
		}
	}
	if n < 4 {
		t.Errorf("compiled %d Rego examples from docs/, want the examples of policies.md", n)
	}
}
