package rules

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// gateDoc is a policy input document for one artifact named app, with the
// attestations given (each an element of input.attestations) covering it.
func gateDoc(atts ...map[string]any) map[string]any {
	list := make([]any, len(atts))
	covering := make([]any, len(atts))
	for i, a := range atts {
		list[i] = a
		covering[i] = i
	}
	return map[string]any{
		"schemaVersion": InputSchemaVersion,
		"artifact": map[string]any{
			"name": "app", "digests": map[string]any{"sha256": "aa"},
			"attestations": covering, "verified": true, "reasons": []any{},
		},
		"attestations": list,
		"expectations": map[string]any{
			"keys": []any{}, "threshold": 1, "predicateTypes": []any{}, "builderId": "", "sourceUri": "",
		},
	}
}

// writeModules writes Rego files into a fresh directory and returns it.
func writeModules(t *testing.T, files map[string]string) string {
	t.Helper()
	return writeModulesTB(t, files)
}

func writeModulesTB(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// evalDoc evaluates a policy set over one input document.
func evalDoc(t *testing.T, ps *PolicySet, doc map[string]any) []Finding {
	t.Helper()
	v, err := ast.InterfaceToValue(doc)
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := ps.Evaluate(context.Background(), v, nil)
	return fs
}

func messages(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Kind + ":" + f.Message
	}
	slices.Sort(out)
	return out
}

// TestRuleHeadForms: every rule named deny, warn or violation (or with a
// conftest suffix), in any head form, makes findings or fails to load;
// none is ignored (issue 13 item 5).
func TestRuleHeadForms(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		version string
		want    []string // kind:msg, sorted
		wantErr string
	}{
		{name: "contains", src: `deny contains "a" if true`, want: []string{"deny:a"}},
		{name: "ref head if", src: `deny[msg] if { msg := "a" }`, want: []string{"deny:a"}},
		{name: "ref head true", src: `deny[msg] := true if { msg := "a" }`, want: []string{"deny:a"}},
		{name: "ref head false", src: `deny[msg] := false if { msg := "a" }`, want: []string{}},
		{name: "ref head value", src: `deny[x] := "m" if { x := "k" }`, want: []string{"deny:m"}},
		{name: "ref head object key", src: `deny[{"msg": m}] if { m := "a" }`, want: []string{"deny:a"}},
		{name: "ref head two bodies", src: "deny[m] if { m := \"a\" }\n\ndeny[m] if { m := \"b\" }", want: []string{"deny:a", "deny:b"}},
		{name: "dotted contains", src: `deny.x contains "a" if true`, want: []string{"deny:a"}},
		{name: "dotted var contains", src: `deny[x].y contains z if { x := "k"; z := "m" }`, want: []string{"deny:m"}},
		{name: "dotted value", src: `deny.a.b := "m"`, want: []string{"deny:m"}},
		{name: "dotted if", src: `deny.no_sbom if true`, want: []string{"deny:no_sbom"}},
		{name: "dotted default", src: "default deny.x := false\n\ndeny.x if input.artifact.name == \"app\"", want: []string{"deny:x"}},
		{name: "dotted default only", src: "default deny.x := false\n\nwarn contains \"w\" if false", want: []string{}},
		{name: "dotted else", src: `deny.x := "a" if false else := "b"`, want: []string{"deny:b"}},
		{name: "dotted set value", src: `deny.x := {"a", "b"}`, want: []string{"deny:a", "deny:b"}},
		{name: "complete true", src: `deny := true`, want: []string{"deny:data.p.deny is true"}},
		{name: "complete if", src: "default deny := false\n\ndeny if input.artifact.name == \"app\"", want: []string{"deny:data.p.deny is true"}},
		{name: "complete false", src: `deny := false`, want: []string{}},
		{name: "complete array", src: `deny := ["a", "b"]`, want: []string{"deny:a", "deny:b"}},
		{name: "complete set", src: `deny := {m | some m in ["a", "b"]}`, want: []string{"deny:a", "deny:b"}},
		{name: "complete object", src: `deny := {"msg": "a"}`, want: []string{"deny:a"}},
		{name: "complete string", src: `deny := "a"`, want: []string{"deny:a"}},
		{name: "complete null", src: `deny := null`, want: []string{"deny:null"}},
		{name: "warn ref head", src: `warn[msg] if { msg := "w" }`, want: []string{"warn:w"}},
		{name: "violation dotted", src: `violation.x contains {"msg": "v"} if true`, want: []string{"violation:v"}},
		{name: "conftest suffix", src: "deny_root contains \"a\" if true\n\nwarn_latest contains \"w\" if true\n\nviolation_x_y[m] if { m := \"v\" }", want: []string{"deny:a", "violation:v", "warn:w"}},
		{name: "not a finding rule", src: "denyx contains \"a\" if true\n\ndeny_ := 1\n\ndeny contains \"d\" if false", want: []string{}},
		{name: "v0 partial set", version: RegoV0, src: "deny[msg] {\n\tmsg := \"a\"\n}", want: []string{"deny:a"}},
		{name: "v0 partial object", version: RegoV0, src: "deny[k] = \"m\" {\n\tk := \"x\"\n}", want: []string{"deny:m"}},
		{name: "v0 complete", version: RegoV0, src: "deny {\n\ttrue\n}", want: []string{"deny:data.p.deny is true"}},
		{name: "v0 with rego.v1 import", version: RegoV0, src: "import rego.v1\n\ndeny contains \"a\" if true", want: []string{"deny:a"}},
		{name: "v1 syntax misread as v0", version: RegoV0, src: "deny[\"x\"] if {\n\tinput.artifact.name == \"lib\"\n}", wantErr: "p.rego:3: a rule named \"if\": Rego v1 syntax read as Rego v0"},
		{name: "v0 syntax as v1", src: "deny[msg] {\n\tmsg := \"a\"\n}", wantErr: "p.rego:3"},
		{name: "function", src: `deny(x) := x`, wantErr: "p.rego:3: deny is a function"},
		{name: "suffix function", src: "deny_x(x) := x\n\ndeny contains \"a\" if true", wantErr: "deny_x is a function"},
		{name: "set and ref head", src: "deny contains \"a\" if true\n\ndeny.x contains \"b\" if true", wantErr: "conflicts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeModules(t, map[string]string{"p.rego": "package p\n\n" + tt.src + "\n"})
			ps, err := LoadPolicies(context.Background(), []string{dir}, WithRegoVersion(tt.version))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrPolicy) {
					t.Fatalf("LoadPolicies: error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadPolicies: %v", err)
			}
			got := messages(evalDoc(t, ps, gateDoc()))
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRuleHeadFormsTraced: each finding of a ref-head rule carries its own
// body's METADATA and line, and the ref after the rule name as a path.
func TestRuleHeadFormsTraced(t *testing.T) {
	src := `package p

# METADATA
# title: First
# custom:
#   code: p.first
deny[msg] if {
	msg := "a"
}

# METADATA
# title: Second
deny[msg] := true if {
	msg := "b"
}

# METADATA
# title: Grouped
violation.sbom[id] := {"msg": "c"} if {
	id := "k"
}
`
	ps, err := LoadPolicies(context.Background(), []string{writeModules(t, map[string]string{"p.rego": src})})
	if err != nil {
		t.Fatal(err)
	}
	fs := evalDoc(t, ps, gateDoc())
	if len(fs) != 3 {
		t.Fatalf("%d findings, want 3: %+v", len(fs), fs)
	}
	want := map[string]struct {
		title, code string
		line        int
		path        string
	}{
		"a": {"First", "p.first", 7, ""},
		"b": {"Second", "", 13, ""},
		"c": {"Grouped", "", 19, `["sbom","k"]`},
	}
	for _, f := range fs {
		w := want[f.Message]
		if f.Title != w.title || f.Code != w.code || f.Location == nil || f.Location.Line != w.line {
			t.Errorf("finding %q: title %q code %q location %v, want %q %q line %d", f.Message, f.Title, f.Code, f.Location, w.title, w.code, w.line)
		}
		if got := dumpCompact(f.Details["path"]); w.path != "" && got != w.path {
			t.Errorf("finding %q: path %s, want %s", f.Message, got, w.path)
		}
	}
	if n := len(ps.Rules()); n != 3 {
		t.Errorf("Rules() has %d rules, want 3", n)
	}
}

// TestRuleLookalikeNotTraced: a value that looks like provenant's wrapper
// cannot pass itself off as another rule's finding (and so be waived by an
// exception written for that rule).
func TestRuleLookalikeNotTraced(t *testing.T) {
	a := "package a\n\n# METADATA\n# custom:\n#   code: a.code\ndeny contains \"a\" if false\n"
	b := "package b\n\ndeny := [{\"__provenant_rule__\": 0, \"value\": \"x\"}]\n\ndeny_other.x := {\"__provenant_rule__\": 0, \"value\": \"y\"}\n"
	ps, err := LoadPolicies(context.Background(), []string{writeModules(t, map[string]string{"a.rego": a, "b.rego": b})})
	if err != nil {
		t.Fatal(err)
	}
	fs := evalDoc(t, ps, gateDoc())
	if len(fs) != 2 {
		t.Fatalf("%d findings, want 2: %+v", len(fs), fs)
	}
	for _, f := range fs {
		if f.Package != "b" || f.Code == "a.code" {
			t.Errorf("finding %+v is attributed to package a's rule", f)
		}
	}
}

// TestRegoV0Hint: a v0 file loaded as v1 fails with ErrRegoV0, so that the
// CLI can say how to load it; an invalid version is refused.
func TestRegoV0Hint(t *testing.T) {
	dir := writeModules(t, map[string]string{"old.rego": "package old\n\ndeny[msg] {\n\tmsg := \"x\"\n}\n"})
	_, err := LoadPolicies(context.Background(), []string{dir})
	if !errors.Is(err, ErrRegoV0) || !errors.Is(err, ErrPolicy) {
		t.Errorf("v0 file as v1: error %v, want ErrRegoV0 and ErrPolicy", err)
	}
	// A file that is broken in both versions is not said to be v0.
	dir = writeModules(t, map[string]string{"bad.rego": "package bad\n\ndeny contains msg if {\n"})
	if _, err := LoadPolicies(context.Background(), []string{dir}); err == nil || errors.Is(err, ErrRegoV0) {
		t.Errorf("broken file: error %v, want a parse error without ErrRegoV0", err)
	}
	// And a v1 file loaded as v0.
	dir = writeModules(t, map[string]string{"new.rego": "package new\n\ndeny contains msg if {\n\tmsg := \"x\"\n}\n"})
	if _, err := LoadPolicies(context.Background(), []string{dir}, WithRegoVersion(RegoV0)); !errors.Is(err, ErrRegoV1) || errors.Is(err, ErrRegoV0) {
		t.Errorf("v1 file as v0: error %v, want ErrRegoV1", err)
	}
	if _, err := LoadPolicies(context.Background(), []string{"builtin:slsa"}, WithRegoVersion("v2")); err == nil {
		t.Error("WithRegoVersion(v2) accepted")
	}
	// Built-in policies are v1 whatever the version of the user's files.
	if _, err := LoadPolicies(context.Background(), []string{"builtin:slsa", "builtin:github", "builtin:chain"}, WithRegoVersion(RegoV0),
		WithPolicyData(map[string]any{"chain": []any{map[string]any{"from": "a", "to": "b"}}})); err != nil {
		t.Errorf("built-ins with WithRegoVersion(v0): %v", err)
	}
}

func dumpCompact(v any) string {
	if v == nil {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func astValue(doc map[string]any) (ast.Value, error) { return ast.InterfaceToValue(doc) }

// TestSameNameTwoFiles: a local file that has the name of a built-in one
// (builtin/slsa.rego) is not dropped in favour of it, nor the other way.
func TestSameNameTwoFiles(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.Mkdir("builtin", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("builtin", "slsa.rego"), []byte("package mine\n\ndeny contains \"mine\" if true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadPolicies(context.Background(), []string{"builtin", "builtin:slsa"})
	if err == nil || !strings.Contains(err.Error(), "builtin/slsa.rego: two different policy files have this name") {
		t.Errorf("error %v, want the name clash", err)
	}
	// The same file twice is loaded once.
	if _, err := LoadPolicies(context.Background(), []string{"builtin", "builtin/slsa.rego"}); err != nil {
		t.Errorf("the same file twice: %v", err)
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
