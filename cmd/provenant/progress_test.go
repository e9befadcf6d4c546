package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/safetext"
)

// visible shows a terminal's control sequences in a golden file.
var visible = strings.NewReplacer("\r", `\r`, "\x1b[K", `\e[K`)

// TestHashProgressGolden drives attest's and verify's progress line with
// a fake clock and meter states: nothing in the first second or while no
// file is being hashed, bytes as they are hashed (not 0 until a file is
// done), the line cleared when hashing stops.
func TestHashProgressGolden(t *testing.T) {
	pkgDir := packageDir(t)
	const gib = int64(1) << 30
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		after time.Duration
		st    digest.MeterState
	}{
		{0, digest.MeterState{}}, // idle: nothing
		{100 * time.Millisecond, digest.MeterState{Files: 1, Size: 2 * gib}},
		{600 * time.Millisecond, digest.MeterState{Files: 1, Bytes: gib / 4, Size: 2 * gib}},                  // under a second: nothing
		{1200 * time.Millisecond, digest.MeterState{Files: 1, Bytes: gib / 2, Size: 2 * gib}},                 // shown
		{9 * time.Second, digest.MeterState{Files: 1, Bytes: 2*gib - 1<<20, Size: 2 * gib}},                   // nearly
		{9500 * time.Millisecond, digest.MeterState{Files: 1, Done: 1, Bytes: 2 * gib, Size: 2 * gib}},        // done: cleared
		{9700 * time.Millisecond, digest.MeterState{Files: 1, Done: 1, Bytes: 2 * gib, Size: 2 * gib}},        // idle: nothing
		{10 * time.Second, digest.MeterState{Files: 2, Done: 1, Bytes: 2 * gib, Size: 3 * gib, Planned: 0}},   // another file: a new second
		{10500 * time.Millisecond, digest.MeterState{Files: 2, Done: 1, Bytes: 2*gib + 1<<20, Size: 3 * gib}}, // nothing yet
		{11200 * time.Millisecond, digest.MeterState{Files: 2, Done: 1, Bytes: 2*gib + 300<<20, Size: 3 * gib}},
	}
	var buf bytes.Buffer
	p := &hashProgress{w: safetext.NewPrinter(&buf), prefix: "provenant: verify: hashing"}
	var b strings.Builder
	for _, s := range steps {
		buf.Reset()
		p.tick(t0.Add(s.after), s.st)
		b.WriteString(s.after.String() + ": " + visible.Replace(buf.String()) + "\n")
	}
	buf.Reset()
	p.clear()
	b.WriteString("stop: " + visible.Replace(buf.String()) + "\n")

	// attest knows the whole job: files and their sizes, planned.
	buf.Reset()
	p = &hashProgress{w: safetext.NewPrinter(&buf), prefix: "provenant: attest: hashing"}
	p.tick(t0, digest.MeterState{Files: 2, Done: 1, Bytes: 10 << 20, Size: 20 << 20, Planned: 300, PlannedSize: 3 * gib})
	p.tick(t0.Add(1500*time.Millisecond), digest.MeterState{Files: 120, Done: 118, Bytes: gib, Size: gib, Planned: 300, PlannedSize: 3 * gib})
	b.WriteString("attest: " + visible.Replace(buf.String()) + "\n")
	golden(t, pkgDir, filepath.Join("progress", "hash.golden"), b.String())
}

// TestRunProgressGolden drives run's progress printer: bytes move while
// a large file is hashed (no "0/1 files, 0.0 MiB" until it is done), the
// size shows once every file is open, and the last line of a phase is
// printed once, though HashTree reports it twice; on a terminal and, with
// --progress, elsewhere.
func TestRunProgressGolden(t *testing.T) {
	pkgDir := packageDir(t)
	const gib = int64(1) << 30
	states := []struct {
		phase string
		p     digest.Progress
	}{
		{"materials", digest.Progress{Total: 1, Elapsed: 500 * time.Millisecond}}, // under a second: nothing
		{"materials", digest.Progress{Total: 1, Bytes: 300 << 20, Elapsed: 1100 * time.Millisecond}},
		{"materials", digest.Progress{Total: 1, Walked: true, Opened: 1, Bytes: gib, Size: 2 * gib, Elapsed: 3 * time.Second}},
		{"materials", digest.Progress{Files: 1, Total: 1, Walked: true, Opened: 1, Bytes: 2 * gib, Size: 2 * gib, Elapsed: 7 * time.Second}},
		{"materials", digest.Progress{Files: 1, Total: 1, Walked: true, Opened: 1, Bytes: 2 * gib, Size: 2 * gib, Elapsed: 7 * time.Second}}, // again: nothing
		{"products", digest.Progress{Files: 3, Total: 9, Opened: 5, Bytes: 40 << 20, Size: 80 << 20, Elapsed: 2 * time.Second}},
		{"products", digest.Progress{Files: 9, Total: 9, Walked: true, Opened: 9, Bytes: 90 << 20, Size: 90 << 20, Elapsed: 4 * time.Second}},
		{"products", digest.Progress{Files: 9, Total: 9, Walked: true, Opened: 9, Bytes: 90 << 20, Size: 90 << 20, Elapsed: 4 * time.Second}},
	}
	var b strings.Builder
	for _, tty := range []bool{true, false} {
		var buf bytes.Buffer
		pp := newProgressPrinter(&buf, true)
		pp.tty = tty
		clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		pp.now = func() time.Time { return clock }
		for _, s := range states {
			clock = clock.Add(time.Second)
			pp.update(s.phase, s.p)
		}
		pp.finish()
		b.WriteString("# terminal " + map[bool]string{true: "yes", false: "no (--progress)"}[tty] + "\n" + visible.Replace(buf.String()) + "\n")
	}
	// Off (not a terminal, no --progress): nothing.
	var buf bytes.Buffer
	pp := newProgressPrinter(&buf, false)
	for _, s := range states {
		pp.update(s.phase, s.p)
	}
	pp.finish()
	b.WriteString("# off\n" + buf.String())
	golden(t, pkgDir, filepath.Join("progress", "run.golden"), b.String())
}

// TestProgressOnlyOnATerminal: progress shows on a terminal or when
// forced; never on a pipe or a file, and then attest's and verify's
// commands print no progress and carry no meter.
func TestProgressOnlyOnATerminal(t *testing.T) {
	var buf bytes.Buffer
	if progressOn(&buf, false) {
		t.Error("progress on a buffer")
	}
	if !progressOn(&buf, true) {
		t.Error("forced progress is off")
	}
	dir := newInspectFixture(t)
	attesttest.WriteFile(t, filepath.Join(dir, "app.bin"), bytes.Repeat([]byte("x"), 3<<20), 0o644)
	for _, args := range [][]string{
		{"attest", "--key", "ed25519-test-only.key", "--bundle", "p.intoto.jsonl", "app.bin"},
		{"verify", "--bundle", "p.intoto.jsonl", "--key", "ed25519-test-only.pub", "app.bin"},
	} {
		r := runCLI(t, dir, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "hashing") || strings.Contains(r.stderr, "\r") {
			t.Errorf("%v printed progress on a pipe: %q", args, r.stderr)
		}
	}
}
