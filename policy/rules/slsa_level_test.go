package rules

import (
	"context"
	"strings"
	"testing"

	"github.com/provenant/provenant/provenance"
)

// slsaAtt is one element of input.attestations: SLSA provenance v1 for
// app that claims builder and whose signer proves verified ("" for none).
func slsaAtt(id, builder, verified string) map[string]any {
	return map[string]any{
		"id":              id,
		"source":          map[string]any{"file": "b.jsonl", "line": 1},
		"digest":          "sha256:" + strings.Repeat("0", 64),
		"signers":         []any{map[string]any{"keyid": "k"}},
		"predicateType":   provenance.PredicateSLSAv1,
		"verifiedBuilder": verified,
		"statement": map[string]any{
			"_type":         "https://in-toto.io/Statement/v1",
			"subject":       []any{map[string]any{"name": "app", "digest": map[string]any{"sha256": "aa"}}},
			"predicateType": provenance.PredicateSLSAv1,
			"predicate":     map[string]any{"runDetails": map[string]any{"builder": map[string]any{"id": builder}}},
		},
	}
}

const generatorL3 = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml"

// TestSLSALevelNeedsProvenBuilder: builtin:slsa grants a level above L1
// only from the builder a signer proves (input.attestations[].verifiedBuilder),
// never from the builder the predicate claims (issue 13 item 4b).
func TestSLSALevelNeedsProvenBuilder(t *testing.T) {
	tests := []struct {
		name              string
		builder, verified string
		level             int
		want              string // "" for no finding, else a substring of the slsa.level message
	}{
		{"claimed generator", generatorL3 + "@refs/tags/v2.0.0", "", 3, "claims builder \"" + generatorL3 + "@refs/tags/v2.0.0\", but no signer proves it: it reaches SLSA Build L1; L3 is required"},
		{"claimed hosted at L2", "https://ci.example.com/b", "", 2, "no signer proves it: it reaches SLSA Build L1; L2 is required"},
		{"proven generator", generatorL3 + "@refs/tags/v2.0.0", generatorL3 + "@refs/tags/v2.0.0", 3, ""},
		{"proven generator, other claim", "https://github.com/actions/runner/github-hosted", generatorL3 + "@refs/tags/v2.1.0", 3, ""},
		{"proven hosted at L3", "https://ci.example.com/b", "https://ci.example.com/b", 3, "proven by its signer, reaches SLSA Build L2; L3 is required"},
		{"proven hosted at L2", "https://ci.example.com/b", "https://ci.example.com/b", 2, ""},
		{"proven local at L2", "urn:provenant:builder:local", "urn:provenant:builder:local", 2, "reaches SLSA Build L1"},
		{"proven local with ref at L2", "x", "urn:provenant:builder:local@v1", 2, "reaches SLSA Build L1"},
		{"nothing at L1", "", "", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := LoadPolicies(context.Background(), []string{"builtin:slsa"}, WithPolicyData(map[string]any{"slsa": map[string]any{"level": tt.level}}))
			if err != nil {
				t.Fatal(err)
			}
			fs := evalDoc(t, ps, gateDoc(slsaAtt("b:1", tt.builder, tt.verified)))
			if tt.want == "" {
				if len(fs) != 0 {
					t.Errorf("findings %+v, want none", fs)
				}
				return
			}
			if len(fs) != 1 || fs[0].Code != "slsa.level" || !strings.Contains(fs[0].Message, tt.want) {
				t.Errorf("findings %+v, want one slsa.level containing %q", fs, tt.want)
			}
		})
	}
}
