package inspect

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/provenant/provenant/attest/safetext"
)

// Formats lists the report formats, default first.
func Formats() []string { return []string{"table", "json", "markdown", "html"} }

// RenderOptions tune a rendering.
type RenderOptions struct {
	// Color adds ANSI colours to the table (only for a terminal).
	Color bool
	// Generated is when the report was made, and Version the tool's
	// version: the HTML page shows them (none when zero or empty).
	Generated time.Time
	Version   string
}

// Render writes the report in a format of Formats.
func Render(w io.Writer, r *Report, format string, o RenderOptions) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	p := safetext.NewPrinter(bw)
	var err error
	switch format {
	case "table":
		err = writeTable(p, r, o.Color)
	case "json":
		err = writeJSON(p, r)
	case "markdown":
		err = writeMarkdown(p, r)
	case "html":
		err = writeHTML(bw, r, o)
	default:
		return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats(), ", "))
	}
	if err != nil {
		return err
	}
	if err := p.Err(); err != nil {
		return err
	}
	return bw.Flush()
}

// writeJSON writes the report one envelope at a time, so that a large
// report is never encoded into one buffer.
func writeJSON(w *safetext.Printer, r *Report) error {
	head := struct {
		SchemaVersion string    `json:"schemaVersion"`
		Findings      []Finding `json:"findings"`
		Bundles       []string  `json:"bundles"`
		Keys          []Key     `json:"keys"`
		TrustedRoot   string    `json:"trustedRoot,omitempty"`
		Summary       Summary   `json:"summary"`
	}{r.SchemaVersion, r.Findings, r.Bundles, r.Keys, r.TrustedRoot, r.Summary}
	b, err := encodeIndent(head, "")
	if err != nil {
		return err
	}
	w.Print(string(bytes.TrimSuffix(b, []byte("\n}"))))
	w.Print(",\n  \"envelopes\": [")
	for i := range r.Envelopes {
		if i > 0 {
			w.Print(",")
		}
		w.Print("\n    ")
		b, err := encodeIndent(&r.Envelopes[i], "    ")
		if err != nil {
			return err
		}
		w.Print(string(b))
	}
	if len(r.Envelopes) > 0 {
		w.Print("\n  ")
	}
	w.Print("],\n  \"chain\": ")
	b, err = encodeIndent(r.Chain, "  ")
	if err != nil {
		return err
	}
	w.Print(string(b))
	w.Print("\n}\n")
	return w.Err()
}

func encodeIndent(v any, prefix string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// clean makes text from a bundle safe to print on one line of a terminal
// (and is applied before any other format's escaping): control characters
// (which could move the cursor or rewrite what was printed), bidirectional
// overrides (which could reorder it) and other invisible format characters
// are shown escaped. See safetext.Text.
func clean(s string) string { return safetext.Text(s) }

// statusWord is how a status reads in a heading.
func statusWord(status string) string {
	switch status {
	case StatusVerified:
		return "✓ VERIFIED"
	case StatusFailed:
		return "✗ FAILED"
	case StatusUnverified:
		return "? UNVERIFIED"
	default:
		return "✗ UNREADABLE"
	}
}

func digestList(d map[string]string) string {
	if len(d) == 0 {
		return "(no digest)"
	}
	parts := make([]string, 0, len(d))
	for _, alg := range sortedKeys(d) {
		parts = append(parts, alg+":"+d[alg])
	}
	return strings.Join(parts, " ")
}

// signer describes who a signature names, as a claim.
func signer(s Signature) string {
	var parts []string
	if s.KeyID != "" {
		parts = append(parts, "keyid "+s.KeyID)
	}
	if id := s.Identity; id != nil {
		p := "certificate " + id.Subject
		if !id.Checked {
			p = "certificate (claimed, not checked) " + id.Subject
		}
		if id.Issuer != "" {
			p += " (issuer " + id.Issuer + ")"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "no keyid"
	}
	return strings.Join(parts, ", ")
}

// sigStatus says what became of a signature.
func sigStatus(s Signature) string {
	switch s.Status {
	case StatusVerified:
		if s.Identity != nil && s.KeyID == "" {
			return "verified by " + s.VerifiedBy + " for a required identity"
		}
		return "verified by trusted key " + s.VerifiedBy
	default:
		return s.Reason
	}
}

// flagText explains an artifact's flags.
func flagText(a *ChainArtifact) string {
	var parts []string
	if a.Source {
		parts = append(parts, "source")
	}
	for _, f := range a.Flags {
		switch f {
		case FlagUnproduced:
			parts = append(parts, "no step produced it")
		case FlagUnattested:
			parts = append(parts, "no verified attestation")
		case FlagCheckout:
			parts = append(parts, "from the source checkout")
		case FlagMismatch:
			parts = append(parts, "DIGEST MISMATCH: another step sees this name with another digest")
		default:
			parts = append(parts, f)
		}
	}
	return strings.Join(parts, "; ")
}

// warns says whether an artifact's flags call for attention (a checkout
// file or a source does not).
func warns(a *ChainArtifact) bool {
	return a.Has(FlagUnproduced) || a.Has(FlagUnattested) || a.Has(FlagMismatch)
}

// sameDigestText names the artifacts that share a digest with a.
func (ix chainIndex) sameDigestText(a *ChainArtifact) string {
	if len(a.SameDigest) == 0 {
		return ""
	}
	names := make([]string, 0, len(a.SameDigest))
	for _, id := range a.SameDigest {
		if o := ix.arts[id]; o != nil {
			names = append(names, o.Name)
		}
	}
	return "same digest as " + strings.Join(names, ", ")
}

// findingsLine is the title of the findings, shown first in every format.
func findingsLine(r *Report) string {
	return fmt.Sprintf("CHAIN BROKEN: %s seen with different digests by different steps (a product changed between steps, or a step read another file than the one attested)",
		plural(r.Summary.Mismatches, "artifact name is", "artifact names are"))
}

// commandLine shows a command's arguments as a shell would take them:
// arguments with anything but safe characters in single quotes.
func commandLine(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
			out[i] = a
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}

// exitText says how a command ended: its exit status and duration.
func exitText(c *Command) string {
	var parts []string
	if c.ExitStatus != nil {
		parts = append(parts, fmt.Sprintf("status %d", *c.ExitStatus))
	}
	if c.DurationMs != nil {
		parts = append(parts, "took "+(time.Duration(*c.DurationMs)*time.Millisecond).String())
	}
	return strings.Join(parts, ", ")
}

// dirtyText says what the source's dirty annotation records.
func dirtyText(d *bool) string {
	if d == nil {
		return ""
	}
	if *d {
		return "yes: the tree had uncommitted changes"
	}
	return "no"
}

// indentJSON pretty-prints compact JSON for display.
func indentJSON(raw json.RawMessage) []string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return []string{string(raw)}
	}
	return strings.Split(buf.String(), "\n")
}

// chainIndex gives renderers artifacts and steps by id.
type chainIndex struct {
	arts  map[string]*ChainArtifact
	steps map[string]*Step
}

func indexChain(c *Chain) chainIndex {
	ix := chainIndex{arts: make(map[string]*ChainArtifact, len(c.Artifacts)), steps: make(map[string]*Step, len(c.Steps))}
	for i := range c.Artifacts {
		ix.arts[c.Artifacts[i].ID] = &c.Artifacts[i]
	}
	for i := range c.Steps {
		ix.steps[c.Steps[i].ID] = &c.Steps[i]
	}
	return ix
}

func (ix chainIndex) stepNames(ids []string) string {
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		if s := ix.steps[id]; s != nil {
			names = append(names, s.Name)
		}
	}
	return strings.Join(names, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// headline is the report's one-line verdict, the same in every format.
func headline(r *Report) string {
	s := r.Summary
	switch {
	case !r.Checked():
		return "UNVERIFIED: no key or trusted root given, so nothing below is verified; the content is shown as the bundles claim it."
	case s.AllVerified() && s.Mismatches > 0:
		return fmt.Sprintf("NOT VERIFIED AS A CHAIN: every envelope (%d) is signed by a trusted key, but the steps disagree on %s (above).", s.Envelopes, plural(s.Mismatches, "artifact", "artifacts"))
	case s.AllVerified():
		return fmt.Sprintf("VERIFIED: every envelope (%d) is signed by a trusted key.", s.Envelopes)
	default:
		return fmt.Sprintf("NOT VERIFIED: %d of %d envelope(s) did not verify; their content is shown as claimed.", s.Envelopes-s.Verified, s.Envelopes)
	}
}

func summaryLine(r *Report) string {
	s := r.Summary
	return fmt.Sprintf("%s in %s: %d verified, %d failed, %d unverified, %d unreadable",
		plural(s.Envelopes, "envelope", "envelopes"), plural(len(r.Bundles), "bundle", "bundles"),
		s.Verified, s.Failed, s.Unverified, s.Unreadable)
}

func chainLine(r *Report) string {
	s := r.Summary
	line := fmt.Sprintf("%s, %s; %s no step produced; %s without a verified attestation",
		plural(s.Steps, "step", "steps"), plural(s.Artifacts, "artifact", "artifacts"),
		plural(s.UnproducedMaterials, "material", "materials"), plural(s.UnattestedProducts, "product", "products"))
	if s.CheckoutMaterials > 0 {
		line += fmt.Sprintf("; %s from the source checkout", plural(s.CheckoutMaterials, "material", "materials"))
	}
	if s.Mismatches > 0 {
		line += fmt.Sprintf("; %s with different digests", plural(s.Mismatches, "name", "names"))
	}
	if s.UnusualSteps > 0 {
		line += fmt.Sprintf("; %s with unusual facts", plural(s.UnusualSteps, "step", "steps"))
	}
	return line
}

// checkoutLine says once what the checkout flag means.
func checkoutLine(r *Report) string {
	return fmt.Sprintf("Source checkout: %d material(s) no step produced are read by steps that ran from a recorded source checkout, so expected as files of it (provenant does not check that the commit holds them).",
		r.Summary.CheckoutMaterials)
}
