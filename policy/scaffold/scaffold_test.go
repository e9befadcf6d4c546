package scaffold

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/provenant/provenant/policy/rules"
)

// evidenceDoc is a policy input document with two steps, compile and
// package, whose texts (builder id, source, step names, signer) are given.
func evidenceDoc(builder, source, compile, pkg, keyid string) map[string]any {
	bin := strings.Repeat("b1", 32)
	att := func(id, step string, materials, products []any) map[string]any {
		return map[string]any{
			"id":            id,
			"predicateType": slsaV1,
			"signers":       []any{map[string]any{"keyid": keyid}},
			"statement": map[string]any{
				"_type":         "https://in-toto.io/Statement/v1",
				"predicateType": slsaV1,
				"subject":       products,
				"predicate": map[string]any{
					"buildDefinition": map[string]any{
						"buildType":          "https://example.com/buildtype/v1",
						"externalParameters": map[string]any{"step": step, "source": source},
					},
					"runDetails": map[string]any{"builder": map[string]any{"id": builder}},
				},
			},
			"step": map[string]any{"name": step, "materials": materials, "products": products},
		}
	}
	file := func(name, sha string) any {
		return map[string]any{"name": name, "digest": map[string]any{"sha256": sha}}
	}
	return map[string]any{
		"artifact": map[string]any{"name": "app.tar.gz", "digests": map[string]any{"sha256": strings.Repeat("a1", 32)}, "attestations": []any{1}, "verified": true, "reasons": []any{}},
		"attestations": []any{
			att("b:1", compile, []any{file("main.c", strings.Repeat("c0", 32))}, []any{file("bin/app", bin)}),
			att("b:2", pkg, []any{file("bin/app", bin)}, []any{file("app.tar.gz", strings.Repeat("a1", 32))}),
		},
	}
}

// hostile are texts an attacker who can get an attestation signed (or a
// careless builder) could put in the evidence: Rego that would end a
// string or a comment, glob characters, control characters, YAML syntax.
var hostile = []string{
	`"} deny contains "x" if { true } #`,
	"x\"\n}\npackage evil\n",
	"`raw` string \\ \\\" \\u0022",
	"# METADATA\n# custom:\n#   config: {}\n",
	"line\u2028separator\u2029and\u0085next",
	"nul\x00byte\x1b[31mred",
	"refs/heads/*",
	"{a,b}[!c]?\\",
	"&anchor *alias !!tag ? : - | > % @ `",
	"yes",
	"",
	strings.Repeat("long ", 2000),
	"\xff\xfe not utf-8",
}

// TestGenerateHostileEvidence: whatever the evidence says, the policy's
// text is the same, the values reach policy.yaml and the test file as
// data only, and the tests written pass on the evidence and deny each
// change.
func TestGenerateHostileEvidence(t *testing.T) {
	want, err := Generate([]map[string]any{evidenceDoc("https://ci.example.com/builder", "git+https://github.com/o/r@refs/heads/main", "compile", "package", "k1")})
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hostile {
		for _, field := range []string{"builder", "source", "step", "keyid"} {
			builder, source, compile, keyid := "https://ci.example.com/builder", "git+https://github.com/o/r@refs/heads/main", "compile", "k1"
			switch field {
			case "builder":
				builder = h
			case "source":
				source = "git+https://github.com/o/r@refs/heads/" + h
			case "step":
				compile = h
			case "keyid":
				keyid = h
			}
			res, err := Generate([]map[string]any{evidenceDoc(builder, source, compile, "package", keyid)})
			if err != nil {
				t.Errorf("hostile %d in %s: Generate: %v", i, field, err)
				continue
			}
			if strip(string(res.Files[PolicyFile])) != strip(string(want.Files[PolicyFile])) {
				t.Errorf("hostile %d in %s: policy.rego differs from the fixed text", i, field)
			}
			if len(h) > 3 && strings.Contains(string(res.Files[PolicyFile]), h) {
				t.Errorf("hostile %d in %s: policy.rego holds the evidence's text", i, field)
			}
			dir := t.TempDir()
			if err := Write(dir, res, false); err != nil {
				t.Fatal(err)
			}
			results, err := rules.RunPolicyTests(context.Background(), []string{dir}, 0, nil)
			if err != nil {
				t.Errorf("hostile %d in %s: the tests written do not load: %v", i, field, err)
				continue
			}
			if len(results) != len(res.Tests) {
				t.Errorf("hostile %d in %s: %d tests ran, %d written", i, field, len(results), len(res.Tests))
			}
			for _, r := range results {
				if !r.Passed() {
					t.Errorf("hostile %d in %s: %s %s: %s", i, field, r.Name, r.Outcome, r.Error)
				}
			}
			// policy.yaml reads back as the configuration, and the
			// policy loads with it.
			cfg, err := rules.LoadConfig(filepath.Join(dir, ConfigFile))
			if err != nil {
				t.Errorf("hostile %d in %s: policy.yaml: %v", i, field, err)
				continue
			}
			if _, err := rules.LoadPolicies(context.Background(), []string{dir}, rules.WithPolicyData(cfg.Data)); err != nil {
				t.Errorf("hostile %d in %s: the policy does not load with its policy.yaml: %v", i, field, err)
			}
		}
	}
}

// TestGeneratePins: what is pinned from what the evidence shows.
func TestGeneratePins(t *testing.T) {
	tests := []struct {
		name   string
		source string
		refs   []string
	}{
		{"tag", "git+https://github.com/o/r@refs/tags/v1.2.3", []string{"refs/tags/*"}},
		{"branch", "git+https://github.com/o/r@refs/heads/main", []string{"refs/heads/main"}},
		{"branch with glob characters", "git+https://github.com/o/r@refs/heads/a*b", []string{`refs/heads/a\*b`}},
		{"commit", "git+https://github.com/o/r@0123456789abcdef0123456789abcdef01234567", nil},
		{"no ref", "git+https://github.com/o/r", nil},
		{"user in the URL", "git+ssh://git@github.com/o/r", nil},
	}
	for _, tt := range tests {
		res, err := Generate([]map[string]any{evidenceDoc("b", tt.source, "compile", "package", "k1")})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := strings.Join(res.Pins.Refs, ","); got != strings.Join(tt.refs, ",") {
			t.Errorf("%s: refs = %q, want %q", tt.name, res.Pins.Refs, tt.refs)
		}
		if len(res.Pins.Links) != 1 || res.Pins.Links[0] != (Link{"compile", "package"}) {
			t.Errorf("%s: links = %v, want compile -> package", tt.name, res.Pins.Links)
		}
	}
	// A ref with glob characters matches only itself.
	res, err := Generate([]map[string]any{evidenceDoc("b", "git+https://github.com/o/r@refs/heads/*", "compile", "package", "k1")})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Write(dir, res, false); err != nil {
		t.Fatal(err)
	}
	other := evidenceDoc("b", "git+https://github.com/o/r@refs/heads/evil", "compile", "package", "k1")
	cfg, err := configData(res.Pins)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := rules.LoadPolicies(context.Background(), []string{dir}, rules.WithPolicyData(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if findings := evaluate(t, ps, other); !strings.Contains(findings, "(refs)") {
		t.Errorf("pinned ref refs/heads/* let refs/heads/evil through: findings %s", findings)
	}
	if _, err := Generate(nil); !errors.Is(err, ErrNoEvidence) {
		t.Errorf("Generate(nil) = %v, want ErrNoEvidence", err)
	}
	none := evidenceDoc("b", "s", "c", "p", "k")
	none["artifact"].(map[string]any)["attestations"] = []any{}
	if _, err := Generate([]map[string]any{none}); !errors.Is(err, ErrNoEvidence) {
		t.Errorf("Generate(nothing covering) = %v, want ErrNoEvidence", err)
	}
}

// TestWriteRefuses: an existing file without overwrite, a link in place
// of a file or of the directory: nothing is written.
func TestWriteRefuses(t *testing.T) {
	res, err := Generate([]map[string]any{evidenceDoc("b", "s", "c", "p", "k")})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "target")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, TestFile)); err != nil {
		t.Fatal(err)
	}
	for _, overwrite := range []bool{false, true} {
		if err := Write(dir, res, overwrite); err == nil {
			t.Errorf("Write(overwrite %v) through a link: no error", overwrite)
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the link's target was written: %q", b)
	}
	if _, err := os.Lstat(filepath.Join(dir, PolicyFile)); err == nil {
		t.Error("policy.rego was written before the refusal")
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, res, true); err == nil {
		t.Error("Write into a linked directory: no error")
	}
	clean := t.TempDir()
	if err := Write(clean, res, false); err != nil {
		t.Fatal(err)
	}
	if err := Write(clean, res, false); err == nil {
		t.Error("Write over existing files without overwrite: no error")
	}
	if err := Write(clean, res, true); err != nil {
		t.Errorf("Write with overwrite: %v", err)
	}
}

// FuzzGenerate: any texts in the evidence give a policy whose text is
// fixed, a policy.yaml that reads back, and a test file that parses with
// the evidence as data (Generate checks the last two itself).
func FuzzGenerate(f *testing.F) {
	for _, h := range hostile {
		f.Add(h, "git+https://github.com/o/r@refs/heads/"+h, h, "k")
	}
	fixed, err := Generate([]map[string]any{evidenceDoc("b", "s", "c", "p", "k")})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, builder, source, step, keyid string) {
		res, err := Generate([]map[string]any{evidenceDoc(builder, source, step, "package", keyid)})
		if err != nil {
			if errors.Is(err, ErrNoEvidence) {
				return
			}
			t.Fatalf("Generate: %v", err)
		}
		pol := string(res.Files[PolicyFile])
		// The text differs only in the list of required keys.
		if strip(pol) != strip(string(fixed.Files[PolicyFile])) {
			t.Fatalf("policy.rego is not the fixed text:\n%s", pol)
		}
	})
}

// evaluate is the messages of the findings of ps over doc.
func evaluate(t *testing.T, ps *rules.PolicySet, doc map[string]any) string {
	t.Helper()
	v, err := ast.InterfaceToValue(doc)
	if err != nil {
		t.Fatal(err)
	}
	findings, _ := ps.Evaluate(context.Background(), v, nil)
	var msgs []string
	for _, f := range findings {
		msgs = append(msgs, f.Message)
	}
	return strings.Join(msgs, "; ")
}

// strip drops the line that lists the required keys.
func strip(pol string) string {
	var out []string
	for l := range strings.SplitSeq(pol, "\n") {
		if !strings.HasPrefix(l, "#         required: [") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestGenerateOtherShapes: SLSA v0.2, GitHub's workflow source, and a
// certificate signer are pinned, and the tests written pass on them and
// deny each change.
func TestGenerateOtherShapes(t *testing.T) {
	v02 := evidenceDoc("b", "s", "c", "p", "k")
	a := v02["attestations"].([]any)[1].(map[string]any)
	a["predicateType"] = slsaV02
	a["signers"] = []any{map[string]any{"keyid": "", "identity": "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1", "issuer": "https://token.actions.githubusercontent.com"}}
	st := a["statement"].(map[string]any)
	st["predicateType"] = slsaV02
	st["predicate"] = map[string]any{
		"builder":    map[string]any{"id": "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v1.9.0"},
		"buildType":  "https://github.com/slsa-framework/slsa-github-generator/generic@v1",
		"invocation": map[string]any{"configSource": map[string]any{"uri": "git+https://github.com/o/r@refs/tags/v1.0.0"}},
	}
	gha := evidenceDoc("b", "s", "c", "p", "k")
	g := gha["attestations"].([]any)[1].(map[string]any)["statement"].(map[string]any)["predicate"].(map[string]any)
	g["buildDefinition"] = map[string]any{
		"buildType":          "https://actions.github.io/buildtypes/workflow/v1",
		"externalParameters": map[string]any{"workflow": map[string]any{"repository": "https://github.com/o/r", "ref": "refs/heads/main", "path": ".github/workflows/release.yml"}},
	}
	for name, doc := range map[string]map[string]any{"v0.2 and a certificate": v02, "GitHub workflow": gha} {
		res, err := Generate([]map[string]any{doc})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		dir := t.TempDir()
		if err := Write(dir, res, false); err != nil {
			t.Fatal(err)
		}
		results, err := rules.RunPolicyTests(context.Background(), []string{dir}, 0, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, r := range results {
			if !r.Passed() {
				t.Errorf("%s: %s %s: %s", name, r.Name, r.Outcome, r.Error)
			}
		}
		for _, want := range []string{"test_other_signer_denied", "test_other_builder_denied", "test_other_source_denied", "test_other_ref_denied"} {
			if !strings.Contains(strings.Join(res.Tests, " "), want) {
				t.Errorf("%s: no %s among %v", name, want, res.Tests)
			}
		}
	}
	if res, _ := Generate([]map[string]any{v02}); len(res.Pins.Signers) != 1 || res.Pins.Signers[0].Identity == "" || res.Pins.Refs[0] != "refs/tags/*" {
		t.Errorf("v0.2 pins = %+v", res.Pins)
	}
	if res, _ := Generate([]map[string]any{gha}); res.Pins.Sources[0] != "https://github.com/o/r" || res.Pins.Refs[0] != "refs/heads/main" {
		t.Errorf("GitHub workflow pins = %+v", res.Pins)
	}
}
