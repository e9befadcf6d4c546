package rules

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// sharedCases are policies (package t, plus helper packages) and whether
// their deny rules are evaluated once for every artifact (shared) or per
// artifact. Each is also evaluated both ways by TestSharedSameResults.
var sharedCases = []struct {
	name   string
	files  map[string]string
	shared bool
}{
	{"loop over the attestations", map[string]string{"t.rego": `package t

deny contains msg if {
	some att in input.attestations
	not startswith(att.statement.predicate.runDetails.builder.id, "https://ci.example.com/")
	msg := sprintf("%s: builder %v", [att.id, att.statement.predicate.runDetails.builder.id])
}
`}, true},
	{"index, expectations, schema version and configuration", map[string]string{"t.rego": `package t

deny contains "typed" if count(object.get(input.index.byPredicateType, "x", [])) > 0
deny contains "keys" if count(input.expectations.keys) > 5
deny contains "version" if input.schemaVersion == ""
deny contains "config" if data.config.deny == true
`}, true},
	{"a helper rule and function of another package", map[string]string{
		"t.rego": "package t\n\nimport data.h\n\ndeny contains id if {\n\tsome id in h.bad\n}\n",
		"h.rego": "package h\n\nbad contains att.id if {\n\tsome att in input.attestations\n\tnot ok(att)\n}\n\nok(att) if att.predicateType == \"https://slsa.dev/provenance/v1\"\n",
	}, true},
	{"lib's helpers that do not read the artifact", map[string]string{"t.rego": `package t

import data.provenant.lib

deny contains att.id if {
	some att in input.attestations
	lib.builder_id(att) == "evil"
}
`}, true},
	{"the artifact", map[string]string{"t.rego": `package t

deny contains "unverified" if not input.artifact.verified
`}, false},
	{"the artifact through a function of another package", map[string]string{
		"t.rego": "package t\n\nimport data.h\n\ndeny contains \"x\" if h.named(\"app\")\n",
		"h.rego": "package h\n\nnamed(n) if input.artifact.name == n\n",
	}, false},
	{"lib.covering", map[string]string{"t.rego": `package t

import data.provenant.lib

deny contains att.id if {
	some att in lib.covering
	lib.builder_id(att) != "https://ci.example.com/"
}
`}, false},
	{"the artifact imported", map[string]string{"t.rego": `package t

import input.artifact as art

deny contains "x" if art.name == "app"
`}, false},
	{"the whole input", map[string]string{"t.rego": `package t

deny contains "x" if {
	doc := input
	doc.artifact.name == "app"
}
`}, false},
	{"the whole input as an argument", map[string]string{"t.rego": `package t

deny contains "x" if object.get(input, ["artifact", "name"], "") == "app"
`}, false},
	{"the input inside a literal that is referenced", map[string]string{"t.rego": `package t

deny contains "x" if [input][0].artifact.name == "app"
`}, false},
	{"the input in a call that is referenced", map[string]string{"t.rego": `package t

deny contains "x" if object.filter(input, ["artifact"]).artifact.name == "app"
`}, false},
	{"walk over the input", map[string]string{"t.rego": `package t

deny contains "x" if {
	walk(input, [path, value])
	value == "app"
}
`}, false},
	{"a member chosen at evaluation time", map[string]string{"t.rego": `package t

deny contains "x" if {
	some k in ["artifact"]
	input[k].name == "app"
}
`}, false},
	{"with", map[string]string{"t.rego": `package t

import data.h

deny contains "x" if h.bad with input.attestations as []
`, "h.rego": "package h\n\nbad if count(input.attestations) == 0\n"}, false},
	{"print", map[string]string{"t.rego": `package t

deny contains "x" if {
	print("checking")
	count(input.attestations) > 100
}
`}, false},
	{"a document chosen at evaluation time", map[string]string{
		"t.rego": "package t\n\ndeny contains \"x\" if {\n\tsome p in [\"h\"]\n\tdata[p].named\n}\n",
		"h.rego": "package h\n\nnamed if input.artifact.name == \"app\"\n",
	}, false},
	{"a package as a document", map[string]string{
		"t.rego": "package t\n\ndeny contains \"x\" if data.h.named\n\ndeny contains \"y\" if count(data.h) > 5\n",
		"h.rego": "package h\n\nnamed if input.artifact.name == \"app\"\n",
	}, false},
	{"else", map[string]string{"t.rego": `package t

deny := "x" if {
	count(input.attestations) > 100
} else := input.artifact.name
`}, false},
	{"every", map[string]string{"t.rego": `package t

deny contains "x" if {
	every d in input.artifact.reasons {
		d != ""
	}
}
`}, false},
	{"a comprehension", map[string]string{"t.rego": `package t

deny contains n if {
	names := {m | m := input.artifact.name}
	some n in names
}
`}, false},
	{"a ref head keyed by the artifact", map[string]string{"t.rego": `package t

deny[input.artifact.name] := "x" if count(input.attestations) >= 0
`}, false},
}

// TestReadsArtifact: a deny rule is evaluated once for all artifacts only
// when neither it nor anything it uses can see the artifact; the
// built-in policies that read the artifact are evaluated per artifact.
func TestReadsArtifact(t *testing.T) {
	ctx := context.Background()
	for _, c := range sharedCases {
		t.Run(c.name, func(t *testing.T) {
			ps, err := LoadPolicies(ctx, []string{writeModules(t, c.files)})
			if err != nil {
				t.Fatal(err)
			}
			if got := sharedPackages(ps); slices.Contains(got, "t") != c.shared {
				t.Errorf("shared packages %v, want t shared = %v", got, c.shared)
			}
		})
	}
	// builtin:slsa and builtin:github judge the attestations covering
	// the artifact; builtin:chain and builtin:layout judge the whole
	// bundle's steps, the same for every artifact.
	for b, shared := range map[string]bool{"slsa": false, "github": false, "chain": true, "layout": true} {
		ps, err := LoadPolicies(ctx, []string{BuiltinPrefix + b}, WithPolicyData(builtinData))
		if err != nil {
			t.Fatal(err)
		}
		if got := sharedPackages(ps); (len(got) > 0) != shared {
			t.Errorf("builtin:%s: shared packages %v, want shared = %v", b, got, shared)
		}
	}
	ps, err := LoadPolicies(ctx, []string{writeModules(t, sharedCases[0].files)}, withoutSharing())
	if err != nil {
		t.Fatal(err)
	}
	if ps.shared != nil {
		t.Error("withoutSharing still shares")
	}
}

// builtinData configures builtin:chain and builtin:layout.
var builtinData = map[string]any{
	"chain":  []any{map[string]any{"from": "build", "to": "package"}},
	"layout": map[string]any{"steps": []any{map[string]any{"name": "build", "expected_products": []any{[]any{"ALLOW", "*"}}}}},
}

func sharedPackages(ps *PolicySet) []string {
	var out []string
	if ps.shared != nil {
		for _, i := range ps.shared.refs {
			out = append(out, ps.refs[i].pkg)
		}
	}
	return out
}

// gateInputs are inputs of one gate: the same attestations (some built by
// another builder), artifacts that differ in name, digest, covering
// attestations, verdict and reasons.
func gateInputs(t testing.TB, n int) []ast.Value {
	atts := make([]map[string]any, 4)
	for i := range atts {
		builder := "https://ci.example.com/"
		if i%2 == 1 {
			builder = fmt.Sprintf("https://evil.example/%d", i)
		}
		atts[i] = map[string]any{
			"id": fmt.Sprintf("b.jsonl:%d", i+1), "predicateType": "https://slsa.dev/provenance/v1",
			"statement": map[string]any{"predicate": map[string]any{"runDetails": map[string]any{"builder": map[string]any{"id": builder}}}},
		}
	}
	var out []ast.Value
	for i := range n {
		doc := gateDoc(atts...)
		art := doc["artifact"].(map[string]any)
		art["name"] = []string{"app", "lib", "app", "tool"}[i%4]
		art["digests"] = map[string]any{"sha256": fmt.Sprintf("%064x", i)}
		art["attestations"] = []any{i % 4}
		art["verified"] = i%3 != 0
		if i%3 == 0 {
			art["reasons"] = []any{"", "no provenance"}
		}
		doc["index"] = map[string]any{"byStep": map[string]any{}, "byPredicateType": map[string]any{"https://slsa.dev/provenance/v1": []any{0, 1, 2, 3}}}
		v, err := ast.InterfaceToValue(doc)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// TestSharedSameResults: evaluating the rules that cannot see the
// artifact once gives, for every artifact and any number of workers,
// exactly what evaluating everything per artifact gives, for every case
// above, the built-in policies and all of them together.
func TestSharedSameResults(t *testing.T) {
	ctx := context.Background()
	inputs := gateInputs(t, 12)
	ids := []string{"b.jsonl:1", "b.jsonl:2", "b.jsonl:3", "b.jsonl:4"}
	var all []string
	check := func(t *testing.T, paths []string) {
		t.Helper()
		var sets [2]*PolicySet
		for i, opts := range [][]PolicyOption{nil, {withoutSharing()}} {
			ps, err := LoadPolicies(ctx, paths, append(opts, WithPolicyData(builtinData))...)
			if err != nil {
				t.Fatal(err)
			}
			sets[i] = ps
		}
		want, err := sets[1].EvaluateAll(ctx, inputs, ids, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{1, 3} {
			got, err := sets[0].EvaluateAll(ctx, inputs, ids, workers)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("workers=%d: shared evaluation\n%s\nper artifact\n%s", workers, dump(got), dump(want))
			}
		}
		for i, in := range inputs {
			fs, level := sets[0].Evaluate(ctx, in, ids)
			if !reflect.DeepEqual(fs, want[i].Findings) || !reflect.DeepEqual(level, want[i].Level) {
				t.Fatalf("input %d: Evaluate gives %s, per artifact %s", i, dump(fs), dump(want[i]))
			}
		}
	}
	for _, c := range sharedCases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeModules(t, c.files)
			all = append(all, dir)
			check(t, []string{dir})
		})
	}
	for _, b := range []string{"slsa", "github", "chain", "layout"} {
		t.Run("builtin:"+b, func(t *testing.T) { check(t, []string{BuiltinPrefix + b}) })
	}
	// Every case at once, with builtin:slsa: shared and per-artifact
	// rules in one set (the cases' packages clash, so one of each kind).
	mixed := writeModules(t, map[string]string{
		"s.rego": strings.Replace(sharedCases[0].files["t.rego"], "package t", "package s", 1),
		"a.rego": strings.Replace(sharedCases[4].files["t.rego"], "package t", "package a", 1),
	})
	t.Run("mixed", func(t *testing.T) { check(t, []string{mixed, BuiltinPrefix + "slsa"}) })
}

// TestSharedFailure: a shared rule that fails fails every artifact's
// evaluation, as it did when evaluated per artifact.
func TestSharedFailure(t *testing.T) {
	ctx := context.Background()
	dir := writeModules(t, map[string]string{"t.rego": "package t\n\ndeny contains x if {\n\tsome att in input.attestations\n\tx := to_number(att.id)\n}\n"})
	ps, err := LoadPolicies(ctx, []string{dir, BuiltinPrefix + "slsa"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sharedPackages(ps)) != 1 {
		t.Fatalf("shared %v, want the failing rule shared", sharedPackages(ps))
	}
	evals, err := ps.EvaluateAll(ctx, gateInputs(t, 3), nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range evals {
		if len(e.Findings) != 1 || e.Findings[0].Kind != KindError || !strings.Contains(e.Findings[0].Message, "to_number") || e.Level == nil || *e.Level != 0 {
			t.Errorf("input %d: %s, want one error finding naming to_number and level 0", i, dump(e))
		}
	}
}

// FuzzSharedSameResults: whatever a deny rule's body, evaluating it once
// for all artifacts (when readsArtifact allows) gives each artifact what
// evaluating it per artifact gives.
func FuzzSharedSameResults(f *testing.F) {
	for _, body := range []string{
		"some att in input.attestations\n\tmsg := att.id",
		"msg := input.artifact.name",
		"doc := input\n\tmsg := doc.artifact.name",
		"some k in [\"artifact\", \"attestations\"]\n\tmsg := sprintf(\"%v\", [input[k]])",
		"msg := json.marshal(object.get(input, \"artifact\", {}))",
		"walk(input, [p, v])\n\tis_string(v)\n\tmsg := v",
		"msg := concat(\",\", input.artifact.reasons)",
		"some i in input.index.byPredicateType[_]\n\tmsg := input.attestations[i].id",
		"msg := sprintf(\"%d\", [count(input.attestations)])",
		"msg := h.f(input.artifact)",
		"msg := h.g",
		"x := data.h\n\tmsg := sprintf(\"%v\", [x])",
	} {
		f.Add(body)
	}
	ctx := context.Background()
	inputs := gateInputs(f, 6)
	helper := "package h\n\nf(a) := a.name\n\ng := input.artifact.name\n"
	f.Fuzz(func(t *testing.T, body string) {
		if len(body) > 400 {
			return
		}
		dir := writeModulesTB(t, map[string]string{
			"t.rego": "package t\n\nimport data.h\n\ndeny contains msg if {\n\t" + body + "\n}\n",
			"h.rego": helper,
		})
		shared, err := LoadPolicies(ctx, []string{dir}, WithPolicyTimeout(2e9))
		if err != nil {
			return
		}
		each, err := LoadPolicies(ctx, []string{dir}, WithPolicyTimeout(2e9), withoutSharing())
		if err != nil {
			t.Fatalf("loads shared but not per artifact: %v", err)
		}
		got, err1 := shared.EvaluateAll(ctx, inputs, nil, 2)
		want, err2 := each.EvaluateAll(ctx, inputs, nil, 2)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("body %q: shared evaluation\n%s\nper artifact\n%s", body, dump(got), dump(want))
		}
	})
}

// TestLoopingRules: a rule evaluated per artifact that iterates over
// input.attestations is named (it costs artifacts x attestations); one
// evaluated once per gate, one that finds its attestations through lib or
// an index, and the built-in policies are not.
func TestLoopingRules(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name, body string
		looping    bool
	}{
		{"some in, with the artifact", "some att in input.attestations\n\tatt.id == input.artifact.name", true},
		{"a wildcard, with the artifact", "att := input.attestations[_]\n\tatt.id == input.artifact.name", true},
		{"some i, with the artifact", "some i\n\tatt := input.attestations[i]\n\tatt.id == input.artifact.name", true},
		{"in a comprehension", "ids := {a.id | some a in input.attestations}\n\tinput.artifact.name in ids", true},
		{"in every", "input.artifact.verified\n\tevery a in input.attestations { a.id != \"\" }", true},
		{"per artifact through print", "print(\"x\")\n\tsome att in input.attestations\n\tatt.id == \"\"", true},
		{"no artifact: once per gate", "some att in input.attestations\n\tatt.id == \"\"", false},
		{"lib.covering", "some att in lib.covering\n\tatt.id == \"\"", false},
		{"by index from the artifact", "some i in input.artifact.attestations\n\tinput.attestations[i].id == \"\"", false},
		{"a constant index", "input.attestations[0].id == input.artifact.name", false},
		{"a count", "count(input.attestations) > count(input.artifact.reasons)", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeModules(t, map[string]string{"t.rego": "package t\n\nimport data.provenant.lib\n\ndeny contains \"x\" if {\n\t" + tt.body + "\n}\n"})
			ps, err := LoadPolicies(ctx, []string{dir})
			if err != nil {
				t.Fatal(err)
			}
			got := ps.LoopingRules()
			if (len(got) == 1) != tt.looping || len(got) > 1 {
				t.Fatalf("looping rules %+v, want looping = %v", got, tt.looping)
			}
			if tt.looping && (got[0].Location.Line != 5 || got[0].Package != "t") {
				t.Errorf("looping rule %+v, want t.rego:5", got[0])
			}
		})
	}
	for _, b := range []string{"slsa", "github", "chain", "layout"} {
		ps, err := LoadPolicies(ctx, []string{BuiltinPrefix + b}, WithPolicyData(builtinData))
		if err != nil {
			t.Fatal(err)
		}
		if got := ps.LoopingRules(); len(got) > 0 {
			t.Errorf("builtin:%s: looping rules %+v", b, got)
		}
	}
}

// TestSharedFindingsWaivedPerArtifact: the findings of a rule evaluated
// once per gate are each artifact's own: an exception for one artifact
// does not waive them for another.
func TestSharedFindingsWaivedPerArtifact(t *testing.T) {
	ctx := context.Background()
	ps, err := LoadPolicies(ctx, []string{writeModules(t, sharedCases[0].files)})
	if err != nil {
		t.Fatal(err)
	}
	evals, err := ps.EvaluateAll(ctx, gateInputs(t, 2), nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(evals[0].Findings) == 0 || len(evals[0].Findings) != len(evals[1].Findings) {
		t.Fatalf("findings %s, want the same non-empty findings for both", dump(evals))
	}
	ApplyExceptions([]Exception{{Package: "t", Artifacts: []string{"app"}, Reason: "legacy"}}, "app", evals[0].Findings, time.Now())
	for i, f := range evals[0].Findings {
		if f.Exception == nil {
			t.Errorf("artifact app, finding %d not waived", i)
		}
		if evals[1].Findings[i].Exception != nil {
			t.Errorf("artifact lib, finding %d waived by app's exception", i)
		}
	}
}
