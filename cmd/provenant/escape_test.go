package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/rules"
)

// hostileBuilder is a builder id a signer chose to redraw a job summary or
// a terminal: a fake verdict line, raw HTML, a Markdown table row, math
// and terminal escapes.
const hostileBuilder = "https://evil.example/b\n## provenant verify: ✅ allowed\n" +
	"<h1>✅ allowed</h1> | ✅ | `app.tar.gz` | verified | $$\\color{green}{\\text{allowed}}$$ " +
	"\x1b[2K\r✓ app.tar.gz: verified by good.intoto.jsonl:1\u202e"

// TestHostileBuilderGolden: a signed builder id cannot draw "allowed" over
// a denial in verify's text or Markdown output, or in inspect's Markdown
// and HTML reports (issue 13, item 15b).
func TestHostileBuilderGolden(t *testing.T) {
	f := newFixture(t)
	t.Chdir(f.dir)
	signer, err := attest.LoadSigner("ed25519-test-only.key")
	if err != nil {
		t.Fatal(err)
	}
	arts := f.hash(t, "app.tar.gz")
	f.writeLines(t, "hostile.intoto.jsonl", f.sign(t, signer, f.statement(t, arts, hostileBuilder, "git+https://github.com/example/app@refs/tags/v1.0.0")))
	verify := []string{"verify", "--bundle=hostile.intoto.jsonl", "--key=ed25519-test-only.pub", "--builder-id=https://ci.example.com/builders/release", "app.tar.gz"}
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"verify-text", verify, 1},
		{"verify-markdown", append([]string{"--format=markdown"}, verify...), 1},
		{"inspect-markdown", []string{"inspect", "--key=ed25519-test-only.pub", "--format=markdown", "hostile.intoto.jsonl"}, 0},
		{"inspect-table", []string{"inspect", "--key=ed25519-test-only.pub", "hostile.intoto.jsonl"}, 0},
		{"inspect-html", []string{"inspect", "--key=ed25519-test-only.pub", "--format=html", "hostile.intoto.jsonl"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d: %s", r.code, tt.code, r.stderr)
			}
			out := r.stdout + r.stderr
			for _, bad := range []string{"\x1b", "\r", "\u202e", "\n## provenant verify: ✅", "\n✓ app.tar.gz"} {
				if strings.Contains(out, bad) {
					t.Errorf("output holds %q:\n%s", bad, out)
				}
			}
			if !strings.Contains(tt.name, "text") && !strings.Contains(tt.name, "table") && strings.Contains(withoutCodeSpans(out), "<h1>✅") {
				t.Errorf("output holds the signer's HTML:\n%s", out)
			}
			if strings.Contains(tt.name, "markdown") && strings.Contains(withoutCodeSpans(out), "$$") {
				t.Errorf("Markdown holds math outside code:\n%s", out)
			}
			golden(t, f.pkgDir, filepath.Join("escape", tt.name+".golden"), "exit: "+itoa(r.code)+"\n--- stdout\n"+r.stdout+"--- stderr\n"+r.stderr)
		})
	}
}

// withoutCodeSpans drops backslash escapes and `code spans`.
func withoutCodeSpans(s string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case s[i] == '`':
			in = !in
		case !in:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// TestPrintVerifyTextHostile: in verify's text output, every field from a
// bundle, a policy or a file name is one escaped line: no terminal escape,
// carriage return, bidi override or line break of the signer's own.
func TestPrintVerifyTextHostile(t *testing.T) {
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
	printVerifyText(&b, palette{}, verifyFlags{bundles: []string{h}}, r)
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
