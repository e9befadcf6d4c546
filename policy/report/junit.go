package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/provenant/provenant/attest/junit"

	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/rules"
)

// WriteJUnit writes the report as JUnit XML: one test suite per artifact,
// with one test case for the built-in checks (signatures, subject,
// builder, source) and one per policy rule. A rule fails with its denying
// findings, or ends in an error when the policies could not be evaluated
// (which denies too); warnings that do not deny, and waived findings, are
// written to the case's system-out. Every suite carries the tests,
// failures and errors counts that Jenkins' junit-10.xsd requires.
//
// Every field is one line of text without control or format characters
// (safetext.Line), as well as XML-escaped: test-report viewers print these
// strings to terminals and logs.
func WriteJUnit(w io.Writer, r *policy.Report) error {
	failOnWarn := r.Criteria.FailOn == rules.KindWarn
	out := junit.Suites{Name: "provenant verify"}
	t := safetext.Line
	// Test cases are named by the rule ids SARIF uses (ruleid.go): no
	// line number, so that a CI's test history follows a rule across
	// edits of its file.
	byLocation := map[rules.Location]rules.RuleInfo{}
	for _, info := range r.Rules {
		byLocation[info.Location] = info
	}
	for _, a := range r.Artifacts {
		name := t(a.Name)
		suite := junit.Suite{Name: name}
		verify := junit.Case{Name: "signed provenance", Classname: name}
		if len(a.Reasons) > 0 {
			lines := make([]string, len(a.Reasons))
			for i, reason := range a.Reasons {
				lines[i] = t(reason)
			}
			verify.Failure = &junit.Failure{Message: lines[0], Type: "verify", Text: strings.Join(lines, "\n")}
		}
		if a.Cache != nil {
			verify.SystemOut = t(a.Cache.String())
		}
		suite.Cases = append(suite.Cases, verify)
		// One case per rule id, in rule order; findings not traced to a
		// known rule (evaluation errors) get their own case.
		type ruleCase struct {
			title    string
			findings []rules.Finding
		}
		var order []string
		cases := map[string]*ruleCase{}
		add := func(id, title string) *ruleCase {
			if c, ok := cases[id]; ok {
				return c
			}
			c := &ruleCase{title: title}
			cases[id] = c
			order = append(order, id)
			return c
		}
		for _, info := range r.Rules {
			id := info.ID()
			title := info.Title
			if title == "" {
				title = id
			}
			add(id, title)
		}
		for _, f := range a.Findings {
			id := findingRuleID(f, byLocation)
			title := f.Title
			if title == "" {
				title = id
			}
			c := add(id, title)
			c.findings = append(c.findings, f)
		}
		for _, id := range order {
			c := cases[id]
			tc := junit.Case{Name: t(c.title), Classname: name + "." + t(id)}
			var fails, notes []string
			for _, f := range c.findings {
				line := t(fmt.Sprintf("%s: %s", f.Kind, f.Message))
				if f.Attestation != "" {
					line += " (" + t(f.Attestation) + ")"
				}
				switch {
				case f.Exception != nil:
					notes = append(notes, line+" [excepted: "+t(f.Exception.Reason)+"]")
				case f.Denies(failOnWarn):
					fails = append(fails, line)
				default:
					notes = append(notes, line)
				}
			}
			if len(fails) > 0 {
				fail := &junit.Failure{Message: fails[0], Type: t(c.findings[0].Kind), Text: strings.Join(fails, "\n")}
				if c.findings[0].Kind == rules.KindError {
					tc.Error = fail
				} else {
					tc.Failure = fail
				}
			}
			if len(notes) > 0 {
				tc.SystemOut = strings.Join(notes, "\n")
			}
			suite.Cases = append(suite.Cases, tc)
		}
		for _, c := range suite.Cases {
			suite.Tests++
			switch {
			case c.Error != nil:
				suite.Errors++
			case c.Failure != nil:
				suite.Failures++
			}
		}
		out.Tests += suite.Tests
		out.Failures += suite.Failures
		out.Errors += suite.Errors
		out.Suites = append(out.Suites, suite)
	}
	return junit.Write(w, out)
}
