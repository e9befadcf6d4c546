package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/attesttest"
)

// chromiumPath finds Debian's chromium, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser")
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not found (apt-get install chromium): the HTML report is not rendered")
	return ""
}

// TestInspectHTMLRendersInChromium opens the HTML report of the two-step
// bundle in headless Chromium and checks that the screenshot shows
// something: a PNG of some size with more than a few colours. Set
// PROVENANT_SCREENSHOT=path to keep the screenshot for a look.
func TestInspectHTMLRendersInChromium(t *testing.T) {
	chromium := chromiumPath(t)
	dir := newInspectFixture(t)
	r := runCLI(t, dir, "inspect", "--key", "ed25519-test-only.pub", "--format", "html", "--output", "report.html", "two-step.intoto.jsonl", "mixed.intoto.jsonl")
	// mixed.intoto.jsonl holds an unreadable line and an envelope of
	// another key: exit 1, and every status on the page.
	if r.code != 1 {
		t.Fatalf("inspect --format html: exit %d, want 1; stderr %s", r.code, r.stderr)
	}
	report, err := filepath.Abs(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "out.png")
	chromiumRun(t, chromium, dir, "--screenshot="+shot, "--window-size=1280,2000", "file://"+report)
	info, err := os.Stat(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if info.Size() < 10<<10 {
		t.Errorf("screenshot is %d bytes, want more than 10 KiB", info.Size())
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer attesttest.Close(t, f)
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if n := colours(img, 64); n < 8 {
		t.Errorf("screenshot has %d distinct colours, want a rendered page (at least 8)", n)
	}
	if keep := os.Getenv("PROVENANT_SCREENSHOT"); keep != "" {
		data, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keep, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// chromiumRun runs headless Chromium with args and returns its standard
// output.
func chromiumRun(t *testing.T, chromium, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}, args...)...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errb.String())
	}
	return out.String()
}

// TestInspectHTMLChainInChromium renders the HTML report of a broken chain
// (a name two steps see with different digests) and of the same content
// under two names in headless Chromium, and checks what the page shows:
// the DOM Chromium built (--dump-dom) and the colours of the screenshot.
// A broken chain is a red finding above a verdict that is not green; the
// same digest under two names is two nodes, joined by a dotted line.
func TestInspectHTMLChainInChromium(t *testing.T) {
	chromium := chromiumPath(t)
	dir := newInspectFixture(t)
	var (
		red   = color.RGBA{0xcf, 0x22, 0x2e, 0xff} // --bad
		green = color.RGBA{0xda, 0xfb, 0xe1, 0xff} // --ok-bg, the verified verdict
		same  = color.RGBA{0x82, 0x50, 0xdf, 0xff} // a same-digest line
	)
	tests := []struct {
		name, bundle string
		wantCode     int
		// want are texts the rendered DOM holds, in this order.
		want, wantNot []string
		// top are colours the first 260 pixels of the page show (or
		// not); anywhere those it shows anywhere.
		top, topNot, anywhere []color.RGBA
	}{
		{
			name: "broken", bundle: "broken.intoto.jsonl", wantCode: 1,
			want: []string{
				`<section class="findings" id="findings">`, "CHAIN BROKEN: 1 artifact name is seen with different digests",
				"build/hello has 2 different digests: sha256:5891b5b522d5… produced by compile; sha256:92e78d0b0329… consumed by package",
				`<p class="verdict bad">NOT VERIFIED AS A CHAIN`,
				"<title>build/hello sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03 (DIGEST MISMATCH",
				"<title>build/hello sha256:92e78d0b032962f47792a9fa95fd981ef63e1e3ef074d536d6304c75eddbe29f (DIGEST MISMATCH",
			},
			wantNot: []string{"verdict ok", ">VERIFIED:"},
			top:     []color.RGBA{red}, topNot: []color.RGBA{green},
		},
		{
			name: "same-digest", bundle: "same-digest.intoto.jsonl", wantCode: 0,
			want: []string{
				`<p class="verdict ok">VERIFIED`,
				`<path class="same"`, "<title>same digest: src/main.c and build/app</title>",
				`>src/main.c</text>`, `>build/app</text>`,
				"from the source checkout; same digest as build/app",
			},
			wantNot:  []string{"CHAIN BROKEN", `class="findings"`, "DIGEST MISMATCH"},
			top:      []color.RGBA{green},
			anywhere: []color.RGBA{same},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, dir, "inspect", "--key", "ed25519-test-only.pub", "--format", "html", "--output", tt.name+".html", tt.bundle)
			if r.code != tt.wantCode {
				t.Fatalf("inspect: exit %d, want %d; stderr %s", r.code, tt.wantCode, r.stderr)
			}
			page, err := filepath.Abs(filepath.Join(dir, tt.name+".html"))
			if err != nil {
				t.Fatal(err)
			}
			dom := chromiumRun(t, chromium, dir, "--dump-dom", "file://"+page)
			if !strings.Contains(dom, "</html>") {
				t.Fatalf("chromium dumped no page:\n%s", dom)
			}
			at := 0
			for _, w := range tt.want {
				i := strings.Index(dom[at:], w)
				if i < 0 {
					t.Errorf("the rendered page lacks %q after offset %d", w, at)
					continue
				}
				at += i + len(w)
			}
			for _, w := range tt.wantNot {
				if strings.Contains(dom, w) {
					t.Errorf("the rendered page shows %q", w)
				}
			}
			shot := filepath.Join(dir, tt.name+".png")
			chromiumRun(t, chromium, dir, "--screenshot="+shot, "--window-size=1280,1200", "file://"+page)
			img := readPNG(t, shot)
			for _, c := range tt.top {
				if !hasColour(img, c, 260) {
					t.Errorf("the top of the page does not show %v", c)
				}
			}
			for _, c := range tt.topNot {
				if hasColour(img, c, 260) {
					t.Errorf("the top of the page shows %v", c)
				}
			}
			for _, c := range tt.anywhere {
				if !hasColour(img, c, img.Bounds().Dy()) {
					t.Errorf("the page does not show %v", c)
				}
			}
			if keep := os.Getenv("PROVENANT_SCREENSHOT"); keep != "" {
				data, err := os.ReadFile(shot)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(strings.TrimSuffix(keep, ".png")+"-"+tt.name+".png", data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer attesttest.Close(t, f)
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", path, err)
	}
	return img
}

// hasColour says whether the first rows of img hold a pixel within a small
// distance of c (anti-aliasing and colour management move colours a little).
func hasColour(img image.Image, c color.RGBA, rows int) bool {
	b := img.Bounds()
	near := func(x, y uint32) bool { d := int(x>>8) - int(y); return d >= -6 && d <= 6 }
	for y := b.Min.Y; y < b.Min.Y+rows && y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(r, uint32(c.R)) && near(g, uint32(c.G)) && near(bl, uint32(c.B)) {
				return true
			}
		}
	}
	return false
}

// colours counts distinct colours, up to limit.
func colours(img image.Image, limit int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}
