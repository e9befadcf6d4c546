package inspect

import (
	"bufio"
	"fmt"
	"html"
	"html/template"
	"strings"
	"sync"
	"time"
)

// writeHTML writes one self-contained page: inline CSS, the chain drawn as
// inline SVG, no script, nothing loaded from anywhere (a Content Security
// Policy says so to the browser too).
func writeHTML(w *bufio.Writer, r *Report, o RenderOptions) error {
	verdict := "ok"
	switch {
	case r.Summary.Mismatches > 0:
		verdict = "bad"
	case !r.Checked():
		verdict = "warn"
	case !r.Summary.AllVerified():
		verdict = "bad"
	}
	ix := indexChain(&r.Chain)
	var unproduced, unattested, all []htmlArtifact
	for i := range r.Chain.Artifacts {
		a := &r.Chain.Artifacts[i]
		all = append(all, htmlArtifact{a, ix.stepNames(a.ProducedBy), ix.stepNames(a.ConsumedBy), ix.sameDigestText(a)})
		if a.Has(FlagUnproduced) {
			unproduced = append(unproduced, htmlArtifact{a, ix.stepNames(a.ConsumedBy), "", ""})
		}
		if a.Has(FlagUnattested) {
			unattested = append(unattested, htmlArtifact{a, ix.stepNames(a.ProducedBy), "", ""})
		}
	}
	var unusual []*Step
	for i := range r.Chain.Steps {
		if len(r.Chain.Steps[i].Notes) > 0 {
			unusual = append(unusual, &r.Chain.Steps[i])
		}
	}
	generated := ""
	if !o.Generated.IsZero() {
		generated = o.Generated.UTC().Format(time.RFC3339)
	}
	steps, truncated := graphSteps(&r.Chain)
	data := struct {
		R                           *Report
		Headline, Verdict, Findings string
		Summary, Chain, Checkout    string
		Graph                       template.HTML
		Truncated                   bool
		Shown                       int
		Unproduced, Unattested, All []htmlArtifact
		Unusual                     []*Step
		Generated, Version          string
	}{r, headline(r), verdict, findingsLine(r), summaryLine(r), chainLine(r), checkoutLine(r),
		template.HTML(svgGraph(&r.Chain, steps, ix)), truncated, len(steps), unproduced, unattested, all, unusual, generated, o.Version}
	return htmlPage().Execute(w, data)
}

type htmlArtifact struct {
	*ChainArtifact
	// Steps are the producers (or, for a material no step produced, the
	// consumers); Consumers the consumers; Same the same-digest note.
	Steps, Consumers, Same string
}

var htmlFuncs = template.FuncMap{
	"clean":   clean,
	"word":    statusWord,
	"mark":    statusMark,
	"signer":  signer,
	"sigtext": sigStatus,
	"digests": digestList,
	"json": func(raw []byte) string {
		lines := indentJSON(raw)
		for i, l := range lines {
			lines[i] = clean(l)
		}
		return strings.Join(lines, "\n")
	},
	"upper":   strings.ToUpper,
	"command": commandLine,
	"exit":    exitText,
	"dirty":   dirtyText,
	"flags":   flagText,
	"keys":    sortedKeys[int],
	"join":    strings.Join,
	"list":    func(a ...any) []any { return a },
	"deref":   func(b *bool) bool { return b != nil && *b },
	"failed": func(c *Command) bool {
		return c.ExitStatus != nil && *c.ExitStatus != 0
	},
}

// htmlPage is parsed when first used, not in the package init, which
// every command would pay for.
var htmlPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("inspect").Funcs(htmlFuncs).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Attestation bundle inspection</title>
<style>
:root { --ok:#1a7f37; --ok-bg:#dafbe1; --bad:#cf222e; --bad-bg:#ffebe9; --warn:#9a6700; --warn-bg:#fff8c5; --muted:#57606a; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; margin: 0 auto; padding: 24px; max-width: 1200px; }
h1 { font-size: 24px; margin: 0 0 12px; }
h2 { font-size: 19px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 28px; }
h3 { font-size: 16px; margin: 0 0 8px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.verdict { padding: 10px 14px; border-radius: 6px; font-weight: 600; border: 1px solid; }
.verdict.ok { background: var(--ok-bg); border-color: var(--ok); color: #0d2e17; }
.verdict.bad { background: var(--bad-bg); border-color: var(--bad); color: #4c0c0c; }
.verdict.warn { background: var(--warn-bg); border-color: var(--warn); color: #3b2900; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid #eaeef2; word-break: break-all; }
th { color: var(--muted); font-weight: 600; width: 170px; word-break: normal; }
table.list th { width: auto; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; border: 1px solid; white-space: nowrap; }
.verified { color: var(--ok); border-color: var(--ok); background: var(--ok-bg); }
.failed, .unreadable { color: var(--bad); border-color: var(--bad); background: var(--bad-bg); }
.unverified { color: var(--warn); border-color: var(--warn); background: var(--warn-bg); }
article { border: 1px solid var(--line); border-left-width: 5px; border-radius: 6px; padding: 12px 16px; margin: 14px 0; break-inside: avoid; }
article.verified { border-left-color: var(--ok); background: none; color: inherit; }
article.failed, article.unreadable { border-left-color: var(--bad); background: none; color: inherit; }
article.unverified { border-left-color: var(--warn); background: none; color: inherit; }
.claim { color: var(--warn); font-weight: 600; }
pre { background: #f6f8fa; padding: 8px; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.graph { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
.legend span { margin-right: 14px; }
.swatch { display: inline-block; width: 12px; height: 12px; border: 1px solid; vertical-align: -1px; margin-right: 4px; }
footer { color: var(--muted); margin-top: 30px; font-size: 12px; }
.findings { background: var(--bad-bg); border: 2px solid var(--bad); border-radius: 6px; padding: 10px 14px; color: #4c0c0c; margin: 0 0 12px; }
.findings h2 { color: var(--bad); border: 0; margin: 0 0 6px; font-size: 17px; }
.findings li { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; word-break: break-all; }
.warn-text { color: var(--warn); font-weight: 600; }
.bad-text { color: var(--bad); font-weight: 600; }
details summary { cursor: pointer; font-weight: 600; margin: 8px 0; }
@media print { body { padding: 0; } .graph { overflow: visible; } }
</style>
</head>
<body>
<header>
<h1>Attestation bundle inspection</h1>
{{- if .R.Findings}}
<section class="findings" id="findings">
<h2>✗ {{.Findings}}</h2>
<ul>
{{- range .R.Findings}}
<li>{{clean .Message}}</li>
{{- end}}
</ul>
</section>
{{- end}}
<p class="verdict {{.Verdict}}">{{.Headline}}</p>
<table>
<tr><th>bundles</th><td class="mono">{{range $i, $b := .R.Bundles}}{{if $i}}<br>{{end}}{{clean $b}}{{end}}</td></tr>
{{- if .R.Keys}}
<tr><th>trusted keys</th><td class="mono">{{range $i, $k := .R.Keys}}{{if $i}}<br>{{end}}{{$k.Algorithm}} {{$k.ID}}{{if $k.Source}} ({{clean $k.Source}}){{end}}{{end}}</td></tr>
{{- end}}
{{- if .R.TrustedRoot}}
<tr><th>Sigstore trusted root</th><td class="mono">{{clean .R.TrustedRoot}}</td></tr>
{{- end}}
<tr><th>envelopes</th><td>{{.Summary}}</td></tr>
<tr><th>chain</th><td>{{.Chain}}</td></tr>
{{- if .Generated}}
<tr><th>generated</th><td class="mono">{{.Generated}}{{if .Version}} by provenant {{.Version}}{{end}}</td></tr>
{{- else if .Version}}
<tr><th>generated by</th><td class="mono">provenant {{.Version}}</td></tr>
{{- end}}
</table>
</header>

<section>
<h2>Chain</h2>
{{- if .R.Chain.Steps}}
<div class="graph">{{.Graph}}</div>
{{- if .Truncated}}
<p><em>The graph shows the first {{.Shown}} of {{len .R.Chain.Steps}} steps; the sections below and the JSON report have them all.</em></p>
{{- end}}
<p class="legend"><span><i class="swatch verified"></i>verified step</span><span><i class="swatch failed"></i>failed step</span><span><i class="swatch unverified"></i>unverified step</span><span><i class="swatch" style="background:#ddf4ff;border-color:#0969da"></i>source commit</span><span><i class="swatch" style="background:#fff1e5;border-color:#bc4c00"></i>material no step produced</span><span><i class="swatch" style="background:#fff8c5;border-color:#9a6700"></i>product without a verified attestation</span><span><i class="swatch failed"></i>name seen with another digest</span><span><i class="swatch" style="border-color:#8250df;border-style:dotted"></i>dotted line: same digest, another name</span></p>
{{- if .Unusual}}
<h3>Steps with unusual facts ({{len .Unusual}})</h3>
<table class="list"><tr><th>step</th><th>what is unusual</th></tr>
{{- range .Unusual}}
<tr><td class="mono">{{clean .Name}} (envelope {{.Envelope}})</td><td class="warn-text">{{range $i, $n := .Notes}}{{if $i}}<br>{{end}}⚠ {{clean $n}}{{end}}</td></tr>
{{- end}}
</table>
{{- end}}
{{- if .Unproduced}}
<h3>Materials no step produced ({{len .Unproduced}})</h3>
<table class="list"><tr><th>name</th><th>digest</th><th>consumed by</th></tr>
{{- range .Unproduced}}
<tr><td class="mono">{{clean .Name}}</td><td class="mono">{{clean .Digest}}</td><td>{{clean .Steps}}</td></tr>
{{- end}}
</table>
{{- end}}
{{- if .Unattested}}
<h3>Products without a verified attestation ({{len .Unattested}})</h3>
<table class="list"><tr><th>name</th><th>digest</th><th>produced by</th></tr>
{{- range .Unattested}}
<tr><td class="mono">{{clean .Name}}</td><td class="mono">{{clean .Digest}}</td><td>{{clean .Steps}}</td></tr>
{{- end}}
</table>
{{- end}}
{{- if .R.Summary.CheckoutMaterials}}
<p>{{.Checkout}}</p>
{{- end}}
<details id="artifacts">
<summary>All artifacts ({{len .All}}), with full names and digests</summary>
<table class="list"><tr><th>id</th><th>name</th><th>digest</th><th>produced by</th><th>consumed by</th><th>notes</th></tr>
{{- range .All}}
<tr id="artifact-{{.ID}}"><td class="mono">{{.ID}}</td><td class="mono">{{clean .Name}}</td><td class="mono">{{clean .Digest}}</td><td>{{clean .Steps}}</td><td>{{clean .Consumers}}</td><td{{if .Has "digest-mismatch"}} class="bad-text"{{end}}>{{clean (flags .ChainArtifact)}}{{if .Same}}{{if .Flags}}; {{end}}{{clean .Same}}{{end}}</td></tr>
{{- end}}
</table>
</details>
{{- else}}
<p>No step: no envelope holds SLSA provenance.</p>
{{- end}}
</section>

<section>
<h2>Attestations</h2>
{{- range .R.Envelopes}}
<article class="{{.Status}}" id="envelope-{{.Index}}">
<h3>{{.Index}}.{{if .Statement}}{{if .Statement.Step}} {{clean .Statement.Step}}{{end}}{{end}} <span class="badge {{.Status}}">{{word .Status}}</span></h3>
{{- if ne .Status "verified"}}
<p class="claim">{{upper .Status}}: {{clean .Reason}}{{if .Statement}}. Everything below is what the envelope claims, not verified.{{end}}</p>
{{- end}}
<table>
<tr><th>source</th><td class="mono">{{clean .Source.String}}</td></tr>
<tr><th>kind</th><td>{{.Kind}}</td></tr>
<tr><th>digest</th><td class="mono">{{.Digest}}</td></tr>
{{- if .PayloadType}}<tr><th>payload type</th><td class="mono">{{clean .PayloadType}}</td></tr>{{end}}
{{- range .Signatures}}
<tr><th>signature</th><td><span class="badge {{.Status}}">{{mark .Status}}</span> <span class="mono">{{clean (signer .)}}</span><br>{{clean (sigtext .)}}</td></tr>
{{- end}}
{{- if .StatementError}}<tr><th>statement</th><td>not an in-toto statement: {{clean .StatementError}}</td></tr>{{end}}
{{- with .Statement}}
<tr><th>statement</th><td class="mono">{{clean .Type}}</td></tr>
<tr><th>predicate</th><td class="mono">{{clean .PredicateType}}</td></tr>
{{- if .PredicateError}}<tr><th>predicate error</th><td>{{clean .PredicateError}}</td></tr>{{end}}
{{- with .Provenance}}
<tr><th>builder</th><td class="mono">{{clean .BuilderID}}</td></tr>
<tr><th>build type</th><td class="mono">{{clean .BuildType}}</td></tr>
{{- with .Source}}
<tr><th>source repository</th><td class="mono">{{clean .Repository}}</td></tr>
{{- if .Ref}}<tr><th>source ref</th><td class="mono">{{clean .Ref}}</td></tr>{{end}}
{{- if .Commit}}<tr><th>source commit</th><td class="mono">{{clean .Commit}}</td></tr>{{end}}
{{- if .Dirty}}<tr><th>source dirty</th><td{{if deref .Dirty}} class="warn-text"{{end}}>{{dirty .Dirty}}</td></tr>{{end}}
{{- end}}
{{- with .Command}}
{{- if .Args}}<tr><th>command</th><td class="mono">{{clean (command .Args)}}</td></tr>{{end}}
{{- if exit .}}<tr><th>exit</th><td{{if failed .}} class="bad-text"{{end}}>{{exit .}}</td></tr>{{end}}
{{- end}}
{{- if .InvocationID}}<tr><th>invocation</th><td class="mono">{{clean .InvocationID}}</td></tr>{{end}}
{{- if .StartedOn}}<tr><th>started</th><td class="mono">{{clean .StartedOn}}</td></tr>{{end}}
{{- if .FinishedOn}}<tr><th>finished</th><td class="mono">{{clean .FinishedOn}}</td></tr>{{end}}
{{- end}}
{{- with .VSA}}
<tr><th>verifier</th><td class="mono">{{clean .VerifierID}}</td></tr>
<tr><th>result</th><td><strong>{{clean .Result}}</strong></td></tr>
<tr><th>levels</th><td class="mono">{{clean (join .VerifiedLevels ", ")}}</td></tr>
{{- if .ResourceURI}}<tr><th>resource</th><td class="mono">{{clean .ResourceURI}}</td></tr>{{end}}
{{- if .TimeVerified}}<tr><th>verified at</th><td class="mono">{{clean .TimeVerified}}</td></tr>{{end}}
{{- with .Policy}}<tr><th>policy</th><td class="mono">{{clean .Label}}</td></tr>{{end}}
{{- $v := .}}{{range keys .DependencyLevels}}<tr><th>dependency level</th><td class="mono">{{clean .}}: {{index $v.DependencyLevels .}}</td></tr>{{end}}
{{- if .SLSAVersion}}<tr><th>SLSA version</th><td class="mono">{{clean .SLSAVersion}}</td></tr>{{end}}
{{- end}}
</table>
{{- template "resources" (list "Subjects" .Subjects)}}
{{- with .Provenance}}
{{- if .ExternalParameters}}
<h4>External parameters</h4>
<pre>{{json .ExternalParameters}}</pre>
{{- end}}
{{- template "resources" (list "Resolved dependencies" .ResolvedDependencies)}}
{{- template "resources" (list "Byproducts" .Byproducts)}}
{{- end}}
{{- with .VSA}}{{template "resources" (list "Input attestations" .InputAttestations)}}{{end}}
{{- else}}
</table>
{{- end}}
</article>
{{- end}}
</section>
<footer>Made by provenant inspect{{if .Version}} {{.Version}}{{end}}{{if .Generated}} at {{.Generated}}{{end}}. Machine-readable form: <code>provenant inspect --format json</code> ({{.R.SchemaVersion}}).</footer>
</body>
</html>
{{define "resources"}}{{$title := index . 0}}{{$rs := index . 1}}{{if $rs}}
<h4>{{$title}}</h4>
<table class="list"><tr><th>name</th><th>digest</th></tr>
{{- range $rs}}
<tr><td class="mono">{{clean .Label}}</td><td class="mono">{{clean (digests .Digest)}}</td></tr>
{{- end}}
</table>{{end}}{{end}}
`))
})

// svgGraph draws the chain: steps in columns by depth, each artifact in the
// column after the step that produced it (materials nobody produced in the
// first), edges as curves with arrows.
func svgGraph(ch *Chain, steps []Step, ix chainIndex) string {
	if len(steps) == 0 {
		return ""
	}
	const (
		nodeW, nodeH = 210, 44
		colW, rowH   = 250, 58
		pad          = 12
		sameBend     = 28 // how far below the nodes a same-digest line bends
	)
	type pos struct{ col, row int }
	at := map[string]pos{}
	rows := map[int]int{}
	place := func(id string, col int) {
		if _, ok := at[id]; ok {
			return
		}
		at[id] = pos{col, rows[col]}
		rows[col]++
	}
	stepCol := map[string]int{}
	for _, s := range steps {
		stepCol[s.ID] = 2*s.Depth + 1
	}
	// Materials first, then steps, then products, in reading order.
	for _, s := range steps {
		for _, id := range s.Consumes {
			a := ix.arts[id]
			col := 0
			for _, p := range a.ProducedBy {
				if c, ok := stepCol[p]; ok {
					col = c + 1
					break
				}
			}
			place(id, col)
		}
	}
	for _, s := range steps {
		place(s.ID, stepCol[s.ID])
		for _, id := range s.Produces {
			place(id, stepCol[s.ID]+1)
		}
	}
	maxCol, maxRow := 0, 0
	for _, p := range at {
		maxCol = max(maxCol, p.col)
		maxRow = max(maxRow, p.row)
	}
	width := pad*2 + maxCol*colW + nodeW
	height := pad*2 + maxRow*rowH + nodeH + sameBend/2
	xy := func(id string) (int, int) {
		p := at[id]
		return pad + p.col*colW, pad + p.row*rowH
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" style="max-width:100%%;height:auto" role="img" aria-label="chain of steps and artifacts">`, width, height, width, height)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>`)
	b.WriteString(`<style>text{font:12px -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;fill:#1f2328}.d{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#57606a}path.e{fill:none;stroke:#8c959f;stroke-width:1.4}</style>`)
	edge := func(from, to string) {
		x1, y1 := xy(from)
		x2, y2 := xy(to)
		x1 += nodeW
		y1 += nodeH / 2
		y2 += nodeH / 2
		dx := max((x2-x1)/2, 30)
		fmt.Fprintf(&b, `<path class="e" d="M%d,%d C%d,%d %d,%d %d,%d" marker-end="url(#arrow)"/>`, x1, y1, x1+dx, y1, x2-dx, y2, x2, y2)
	}
	for _, s := range steps {
		for _, id := range s.Consumes {
			edge(id, s.ID)
		}
		for _, id := range s.Produces {
			edge(s.ID, id)
		}
	}
	// The same content under two names: a dotted line between the two.
	for i := range ch.Artifacts {
		a := &ch.Artifacts[i]
		if _, ok := at[a.ID]; !ok {
			continue
		}
		for _, o := range a.SameDigest {
			if _, ok := at[o]; !ok || compareIDs(o, a.ID) <= 0 {
				continue
			}
			// From the bottom of one to the bottom of the other, bent
			// below both, so it does not pass for an edge.
			x1, y1 := xy(a.ID)
			x2, y2 := xy(o)
			fmt.Fprintf(&b, `<path class="same" d="M%d,%d Q%d,%d %d,%d" fill="none" stroke="#8250df" stroke-width="1.5" stroke-dasharray="2 3"><title>same digest: %s</title></path>`,
				x1+nodeW/2, y1+nodeH, (x1+x2)/2+nodeW/2, max(y1, y2)+nodeH+sameBend, x2+nodeW/2, y2+nodeH, html.EscapeString(clean(a.Name+" and "+ix.arts[o].Name)))
		}
	}
	node := func(id, fill, stroke string, dashed, round bool, title, line1, line2 string) {
		x, y := xy(id)
		rx := 4
		if round {
			rx = 16
		}
		dash := ""
		if dashed {
			dash = ` stroke-dasharray="5 3"`
		}
		fmt.Fprintf(&b, `<g><title>%s</title><rect x="%d" y="%d" width="%d" height="%d" rx="%d" fill="%s" stroke="%s" stroke-width="1.5"%s/>`,
			html.EscapeString(clean(title)), x, y, nodeW, nodeH, rx, fill, stroke, dash)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text><text class="d" x="%d" y="%d">%s</text></g>`,
			x+10, y+18, html.EscapeString(truncate(clean(line1), 30)), x+10, y+35, html.EscapeString(truncate(clean(line2), 32)))
	}
	for _, s := range steps {
		fill, stroke := "#fff8c5", "#9a6700"
		switch s.Status {
		case StatusVerified:
			fill, stroke = "#dafbe1", "#1a7f37"
		case StatusFailed, StatusUnreadable:
			fill, stroke = "#ffebe9", "#cf222e"
		}
		title, label := fmt.Sprintf("step %s, envelope %d, %s", s.Name, s.Envelope, s.Status), statusMark(s.Status)+" "+s.Name
		if len(s.Notes) > 0 {
			// Unusual facts: a mark on the box, the facts in its tooltip.
			title += "; " + strings.Join(s.Notes, "; ")
			label = statusMark(s.Status) + " ⚠ " + s.Name
		}
		node(s.ID, fill, stroke, s.Status == StatusUnverified, false, title, label, fmt.Sprintf("envelope %d · %s", s.Envelope, s.Status))
	}
	for i := range ch.Artifacts {
		a := &ch.Artifacts[i]
		if _, ok := at[a.ID]; !ok {
			continue
		}
		fill, stroke, dashed := "#f6f8fa", "#57606a", false
		switch {
		case a.Has(FlagMismatch):
			fill, stroke = "#ffebe9", "#cf222e"
		case a.Source:
			fill, stroke = "#ddf4ff", "#0969da"
		case a.Has(FlagUnproduced):
			fill, stroke, dashed = "#fff1e5", "#bc4c00", true
		case a.Has(FlagUnattested):
			fill, stroke, dashed = "#fff8c5", "#9a6700", true
		}
		title := a.Name + " " + a.Digest
		if f := flagText(a); f != "" {
			title += " (" + f + ")"
		}
		if same := ix.sameDigestText(a); same != "" {
			title += " (" + same + ")"
		}
		node(a.ID, fill, stroke, dashed, true, title, a.Name, shortDigest(a.Digest))
	}
	b.WriteString(`</svg>`)
	return b.String()
}
