package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"slices"
	"testing"

	"github.com/provenant/provenant/attest/junit"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/rules"
)

// TestRuleIDsStableAndShared: a rule keeps its id in SARIF and its JUnit
// classname when lines above it move, and both formats use the same id
// (code, else package.name with the title's words).
func TestRuleIDsStableAndShared(t *testing.T) {
	report := func(line int) *policy.Report {
		titled := rules.RuleInfo{Kind: "deny", Name: "deny", Package: "release", Title: "Release builder", Location: rules.Location{File: "p.rego", Line: line}}
		coded := rules.RuleInfo{Kind: "warn", Name: "warn", Package: "release", Custom: map[string]any{"code": "release.tag"}, Location: rules.Location{File: "p.rego", Line: line + 6}}
		bare := rules.RuleInfo{Kind: "deny", Name: "deny_unsigned", Package: "release", Location: rules.Location{File: "p.rego", Line: line + 12}}
		finding := func(info rules.RuleInfo, msg string) rules.Finding {
			loc := info.Location
			f := rules.Finding{Kind: info.Kind, Package: info.Package, Title: info.Title, Message: msg, Location: &loc}
			if c, ok := info.Custom["code"].(string); ok {
				f.Code = c
			}
			return f
		}
		return &policy.Report{
			Rules: []rules.RuleInfo{titled, coded, bare},
			Artifacts: []policy.Artifact{{Name: "app", Findings: []rules.Finding{
				finding(titled, "built elsewhere"), finding(coded, "untagged"), finding(bare, "unsigned"),
			}}},
		}
	}
	want := []string{"release.deny/release-builder", "release.tag", "release.deny_unsigned"}
	for _, line := range []int{3, 40} {
		var j bytes.Buffer
		if err := WriteJUnit(&j, report(line)); err != nil {
			t.Fatal(err)
		}
		var suites junit.Suites
		if err := xml.Unmarshal(j.Bytes(), &suites); err != nil {
			t.Fatal(err)
		}
		var classnames []string
		for _, c := range suites.Suites[0].Cases[1:] { // after "signed provenance"
			classnames = append(classnames, c.Classname)
			if c.Failure == nil && c.SystemOut == "" {
				t.Errorf("line %d: case %s holds no finding", line, c.Classname)
			}
		}
		if !slices.Equal(classnames, []string{"app." + want[0], "app." + want[1], "app." + want[2]}) {
			t.Errorf("line %d: JUnit classnames %q, want app. + %q", line, classnames, want)
		}
		var s bytes.Buffer
		if err := WriteSARIF(&s, report(line), "test"); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Runs []struct {
				Results []struct {
					RuleID string `json:"ruleId"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(s.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		var results []string
		for _, res := range doc.Runs[0].Results {
			results = append(results, res.RuleID)
		}
		slices.Sort(results)
		sorted := slices.Clone(want)
		slices.Sort(sorted)
		if !slices.Equal(results, sorted) {
			t.Errorf("line %d: SARIF results' rule ids %q, want %q", line, results, sorted)
		}
	}
}
