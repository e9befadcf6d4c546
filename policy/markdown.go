package policy

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the report as Markdown for a CI job summary
// ($GITHUB_STEP_SUMMARY): the decision, the criteria, a table of
// artifacts, and a table of findings for each artifact that has any.
func WriteMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	failOnWarn := r.Criteria.FailOn == KindWarn
	verdict := "✅ allowed"
	if !r.Allowed {
		verdict = "❌ denied"
	}
	fmt.Fprintf(&b, "## provenant verify: %s\n\n", verdict)
	fmt.Fprintf(&b, "- envelopes: %d\n", len(r.Envelopes))
	fmt.Fprintf(&b, "- trusted keys: %d, threshold %d\n", len(r.Criteria.Keys), r.Criteria.Threshold)
	if r.Criteria.BuilderID != "" {
		fmt.Fprintf(&b, "- builder: `%s`\n", r.Criteria.BuilderID)
	}
	if r.Criteria.SourceURI != "" {
		fmt.Fprintf(&b, "- source: `%s`\n", r.Criteria.SourceURI)
	}
	for _, p := range r.Criteria.Policies {
		fmt.Fprintf(&b, "- policy: `%s` (sha256:%.12s)\n", p.URI, p.Digest["sha256"])
	}
	if len(r.Criteria.Policies) > 0 {
		fmt.Fprintf(&b, "- rules checked: %d\n", len(r.rules))
	}
	b.WriteString("\n| | Artifact | Result |\n|---|---|---|\n")
	for _, a := range r.Artifacts {
		mark, result := "✅", "verified"
		if len(a.Attestations) > 0 {
			ids := make([]string, len(a.Attestations))
			for i, s := range a.Attestations {
				ids[i] = "`" + s.String() + "`"
			}
			result = "verified by " + strings.Join(ids, ", ")
		}
		if !a.Allowed {
			mark = "❌"
			n := len(a.Reasons)
			for _, f := range a.Findings {
				if f.Denies(failOnWarn) {
					n++
				}
			}
			result = fmt.Sprintf("denied: %d problem(s)", n)
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s |\n", mark, mdCell(a.Name), result)
	}
	for _, a := range r.Artifacts {
		if len(a.Reasons) == 0 && len(a.Findings) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### `%s`\n\n| Kind | Rule | Message | Attestation |\n|---|---|---|---|\n", mdCell(a.Name))
		for _, reason := range a.Reasons {
			fmt.Fprintf(&b, "| ❌ verify | signed provenance | %s | |\n", mdCell(reason))
		}
		for _, f := range a.Findings {
			kind := f.Kind
			switch {
			case f.Exception != nil:
				kind = "⚪ " + kind + " (excepted: " + f.Exception.Reason + ")"
			case f.Denies(failOnWarn):
				kind = "❌ " + kind
			default:
				kind = "⚠️ " + kind
			}
			att := ""
			if f.Attestation != "" {
				att = "`" + mdCell(f.Attestation) + "`"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdCell(kind), mdCell(f.Heading()), mdCell(f.Message), att)
		}
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n**Warnings**\n\n")
		for _, w := range r.Warnings {
			fmt.Fprintf(&b, "- %s\n", mdCell(w))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCell makes text safe inside a table cell: one line, pipes escaped.
func mdCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}
