package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/rules"
)

// WriteMarkdown writes the report as Markdown for a CI job summary
// ($GITHUB_STEP_SUMMARY): the decision, the criteria, a table of
// artifacts, and a table of findings for each artifact that has any.
//
// Every field that comes from an attestation, a policy, a file name or a
// flag is escaped (safetext.Markdown, or inline code with
// safetext.MarkdownCode): a signer cannot draw HTML, a table row, an
// image, a link or math into the summary.
func WriteMarkdown(w io.Writer, r *policy.Report) error {
	var b strings.Builder
	failOnWarn := r.Criteria.FailOn == rules.KindWarn
	verdict := "✅ allowed"
	if !r.Allowed {
		verdict = "❌ denied"
	}
	fmt.Fprintf(&b, "## provenant verify: %s\n\n", verdict)
	if len(r.Attestations) == 0 && allFromCache(r) {
		b.WriteString("- envelopes: not verified again (every artifact from the VSA cache)\n")
	} else {
		fmt.Fprintf(&b, "- envelopes: %d\n", len(r.Attestations))
	}
	fmt.Fprintf(&b, "- trusted keys: %d, threshold %d\n", len(r.Criteria.Keys), r.Criteria.Threshold)
	if r.Criteria.BuilderID != "" {
		fmt.Fprintf(&b, "- builder: %s\n", mdCode(r.Criteria.BuilderID))
	}
	if r.Criteria.SourceURI != "" {
		fmt.Fprintf(&b, "- source: %s\n", mdCode(r.Criteria.SourceURI))
	}
	for _, p := range r.Criteria.Policies {
		fmt.Fprintf(&b, "- policy: %s (sha256:%s)\n", mdCode(p.URI), mdText(truncateRunes(p.Digest["sha256"], 12)))
	}
	if len(r.Criteria.Policies) > 0 {
		fmt.Fprintf(&b, "- rules checked: %d\n", len(r.Rules))
	}
	b.WriteString("\n| | Artifact | Result |\n|---|---|---|\n")
	for _, a := range r.Artifacts {
		mark, result := "✅", "verified"
		if len(a.Attestations) > 0 {
			ids := make([]string, len(a.Attestations))
			for i, s := range a.Attestations {
				ids[i] = mdCode(s.String())
			}
			result = "verified by " + strings.Join(ids, ", ")
		}
		if a.Cache != nil {
			result = "verified, " + mdText(a.Cache.String())
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
		fmt.Fprintf(&b, "| %s | %s | %s |\n", mark, mdCode(a.Name), result)
	}
	for _, a := range r.Artifacts {
		if len(a.Reasons) == 0 && len(a.Findings) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### %s\n\n| Kind | Rule | Message | Attestation |\n|---|---|---|---|\n", mdCode(a.Name))
		for _, reason := range a.Reasons {
			fmt.Fprintf(&b, "| ❌ verify | signed provenance | %s | |\n", mdText(reason))
		}
		for _, f := range a.Findings {
			kind := mdText(f.Kind)
			switch {
			case f.Exception != nil:
				kind = "⚪ " + kind + " (excepted: " + mdText(f.Exception.Reason) + ")"
			case f.Denies(failOnWarn):
				kind = "❌ " + kind
			default:
				kind = "⚠️ " + kind
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", kind, mdText(f.Heading()), mdText(f.Message), mdCode(f.Attestation))
		}
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n**Warnings**\n\n")
		for _, w := range r.Warnings {
			fmt.Fprintf(&b, "- %s\n", mdText(w))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdText escapes text for a Markdown table cell or list item: one line,
// no HTML, emphasis, links, images, columns or math.
func mdText(s string) string { return safetext.Markdown(oneLine(s)) }

// mdCode shows a value as inline code in a table cell or list item.
func mdCode(s string) string { return safetext.MarkdownCode(oneLine(s)) }

// oneLine folds white space (line breaks included) into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
