package rules

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// FuzzRuleValues gives arbitrary JSON values to rules named deny in every
// head form. The normalisation of their values must never panic, every
// finding must be traced to its rule body, and a value other than false,
// [] or {} (as a set) must make at least one finding.
func FuzzRuleValues(f *testing.F) {
	for _, s := range []string{`"a"`, `true`, `false`, `null`, `1.5`, `[]`, `{}`, `["a", {"msg": "b"}]`, `{"k": "v", "t": true, "f": false}`,
		`{"__provenant_rule__": 0, "value": "x"}`, `[[1, [2]], {"a": {"b": []}}]`, `{"msg": 3, "attestation": 99, "code": ["x"]}`} {
		f.Add(s)
	}
	dir := writeModulesTB(f, map[string]string{
		"complete.rego": "package complete\n\ndeny := input.v\n",
		"object.rego":   "package object\n\ndeny[k] := v if {\n\tis_object(input.v)\n\tsome k, v in input.v\n}\n",
		"keys.rego":     "package keys\n\ndeny[v] if {\n\tis_array(input.v)\n\tsome v in input.v\n}\n",
		"grouped.rego":  "package grouped\n\ndeny.x contains v if {\n\tis_array(input.v)\n\tsome v in input.v\n}\n",
	})
	ps, err := LoadPolicies(context.Background(), []string{dir}, withoutInputSchema())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, js string) {
		v, err := JSONToAny([]byte(js))
		if err != nil {
			return
		}
		in, err := ast.InterfaceToValue(map[string]any{"v": v})
		if err != nil {
			return
		}
		fs, _ := ps.Evaluate(context.Background(), in, attestationIDs{"b:1"})
		byPkg := map[string]int{}
		for _, fd := range fs {
			if fd.Kind == KindError {
				continue
			}
			if fd.Kind != KindDeny || fd.Location == nil {
				t.Fatalf("value %s: finding %+v is not a traced deny", js, fd)
			}
			byPkg[fd.Package]++
		}
		empty := false
		switch x := v.(type) {
		case bool:
			empty = !x
		case []any:
			empty = len(x) == 0
		}
		if !empty && byPkg["complete"] == 0 && !hasError(fs) {
			t.Fatalf("value %s: deny := input.v made no finding: %+v", js, fs)
		}
		if a, ok := v.([]any); ok && len(a) > 0 && (byPkg["keys"] == 0 || byPkg["grouped"] == 0) && !hasError(fs) {
			t.Fatalf("value %s: a non-empty array made no finding by key or group: %+v", js, fs)
		}
	})
}

func hasError(fs []Finding) bool {
	for _, f := range fs {
		if f.Kind == KindError {
			return true
		}
	}
	return false
}
