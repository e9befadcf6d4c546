package rules

import (
	"context"
	"strings"
	"testing"
)

// TestReachedLevelFromProvenBuilder: the per-artifact level comes from
// builtin:slsa in the same evaluation as the findings: the lowest level
// over the covering provenance, from the builders their signers prove.
func TestReachedLevelFromProvenBuilder(t *testing.T) {
	ps, err := LoadPolicies(context.Background(), []string{"builtin:slsa"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		atts []map[string]any
		want int
	}{
		{[]map[string]any{slsaAtt("b:1", generatorL3, generatorL3)}, 3},
		{[]map[string]any{slsaAtt("b:1", generatorL3, generatorL3), slsaAtt("b:2", "x", "https://ci.example.com/b")}, 2},
		{[]map[string]any{slsaAtt("b:1", generatorL3, "")}, 1},
		{nil, 0},
	} {
		doc := gateDoc(tc.atts...)
		v, err := astValue(doc)
		if err != nil {
			t.Fatal(err)
		}
		_, level := ps.Evaluate(context.Background(), v, nil)
		if level == nil || *level != tc.want {
			t.Errorf("%d attestations: level %v, want %d", len(tc.atts), level, tc.want)
		}
	}
	// Without builtin:slsa there is no level.
	ps, err = LoadPolicies(context.Background(), []string{"builtin:chain"}, WithPolicyData(map[string]any{"chain": []any{map[string]any{"from": "a", "to": "b"}}}))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := astValue(gateDoc(slsaAtt("b:1", generatorL3, generatorL3)))
	if _, level := ps.Evaluate(context.Background(), v, nil); level != nil {
		t.Errorf("builtin:chain alone gave level %d", *level)
	}
}

// TestReservedPackages: while a built-in policy is loaded, a policy file
// of the user's cannot define provenant's packages, where it could raise
// the level a VSA records or change what lib.provenance holds.
func TestReservedPackages(t *testing.T) {
	for _, src := range []string{
		"package provenant.slsa\n\nimport data.provenant.lib\n\nreached_level := 3 if count(lib.provenance) == 0\n",
		"package provenant.lib\n\nprovenance := {att | some att in input.attestations}\n",
		"package provenant\n\nx := 1\n",
	} {
		dir := writeModules(t, map[string]string{"mine.rego": src, "ok.rego": "package release\n\ndeny contains \"x\" if false\n"})
		_, err := LoadPolicies(context.Background(), []string{"builtin:slsa", dir})
		if err == nil || !strings.Contains(err.Error(), "mine.rego:1: package provenant") {
			t.Errorf("%q next to builtin:slsa: error %v, want the package refused", src, err)
		}
		// Without a built-in, the package is the user's (a copy of rego/).
		if _, err := LoadPolicies(context.Background(), []string{dir}); err != nil && strings.Contains(err.Error(), "belongs to provenant") {
			t.Errorf("%q alone: %v", src, err)
		}
	}
}
