package rules

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

func declaring(decl string) map[string]string {
	return map[string]string{"p.rego": "# METADATA\n# scope: package\n# custom:\n#   config:\n" + decl + "package p\n\ndeny contains \"x\" if {\n\tdata.config.p.on == true\n}\n"}
}

// TestDeclaredConfig: what a package declares in METADATA custom.config
// is checked against data.config when the policies load.
func TestDeclaredConfig(t *testing.T) {
	const req = "#     required: [p]\n#     properties:\n#       p:\n#         required: [on]\n#         properties:\n#           on: {type: boolean}\n#           level: {type: integer}\n"
	tests := []struct {
		name, decl string
		data       map[string]any
		want       string // substring of the error; "" loads
		required   bool   // the error is ErrConfigRequired
	}{
		{"given", req, map[string]any{"p": map[string]any{"on": true}}, "", false},
		{"no configuration", req, nil, "data.p: missing; policy p (", true},
		{"key missing", req, map[string]any{"p": map[string]any{"level": 2}}, "data.p.on: missing", true},
		{"key misspelt", req, map[string]any{"p": map[string]any{"on": true, "levl": 2}}, "data.p.levl: unknown key; did you mean level?", true},
		{"wrong type", req, map[string]any{"p": map[string]any{"on": "yes"}}, "data.p.on: is a string, want a boolean", true},
		{"other sections pass", req, map[string]any{"p": map[string]any{"on": true}, "zzz": 1}, "", false},
		{"section misspelt", "#     properties:\n#       release: {type: object}\n", map[string]any{"relase": map[string]any{}}, "data.relase: unknown section; did you mean release?", true},
		{"open when said", "#     properties:\n#       p:\n#         additionalProperties: true\n#         properties:\n#           on: {type: boolean}\n", map[string]any{"p": map[string]any{"x": 1}}, "", false},
		{"not a schema", "#     - required\n", nil, "p.rego:1: METADATA custom.config: must be a JSON Schema", false},
		{"not an object", "#     type: array\n", nil, "data.config is a mapping of sections", false},
		{"bad schema", "#     properties: {p: {type: 3}}\n", nil, "not a valid JSON Schema", false},
		{"bad type name", "#     properties: {p: {type: strin}}\n", nil, "not a valid JSON Schema", false},
		{"bad required", "#     required: p\n", nil, "not a valid JSON Schema", false},
		{"keyword not checked", "#     properties:\n#       p: {type: string, pattern: '^x'}\n", map[string]any{"p": "y"}, `p.rego:1: METADATA custom.config: policy p uses keyword "pattern" (at #/properties/p), which provenant does not check`, false},
		{"keyword not checked, nested", "#     properties:\n#       p: {items: {enum: [a]}}\n", nil, `policy p uses keyword "enum" (at #/properties/p/items)`, false},
		{"keyword not checked, in $defs", "#     $defs: {a: {oneOf: [{type: string}]}}\n", nil, `policy p uses keyword "oneOf" (at #/$defs/a)`, false},
		{"ref to defs", "#     required: [p]\n#     properties: {p: {$ref: '#/$defs/p'}}\n#     $defs: {p: {required: [on], properties: {on: {type: boolean}}}}\n", map[string]any{"p": map[string]any{"of": true}}, "data.p.of: unknown key; did you mean on?", true},
		{"ref to defs, given", "#     properties: {p: {$ref: '#/$defs/p'}}\n#     $defs: {p: {properties: {on: {type: boolean}}}}\n", map[string]any{"p": map[string]any{"on": true}}, "", false},
		{"ref cycle", "#     properties: {p: {$ref: '#/$defs/a'}}\n#     $defs: {a: {$ref: '#/$defs/b'}, b: {$ref: '#/$defs/a'}}\n", map[string]any{"p": 1}, "refers to itself", false},
		{"ref to root", "#     properties: {p: {$ref: '#'}}\n", nil, "only #/$defs/NAME", false},
		{"id below the root", "#     properties: {p: {$id: 'https://x/', type: string}}\n", nil, "only a string at the root", false},
		{"other draft", "#     $schema: 'http://json-schema.org/draft-04/schema#'\n", nil, "not a valid JSON Schema", false},
		{"number bounds", "#     properties: {p: {properties: {n: {type: integer, minimum: 1, maximum: 3}}}}\n", map[string]any{"p": map[string]any{"n": 4}}, "data.p.n: is 4, more than 3", true},
		{"list bounds", "#     properties: {p: {properties: {l: {type: array, minItems: 1, items: {type: string, minLength: 1}}}}}\n", map[string]any{"p": map[string]any{"l": []any{""}}}, "data.p.l.0: is empty", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeModules(t, declaring(tt.decl))
			_, err := LoadPolicies(context.Background(), []string{dir}, WithPolicyData(tt.data))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("LoadPolicies = %v, want it to load", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LoadPolicies = %v, want an error with %q", err, tt.want)
			}
			if !errors.Is(err, ErrPolicy) || errors.Is(err, ErrConfigRequired) != tt.required {
				t.Errorf("LoadPolicies = %v: ErrPolicy %v, ErrConfigRequired %v, want true, %v", err, errors.Is(err, ErrPolicy), errors.Is(err, ErrConfigRequired), tt.required)
			}
		})
	}
}

// TestDeclaredConfigOnARule: custom.config on a rule would declare
// nothing; it is a load error that says where it belongs.
func TestDeclaredConfigOnARule(t *testing.T) {
	src := "package p\n\n# METADATA\n# custom:\n#   config:\n#     required: [p]\ndeny contains \"x\" if {\n\tdata.config.p.on == true\n}\n"
	dir := writeModules(t, map[string]string{"p.rego": src})
	if _, err := LoadPolicies(context.Background(), []string{dir}); err == nil || !strings.Contains(err.Error(), "put it in the package's METADATA (scope: package), not a rule's") {
		t.Errorf("LoadPolicies = %v, want the declaration on a rule refused", err)
	}
}

// TestDeclaredConfigInTests: policy tests bring their own data.config
// (with data.config as ...), so a declaration is checked only against a
// configuration given.
func TestDeclaredConfigInTests(t *testing.T) {
	files := declaring("#     required: [p]\n")
	files["p_test.rego"] = "package p_test\n\nimport data.p\n\ntest_on if {\n\tp.deny == {\"x\"} with data.config as {\"p\": {\"on\": true}}\n}\n"
	dir := writeModules(t, files)
	res, err := RunPolicyTests(context.Background(), []string{dir}, 0, nil)
	if err != nil || len(res) != 1 || !res[0].Passed() {
		t.Fatalf("RunPolicyTests without a configuration = %v, %v; want one passing test", res, err)
	}
	if _, err := RunPolicyTests(context.Background(), []string{dir}, 0, map[string]any{"q": 1}); !errors.Is(err, ErrConfigRequired) {
		t.Errorf("RunPolicyTests with a configuration lacking p = %v, want ErrConfigRequired", err)
	}
}

// FuzzDeclaredConfig: any declaration and configuration either load or
// fail with a policy error; none panics, and a configuration that loads
// satisfies the declaration's required section.
func FuzzDeclaredConfig(f *testing.F) {
	f.Add("#     required: [p]\n", "data:\n  p: {on: true}\n")
	f.Add("#     properties:\n#       p: {required: [on], properties: {on: {type: boolean}}}\n", "data:\n  p: {of: 1}\n")
	f.Add("#     $ref: '#/x'\n", "")
	f.Fuzz(func(t *testing.T, decl, config string) {
		c, err := ParseConfig([]byte(config), "policy.yaml")
		if err != nil {
			return
		}
		var lines []string
		for l := range strings.SplitSeq(decl, "\n") {
			if l != "" {
				lines = append(lines, "#     "+strings.TrimPrefix(l, "#     "))
			}
		}
		files := declaring(strings.Join(lines, "\n") + "\n")
		dir := writeModulesTB(t, files)
		_, err = LoadPolicies(context.Background(), []string{dir}, WithPolicyData(c.Data))
		if err != nil && !errors.Is(err, ErrPolicy) {
			t.Fatalf("LoadPolicies: %v is not a policy error", err)
		}
	})
}

// TestConfigShape: a policy configuration's structural mistakes are told
// in the file's words, never in the decoder's Go types.
func TestConfigShape(t *testing.T) {
	tests := []struct{ src, want string }{
		{"slsa:\n  level: 3\n", "c.yaml:1: unknown key slsa: the top level has only data: and exceptions:; put policy settings under data:, e.g. data: {slsa: ...}"},
		{"dta:\n  slsa: {}\n", "c.yaml:1: unknown key dta; did you mean data:?"},
		{"data: [1]\n", "c.yaml:1: data: is a list, want a mapping of sections"},
		{"- a\n", "c.yaml:1: a policy configuration is a mapping with data:"},
		{"exceptions: {code: x}\n", "c.yaml:1: exceptions: is a mapping, want a list of exceptions"},
		{"exceptions:\n  - x\n", "c.yaml:2: an exception is a mapping with code (or package and title) and reason, not a string"},
		{"exceptions:\n  - code: x\n    reson: y\n", "c.yaml:3: unknown key reson in an exception; did you mean reason?"},
		{"exceptions:\n  - code: x\n    reason: y\n    artifacts: a\n", "c.yaml:4: artifacts: is a string, want a list of patterns"},
		{"exceptions:\n  - code: [x]\n    reason: y\n", "c.yaml:2: code: is a list, want a string"},
		{"\"a\\u0000b\": 1\n", `unknown key "a\x00b"`},
		{"data:\n  s: &l [1]\nexceptions: *l\n", "c.yaml:2: an exception is a mapping with code (or package and title) and reason, not a number"},
	}
	for _, tt := range tests {
		_, err := ParseConfig([]byte(tt.src), "c.yaml")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseConfig(%q) = %v, want %q", tt.src, err, tt.want)
			continue
		}
		for _, goWord := range []string{"rules.", "interface {}", "!!", "unmarshal"} {
			if strings.Contains(err.Error(), goWord) {
				t.Errorf("ParseConfig(%q) = %v: says %q", tt.src, err, goWord)
			}
		}
	}
}

// TestDeclaredConfigLoadsNothing: a declaration's $ref and $schema never
// read a file or a URL (a FIFO or /dev/zero would block or fill memory).
func TestDeclaredConfigLoadsNothing(t *testing.T) {
	for _, decl := range []string{
		"#     properties: {p: {$ref: 'file:///dev/zero'}}\n",
		"#     properties: {p: {$ref: 'http://127.0.0.1:1/s.json'}}\n",
		"#     $schema: 'file:///dev/zero'\n",
	} {
		dir := writeModules(t, declaring(decl))
		if _, err := LoadPolicies(context.Background(), []string{dir}); !errors.Is(err, ErrPolicy) {
			t.Errorf("declaration %q: LoadPolicies = %v, want a policy error", decl, err)
		}
	}
}

// TestDocsListSchemaKeywords: docs/policies.md tells policy authors every
// keyword a declaration may use, and no other.
func TestDocsListSchemaKeywords(t *testing.T) {
	b, err := os.ReadFile("../../docs/policies.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, k := range SchemaKeywords() {
		if !strings.Contains(doc, "`"+k+"`") {
			t.Errorf("docs/policies.md does not list the schema keyword `%s`", k)
		}
	}
}
