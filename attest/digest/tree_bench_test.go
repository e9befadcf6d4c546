package digest

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// makeBenchTree writes n files of size bytes under dir, 100 to a directory,
// the shape of a source tree.
func makeBenchTree(b *testing.B, dir string, n, size int) {
	b.Helper()
	buf := make([]byte, size)
	for i := range n {
		d := filepath.Join(dir, fmt.Sprintf("d%03d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(d, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := rand.Read(buf); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("f%05d", i)), buf, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashTree10kFiles4KiB is the materials of `provenant run` over a
// source tree: 10,000 files of 4 KiB.
func BenchmarkHashTree10kFiles4KiB(b *testing.B) {
	dir := b.TempDir()
	makeBenchTree(b, dir, 10000, 4096)
	b.ReportAllocs()
	b.SetBytes(10000 * 4096)
	for b.Loop() {
		tr, err := HashTree(context.Background(), []string{dir})
		if err != nil {
			b.Fatal(err)
		}
		if len(tr.Entries) != 10000 {
			b.Fatalf("%d entries", len(tr.Entries))
		}
	}
}

// BenchmarkHashTreeOneLargeFile shows streaming: allocations do not grow
// with the file (64 MiB here).
func BenchmarkHashTreeOneLargeFile(b *testing.B) {
	dir := b.TempDir()
	makeBenchTree(b, dir, 1, 64<<20)
	b.ReportAllocs()
	b.SetBytes(64 << 20)
	for b.Loop() {
		if _, err := HashTree(context.Background(), []string{dir}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashTreePattern10kFiles expands a "**" pattern that matches
// 10,000 files one by one (no directory matches whole), then hashes them.
func BenchmarkHashTreePattern10kFiles(b *testing.B) {
	dir := b.TempDir()
	makeBenchTree(b, dir, 10000, 4096)
	b.ReportAllocs()
	for b.Loop() {
		tr, err := HashTree(context.Background(), []string{filepath.Join(dir, "**", "f0*")})
		if err != nil {
			b.Fatal(err)
		}
		if len(tr.Entries) != 10000 {
			b.Fatalf("%d entries", len(tr.Entries))
		}
	}
}
