package rules

import (
	"context"
	"errors"
	"strings"
	"testing"

	regolib "github.com/provenant/provenant/rego"
)

// TestConfigValidation: each built-in policy declares the schema of its
// section of data:; unknown keys, wrong types, out-of-range values and
// near misses of a built-in's section name are load errors naming the
// file, the line and the key (issue 13 item 6).
func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name, config string
		want         string // substring of the error; "" means valid
	}{
		{"level typo", "data:\n  slsa:\n    levle: 3\n", "policy.yaml:3: data.slsa.levle: unknown key; did you mean level? (builtin:slsa takes l3_builders, level here)"},
		{"section typo", "data:\n  slas:\n    level: 3\n", "policy.yaml:2: data.slas: unknown section; did you mean slsa (builtin:slsa)?"},
		{"section case", "data:\n  Slsa: {level: 3}\n", "policy.yaml:2: data.Slsa: unknown section; did you mean slsa"},
		{"chain typo", "data:\n  chian: []\n", "data.chian: unknown section; did you mean chain"},
		{"github typo", "data:\n  githb: {repository: a/b}\n", "data.githb: unknown section; did you mean github"},
		{"dotted key", "data:\n  slsa.level: 3\n", "policy.yaml:2: data.slsa.level: unknown section; did you mean slsa (builtin:slsa)?"},
		{"glued key", "data:\n  SLSA_level: 3\n", "data.SLSA_level: unknown section; did you mean slsa"},
		{"level string", "data:\n  slsa:\n    level: \"3\"\n", "policy.yaml:3: data.slsa.level: is a string, want an integer"},
		{"level high", "data:\n  slsa: {level: 4}\n", "policy.yaml:2: data.slsa.level: is 4, more than 3"},
		{"level zero", "data:\n  slsa: {level: 0}\n", "data.slsa.level: is 0, less than 1"},
		{"level fraction", "data:\n  slsa: {level: 2.5}\n", "data.slsa.level: is a number, want an integer"},
		{"level bool", "data:\n  slsa: {level: true}\n", "data.slsa.level: is a boolean, want an integer"},
		{"section null", "data:\n  slsa:\n", "data.slsa: is empty (null), want a mapping"},
		{"section list", "data:\n  slsa: [3]\n", "data.slsa: is a list, want a mapping"},
		{"l3 builders string", "data:\n  slsa: {l3_builders: https://b}\n", "data.slsa.l3_builders: is a string, want a list"},
		{"l3 builder empty", "data:\n  slsa:\n    l3_builders:\n      - https://b\n      - \"\"\n", "policy.yaml:5: data.slsa.l3_builders.1: is empty"},
		{"github empty repository", "data:\n  github: {repository: \"\"}\n", "data.github.repository: is empty"},
		{"github unknown", "data:\n  github:\n    repository: a/b\n    ref: main\n", "policy.yaml:4: data.github.ref: unknown key; did you mean refs?"},
		{"github refs number", "data:\n  github: {refs: [main, 3]}\n", "data.github.refs.1: is a number, want a string"},
		{"chain not a list", "data:\n  chain: {from: a, to: b}\n", "data.chain: is a mapping, want a list"},
		{"chain missing to", "data:\n  chain:\n    - {from: build}\n", "policy.yaml:3: data.chain.0: missing property 'to'"},
		{"chain extra", "data:\n  chain:\n    - from: a\n      to: b\n      too: c\n", "policy.yaml:5: data.chain.0.too: unknown key; did you mean to?"},
		{"non-string keys", "data:\n  slsa:\n    1: x\n", "policy.yaml:2: data.slsa: has a key that is not a string"},
		{"all at once, by line", "data:\n  slsa:\n    level: 9\n    levle: 3\n", "policy.yaml:3: data.slsa.level: is 9, more than 3; policy.yaml:4: data.slsa.levle"},
		{"valid", "data:\n  slsa:\n    level: 3\n    l3_builders: [https://b]\n  github: {repository: o/r, workflow: .github/workflows/r.yml, refs: [refs/tags/v*]}\n  chain:\n    - {from: a, to: b}\n", ""},
		{"float level", "data:\n  slsa: {level: 3.0}\n", ""},
		{"user sections", "data:\n  mything: {x: 1}\n  release: {builder: https://b}\n  sa: 1\n  ci: []\n  slsaish: 1\n  chainsaw: 2\n", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.config), "policy.yaml")
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ParseConfig: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseConfig: error %v\nwant one containing %q", err, tt.want)
			}
			if !errors.Is(err, ErrPolicy) {
				t.Errorf("error %v does not wrap ErrPolicy", err)
			}
		})
	}
}

// TestConfigValidationOnLoad: data given to LoadPolicies or RunPolicyTests
// directly is checked as well (without a file to name).
func TestConfigValidationOnLoad(t *testing.T) {
	bad := map[string]any{"slsa": map[string]any{"levle": 3}}
	_, err := LoadPolicies(context.Background(), []string{"builtin:slsa"}, WithPolicyData(bad))
	ce, ok := errors.AsType[*ConfigError](err)
	if !ok || len(ce.Problems) != 1 || !strings.HasPrefix(ce.Problems[0], "data.slsa.levle: unknown key") {
		t.Errorf("LoadPolicies: error %v, want a ConfigError about data.slsa.levle", err)
	}
	if _, err := RunPolicyTests(context.Background(), []string{"builtin:slsa"}, 0, map[string]any{"slas": map[string]any{}}); !errors.Is(err, ErrPolicy) {
		t.Errorf("RunPolicyTests: error %v, want a policy error", err)
	}
	if _, err := LoadPolicies(context.Background(), []string{"builtin:slsa"}, WithPolicyData(map[string]any{"slsa": map[string]any{"level": 2}})); err != nil {
		t.Errorf("a valid configuration: %v", err)
	}
}

// TestEveryBuiltinDeclaresItsConfig: every built-in policy that reads
// data.config.NAME has a schema for it, and the schemas compile.
func TestEveryBuiltinDeclaresItsConfig(t *testing.T) {
	schemas, err := builtinSchemas()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range regolib.Builtins() {
		src, err := regolib.FS.ReadFile(name + ".rego")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(src), "lib.config."+name) || strings.Contains(string(src), "data.config."+name) {
			if _, ok := schemas[name]; !ok {
				t.Errorf("builtin:%s reads data.config.%s but declares no schema (rego/%s.config.schema.json)", name, name, name)
			}
		}
	}
	if len(schemas) != 4 {
		t.Errorf("%d config schemas, want slsa, github, chain and layout", len(schemas))
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"slas", "slsa", 1}, {"sla", "slsa", 1}, {"slsa", "slsa", 0}, {"chian", "chain", 1}, {"abc", "slsa", 4}, {"", "ab", 2}, {"level", "levle", 1}} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
