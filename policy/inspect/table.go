package inspect

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/provenant/provenant/attest/safetext"
)

// colors is the table's palette, with a colour for each status.
type colors struct{ safetext.Palette }

func (c colors) status(status, s string) string {
	switch status {
	case StatusVerified:
		return c.Green(s)
	case StatusUnverified:
		return c.Yellow(s)
	default:
		return c.Red(s)
	}
}

// writeTable writes the report for a terminal: a summary, one aligned
// block per envelope, and the chain.
func writeTable(w *safetext.Printer, r *Report, color bool) error {
	c := colors{safetext.Palette{On: color}}
	w.Println(c.Bold("provenant inspect: " + summaryLine(r)))
	if len(r.Findings) > 0 {
		w.Println(c.Red("✗ " + findingsLine(r)))
		for _, f := range r.Findings {
			w.Println(c.Red("  ✗ " + clean(f.Message)))
		}
	}
	if !r.Checked() {
		w.Println(c.Yellow(headline(r)))
	} else {
		for _, k := range r.Keys {
			w.Printf("trusted key %s %s%s\n", k.Algorithm, k.ID, fromSource(k.Source))
		}
		if r.TrustedRoot != "" {
			w.Printf("sigstore trusted root %s\n", clean(r.TrustedRoot))
		}
		if r.Summary.AllVerified() && r.Summary.Mismatches == 0 {
			w.Println(c.status(StatusVerified, headline(r)))
		} else {
			w.Println(c.status(StatusFailed, headline(r)))
		}
	}
	w.Println("chain: " + chainLine(r))
	for i := range r.Envelopes {
		writeTableEnvelope(w, &r.Envelopes[i], c)
	}
	writeTableChain(w, r, c)
	return nil
}

func fromSource(src string) string {
	if src == "" {
		return ""
	}
	return " (" + clean(src) + ")"
}

func writeTableEnvelope(w *safetext.Printer, e *Envelope, c colors) {
	name := ""
	if e.Statement != nil && e.Statement.Step != "" {
		name = "  " + clean(e.Statement.Step)
	}
	w.Printf("\n%s %s  %s%s\n", c.Bold(fmt.Sprintf("[%d]", e.Index)), clean(e.Source.String()), c.status(e.Status, statusWord(e.Status)), name)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	tp := safetext.NewPrinter(tw)
	row := func(key string, cells ...string) {
		tp.Printf("    %s\t%s\n", key, strings.Join(cells, "\t"))
	}
	if e.Status != StatusVerified {
		row("status", e.Status+": "+clean(e.Reason))
	}
	row("kind", e.Kind)
	row("digest", e.Digest)
	if e.PayloadType != "" {
		row("payload type", clean(e.PayloadType))
	}
	for i, s := range e.Signatures {
		key := ""
		if i == 0 {
			key = "signatures"
		}
		mark := map[string]string{StatusVerified: "✓", StatusFailed: "✗"}[s.Status]
		if mark == "" {
			mark = "?"
		}
		row(key, c.status(s.Status, mark)+" "+clean(signer(s)), clean(sigStatus(s)))
	}
	if e.StatementError != "" {
		row("statement", c.status(StatusFailed, "not an in-toto statement: ")+clean(e.StatementError))
	}
	st := e.Statement
	if st == nil {
		_ = tw.Flush() // a write error is w's, kept there
		return
	}
	row("statement", clean(st.Type))
	row("predicate", clean(st.PredicateType))
	if st.PredicateError != "" {
		row("", c.Yellow(clean(st.PredicateError)))
	}
	resourceRows(row, "subjects", st.Subjects)
	if p := st.Provenance; p != nil {
		row("builder", clean(p.BuilderID))
		row("build type", clean(p.BuildType))
		if s := p.Source; s != nil {
			row("source", clean(s.URI))
			if s.Repository != "" && s.Repository != s.URI {
				row("  repository", clean(s.Repository))
			}
			if s.Ref != "" {
				row("  ref", clean(s.Ref))
			}
			if s.Commit != "" {
				row("  commit", clean(s.Commit))
			}
			if s.Dirty != nil {
				d := dirtyText(s.Dirty)
				if *s.Dirty {
					d = c.Yellow("⚠ " + d)
				}
				row("  dirty", d)
			}
		}
		if cmd := p.Command; cmd != nil {
			if len(cmd.Args) > 0 {
				row("command", clean(commandLine(cmd.Args)))
			}
			if e := exitText(cmd); e != "" {
				if cmd.ExitStatus != nil && *cmd.ExitStatus != 0 {
					e = c.Red("✗ " + e)
				}
				row("exit", e)
			}
		}
		optRow(row, "invocation", p.InvocationID)
		optRow(row, "started", p.StartedOn)
		optRow(row, "finished", p.FinishedOn)
		if len(p.ExternalParameters) > 0 {
			for i, line := range indentJSON(p.ExternalParameters) {
				key := ""
				if i == 0 {
					key = "parameters"
				}
				row(key, clean(line))
			}
		}
		resourceRows(row, "dependencies", p.ResolvedDependencies)
		resourceRows(row, "byproducts", p.Byproducts)
	}
	if v := st.VSA; v != nil {
		row("verifier", clean(v.VerifierID))
		row("result", c.status(map[bool]string{true: StatusVerified, false: StatusFailed}[v.Result == "PASSED"], clean(v.Result)))
		row("levels", clean(strings.Join(v.VerifiedLevels, ", ")))
		optRow(row, "resource", v.ResourceURI)
		optRow(row, "verified at", v.TimeVerified)
		if v.Policy != nil {
			if d := digestIfAny(v.Policy.Digest); d != "" {
				row("policy", clean(v.Policy.Label()), clean(d))
			} else {
				row("policy", clean(v.Policy.Label()))
			}
		}
		resourceRows(row, "inputs", v.InputAttestations)
		for i, k := range sortedKeys(v.DependencyLevels) {
			key := ""
			if i == 0 {
				key = "dependency levels"
			}
			row(key, fmt.Sprintf("%s: %d", clean(k), v.DependencyLevels[k]))
		}
		optRow(row, "slsa version", v.SLSAVersion)
	}
	_ = tw.Flush() // a write error is w's, kept there
}

func optRow(row func(string, ...string), key, value string) {
	if value != "" {
		row(key, clean(value))
	}
}

func digestIfAny(d map[string]string) string {
	if len(d) == 0 {
		return ""
	}
	return digestList(d)
}

func resourceRows(row func(string, ...string), key string, rs []Resource) {
	for i, r := range rs {
		k := ""
		if i == 0 {
			k = key
		}
		row(k, clean(r.Label()), clean(digestList(r.Digest)))
	}
}

func writeTableChain(w *safetext.Printer, r *Report, c colors) {
	ch := &r.Chain
	w.Printf("\n%s\n", c.Bold("chain"))
	if len(ch.Steps) == 0 {
		w.Println("    no step: no envelope holds SLSA provenance")
		return
	}
	ix := indexChain(ch)
	for _, s := range ch.Steps {
		w.Printf("  step %s  %s  envelope %d, depth %d\n", c.Bold(clean(s.Name)), c.status(s.Status, statusWord(s.Status)), s.Envelope, s.Depth)
		for _, n := range s.Notes {
			w.Printf("    %s\n", c.Yellow("⚠ "+clean(n)))
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		tp := safetext.NewPrinter(tw)
		artRows := func(key string, ids []string, produced bool) {
			for i, id := range ids {
				a := ix.arts[id]
				k := ""
				if i == 0 {
					k = key
				}
				note := ""
				if produced && len(a.ConsumedBy) > 0 {
					note = "→ " + clean(ix.stepNames(a.ConsumedBy))
				}
				if !produced && len(a.ProducedBy) > 0 {
					note = "← " + clean(ix.stepNames(a.ProducedBy))
				}
				if f := flagText(a); f != "" {
					if note != "" {
						note += "; "
					}
					switch {
					case a.Has(FlagMismatch):
						f = c.Red("✗ " + f)
					case warns(a):
						f = c.Yellow("⚠ " + f)
					}
					note += f
				}
				if same := ix.sameDigestText(a); same != "" {
					if note != "" {
						note += "; "
					}
					note += clean(same)
				}
				if note == "" {
					tp.Printf("    %s\t%s\t%s\n", k, clean(a.Name), clean(a.Digest))
				} else {
					tp.Printf("    %s\t%s\t%s\t%s\n", k, clean(a.Name), clean(a.Digest), note)
				}
			}
		}
		artRows("consumes", s.Consumes, false)
		artRows("produces", s.Produces, true)
		_ = tw.Flush() // a write error is w's, kept there
	}
	if r.Summary.CheckoutMaterials > 0 {
		w.Printf("  %s\n", checkoutLine(r))
	}
}
