package layout

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/junit"
)

// hostile is a report whose every string from a layout or link tries to
// draw something of its own.
func hostile() *Report {
	evil := "step\x1b[2J\x1b[31mOK\u202e|<img src=x>\n✓ forged line"
	return &Report{
		Layout:   Info{File: "root\x1b[0m.layout", Form: FormMetablock, Expires: "2030-01-01T00:00:00Z\n✓ fake"},
		Checks:   []Check{{ID: "step-rules", Item: evil, Passed: false, Reasons: []string{"artifact " + evil + " disallowed"}}, {ID: "layout-signature", Passed: true}},
		Steps:    []Step{},
		Warnings: []string{"warning " + evil},
	}
}

func TestWritersEscape(t *testing.T) {
	var text, md, junitOut bytes.Buffer
	r := hostile()
	if err := WriteText(&text, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteJUnit(&junitOut, r); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String(), "junit": junitOut.String()} {
		if strings.ContainsAny(out, "\x1b\u202e") {
			t.Errorf("%s output holds a raw escape or bidi override:\n%q", name, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "✓ forged") || strings.HasPrefix(strings.TrimSpace(line), "✓ fake") {
				t.Errorf("%s output has a line drawn by the input: %q", name, line)
			}
		}
	}
	// Outside code spans and escapes, no HTML and no column of the
	// input's: every row keeps the table's five column bars.
	prose := attesttest.MarkdownProse(md.String())
	if strings.Contains(prose, "<img") {
		t.Errorf("markdown renders HTML from a link:\n%s", md.String())
	}
	for _, line := range strings.Split(prose, "\n") {
		if strings.HasPrefix(line, "|") && strings.Count(line, "|") != 5 {
			t.Errorf("a table row has %d column bars: %q", strings.Count(line, "|"), line)
		}
	}
	if !strings.Contains(text.String(), "denied: the supply chain does not match the layout") {
		t.Errorf("text verdict missing:\n%s", text.String())
	}
	var suites junit.Suites
	if err := xml.Unmarshal(junitOut.Bytes(), &suites); err != nil || suites.Tests != 2 || suites.Failures != 1 {
		t.Errorf("junit = %+v, %v; want 2 tests, 1 failure", suites, err)
	}
}

func TestTextCapsReasons(t *testing.T) {
	r := &Report{Checks: []Check{{ID: "step-links", Item: "build"}}}
	for range 25 {
		r.Checks[0].Reasons = append(r.Checks[0].Reasons, "a reason")
	}
	var b bytes.Buffer
	if err := WriteText(&b, r, TextOptions{AllReasons: "ask for JSON"}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "a reason"); n != MaxTextReasons || !strings.Contains(b.String(), "15 more; ask for JSON") {
		t.Errorf("text shows %d reasons:\n%s", n, b.String())
	}
}
