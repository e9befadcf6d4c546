package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
)

// TestConcurrentAttestAppends: 16 attest processes appending to one bundle
// at once leave 16 whole lines, each of which verifies.
func TestConcurrentAttestAppends(t *testing.T) {
	bin := provenantBinary(t)
	dir := t.TempDir()
	if r := runCLI(t, dir, "keygen", "--out", "k"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	const n = 16
	for i := range n {
		attesttest.WriteFile(t, filepath.Join(dir, fmt.Sprintf("a%02d.bin", i)), []byte(fmt.Sprintf("artifact %d\n", i)), 0o644)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			cmd := exec.Command(bin, "attest", "--key", "k.key", "--bundle", "b.intoto.jsonl", fmt.Sprintf("a%02d.bin", i))
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("attest %d: %v: %s", i, err, out)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	entries, err := attest.ReadBundleFile(filepath.Join(dir, "b.intoto.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != n {
		t.Fatalf("bundle has %d entries, want %d", len(entries), n)
	}
	for _, e := range entries {
		if e.Err != nil {
			t.Errorf("%s: %v", e.Source, e.Err)
		}
	}
	args := []string{"verify", "--bundle", "b.intoto.jsonl", "--key", "k.pub"}
	for i := range n {
		args = append(args, fmt.Sprintf("a%02d.bin", i))
	}
	if r := runCLI(t, "", args...); r.code != 0 {
		t.Errorf("verify after concurrent appends: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestKilledWriterLeavesWholeLines: attest killed with SIGKILL at random
// moments leaves the bundle as it was or with one more whole line, never
// half a line.
func TestKilledWriterLeavesWholeLines(t *testing.T) {
	bin := provenantBinary(t)
	dir := t.TempDir()
	if r := runCLI(t, dir, "keygen", "--out", "k"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	// Enough artifacts that hashing, signing and writing take a moment.
	for i := range 200 {
		attesttest.WriteFile(t, filepath.Join(dir, "dist", fmt.Sprintf("f%03d", i)), bytes.Repeat([]byte{byte(i)}, 64<<10), 0o644)
	}
	bundle := filepath.Join(dir, "b.intoto.jsonl")
	lines := 0
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 25 {
		before, _ := os.ReadFile(bundle)
		cmd := exec.Command(bin, "attest", "--key", "k.key", "--bundle", "b.intoto.jsonl", "dist")
		cmd.Dir = dir
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.IntN(40_000)) * time.Microsecond)
		// The command may have finished already: then there is nothing to
		// kill, and it may exit 0; killed, it exits with an error.
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			if _, ok := errors.AsType[*exec.ExitError](err); !ok {
				t.Fatal(err)
			}
		}
		after, err := os.ReadFile(bundle)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		switch {
		case bytes.Equal(after, before):
		case bytes.HasPrefix(after, before) && bytes.Count(after[len(before):], []byte("\n")) == 1 && bytes.HasSuffix(after, []byte("\n")):
			lines++
		default:
			t.Fatalf("kill %d: the bundle changed to something other than one more whole line:\n%q", i, after[len(before):])
		}
		if len(after) > 0 {
			entries, err := attest.ReadBundleFile(bundle)
			if err != nil {
				t.Fatalf("kill %d: %v", i, err)
			}
			for _, e := range entries {
				if e.Err != nil {
					t.Fatalf("kill %d: %s: %v", i, e.Source, e.Err)
				}
			}
		}
	}
	t.Logf("25 kills: %d appends completed, the rest left the bundle as it was", lines)
	// Temporary files of killed writers are all that may remain beside it.
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, n := range names {
		base := filepath.Base(n)
		if !strings.HasPrefix(base, ".") && base != "b.intoto.jsonl" && base != "k.key" && base != "k.pub" && base != "dist" {
			t.Errorf("unexpected file %s", base)
		}
	}
}
