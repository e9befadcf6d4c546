package layout

import (
	"fmt"
	"io"
	"strings"

	"github.com/provenant/provenant/attest/junit"

	"github.com/provenant/provenant/attest/safetext"
)

// MaxTextReasons caps the reasons printed under one check in text and
// Markdown: a link directory of 2,000 bad files should not print 2,000
// lines. The JSON report has them all.
const MaxTextReasons = 10

// TextOptions say how to write the text report.
type TextOptions struct {
	// Color writes ANSI colours (only for a terminal).
	Color bool
	// AllReasons says where to find every reason when some are left out
	// (a CLI names its flag).
	AllReasons string
}

// WriteText writes the report for a terminal or a log: the layout, each
// check in order with its reasons, the evidence of each step, warnings
// and the verdict. Everything that comes from a layout, a link, a file
// name or a command's output goes through safetext (one line, control
// and format characters escaped): a link cannot move the cursor, recolour
// or print a line of its own.
func WriteText(w io.Writer, r *Report, o TextOptions) error {
	p := safetext.Palette{On: o.Color}
	pr := safetext.NewPrinter(w)
	t := safetext.Text
	head := fmt.Sprintf("%s %s", p.Bold("layout"), t(r.Layout.File))
	var facts []string
	if r.Layout.Form != "" {
		facts = append(facts, r.Layout.Form)
	}
	if r.Layout.Expires != "" {
		facts = append(facts, "expires "+t(r.Layout.Expires))
	}
	if len(r.Layout.Keys) > 0 {
		facts = append(facts, "signed by "+shortList(r.Layout.Keys))
	}
	if len(facts) > 0 {
		head += " (" + strings.Join(facts, ", ") + ")"
	}
	pr.Println(head)
	for _, c := range r.Checks {
		mark := p.Green("✓")
		if !c.Passed {
			mark = p.Red("✗")
		}
		what := c.Title()
		if c.Item != "" {
			what = t(c.Item) + ": " + what
		}
		pr.Printf("%s %s%s\n", mark, what, evidenceNote(r, c))
		for i, reason := range c.Reasons {
			if i == MaxTextReasons {
				all := o.AllReasons
				if all == "" {
					all = "the JSON report lists them all"
				}
				pr.Printf("    %s %d more; %s\n", p.Dim("…"), len(c.Reasons)-i, all)
				break
			}
			pr.Printf("    %s\n", safetext.Line(reason))
		}
	}
	for _, warning := range r.Warnings {
		pr.Printf("%s %s\n", p.Yellow("warning:"), safetext.Line(warning))
	}
	if r.Allowed {
		pr.Printf("%s: the supply chain matches the layout\n", p.Green("verified"))
	} else {
		pr.Printf("%s: the supply chain does not match the layout\n", p.Red("denied"))
	}
	return pr.Err()
}

// evidenceNote says, for a passed step-links check, which links counted.
func evidenceNote(r *Report, c Check) string {
	if c.ID != "step-links" || !c.Passed {
		return ""
	}
	for _, s := range r.Steps {
		if s.Name != c.Item {
			continue
		}
		var srcs []string
		for _, l := range s.Links {
			if l.Counted {
				srcs = append(srcs, fmt.Sprintf("%s by %s", safetext.Text(l.Source), short(l.KeyID)))
			}
		}
		return fmt.Sprintf(" (%d of %d needed: %s)", len(srcs), s.Threshold, strings.Join(srcs, ", "))
	}
	return ""
}

// WriteMarkdown writes the report as Markdown for a CI job summary: the
// verdict, the layout, and a table of the checks with their reasons.
// Every field from the layout, a link or a file name is escaped
// (safetext.Markdown, or inline code with safetext.MarkdownCode).
func WriteMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	verdict := "✅ verified"
	if !r.Allowed {
		verdict = "❌ denied"
	}
	fmt.Fprintf(&b, "## provenant verify-layout: %s\n\n", verdict)
	fmt.Fprintf(&b, "- layout: %s", safetext.MarkdownCode(oneLine(r.Layout.File)))
	if r.Layout.Form != "" {
		fmt.Fprintf(&b, " (%s)", r.Layout.Form)
	}
	b.WriteString("\n")
	if r.Layout.Expires != "" {
		fmt.Fprintf(&b, "- expires: %s\n", safetext.Markdown(oneLine(r.Layout.Expires)))
	}
	fmt.Fprintf(&b, "- steps: %d, inspections run: %d\n", len(r.Steps), len(r.Inspections))
	b.WriteString("\n| | Check | Item | Reasons |\n|---|---|---|---|\n")
	for _, c := range r.Checks {
		mark := "✅"
		if !c.Passed {
			mark = "❌"
		}
		reasons := make([]string, 0, len(c.Reasons))
		for i, reason := range c.Reasons {
			if i == MaxTextReasons {
				reasons = append(reasons, fmt.Sprintf("… %d more", len(c.Reasons)-i))
				break
			}
			reasons = append(reasons, safetext.Markdown(oneLine(reason)))
		}
		item := ""
		if c.Item != "" {
			item = safetext.MarkdownCode(oneLine(c.Item))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mark, c.Title(), item, strings.Join(reasons, "<br>"))
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n**Warnings**\n\n")
		for _, warning := range r.Warnings {
			fmt.Fprintf(&b, "- %s\n", safetext.Markdown(oneLine(warning)))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// oneLine folds white space (line breaks included) into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// WriteJUnit writes the report as JUnit XML for CI test views: one test
// suite for the layout, one test case per check (named by the check and
// its step or inspection), failing with its reasons; warnings go to the
// suite's first case's system-out. Every field is one line of text
// without control or format characters (safetext.Line), XML-escaped.
func WriteJUnit(w io.Writer, r *Report) error {
	t := safetext.Line
	suite := junit.Suite{Name: t(r.Layout.File)}
	for _, c := range r.Checks {
		name := c.Title()
		if c.Item != "" {
			name = t(c.Item) + ": " + name
		}
		tc := junit.Case{Name: name, Classname: "verify-layout." + c.ID}
		if !c.Passed {
			lines := make([]string, len(c.Reasons))
			for i, reason := range c.Reasons {
				lines[i] = t(reason)
			}
			msg := c.Title()
			if len(lines) > 0 {
				msg = lines[0]
			}
			tc.Failure = &junit.Failure{Message: msg, Type: c.ID, Text: strings.Join(lines, "\n")}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, tc)
	}
	if len(r.Warnings) > 0 && len(suite.Cases) > 0 {
		lines := make([]string, len(r.Warnings))
		for i, warning := range r.Warnings {
			lines[i] = "warning: " + t(warning)
		}
		suite.Cases[0].SystemOut = strings.Join(lines, "\n")
	}
	suite.Tests = len(suite.Cases)
	out := junit.Suites{Name: "provenant verify-layout", Tests: suite.Tests, Failures: suite.Failures, Suites: []junit.Suite{suite}}
	return junit.Write(w, out)
}
