package inspect

import (
	"bytes"
	"context"
	"strings"
	"testing"

	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/provenance"
)

// hostile values a signer puts in signed fields of its provenance.
var hostile = map[string]string{
	"builder": "https://evil.example/b\n> ✓ **FORGED**\x1b[32m\u200b",
	"subject": "</td></tr></table><h1 id=forged>✓ FORGED</h1><img src=x onerror=alert(1)>",
	"step":    "build | ✓ | `x` | $$\\color{green}{\\text{FORGED}}$$",
	"dep":     "[✓ FORGED](https://evil.example) ![x](https://evil.example/x.png)\u202e",
	"type":    "- ✓ FORGED\r\x1b[2K✓ FORGED",
}

// hostileBundle is one envelope, validly signed by the trusted key, whose
// provenance carries the hostile values.
func hostileBundle(t *testing.T, s attest.Signer) []byte {
	t.Helper()
	ext, err := structpb.NewStruct(map[string]any{"step": hostile["step"], "note": "```\n</code></pre><script>alert(1)</script>"})
	if err != nil {
		t.Fatal(err)
	}
	stmt, err := provenance.NewStatement([]digest.Artifact{{Name: hostile["subject"], Digests: digest.Set{"sha256": hexOf("s")[:64]}}}, &slsa1.Provenance{
		BuildDefinition: &slsa1.BuildDefinition{BuildType: hostile["type"], ExternalParameters: ext,
			ResolvedDependencies: []*ita.ResourceDescriptor{{Name: hostile["dep"], Digest: map[string]string{"sha256": hexOf("d")[:64]}}}},
		RunDetails: &slsa1.RunDetails{Builder: &slsa1.Builder{Id: hostile["builder"]}},
	})
	if err != nil {
		t.Fatal(err)
	}
	env, err := attest.SignStatement(context.Background(), stmt, s)
	if err != nil {
		t.Fatal(err)
	}
	line, _ := attest.MarshalEnvelope(env)
	return append(line, '\n')
}

// TestRenderHostile: in every human format, signed fields cannot add
// lines, terminal escapes, HTML, Markdown structure, links, images or math
// (issue 13, item 15b).
func TestRenderHostile(t *testing.T) {
	s, pub := testKey(t)
	r := inspect(t, hostileBundle(t, s), WithKeys(pub))
	render := func(format string) string {
		var b bytes.Buffer
		if err := Render(&b, r, format, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, format := range []string{"table", "markdown", "html"} {
		out := render(format)
		for _, bad := range []string{"\x1b", "\r", "\u202e", "\u200b"} {
			if strings.Contains(out, bad) && !(format == "markdown" && bad == "\u200b") {
				t.Errorf("%s output holds %q", format, bad)
			}
		}
		if format == "html" {
			for _, bad := range []string{"<h1 id=forged", "<img", "<script", "</code></pre><"} {
				if strings.Contains(out, bad) {
					t.Errorf("html output holds %q", bad)
				}
			}
		}
		for _, fake := range []string{"\n> ✓ **FORGED", "\n- ✓ FORGED", "\n✓ FORGED"} {
			if strings.Contains(out, fake) {
				t.Errorf("%s output holds a line the signer wrote: %q", format, fake)
			}
		}
	}
	md := render("markdown")
	fence := ""
	head := true // the findings and the headline come first, as quotes
	for i, line := range strings.Split(md, "\n") {
		if line == "| | |" {
			head = false
		}
		if strings.HasPrefix(line, "```") {
			if fence == "" {
				fence = strings.TrimPrefix(line, "```")
			} else {
				fence = ""
			}
			continue
		}
		switch fence {
		case "json":
			continue // a code block: literal (a "```" in it is broken by a zero-width space)
		case "mermaid":
			// Mermaid renders $$...$$ as math and reads quotes and
			// brackets as syntax: labels keep them escaped.
			if strings.Contains(line, "$") || strings.Count(line, `"`)%2 != 0 {
				t.Errorf("mermaid line %d: %s", i+1, line)
			}
			continue
		}
		if strings.Contains(line, "\u200b") {
			t.Errorf("markdown line %d holds a zero-width space: %q", i+1, line)
		}
		if strings.HasPrefix(line, "> ") && !head {
			t.Errorf("markdown line %d is a quote a signer wrote: %s", i+1, line)
		}
		// Outside code spans: no math, no raw HTML, no link or image.
		prose := attesttest.MarkdownProse(line)
		for _, bad := range []string{"$", "<", "](", "!["} {
			if strings.Contains(prose, bad) {
				t.Errorf("markdown line %d holds %q outside code: %s", i+1, bad, line)
			}
		}
	}
	if n := strings.Count(md, "| builder |"); n != 1 {
		t.Errorf("%d builder rows, want 1", n)
	}
}
