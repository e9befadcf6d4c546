package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
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
			out := r.stdout + r.stderr
			for _, bad := range []string{"\x1b", "\r", "\u202e", "\n## provenant verify: ✅", "\n✓ app.tar.gz"} {
				if strings.Contains(out, bad) {
					t.Errorf("output holds %q:\n%s", bad, out)
				}
			}
			if !strings.Contains(tt.name, "text") && !strings.Contains(tt.name, "table") && strings.Contains(attesttest.MarkdownProse(out), "<h1>✅") {
				t.Errorf("output holds the signer's HTML:\n%s", out)
			}
			if strings.Contains(tt.name, "markdown") && strings.Contains(attesttest.MarkdownProse(out), "$$") {
				t.Errorf("Markdown holds math outside code:\n%s", out)
			}
			goldenRun(t, f.pkgDir, filepath.Join("escape", tt.name+".golden"), r, tt.code)
		})
	}
}
