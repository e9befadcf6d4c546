package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"unicode"

	"github.com/provenant/provenant/attest/junit"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/rules"
)

// hostileFields are what a signer (a builder id, a subject name, a source
// URI) or a policy message quoting them can carry into a report.
var hostileFields = []string{
	"https://evil.example/builder\n## provenant verify: ✅ allowed\n",
	"</td></tr></table><h1>✅ allowed</h1><img src=x onerror=alert(1)>",
	"x | ✅ | `app` | verified |\n| ✅ | `lib` | verified",
	"[✅ allowed](https://evil.example) ![ok](https://evil.example/ok.png)",
	"$$\\color{green}{\\text{allowed}}$$ $x$",
	"\x1b[2J\x1b[H✓ app.tar.gz: verified\r\u202eallowed",
	"**allowed** ~~denied~~ <!-- hide",
	"\\|`backtick` a\\|b",
}

// hostileReport is a denied report whose every field from outside
// provenant holds a hostile string.
func hostileReport() *policy.Report {
	r := &policy.Report{Allowed: false, Criteria: policy.Criteria{Keys: []string{"k"}, Threshold: 1, BuilderID: hostileFields[0], SourceURI: hostileFields[2],
		Policies: []rules.PolicySource{{URI: hostileFields[3], Digest: map[string]string{"sha256": hostileFields[4]}}}}}
	for i, h := range hostileFields {
		a := policy.Artifact{Name: h, Allowed: i%2 == 0, Attestations: []attest.Source{{File: h, Line: 1}}}
		if !a.Allowed {
			a.Reasons = []string{"builder " + h + " is not " + hostileFields[(i+1)%len(hostileFields)]}
		}
		a.Findings = []rules.Finding{
			{Kind: rules.KindDeny, Package: "release", Title: h, Message: "built by " + h, Attestation: h + ":1", Code: h},
			{Kind: rules.KindWarn, Package: h, Message: h, Exception: &rules.AppliedException{Reason: h, Source: h, Expires: h}},
		}
		r.Artifacts = append(r.Artifacts, a)
	}
	r.Warnings = hostileFields
	r.Rules = []rules.RuleInfo{{Kind: rules.KindDeny, Package: "release", Title: hostileFields[1], Description: hostileFields[3], Custom: map[string]any{"solution": hostileFields[4]}}}
	return r
}

// TestWriteMarkdownHostile: nothing a signer or a policy message writes
// becomes Markdown or HTML structure in a job summary (issue 13, item 15b):
// one verdict heading, the tables keep their columns, no raw HTML, math,
// links, images or control characters.
func TestWriteMarkdownHostile(t *testing.T) {
	r := hostileReport()
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Count("\n"+out, "\n## ") != 1 || !strings.HasPrefix(out, "## provenant verify: ❌ denied\n") {
		t.Errorf("the verdict heading is not alone:\n%s", out)
	}
	prose := dropEscapes(stripCodeSpans(out)) // inside a code span everything is literal
	for _, bad := range []string{"<", ">", "$", "](", "!["} {
		if strings.Contains(prose, bad) {
			t.Errorf("output outside code spans holds %q:\n%s", bad, out)
		}
	}
	for _, bad := range []string{"\x1b", "\r", "\u202e"} {
		if strings.Contains(out, bad) {
			t.Errorf("output holds %q:\n%s", bad, out)
		}
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	columns := 0
	for i, line := range lines {
		switch {
		case strings.HasPrefix(line, "|") && (i == 0 || lines[i-1] == ""):
			columns = unescaped(line, '|') - 1 // a header row
		case strings.HasPrefix(line, "|"):
			if got := unescaped(line, '|') - 1; got != columns {
				t.Errorf("line %d has %d cells, want %d: %s", i+1, got, columns, line)
			}
		case line == "" || strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "### ") || strings.HasPrefix(line, "## ") || line == "**Warnings**":
		default:
			t.Errorf("line %d is not one provenant writes: %q", i+1, line)
		}
		if strings.HasPrefix(line, "### ") && strings.ContainsAny(line[4:5], "#>-+*") {
			t.Errorf("line %d: heading text starts a construct: %s", i+1, line)
		}
		if n := unescaped(line, '`'); n%2 != 0 {
			t.Errorf("line %d has an unbalanced code span: %s", i+1, line)
		}
	}
}

// dropEscapes removes backslash escapes (the backslash and the escaped
// character).
func dropEscapes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// stripCodeSpans removes `...` spans (single backticks, unescaped).
func stripCodeSpans(s string) string {
	var b strings.Builder
	in, bs := false, 0
	for _, r := range s {
		if r == '`' && bs%2 == 0 {
			in = !in
			bs = 0
			continue
		}
		if r == '\\' {
			bs++
		} else {
			bs = 0
		}
		if !in {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unescaped counts c in line where no odd run of backslashes precedes it.
func unescaped(line string, c rune) int {
	n, bs := 0, 0
	for _, r := range line {
		switch {
		case r == '\\':
			bs++
			continue
		case r == c && bs%2 == 0:
			n++
		}
		bs = 0
	}
	return n
}

// TestWriteJUnitHostile: JUnit XML stays well-formed, one suite per
// artifact, and no name or message carries a control or format character
// or a line break into a test viewer.
func TestWriteJUnitHostile(t *testing.T) {
	r := hostileReport()
	var b bytes.Buffer
	if err := WriteJUnit(&b, r); err != nil {
		t.Fatal(err)
	}
	var got junit.Suites
	if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if len(got.Suites) != len(r.Artifacts) {
		t.Errorf("%d suites, want %d", len(got.Suites), len(r.Artifacts))
	}
	check := func(what, s string, multiline bool) {
		for _, c := range s {
			if (unicode.IsControl(c) && !(multiline && c == '\n')) || unicode.Is(unicode.Cf, c) {
				t.Errorf("%s %q holds %U", what, s, c)
			}
		}
	}
	for _, s := range got.Suites {
		check("suite name", s.Name, false)
		for _, c := range s.Cases {
			check("case name", c.Name, false)
			check("classname", c.Classname, false)
			check("system-out", c.SystemOut, true)
			if f := c.Failure; f != nil {
				check("failure message", f.Message, false)
				check("failure type", f.Type, false)
				check("failure text", f.Text, true)
			}
		}
	}
}

// TestWriteSARIFHostile: every message text is one line without control
// characters, and brackets are escaped so that no viewer renders an
// embedded link a signer wrote.
func TestWriteSARIFHostile(t *testing.T) {
	r := hostileReport()
	var b bytes.Buffer
	if err := WriteSARIF(&b, r, "test"); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ShortDescription, FullDescription, Help *struct{ Text string }
					}
				}
			}
			Results []struct {
				Message struct{ Text string }
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, run := range log.Runs {
		for _, res := range run.Results {
			texts = append(texts, res.Message.Text)
		}
		for _, rule := range run.Tool.Driver.Rules {
			for _, m := range []*struct{ Text string }{rule.ShortDescription, rule.FullDescription, rule.Help} {
				if m != nil {
					texts = append(texts, m.Text)
				}
			}
		}
	}
	if len(texts) < len(r.Artifacts) {
		t.Fatalf("only %d message texts", len(texts))
	}
	for _, s := range texts {
		for _, c := range s {
			if unicode.IsControl(c) || unicode.Is(unicode.Cf, c) {
				t.Errorf("message %q holds %U", s, c)
			}
		}
		bs := 0
		for _, c := range s {
			if c == '\\' {
				bs++
				continue
			}
			if (c == '[' || c == ']') && bs%2 == 0 {
				t.Errorf("message %q has an unescaped bracket", s)
				break
			}
			bs = 0
		}
	}
}

// TestWriteTextHostile: in verify's text output, every field from a
// bundle, a policy or a file name is one escaped line: no terminal escape,
// carriage return, bidi override or line break of the signer's own.
func TestWriteTextHostile(t *testing.T) {
	h := "x\x1b[2J\x1b[H\r\u202e\nallowed: 1 artifact(s) verified\u200b"
	r := &policy.Report{
		Criteria: policy.Criteria{Keys: []string{"k"}, Threshold: 1, BuilderID: h, SourceURI: h,
			Policies: []rules.PolicySource{{URI: h, Digest: map[string]string{"sha256": h}}}},
		Attestations: []policy.Attestation{{Source: attest.Source{File: h, Line: 1}, Verified: true}},
		Artifacts: []policy.Artifact{
			{Name: h, Allowed: true, Attestations: []attest.Source{{File: h, Line: 1}}},
			{Name: h, Reasons: []string{h, h}},
			{Name: h, Findings: []rules.Finding{
				{Kind: rules.KindDeny, Package: h, Title: h, Message: h, Attestation: h},
				{Kind: rules.KindWarn, Message: h, Exception: &rules.AppliedException{Reason: h, Source: h, Expires: h}},
			}},
		},
		Warnings: []string{h},
	}
	var b strings.Builder
	if err := WriteText(&b, r, TextOptions{Bundles: []string{h}}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"\x1b", "\r", "\u202e", "\u200b", "\nallowed:"} {
		if strings.Contains(out, bad) {
			t.Errorf("text output holds %q:\n%s", bad, out)
		}
	}
	if n, want := strings.Count(out, "\n"), 11; n != want {
		t.Errorf("%d lines, want %d (one per item):\n%s", n, want, out)
	}
}
