package scaffold

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"text/template"

	_ "embed"

	"github.com/open-policy-agent/opa/v1/ast"
	"gopkg.in/yaml.v3"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/policy/rules"
)

// Package and Section name the generated policy's package and its
// section of data.config.
const (
	Package = "pinned"
	Section = "pinned"
)

// File names written into the output directory.
const (
	PolicyFile = "policy.rego"
	TestFile   = "policy_test.rego"
	ConfigFile = "policy.yaml"
)

// ErrNoEvidence: the input documents hold no verified attestation that
// names an artifact, so there is nothing to pin.
var ErrNoEvidence = errors.New("nothing to pin")

//go:embed policy.rego.tmpl
var policyTemplate string

var policyTmpl = template.Must(template.New("policy").Parse(policyTemplate))

// Result is a generated policy: what it pins, its files by name, and the
// tests its test file holds.
type Result struct {
	Pins  Pins
	Files map[string][]byte
	Tests []string
}

// Generate writes a policy that pins what the evidence shows. The
// evidence is policy input documents (docs/policy-input.md), one per
// artifact, as policy.Verifier.PolicyInputs makes them: they hold only
// verified attestations. Text from the evidence (builder ids, repository
// names) goes only into policy.yaml (YAML-encoded, read back and compared)
// and into the test file as Rego data literals (JSON, parsed back and
// compared): the policy's own text is fixed.
func Generate(evidence []map[string]any) (*Result, error) {
	if len(evidence) == 0 {
		return nil, fmt.Errorf("%w: no policy input document", ErrNoEvidence)
	}
	d := docs(evidence)
	pins, err := d.pins()
	if err != nil {
		return nil, err
	}
	var pol bytes.Buffer
	if err := policyTmpl.Execute(&pol, struct{ Required string }{strings.Join(pins.required(), ", ")}); err != nil {
		return nil, err
	}
	cfg, err := configFile(pins)
	if err != nil {
		return nil, err
	}
	tests, names, err := testFile(d, pins)
	if err != nil {
		return nil, err
	}
	return &Result{Pins: pins, Tests: names, Files: map[string][]byte{
		PolicyFile: pol.Bytes(),
		TestFile:   tests,
		ConfigFile: cfg,
	}}, nil
}

// configData is data.config as policy.yaml gives it.
func configData(p Pins) (map[string]any, error) {
	var out map[string]any
	if err := roundTrip(map[string]any{Section: p}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func roundTrip(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(out)
}

const configHeader = `# Written by provenant policy init: the values policy.rego pins, from the
# verified attestations it was given. policy.rego requires the keys below
# (its METADATA custom.config): edit the values, keep the keys.
`

// configFile is policy.yaml, read back with the policy configuration
// reader to check that it says exactly the pins.
func configFile(p Pins) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(configHeader)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(map[string]any{"data": map[string]any{Section: p}}); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	c, err := rules.ParseConfig(b.Bytes(), ConfigFile)
	if err != nil {
		return nil, fmt.Errorf("the %s written does not read back: %w", ConfigFile, err)
	}
	want, err := configData(p)
	if err != nil {
		return nil, err
	}
	var got map[string]any
	if err := roundTrip(c.Data, &got); err != nil {
		return nil, err
	}
	if !reflect.DeepEqual(got, want) {
		return nil, fmt.Errorf("the %s written reads back as other values", ConfigFile)
	}
	return b.Bytes(), nil
}

// regoLiteral is v as a Rego data literal: its JSON, which Rego reads as
// the same value, parsed back and compared so that no string of the
// evidence can end the literal and become Rego.
func regoLiteral(v any) (string, error) {
	var norm any
	if err := roundTrip(v, &norm); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(norm, "", "\t")
	if err != nil {
		return "", err
	}
	term, err := ast.ParseTerm(string(b))
	if err != nil {
		return "", fmt.Errorf("a value does not read back as Rego: %w", err)
	}
	want, err := ast.InterfaceToValue(norm)
	if err != nil {
		return "", err
	}
	if term.Value.Compare(want) != 0 {
		return "", errors.New("a value reads back as another Rego value")
	}
	return string(b), nil
}

// patch is one JSON Patch operation on a document of the evidence.
type patch struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// mutation is a test: the evidence with one pinned value changed must be
// denied with a finding whose message contains want.
type mutation struct {
	name  string
	doc   int
	ops   []patch
	want  string
	about string
}

// other is a value that is none of taken: base, or base with a suffix.
func other(base string, taken []string) string {
	v := base
	for i := 2; slices.Contains(taken, v); i++ {
		v = fmt.Sprintf("%s-%d", base, i)
	}
	return v
}

// mutations finds, for each pinned key, an attestation of the evidence
// that shows it, and the change that makes the policy deny.
func mutations(d docs, p Pins) []mutation {
	var out []mutation
	found := map[string]bool{}
	add := func(m mutation) {
		if !found[m.name] {
			found[m.name] = true
			out = append(out, m)
		}
	}
	at := func(j int, rest string) string { return fmt.Sprintf("/attestations/%d%s", j, rest) }
	for i := range d {
		atts := d.attestations(i)
		for _, j := range d.covering(i) {
			att := atts[j]
			if att == nil {
				continue
			}
			if len(p.PredicateTypes) > 0 {
				add(mutation{"other_predicate_type", i, []patch{{"replace", at(j, "/predicateType"), other("https://attacker.invalid/predicate/v1", p.PredicateTypes)}}, "(predicate_types)", "an attestation of another predicate type"})
			}
			if len(p.Signers) > 0 {
				add(mutation{"other_signer", i, []patch{{"replace", at(j, "/signers"), []any{map[string]any{"keyid": "attacker"}}}}, "(signers)", "an attestation signed by another key"})
			}
			if !isProvenance(att) {
				continue
			}
			v1 := get(att, "statement", "predicateType") == slsaV1
			if _, ok := builderID(att); ok && len(p.BuilderIDs) > 0 {
				ptr := "/statement/predicate/builder/id"
				if v1 {
					ptr = "/statement/predicate/runDetails/builder/id"
				}
				add(mutation{"other_builder", i, []patch{{"replace", at(j, ptr), other("https://attacker.invalid/builder", p.BuilderIDs)}}, "(builder_ids)", "provenance from another builder"})
			}
			if _, ok := buildType(att); ok && len(p.BuildTypes) > 0 {
				ptr := "/statement/predicate/buildType"
				if v1 {
					ptr = "/statement/predicate/buildDefinition/buildType"
				}
				add(mutation{"other_build_type", i, []patch{{"replace", at(j, ptr), other("https://attacker.invalid/buildtype/v1", p.BuildTypes)}}, "(build_types)", "provenance of another build type"})
			}
			src, ok := sourceOf(att, j)
			if !ok {
				continue
			}
			if len(p.Sources) > 0 {
				repo := other("git+https://attacker.invalid/fork", p.Sources)
				v := repo
				if src.joined && !src.joinedValueRepoOnly {
					v = repo + "@" + src.ref
				}
				add(mutation{"other_source", i, []patch{{"replace", src.repoPtr, v}}, "(sources)", "provenance from another repository"})
			}
			if len(p.Refs) > 0 {
				ref := "refs/heads/provenant-init-mutated"
				switch {
				case src.joined:
					add(mutation{"other_ref", i, []patch{{"replace", src.repoPtr, src.repo + "@" + ref}}, "(refs)", "provenance from another ref"})
				case src.refPtr != "":
					add(mutation{"other_ref", i, []patch{{"replace", src.refPtr, ref}}, "(refs)", "provenance from another ref"})
				}
			}
		}
		for j, att := range atts {
			name, ok := stepName(att)
			if !ok || len(p.Steps) == 0 {
				continue
			}
			add(mutation{"missing_step", i, []patch{{"replace", at(j, "/step/name"), other("attacker-step", p.Steps)}}, "(steps)", "a chain without step " + name})
		}
		for _, l := range p.Links {
			if found["broken_link"] {
				break
			}
			for _, a := range atts {
				if n, _ := stepName(a); n != l.From {
					continue
				}
				for k, b := range atts {
					if n, _ := stepName(b); n != l.To {
						continue
					}
					if _, mi, ok := consumed(a, b); ok {
						zero := strings.Repeat("0", 64)
						if md, _ := get(get(b, "step", "materials").([]any)[mi], "digest", "sha256").(string); md == zero {
							zero = strings.Repeat("1", 64)
						}
						add(mutation{"broken_link", i, []patch{{"replace", at(k, fmt.Sprintf("/step/materials/%d/digest/sha256", mi)), zero}}, "(links)", "step " + l.To + " consuming something step " + l.From + " did not produce"})
						break
					}
				}
				if found["broken_link"] {
					break
				}
			}
		}
	}
	return out
}

// testFile is policy_test.rego: the evidence and the configuration as
// Rego data, a test that the evidence passes, and one test per pinned key
// that a changed copy fails.
func testFile(d docs, p Pins) ([]byte, []string, error) {
	cfg, err := configData(p)
	if err != nil {
		return nil, nil, err
	}
	cfgLit, err := regoLiteral(cfg)
	if err != nil {
		return nil, nil, err
	}
	evLit, err := regoLiteral([]map[string]any(d))
	if err != nil {
		return nil, nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by provenant policy init. The evidence below is the policy input\n")
	fmt.Fprintf(&b, "# of each artifact, from the verified attestations only; each test_other_*\n")
	fmt.Fprintf(&b, "# and test_missing_* test changes one pinned value and expects a denial.\n")
	fmt.Fprintf(&b, "package %s_test\n\nimport data.%s\n\n", Package, Package)
	fmt.Fprintf(&b, "# config is what %s gives as data.config.\nconfig := %s\n\n", ConfigFile, cfgLit)
	fmt.Fprintf(&b, "evidence := %s\n\n", evLit)
	names := []string{"test_evidence_allowed"}
	fmt.Fprintf(&b, "test_evidence_allowed if {\n\tevery doc in evidence {\n\t\tcount(%s.deny) == 0 with input as doc with data.config as config\n\t}\n}\n", Package)
	for _, m := range mutations(d, p) {
		ops, err := regoLiteral(m.ops)
		if err != nil {
			return nil, nil, err
		}
		want, err := regoLiteral(m.want)
		if err != nil {
			return nil, nil, err
		}
		name := "test_" + m.name + "_denied"
		names = append(names, name)
		// m.about may hold a step name from the evidence: it goes
		// into a comment only after it is reduced to one safe line.
		fmt.Fprintf(&b, "\n# %s is denied.\n%s if {\n\tdoc := json.patch(evidence[%d], %s)\n\tdenials := %s.deny with input as doc with data.config as config\n\tsome f in denials\n\tcontains(f.msg, %s)\n}\n",
			commentText(m.about), name, m.doc, indent(ops), Package, want)
	}
	out := []byte(b.String())
	if err := checkTestFile(out, cfg, d); err != nil {
		return nil, nil, err
	}
	return out, names, nil
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n\t") }

// commentText keeps letters, digits and a few marks of s, so that text
// from the evidence cannot end a comment line.
func commentText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 120 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(" ._-/:", r):
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// checkTestFile parses the test file and checks that its config and
// evidence rules hold exactly the values given.
func checkTestFile(src []byte, cfg map[string]any, d docs) error {
	m, err := ast.ParseModuleWithOpts(TestFile, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return fmt.Errorf("the %s written does not parse: %w", TestFile, err)
	}
	want := map[string]any{"config": cfg, "evidence": []map[string]any(d)}
	seen := map[string]int{}
	for _, r := range m.Rules {
		name := r.Head.Ref().String()
		seen[name]++
		v, ok := want[name]
		if !ok {
			if !strings.HasPrefix(name, "test_") {
				return fmt.Errorf("the %s written has an unexpected rule %s", TestFile, name)
			}
			continue
		}
		var norm any
		if err := roundTrip(v, &norm); err != nil {
			return err
		}
		wv, err := ast.InterfaceToValue(norm)
		if err != nil {
			return err
		}
		if r.Head.Value == nil || r.Head.Value.Value.Compare(wv) != 0 {
			return fmt.Errorf("the %s written holds other %s than the evidence", TestFile, name)
		}
	}
	if seen["config"] != 1 || seen["evidence"] != 1 {
		return fmt.Errorf("the %s written does not hold its config and evidence once each", TestFile)
	}
	return nil
}

// CheckDir says whether Write could write into dir: nothing in the way
// (an existing file without overwrite, a link), so that a caller can
// refuse before any work.
func CheckDir(dir string, overwrite bool) error {
	info, err := os.Lstat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case info.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("%s: is a symbolic link; give the directory itself", dir)
	case !info.IsDir():
		return fmt.Errorf("%s: not a directory", dir)
	}
	var opts []attest.WriteOption
	if overwrite {
		opts = append(opts, attest.WithOverwrite())
	}
	for _, n := range []string{PolicyFile, TestFile, ConfigFile} {
		if err := attest.CheckWrite(filepath.Join(dir, n), opts...); err != nil {
			return err
		}
	}
	return nil
}

// Write writes the files into dir, which is made when missing. An
// existing file is replaced only with overwrite; every file is checked
// before any is written, and none is written through a symbolic link
// (attest.WriteFile), nor into a directory that is one.
func Write(dir string, r *Result, overwrite bool) error {
	if err := CheckDir(dir, overwrite); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var opts []attest.WriteOption
	if overwrite {
		opts = append(opts, attest.WithOverwrite())
	}
	for _, n := range []string{PolicyFile, TestFile, ConfigFile} {
		if err := attest.WriteFile(filepath.Join(dir, n), r.Files[n], 0o644, opts...); err != nil {
			return err
		}
	}
	return nil
}
