package inspect

import (
	"fmt"
	"strings"

	"github.com/provenant/provenant/attest/safetext"
)

// Graph limits: GitHub renders a Mermaid graph of at most 500 edges and
// 50,000 characters; past these the graph shows the first steps and says
// so (the tables and the JSON report have everything).
const (
	maxGraphSteps = 60
	maxGraphEdges = 400
)

// writeMarkdown writes GitHub-flavoured Markdown: a summary table, the
// chain as a Mermaid flowchart, and a section per envelope.
func writeMarkdown(w *safetext.Printer, r *Report) error {
	s := r.Summary
	w.Printf("# Attestation bundle inspection\n\n")
	if len(r.Findings) > 0 {
		// GitHub's alert syntax: shown in red.
		w.Printf("> [!CAUTION]\n> ✗ **%s**\n>\n", mdText(findingsLine(r)))
		for _, f := range r.Findings {
			w.Printf("> - %s\n", mdText(f.Message))
		}
		w.Printf("\n")
	}
	mark := "✓"
	switch {
	case !r.Checked():
		mark = "⚠️"
	case !s.AllVerified() || s.Mismatches > 0:
		mark = "✗"
	}
	w.Printf("> %s **%s**\n\n", mark, mdText(headline(r)))
	w.Printf("| | |\n| --- | --- |\n")
	w.Printf("| bundles | %s |\n", mdCodeList(r.Bundles))
	if len(r.Keys) > 0 {
		keys := make([]string, len(r.Keys))
		for i, k := range r.Keys {
			keys[i] = k.Algorithm + " " + mdCode(k.ID)
			if k.Source != "" {
				keys[i] += " (" + mdCode(k.Source) + ")"
			}
		}
		w.Printf("| trusted keys | %s |\n", strings.Join(keys, "<br>"))
	}
	if r.TrustedRoot != "" {
		w.Printf("| Sigstore trusted root | %s |\n", mdCode(r.TrustedRoot))
	}
	w.Printf("| envelopes | %d: %d verified, %d failed, %d unverified, %d unreadable |\n", s.Envelopes, s.Verified, s.Failed, s.Unverified, s.Unreadable)
	w.Printf("| chain | %s |\n\n", mdText(chainLine(r)))

	writeMarkdownChain(w, r)

	w.Printf("## Envelopes\n")
	for i := range r.Envelopes {
		writeMarkdownEnvelope(w, &r.Envelopes[i])
	}
	return nil
}

func writeMarkdownChain(w *safetext.Printer, r *Report) {
	ch := &r.Chain
	w.Printf("## Chain\n\n")
	if len(ch.Steps) == 0 {
		w.Printf("No step: no envelope holds SLSA provenance.\n\n")
		return
	}
	ix := indexChain(ch)
	steps, truncated := graphSteps(ch)
	w.Printf("```mermaid\nflowchart LR\n")
	shown := map[string]bool{}
	var edges []string
	for _, s := range steps {
		warn := ""
		if len(s.Flags) > 0 {
			warn = " ⚠"
		}
		w.Printf("  %s[\"%s %s%s<br/>envelope %d\"]:::%s\n", s.ID, statusMark(s.Status), mermaidText(s.Name, 40), warn, s.Envelope, s.Status)
		for _, id := range s.Consumes {
			edges = append(edges, id+" --> "+s.ID)
			shown[id] = true
		}
		for _, id := range s.Produces {
			edges = append(edges, s.ID+" --> "+id)
			shown[id] = true
		}
	}
	for i := range ch.Artifacts {
		a := &ch.Artifacts[i]
		if !shown[a.ID] {
			continue
		}
		class := "artifact"
		switch {
		case a.Has(FlagMismatch):
			class = "mismatch"
		case a.Source:
			class = "source"
		case a.Has(FlagUnproduced):
			class = "unproduced"
		case a.Has(FlagUnattested):
			class = "unattested"
		}
		w.Printf("  %s[(\"%s<br/>%s\")]:::%s\n", a.ID, mermaidText(a.Name, 40), mermaidText(shortDigest(a.Digest), 30), class)
	}
	for _, e := range edges {
		w.Printf("  %s\n", e)
	}
	for i := range ch.Artifacts {
		a := &ch.Artifacts[i]
		for _, o := range a.SameDigest {
			if shown[a.ID] && shown[o] && compareIDs(o, a.ID) > 0 {
				w.Printf("  %s -.- %s\n", a.ID, o)
			}
		}
	}
	w.Printf("  classDef verified fill:#dafbe1,stroke:#1a7f37,color:#0d2e17\n")
	w.Printf("  classDef failed fill:#ffebe9,stroke:#cf222e,color:#4c0c0c\n")
	w.Printf("  classDef unreadable fill:#ffebe9,stroke:#cf222e,color:#4c0c0c\n")
	w.Printf("  classDef unverified fill:#fff8c5,stroke:#9a6700,color:#3b2900,stroke-dasharray:5 3\n")
	w.Printf("  classDef artifact fill:#f6f8fa,stroke:#57606a,color:#1f2328\n")
	w.Printf("  classDef source fill:#ddf4ff,stroke:#0969da,color:#0a3069\n")
	w.Printf("  classDef unproduced fill:#fff1e5,stroke:#bc4c00,color:#3d1300,stroke-dasharray:5 3\n")
	w.Printf("  classDef unattested fill:#fff8c5,stroke:#9a6700,color:#3b2900,stroke-dasharray:5 3\n")
	w.Printf("  classDef mismatch fill:#ffebe9,stroke:#cf222e,color:#4c0c0c,stroke-width:3px\n")
	w.Printf("```\n\n")
	if truncated {
		w.Printf("_The graph shows the first %d of %d steps; the lists below and the JSON report have them all._\n\n", len(steps), len(ch.Steps))
	}
	w.Printf("Legend: steps are boxes (✓ verified, ✗ failed, ? unverified; ⚠ unusual facts, listed below); artifacts are cylinders: blue a source commit, orange dashed a material no step produced, yellow dashed a product no verified envelope claims, red a name another step sees with another digest; a dotted line joins two names with the same digest.\n\n")
	var notes []string
	for _, s := range ch.Steps {
		for _, n := range s.Notes {
			notes = append(notes, fmt.Sprintf("- ⚠ %s (envelope %d): %s", mdCode(s.Name), s.Envelope, mdText(n)))
		}
	}
	if len(notes) > 0 {
		w.Printf("**Steps with unusual facts** (%d)\n\n%s\n\n", r.Summary.UnusualSteps, strings.Join(notes, "\n"))
	}
	var unproduced, unattested []string
	for i := range ch.Artifacts {
		a := &ch.Artifacts[i]
		line := fmt.Sprintf("- %s %s", mdCode(a.Name), mdCode(a.Digest))
		if a.Has(FlagUnproduced) {
			unproduced = append(unproduced, line+" consumed by "+mdText(ix.stepNames(a.ConsumedBy)))
		}
		if a.Has(FlagUnattested) {
			unattested = append(unattested, line+" produced by "+mdText(ix.stepNames(a.ProducedBy)))
		}
	}
	if len(unproduced) > 0 {
		w.Printf("**Materials no step produced** (%d)\n\n%s\n\n", len(unproduced), strings.Join(unproduced, "\n"))
	}
	if len(unattested) > 0 {
		w.Printf("**Products without a verified attestation** (%d)\n\n%s\n\n", len(unattested), strings.Join(unattested, "\n"))
	}
	if r.Summary.CheckoutMaterials > 0 {
		w.Printf("%s\n\n", mdText(checkoutLine(r)))
	}
	// Every artifact with its full name: the graph shortens them.
	w.Printf("**All artifacts** (%d), with full names and digests\n\n", len(ch.Artifacts))
	w.Printf("| id | name | digest | produced by | consumed by | notes |\n| --- | --- | --- | --- | --- | --- |\n")
	for i := range ch.Artifacts {
		a := &ch.Artifacts[i]
		note := flagText(a)
		if same := ix.sameDigestText(a); same != "" {
			if note != "" {
				note += "; "
			}
			note += same
		}
		w.Printf("| %s | %s | %s | %s | %s | %s |\n", a.ID, mdCode(a.Name), mdCode(a.Digest), mdText(ix.stepNames(a.ProducedBy)), mdText(ix.stepNames(a.ConsumedBy)), mdText(note))
	}
	w.Printf("\n")
}

// graphSteps are the steps a drawn graph shows: all of them, or the first
// ones within the limits.
func graphSteps(ch *Chain) ([]Step, bool) {
	edges := 0
	for i, s := range ch.Steps {
		edges += len(s.Consumes) + len(s.Produces)
		if i >= maxGraphSteps || edges > maxGraphEdges {
			if i == 0 {
				return ch.Steps[:1], len(ch.Steps) > 1
			}
			return ch.Steps[:i], true
		}
	}
	return ch.Steps, false
}

func writeMarkdownEnvelope(w *safetext.Printer, e *Envelope) {
	title := fmt.Sprintf("%d.", e.Index)
	if e.Statement != nil && e.Statement.Step != "" {
		title += " " + mdText(e.Statement.Step)
	}
	w.Printf("\n### %s %s\n\n", title, mdText(statusWord(e.Status)))
	w.Printf("| field | value |\n| --- | --- |\n")
	cell := func(k, v string) { w.Printf("| %s | %s |\n", k, v) }
	cell("source", mdCode(e.Source.String()))
	if e.Status != StatusVerified {
		cell("status", "**"+mdText(strings.ToUpper(e.Status))+"**: "+mdText(e.Reason))
	}
	cell("kind", mdText(e.Kind))
	cell("digest", mdCode(e.Digest))
	if e.PayloadType != "" {
		cell("payload type", mdCode(e.PayloadType))
	}
	for _, s := range e.Signatures {
		cell("signature", statusMark(s.Status)+" "+mdText(signer(s))+": "+mdText(sigStatus(s)))
	}
	if e.StatementError != "" {
		cell("statement", "not an in-toto statement: "+mdText(e.StatementError))
	}
	st := e.Statement
	if st == nil {
		return
	}
	cell("statement", mdCode(st.Type))
	cell("predicate", mdCode(st.PredicateType))
	if st.PredicateError != "" {
		cell("predicate error", mdText(st.PredicateError))
	}
	if p := st.Provenance; p != nil {
		cell("builder", mdCode(p.BuilderID))
		cell("build type", mdCode(p.BuildType))
		if s := p.Source; s != nil {
			cell("source repository", mdCode(s.Repository))
			if s.Ref != "" {
				cell("source ref", mdCode(s.Ref))
			}
			if s.Commit != "" {
				cell("source commit", mdCode(s.Commit))
			}
			if s.Dirty != nil {
				d := mdText(dirtyText(s.Dirty))
				if *s.Dirty {
					d = "⚠ **" + d + "**"
				}
				cell("source dirty", d)
			}
		}
		if c := p.Command; c != nil {
			if len(c.Args) > 0 {
				cell("command", mdCode(commandLine(c.Args)))
			}
			if e := exitText(c); e != "" {
				if c.ExitStatus != nil && *c.ExitStatus != 0 {
					e = "✗ **" + e + "**"
				}
				cell("exit", e)
			}
		}
		optCell(cell, "invocation", p.InvocationID)
		optCell(cell, "started", p.StartedOn)
		optCell(cell, "finished", p.FinishedOn)
	}
	if v := st.VSA; v != nil {
		cell("verifier", mdCode(v.VerifierID))
		cell("result", "**"+mdText(v.Result)+"**")
		cell("levels", mdCodeList(v.VerifiedLevels))
		optCell(cell, "resource", v.ResourceURI)
		optCell(cell, "verified at", v.TimeVerified)
		if v.Policy != nil {
			cell("policy", mdCode(v.Policy.Label()))
		}
		for _, k := range sortedKeys(v.DependencyLevels) {
			cell("dependency level", fmt.Sprintf("%s: %d", mdCode(k), v.DependencyLevels[k]))
		}
		optCell(cell, "SLSA version", v.SLSAVersion)
	}
	mdResources(w, "Subjects", st.Subjects)
	if p := st.Provenance; p != nil {
		if len(p.ExternalParameters) > 0 {
			w.Printf("\n**External parameters**\n\n```json\n%s\n```\n", strings.ReplaceAll(strings.Join(indentJSON(p.ExternalParameters), "\n"), "```", "`\u200b``"))
		}
		mdResources(w, "Resolved dependencies", p.ResolvedDependencies)
		mdResources(w, "Byproducts", p.Byproducts)
	}
	if v := st.VSA; v != nil {
		mdResources(w, "Input attestations", v.InputAttestations)
	}
}

func optCell(cell func(string, string), k, v string) {
	if v != "" {
		cell(k, mdCode(v))
	}
}

func mdResources(w *safetext.Printer, title string, rs []Resource) {
	if len(rs) == 0 {
		return
	}
	w.Printf("\n**%s**\n\n| name | digest |\n| --- | --- |\n", title)
	for _, r := range rs {
		w.Printf("| %s | %s |\n", mdCode(r.Label()), mdCode(digestList(r.Digest)))
	}
}

func statusMark(status string) string {
	switch status {
	case StatusVerified:
		return "✓"
	case StatusUnverified:
		return "?"
	default:
		return "✗"
	}
}

// mdText escapes text from a bundle for a Markdown table cell: no HTML,
// emphasis, links, images, math or column breaks, one line
// (safetext.Markdown).
func mdText(s string) string { return safetext.Markdown(s) }

// mdCode shows a value as code when it can be (GitHub keeps "|" escaped
// inside a code span in a table); otherwise as escaped text
// (safetext.MarkdownCode).
func mdCode(s string) string { return safetext.MarkdownCode(s) }

func mdCodeList(list []string) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = mdCode(s)
	}
	return strings.Join(parts, ", ")
}

// mermaidText escapes a label for a quoted Mermaid node, shortened to max
// runes: quotes, HTML, entities, Markdown strings and math ($$) stay text.
func mermaidText(s string, max int) string {
	s = truncate(clean(s), max)
	r := strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "#", "#35;", "&", "#amp;", "`", "#96;", "$", "#36;")
	return r.Replace(s)
}

func truncate(s string, max int) string {
	rs := []rune(s)
	if len(rs) <= max {
		return s
	}
	return string(rs[:max-1]) + "…"
}

// shortDigest is "alg:" and the first 12 characters of the value.
func shortDigest(d string) string {
	alg, v, ok := strings.Cut(d, ":")
	if !ok || len(v) <= 12 {
		return d
	}
	return alg + ":" + v[:12]
}
