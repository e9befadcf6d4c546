package main

import (
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
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
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--screenshot="+shot, "--window-size=1280,2000",
		"file://"+report)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
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
