package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/safetext"
)

// Hashing progress: a long hash (a 2 GiB artifact takes seconds) shows how
// far it has got, in bytes, on standard error, on a terminal only (and not
// in CI), one line rewritten in place and cleared when done. run --progress
// forces it anywhere, a line every few seconds when not on a terminal.

// progressDelay is how long a hash runs before progress shows;
// progressTick how often the line is rewritten.
const (
	progressDelay = time.Second
	progressTick  = 200 * time.Millisecond
)

// progressOn says whether hashing progress shows on w: forced, or a
// terminal outside CI.
func progressOn(w io.Writer, forced bool) bool {
	return forced || (isTerminal(w) && os.Getenv("CI") != "true")
}

// progressLine is one line of progress: files (done of total, when the
// total is known or "?" while still counting; none when files < 0),
// bytes hashed of size (with a percentage when size is known), elapsed
// time.
func progressLine(prefix string, done, files int64, final bool, bytes, size int64, elapsed time.Duration) string {
	line := prefix
	if files >= 0 {
		total := "?"
		if final {
			total = fmt.Sprint(files)
		}
		line += fmt.Sprintf(" %d/%s files,", done, total)
	}
	if size > 0 {
		pct := min(bytes*100/size, 100)
		line += fmt.Sprintf(" %s of %s (%d%%)", sizeText(bytes), sizeText(size), pct)
	} else {
		line += " " + sizeText(bytes)
	}
	return line + fmt.Sprintf(", %.0fs", elapsed.Seconds())
}

// sizeText shows a byte count in MiB, or GiB from 1 GiB.
func sizeText(n int64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// hashProgress shows the progress of the hashes counted on a
// digest.Meter (attest, verify): after progressDelay of hashing, one line
// rewritten in place, cleared when hashing stops. It writes only to a
// terminal; what it writes fails quietly (a safetext.Printer keeps the
// error).
type hashProgress struct {
	mu     sync.Mutex
	w      *safetext.Printer
	prefix string
	meter  *digest.Meter
	since  time.Time // when the hashing shown began; zero while idle
	shown  bool
}

// startHashProgress counts the command's hashes (its context carries a
// digest.Meter from now on) and shows their progress on its standard
// error when that is a terminal outside CI. Call the returned function
// when the command is done: it stops and clears the line.
func startHashProgress(cmd *cobra.Command, name string) (stop func()) {
	w := cmd.ErrOrStderr()
	if !progressOn(w, false) {
		return func() {}
	}
	m := &digest.Meter{}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	cmd.SetContext(digest.WithMeter(ctx, m))
	p := &hashProgress{w: safetext.NewPrinter(w), prefix: "provenant: " + name + ": hashing", meter: m}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(progressTick)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				p.tick(now, m.State())
			case <-done:
				return
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		p.clear()
	}
}

// tick shows the state at now: nothing while no file is being hashed or
// for the first progressDelay, then the line.
func (p *hashProgress) tick(now time.Time, st digest.MeterState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if st.Files == st.Done {
		p.clearLocked()
		p.since = time.Time{}
		return
	}
	if p.since.IsZero() {
		p.since = now
	}
	elapsed := now.Sub(p.since)
	if elapsed < progressDelay {
		return
	}
	files, size := int64(-1), st.Size
	if st.Planned > 0 {
		files, size = st.Planned, st.PlannedSize
	}
	p.w.Printf("\r\x1b[K%s", progressLine(p.prefix, st.Done, files, true, st.Bytes, size, elapsed))
	p.shown = true
}

func (p *hashProgress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
}

func (p *hashProgress) clearLocked() {
	if p.shown {
		p.w.Print("\r\x1b[K")
		p.shown = false
	}
}

// progressPrinter shows run's hashing progress (digest.HashTree's, per
// phase) on stderr once a phase has taken more than progressDelay: on a
// terminal one line rewritten in place, its last state left on the
// screen once; elsewhere (run --progress) a line every five seconds and
// the last one. Best effort: after a failed write it stays quiet.
type progressPrinter struct {
	w       *safetext.Printer
	on, tty bool
	mu      sync.Mutex
	shown   bool
	last    time.Time
	now     func() time.Time
	// finished are the phases whose last line was printed: HashTree
	// reports its final state on a tick and again when it returns.
	finished map[string]bool
}

func newProgressPrinter(w io.Writer, on bool) *progressPrinter {
	return &progressPrinter{w: safetext.NewPrinter(w), on: on, tty: isTerminal(w), now: time.Now, finished: map[string]bool{}}
}

func (pp *progressPrinter) update(phase string, p digest.Progress) {
	if !pp.on || p.Elapsed < progressDelay {
		return
	}
	pp.mu.Lock()
	defer pp.mu.Unlock()
	if pp.finished[phase] {
		return
	}
	final := p.Walked && p.Files == p.Total
	size := int64(0) // unknown until every file is open
	if p.Walked && p.Opened == p.Total {
		size = p.Size
	}
	line := progressLine("provenant: run: hashing "+phase+":", p.Files, p.Total, p.Walked, p.Bytes, size, p.Elapsed)
	if final {
		pp.finished[phase] = true
	}
	if pp.tty {
		if final {
			pp.w.Printf("\r\x1b[K%s\n", line)
			pp.shown = false
			return
		}
		pp.w.Printf("\r\x1b[K%s", line)
		pp.shown = true
		return
	}
	if now := pp.now(); final || now.Sub(pp.last) >= 5*time.Second {
		pp.w.Println(line)
		pp.last = now
	}
}

// finish ends a progress line left on a terminal.
func (pp *progressPrinter) finish() {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	if pp.shown {
		pp.w.Print("\r\x1b[K")
		pp.shown = false
	}
}
