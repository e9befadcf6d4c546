package digest

import (
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// bigFile writes a 64 MiB file of random bytes once per benchmark.
func bigFile(b *testing.B) (string, int64) {
	b.Helper()
	const size = 64 << 20
	p := filepath.Join(b.TempDir(), "big.bin")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p, size
}

func benchmarkFile(b *testing.B, algs ...string) {
	p, size := bigFile(b)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := File(p, algs...); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFile64MiBSHA256(b *testing.B)       { benchmarkFile(b, SHA256) }
func BenchmarkFile64MiBSHA256SHA512(b *testing.B) { benchmarkFile(b, SHA256, SHA512) }
