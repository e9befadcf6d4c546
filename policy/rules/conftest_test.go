package rules

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"gopkg.in/yaml.v3"
)

// conftestDir is conftest v0.71.1 in the module cache (go mod download
// github.com/open-policy-agent/conftest@v0.71.1); tests that read its
// policies skip without it. Nothing of it is copied into this repository.
func conftestDir(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		cache = filepath.Join(build.Default.GOPATH, "pkg", "mod")
	}
	dir := filepath.Join(cache, "github.com", "open-policy-agent", "conftest@v0.71.1")
	if _, err := os.Stat(filepath.Join(dir, "examples")); err != nil {
		t.Skipf("conftest v0.71.1 is not in the module cache (%s); run go mod download -json github.com/open-policy-agent/conftest@v0.71.1", dir)
	}
	return dir
}

// conftestRules counts, per package, the rules conftest evaluates in a
// directory: those whose name matches its deny/violation/warn patterns.
func conftestRules(t *testing.T, dir string) map[string]int {
	t.Helper()
	out := map[string]int{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.rego"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.rego") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ast.ParseModuleWithOpts(f, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range m.Rules {
			if findingKind(r.Head.Name.String()) != "" {
				out[packageName(m)]++
			}
		}
	}
	return out
}

// readInput reads a single-document YAML or JSON file as an input document.
func readInput(t *testing.T, path string) (any, bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	var more any
	if dec.Decode(&more) == nil {
		return nil, false // several documents
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	doc, err := JSONToAny(b)
	return doc, err == nil
}

// TestConftestExamples loads every policy directory of conftest's examples
// as provenant does, in Rego v1 and v0: each loads, and every rule
// conftest would evaluate is one of provenant's. For examples with a YAML
// or JSON input, provenant's findings in package main are conftest's
// (checked against the conftest binary when $CONFTEST names one; the
// kubernetes example always, against conftest's documented output).
func TestConftestExamples(t *testing.T) {
	root := filepath.Join(conftestDir(t), "examples")
	dirs, err := filepath.Glob(filepath.Join(root, "*", "policy"))
	if err != nil || len(dirs) < 20 {
		t.Fatalf("found %d conftest example policy directories (%v)", len(dirs), err)
	}
	conftest := os.Getenv("CONFTEST")
	compared := 0
	for _, dir := range dirs {
		example := filepath.Base(filepath.Dir(dir))
		t.Run(example, func(t *testing.T) {
			var ps *PolicySet
			for _, v := range []string{RegoV1, RegoV0} {
				p, err := LoadPolicies(context.Background(), []string{dir}, WithRegoVersion(v), withoutInputSchema())
				if example == "serverless" {
					// Broken upstream: conftest itself refuses it.
					if err == nil || !strings.Contains(err.Error(), "base.rego:19: rego_type_error: undefined function has_field") {
						t.Fatalf("LoadPolicies(%s, %s): error %v, want conftest's", example, v, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("LoadPolicies(%s, %s): %v", example, v, err)
				}
				ps = p
			}
			// Compiled against provenant's input, a policy written for
			// another input is refused, naming the field.
			if example == "kubernetes" {
				_, err := LoadPolicies(context.Background(), []string{dir})
				if err == nil || !strings.Contains(err.Error(), "the policy input has no input.kind") {
					t.Errorf("kubernetes example against the input schema: error %v, want one naming input.kind", err)
				}
			}
			have := map[string]int{}
			for _, r := range ps.Rules() {
				have[r.Package]++
			}
			for pkg, n := range conftestRules(t, dir) {
				if have[pkg] < n {
					t.Errorf("package %s: provenant found %d rules, conftest evaluates %d", pkg, have[pkg], n)
				}
			}
			if example == "exceptions" || example == "data" {
				return // conftest's in-policy exceptions and --data: see docs/policies.md
			}
			inputs, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), "*.*"))
			for _, in := range inputs {
				if ext := filepath.Ext(in); ext != ".yaml" && ext != ".yml" && ext != ".json" {
					continue
				}
				doc, ok := readInput(t, in)
				if !ok {
					continue
				}
				v, err := ast.InterfaceToValue(doc)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				fs, _ := ps.Evaluate(context.Background(), v, nil)
				for _, f := range fs {
					if f.Kind == KindError {
						t.Errorf("%s: %s", filepath.Base(in), f.Message)
					}
					if f.Package == "main" {
						got = append(got, f.Kind+": "+f.Message)
					}
				}
				// Two rule bodies with the same message are two findings
				// for provenant and one set element for conftest.
				slices.Sort(got)
				got = slices.Compact(got)
				if example == "kubernetes" && filepath.Base(in) == "deployment.yaml" {
					want := []string{
						"deny: Containers must not run as root in Deployment hello-kubernetes",
						"deny: Deployment hello-kubernetes must provide app/release labels for pod selectors",
						"deny: hello-kubernetes must include Kubernetes recommended labels: https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/#labels",
						"violation: Found deployment hello-kubernetes but deployments are not allowed",
					}
					if !slices.Equal(got, want) {
						t.Errorf("kubernetes/deployment.yaml: findings\n%q\nwant conftest's\n%q", got, want)
					}
					compared++
				}
				if conftest != "" {
					want := runConftest(t, conftest, filepath.Dir(dir), in)
					if !slices.Equal(got, want) {
						t.Errorf("%s: provenant's findings\n%q\nconftest's\n%q", filepath.Base(in), got, want)
					}
					compared++
				}
			}
		})
	}
	t.Logf("compared findings with conftest's for %d inputs", compared)
}

// runConftest runs `conftest test -o json` over one input.
func runConftest(t *testing.T, bin, dir, input string) []string {
	t.Helper()
	cmd := exec.Command(bin, "test", "--no-color", "-o", "json", "-p", "policy", filepath.Base(input))
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		if _, ok := errors.AsType[*exec.ExitError](err); !ok {
			t.Fatalf("conftest: %v", err)
		}
	}
	var results []struct {
		Failures []struct {
			Msg      string         `json:"msg"`
			Metadata map[string]any `json:"metadata"`
		} `json:"failures"`
		Warnings []struct {
			Msg      string         `json:"msg"`
			Metadata map[string]any `json:"metadata"`
		} `json:"warnings"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("conftest output: %v\n%s", err, out)
	}
	var got []string
	kind := func(m map[string]any, def string) string {
		q, _ := m["query"].(string)
		name := q[strings.LastIndex(q, ".")+1:]
		if k := findingKind(name); k != "" {
			return k
		}
		return def
	}
	for _, r := range results {
		for _, f := range r.Failures {
			got = append(got, kind(f.Metadata, KindDeny)+": "+f.Msg)
		}
		for _, f := range r.Warnings {
			got = append(got, KindWarn+": "+f.Msg)
		}
	}
	slices.Sort(got)
	return slices.Compact(got)
}

// TestConftestRegoV0: conftest's own Rego v0 test policy loads with
// WithRegoVersion(RegoV0) and denies as conftest --rego-version v0 does;
// loaded as v1 it is refused with ErrRegoV0.
func TestConftestRegoV0(t *testing.T) {
	file := filepath.Join(conftestDir(t), "tests", "rego-version", "policy", "v0.rego")
	if _, err := LoadPolicies(context.Background(), []string{file}, withoutInputSchema()); !errors.Is(err, ErrRegoV0) {
		t.Errorf("v0.rego as v1: error %v, want ErrRegoV0", err)
	}
	ps, err := LoadPolicies(context.Background(), []string{file}, WithRegoVersion(RegoV0), withoutInputSchema())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		input map[string]any
		want  []string
	}{
		{map[string]any{"bar": "baz"}, []string{"deny:foo"}},
		{map[string]any{"bar": "qux"}, []string{}},
	} {
		v, err := ast.InterfaceToValue(tc.input)
		if err != nil {
			t.Fatal(err)
		}
		fs, _ := ps.Evaluate(context.Background(), v, nil)
		if got := messages(fs); !slices.Equal(got, tc.want) {
			t.Errorf("input %v: findings %q, want %q", tc.input, got, tc.want)
		}
	}
}
