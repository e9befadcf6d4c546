package report

import (
	"github.com/provenant/provenant/policy/rules"
)

// The ids that SARIF and JUnit give a policy rule and its findings: one
// scheme (rules.RuleInfo.ID, stable across edits of the policy file), so
// that a rule is the same rule in every report.

// ruleName is the rule's name in its package, else its kind.
func ruleName(info rules.RuleInfo) string {
	if info.Name != "" {
		return info.Name
	}
	return info.Kind
}

// findingRuleID is the rule id of a finding (byLocation: the rules by
// where their bodies are): the finding's own code, the error rule for an
// evaluation error, else its rule body's id.
func findingRuleID(f rules.Finding, byLocation map[rules.Location]rules.RuleInfo) string {
	switch {
	case f.Code != "":
		return f.Code
	case f.Kind == rules.KindError:
		return errorRuleID
	}
	if info, ok := byLocation[findingLocation(f)]; ok {
		return info.ID()
	}
	return rules.RuleInfo{Kind: f.Kind, Package: f.Package, Title: f.Title}.ID()
}

func findingLocation(f rules.Finding) rules.Location {
	if f.Location == nil {
		return rules.Location{}
	}
	return *f.Location
}
