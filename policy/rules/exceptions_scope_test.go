package rules

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestExceptionScope: an exception is scoped to the rule it was written
// for; one that names only a code does not waive another package's
// finding that reuses the code (issue 13 item 9).
func TestExceptionScope(t *testing.T) {
	release := `package release

# METADATA
# title: Release builder
# custom:
#   code: release.builder
deny contains {"msg": "reuses the code", "code": "slsa.level"} if true

# METADATA
# title: Own
# custom:
#   code: release.own
deny contains {"msg": "own code"} if true

# METADATA
# title: Untitled
deny contains {"msg": "dynamic code only", "code": "release.dynamic"} if true
`
	ps, err := LoadPolicies(context.Background(), []string{"builtin:slsa", writeModules(t, map[string]string{"release.rego": release})},
		WithPolicyData(map[string]any{"slsa": map[string]any{"level": 2}}))
	if err != nil {
		t.Fatal(err)
	}
	fs := evalDoc(t, ps, gateDoc(slsaAtt("b:1", "https://ci.example.com/b", "")))
	if len(fs) != 4 {
		t.Fatalf("%d findings, want 4: %s", len(fs), dump(fs))
	}
	tests := []struct {
		name   string
		exc    Exception
		waived []string // messages (substrings) waived
	}{
		{"code only: the rule that declares it", Exception{Code: "slsa.level"}, []string{"no signer proves it"}},
		{"code and package", Exception{Code: "slsa.level", Package: "release"}, []string{"reuses the code"}},
		{"code of the other package", Exception{Code: "release.own"}, []string{"own code"}},
		{"code overridden by the value", Exception{Code: "release.builder"}, nil},
		{"dynamic code needs the package", Exception{Code: "release.dynamic"}, nil},
		{"dynamic code with the package", Exception{Code: "release.dynamic", Package: "release"}, []string{"dynamic code only"}},
		{"package and title", Exception{Package: "provenant.slsa", Title: "SLSA build level"}, []string{"no signer proves it"}},
		{"title of another package", Exception{Package: "release", Title: "SLSA build level"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := append([]Finding(nil), fs...)
			tt.exc.Reason = "x"
			ApplyExceptions([]Exception{tt.exc}, "app", got, time.Now())
			var waived []string
			for _, f := range got {
				if f.Exception != nil {
					waived = append(waived, f.Message)
				}
			}
			if len(waived) != len(tt.waived) {
				t.Fatalf("waived %q, want %q", waived, tt.waived)
			}
			for i, w := range tt.waived {
				if !strings.Contains(waived[i], w) {
					t.Errorf("waived %q, want %q", waived, tt.waived)
				}
			}
		})
	}
}

// TestCodeDeclaredTwice: a code declared in the METADATA of rules of two
// packages is a load error, since an exception for it would waive both.
func TestCodeDeclaredTwice(t *testing.T) {
	reuse := "package release\n\n# METADATA\n# custom:\n#   code: slsa.level\ndeny contains \"x\" if true\n"
	_, err := LoadPolicies(context.Background(), []string{"builtin:slsa", writeModules(t, map[string]string{"release.rego": reuse})})
	if err == nil || !strings.Contains(err.Error(), `release.rego:6: code "slsa.level" is declared by package provenant.slsa and by package release (builtin/slsa.rego:`) {
		t.Errorf("error %v, want one naming both packages", err)
	}
	// Several bodies of one package may share a code.
	same := "package release\n\n# METADATA\n# custom:\n#   code: release.x\ndeny contains \"x\" if true\n\n# METADATA\n# custom:\n#   code: release.x\nwarn contains \"y\" if true\n"
	if _, err := LoadPolicies(context.Background(), []string{writeModules(t, map[string]string{"release.rego": same})}); err != nil {
		t.Errorf("one package, one code twice: %v", err)
	}
}

// TestReservedCode: a policy cannot name its rules or findings with a
// code of provenant's own checks (provenant.verify in SARIF): in METADATA
// it is a load error; in a finding object it stays in the details, and
// the finding keeps its rule's code.
func TestReservedCode(t *testing.T) {
	for _, code := range []string{"provenant.verify", "provenant.policy-error", "provenant.x"} {
		src := "package release\n\n# METADATA\n# custom:\n#   code: " + code + "\ndeny contains \"x\" if true\n"
		_, err := LoadPolicies(context.Background(), []string{writeModules(t, map[string]string{"release.rego": src})})
		if err == nil || !strings.Contains(err.Error(), `release.rego:6: code "`+code+`": codes that start with "provenant." name provenant's own checks`) {
			t.Errorf("code %s: error %v, want the reserved prefix named", code, err)
		}
	}
	src := "package release\n\n# METADATA\n# custom:\n#   code: release.x\ndeny contains {\"msg\": \"m\", \"code\": \"provenant.verify\"} if true\n\ndeny contains {\"msg\": \"n\", \"code\": \"release.y\"} if true\n"
	ps, err := LoadPolicies(context.Background(), []string{writeModules(t, map[string]string{"release.rego": src})})
	if err != nil {
		t.Fatal(err)
	}
	fs := evalDoc(t, ps, gateDoc())
	if len(fs) != 2 {
		t.Fatalf("findings %s, want two", dump(fs))
	}
	for _, f := range fs {
		switch f.Message {
		case "m":
			if f.Code != "release.x" || f.Details["code"] != "provenant.verify" {
				t.Errorf("finding m: code %q, details %v; want release.x and the reserved code in the details", f.Code, f.Details)
			}
		case "n":
			if f.Code != "release.y" {
				t.Errorf("finding n: code %q, want release.y", f.Code)
			}
		}
	}
}

// TestDefaultRuleNotCounted: a complete rule with a default is traced to
// its one other body, so its METADATA (and code) reach the finding.
func TestDefaultRuleNotCounted(t *testing.T) {
	src := "package release\n\ndefault deny := false\n\n# METADATA\n# title: Untagged\n# custom:\n#   code: release.tag\ndeny if input.artifact.name == \"app\"\n"
	ps, err := LoadPolicies(context.Background(), []string{writeModules(t, map[string]string{"release.rego": src})})
	if err != nil {
		t.Fatal(err)
	}
	fs := evalDoc(t, ps, gateDoc())
	if len(fs) != 1 || fs[0].Code != "release.tag" || fs[0].Title != "Untagged" {
		t.Errorf("findings %s, want one traced to the rule body", dump(fs))
	}
}

// TestExceptionArtifactGlobs: exceptions match artifact names in the
// dialect of artifact arguments (digest.Match): * stays within a path
// segment, ** crosses them.
func TestExceptionArtifactGlobs(t *testing.T) {
	f := Finding{Kind: KindDeny, Package: "p", Code: "c"}
	for _, c := range []struct {
		pattern, artifact string
		want              bool
	}{
		{"dist/*", "dist/app", true},
		{"dist/*", "dist/sub/app", false},
		{"dist/**", "dist/sub/app", true},
		{"**/app", "dist/sub/app", true},
		{"dist/app", "dist/app2", false},
	} {
		e := Exception{Code: "c", Package: "p", Artifacts: []string{c.pattern}}
		if got := e.matches(c.artifact, &f); got != c.want {
			t.Errorf("exception for %q matches %q = %v, want %v", c.pattern, c.artifact, got, c.want)
		}
	}
	if _, err := ParseConfig([]byte("exceptions:\n  - {code: c, reason: r, artifacts: [\"dist/[\"]}\n"), "p.yaml"); err == nil {
		t.Error("a bad pattern was accepted")
	}
}
