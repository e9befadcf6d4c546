package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/rules"
)

// MaxTextReasons caps the "also:" lines under an artifact in text output: a
// bundle of 2,000 bad envelopes should not print 2,000 lines per artifact.
const MaxTextReasons = 9

// writeText prints the report for a terminal or a log. Every field
// that comes from a bundle, a policy, a file name or a flag goes through
// safetext.Text (or Line): a signer cannot move the cursor, recolour, or
// print a line of its own.
// WriteText writes the report for a terminal or a log: the criteria, then
// each artifact, allowed (with who signed) or denied (with every reason,
// the first ten printed), its policy findings, and the verdict.
func WriteText(w io.Writer, r *policy.Report, o TextOptions) error {
	pr := safetext.NewPrinter(w)
	writeText(pr, safetext.Palette{On: o.Color}, o, r)
	return pr.Err()
}

// TextOptions say how to write the text report.
type TextOptions struct {
	// Bundles are the bundle files the report was made from, as named.
	Bundles []string
	// Color writes ANSI colours (only for a terminal).
	Color bool
	// AllReasons says where to find every reason when some are left out
	// (a CLI names its flag: "--format json lists them all").
	AllReasons string
}

func writeText(w *safetext.Printer, p safetext.Palette, o TextOptions, r *policy.Report) {
	bundleNames := o.Bundles
	t := safetext.Text
	var crit []string
	if len(r.Criteria.Keys) > 0 {
		crit = append(crit, fmt.Sprintf("%d trusted key(s), threshold %d", len(r.Criteria.Keys), r.Criteria.Threshold))
	}
	if r.Criteria.BuilderID != "" {
		crit = append(crit, "builder "+t(r.Criteria.BuilderID))
	}
	if r.Criteria.SourceURI != "" {
		crit = append(crit, "source "+t(r.Criteria.SourceURI))
	}
	crit = append(crit, sigstoreCriteriaText(r.Criteria.Sigstore)...)
	crit = append(crit, trustCriteriaText(r.Criteria)...)
	envelopes := 0
	for _, e := range r.Attestations {
		if e.Source.Line > 0 {
			envelopes++
		}
	}
	bundles := make([]string, len(bundleNames))
	for i, b := range bundleNames {
		bundles[i] = t(b)
	}
	read := fmt.Sprintf("%d envelope(s)", envelopes)
	if envelopes == 0 && allFromCache(r) {
		read = "not verified again: every artifact from the VSA cache"
	}
	w.Printf("%s %s (%s); %s\n", p.Bold("bundle"), strings.Join(bundles, ", "), read, strings.Join(crit, ", "))
	if len(r.Criteria.Policies) > 0 {
		pols := make([]string, len(r.Criteria.Policies))
		for i, s := range r.Criteria.Policies {
			pols[i] = t(fmt.Sprintf("%s (sha256:%.12s)", s.URI, s.Digest["sha256"]))
		}
		failOn := "deny and violation fail"
		if r.Criteria.FailOn == rules.KindWarn {
			failOn = "deny, violation and warn fail"
		}
		w.Printf("%s %s; %d rule(s); %s\n", p.Bold("policy"), strings.Join(pols, ", "), len(r.Rules), failOn)
	}
	denied := 0
	for _, a := range r.Artifacts {
		switch {
		case a.Allowed && a.Cache != nil:
			w.Printf("%s %s: %s\n", p.Green("✓"), t(a.Name), safetext.Line(a.Cache.String()))
		case a.Allowed:
			srcs := make([]string, len(a.Attestations))
			for i, s := range a.Attestations {
				srcs[i] = t(s.String())
			}
			w.Printf("%s %s: verified by %s\n", p.Green("✓"), t(a.Name), strings.Join(srcs, ", "))
			printIdentities(w, p, r, a)
			printTrustSigners(w, p, r, a)
		case len(a.Reasons) > 0:
			denied++
			w.Printf("%s %s: %s\n", p.Red("✗"), t(a.Name), safetext.Line(a.Reasons[0]))
			more := a.Reasons[1:]
			if len(more) > MaxTextReasons {
				more = more[:MaxTextReasons]
			}
			for _, reason := range more {
				w.Printf("    %s %s\n", p.Dim("also:"), safetext.Line(reason))
			}
			if n := len(a.Reasons) - 1 - len(more); n > 0 {
				all := o.AllReasons
				if all == "" {
					all = "the JSON report lists them all"
				}
				w.Printf("    %s %d more reason(s); %s\n", p.Dim("also:"), n, all)
			}
		default:
			denied++
			w.Printf("%s %s: denied by policy\n", p.Red("✗"), t(a.Name))
		}
		for _, f := range a.Findings {
			printFinding(w, p, f, r.Criteria.FailOn == rules.KindWarn)
		}
	}
	for _, warning := range r.Warnings {
		w.Printf("%s %s\n", p.Yellow("warning:"), safetext.Line(warning))
	}
	if denied == 0 {
		w.Printf("%s: %d artifact(s) verified\n", p.Green("allowed"), len(r.Artifacts))
	} else {
		w.Printf("%s: %d of %d artifact(s) failed verification\n", p.Red("denied"), denied, len(r.Artifacts))
	}
}

// printFinding prints one policy finding under its artifact:
//
//	deny  SLSA build level: provenance from ... (app.intoto.jsonl:1)
func printFinding(w *safetext.Printer, p safetext.Palette, f rules.Finding, failOnWarn bool) {
	label := fmt.Sprintf("%-9s", safetext.Text(f.Kind))
	switch {
	case f.Exception != nil:
		label = p.Dim(fmt.Sprintf("%-9s", "excepted"))
	case f.Denies(failOnWarn):
		label = p.Red(label)
	default:
		label = p.Yellow(label)
	}
	line := f.Message
	if f.Kind != rules.KindError {
		line = f.Heading() + ": " + f.Message
	}
	if f.Attestation != "" {
		line += " (" + f.Attestation + ")"
	}
	w.Printf("    %s %s\n", label, safetext.Line(line))
	if f.Exception != nil {
		until := ""
		if f.Exception.Expires != "" {
			until = ", until " + f.Exception.Expires
		}
		w.Printf("              %s\n", p.Dim(safetext.Line(fmt.Sprintf("%s (%s%s)", f.Exception.Reason, f.Exception.Source, until))))
	}
}

// printIdentities prints the verified certificate identities of the
// envelopes that cover an artifact.
func printIdentities(w *safetext.Printer, p safetext.Palette, r *policy.Report, a policy.Artifact) {
	seen := map[string]bool{}
	for _, src := range a.Attestations {
		for i := range r.Attestations {
			e := &r.Attestations[i]
			if e.Source != src || e.Identity() == nil {
				continue
			}
			line := identityLine(e)
			if seen[line] {
				continue
			}
			seen[line] = true
			w.Printf("    %s %s\n", p.Dim("signer:"), safetext.Text(line))
		}
	}
}

func identityLine(e *policy.Attestation) string {
	c := e.Identity()
	parts := []string{c.SubjectAlternativeName, "issuer " + c.Issuer}
	if e.VerifiedBuilder != "" && e.VerifiedBuilder != c.SubjectAlternativeName {
		parts = append(parts, "builder "+e.VerifiedBuilder)
	}
	if c.SourceRepositoryURI != "" {
		src := c.SourceRepositoryURI
		if c.SourceRepositoryRef != "" {
			src += "@" + c.SourceRepositoryRef
		}
		if c.SourceRepositoryDigest != "" {
			src += " (" + shortHex(c.SourceRepositoryDigest) + ")"
		}
		parts = append(parts, "source "+src)
	}
	if c.BuildTrigger != "" {
		parts = append(parts, "trigger "+c.BuildTrigger)
	}
	if e.TrustedRoot != "" {
		parts = append(parts, "trusted root "+e.TrustedRoot)
	}
	if c.RunnerEnvironment != "" {
		parts = append(parts, c.RunnerEnvironment)
	}
	for _, ts := range e.Times {
		parts = append(parts, "signed "+ts.Time.Format("2006-01-02T15:04:05Z")+" ("+strings.ToLower(ts.Kind)+")")
		break
	}
	return strings.Join(parts, ", ")
}

func shortHex(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// sigstoreCriteriaText describes the Sigstore expectations for verify's
// criteria line.
func sigstoreCriteriaText(c *policy.SigstoreCriteria) []string {
	if c == nil {
		return nil
	}
	var out []string
	if c.TrustedRoot {
		out = append(out, "Sigstore trusted root")
	}
	for _, id := range c.Identities {
		out = append(out, "identity "+safetext.Text(id.String()))
	}
	if len(c.TrustedBuilders) > 0 {
		out = append(out, "slsa-github-generator's builders")
	}
	if c.SourceBranch != "" {
		out = append(out, "branch "+safetext.Text(c.SourceBranch))
	}
	if c.SourceTag != "" {
		out = append(out, "tag "+safetext.Text(c.SourceTag))
	}
	if c.VersionedTag != "" {
		out = append(out, "versioned tag "+safetext.Text(c.VersionedTag))
	}
	for _, k := range sortedInputKeys(c.WorkflowInputs) {
		out = append(out, "input "+safetext.Text(k+"="+c.WorkflowInputs[k]))
	}
	return out
}

func sortedInputKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// trustCriteriaText describes the trust file and the X.509 roots for
// verify's criteria line.
func trustCriteriaText(c policy.Criteria) []string {
	var out []string
	if t := c.Trust; t != nil {
		revoked := 0
		for _, k := range t.Keys {
			if k.Revoked {
				revoked++
			}
		}
		s := fmt.Sprintf("trust file %s (%d key(s)", safetext.Text(t.File), len(t.Keys))
		if revoked > 0 {
			s += fmt.Sprintf(", %d revoked", revoked)
		}
		if len(t.Steps) > 0 {
			s += fmt.Sprintf(", %d step rule(s)", len(t.Steps))
		}
		out = append(out, s+")")
	}
	if x := c.X509; x != nil {
		out = append(out, safetext.Text(fmt.Sprintf("X.509 roots %s (%d), identity %s", x.RootsFile, len(x.Roots), x.Identity)))
	}
	return out
}

// printTrustSigners prints the trust-file names and the X.509 identities
// of the signers of the envelopes that cover an artifact.
func printTrustSigners(w *safetext.Printer, p safetext.Palette, r *policy.Report, a policy.Artifact) {
	seen := map[string]bool{}
	for _, src := range a.Attestations {
		for _, e := range r.Attestations {
			if e.Source != src {
				continue
			}
			var lines []string
			for _, s := range e.Signers {
				if k := s.Trusted; k != nil {
					lines = append(lines, fmt.Sprintf("key %s (%s, %s)", k.Name, attest.ShortKeyID(k.KeyID), k.Source))
				}
			}
			for _, s := range e.Signers {
				if c := s.X509; c != nil {
					lines = append(lines, fmt.Sprintf("%s (certificate from %s, valid until %s)", c.Identity, c.Issuer, c.NotAfter.Format("2006-01-02T15:04:05Z")))
				}
			}
			for _, l := range lines {
				if !seen[l] {
					seen[l] = true
					w.Printf("    %s %s\n", p.Dim("signer:"), safetext.Text(l))
				}
			}
		}
	}
}

// allFromCache says that every artifact was judged by a cached VSA, so
// that no envelope was verified (none is listed in the report).
func allFromCache(r *policy.Report) bool {
	for _, a := range r.Artifacts {
		if a.Cache == nil {
			return false
		}
	}
	return len(r.Artifacts) > 0
}
