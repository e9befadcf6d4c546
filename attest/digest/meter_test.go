package digest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestFileContextCountsOnTheMeter(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(big, []byte(strings.Repeat("x", 3<<20+5)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(small, []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Without a meter: the same digests as File.
	want, err := File(big, SHA256)
	if err != nil {
		t.Fatal(err)
	}
	got, err := FileContext(context.Background(), big, SHA256)
	if err != nil || got[SHA256] != want[SHA256] {
		t.Fatalf("FileContext = %v, %v; want %v", got, err, want)
	}
	m := &Meter{}
	ctx := WithMeter(context.Background(), m)
	if _, err := Files(ctx, []string{big, small}, SHA256); err != nil {
		t.Fatal(err)
	}
	st := m.State()
	wantSt := MeterState{Files: 2, Done: 2, Bytes: 3<<20 + 5 + 3, Size: 3<<20 + 5 + 3, Planned: 2, PlannedSize: 3<<20 + 5 + 3}
	if st != wantSt {
		t.Errorf("meter after Files = %+v, want %+v", st, wantSt)
	}
	// A failed open counts nothing and leaves nothing in progress.
	if _, err := FileContext(ctx, filepath.Join(dir, "nope")); err == nil {
		t.Error("hashing a missing file succeeded")
	}
	if st := m.State(); st.Files != st.Done {
		t.Errorf("after a failed open, %d files opened, %d done", st.Files, st.Done)
	}
}

func TestFileContextStopsWhenCancelled(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(strings.Repeat("x", 4<<20)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := FileContext(ctx, p); !errors.Is(err, context.Canceled) {
		t.Errorf("FileContext with a cancelled context: %v, want context.Canceled", err)
	}
}

// TestHashTreeProgressInBytes: HashTree's progress counts bytes as they
// are read, so a large file moves it before it is done, and says the size
// once every file is open.
func TestHashTreeProgressInBytes(t *testing.T) {
	dir := t.TempDir()
	const size = 64 << 20
	if err := os.WriteFile(filepath.Join(dir, "big"), make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	var partial atomic.Bool
	var last atomic.Pointer[Progress]
	_, err := HashTree(context.Background(), []string{dir}, WithWorkers(1), WithProgress(func(p Progress) {
		if p.Files == 0 && p.Bytes > 0 && p.Bytes < size {
			partial.Store(true)
		}
		last.Store(&p)
	}, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	p := last.Load()
	if p == nil || p.Bytes != size || p.Size != size || p.Opened != 1 || p.Files != 1 || !p.Walked {
		t.Errorf("last progress = %+v, want 1 file of %d bytes, all hashed", p, size)
	}
	if !partial.Load() {
		t.Log("no progress report fell inside the file (a fast machine); the byte count is checked at the end only")
	}
}
