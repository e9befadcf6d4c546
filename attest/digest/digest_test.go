package digest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/attesttest"
)

// Known answers for "abc" (FIPS 180-2).
var abc = Set{
	SHA256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	SHA384: "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
	SHA512: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
}

func TestReader(t *testing.T) {
	cases := []struct {
		algs []string
		want Set
	}{
		{nil, Set{SHA256: abc[SHA256]}},
		{[]string{SHA256}, Set{SHA256: abc[SHA256]}},
		{[]string{SHA512}, Set{SHA512: abc[SHA512]}},
		{[]string{SHA256, SHA384, SHA512}, abc},
	}
	for _, c := range cases {
		got, err := Reader(strings.NewReader("abc"), c.algs...)
		if err != nil {
			t.Errorf("Reader(abc, %v) = %v", c.algs, err)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("Reader(abc, %v) = %v, want %v", c.algs, got, c.want)
		}
	}
	for _, alg := range []string{"md5", "sha1", "SHA256", "sha3_256", ""} {
		if _, err := Reader(strings.NewReader("abc"), alg); err == nil {
			t.Errorf("Reader(abc, %q) = nil error, want unsupported", alg)
		}
		if IsSupported(alg) {
			t.Errorf("IsSupported(%q) = true", alg)
		}
	}
	for _, alg := range Supported {
		if !IsSupported(alg) {
			t.Errorf("IsSupported(%q) = false", alg)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReaderError(t *testing.T) {
	if _, err := Reader(failingReader{}, SHA256); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("Reader(failing) = %v, want the read error", err)
	}
}

// tree makes files under a temporary directory; a name ending in "/" is a
// directory.
func tree(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		p := filepath.Join(dir, n)
		if strings.HasSuffix(n, "/") {
			attesttest.Mkdir(t, p)
			continue
		}
		attesttest.WriteFile(t, p, []byte(n), 0o644)
	}
	return dir
}

func TestExpand(t *testing.T) {
	dir := tree(t, "a.txt", "b.bin", "sub/c.txt", "sub/deep/d.txt", "empty/", "lit[1].txt")
	attesttest.Symlink(t, filepath.Join(dir, "a.txt"), filepath.Join(dir, "sub", "link-to-file"))
	attesttest.Symlink(t, filepath.Join(dir, "empty"), filepath.Join(dir, "sub", "link-to-dir"))
	attesttest.Symlink(t, filepath.Join(dir, "sub"), filepath.Join(dir, "linked-dir"))
	j := func(s ...string) []string {
		var out []string
		for _, x := range s {
			out = append(out, filepath.Join(dir, x))
		}
		return out
	}
	cases := []struct {
		args []string
		want []string
	}{
		{j("a.txt"), j("a.txt")},
		{j("b.bin", "a.txt", "a.txt"), j("a.txt", "b.bin")},
		{j("sub"), j("sub/c.txt", "sub/deep/d.txt", "sub/link-to-file")},
		{j("*.txt"), j("a.txt", "lit[1].txt")},
		{j("sub/*/*.txt"), j("sub/deep/d.txt")},
		{j("lit[1].txt"), j("lit[1].txt")}, // an existing name is literal
		{j("sub", "sub/c.txt"), j("sub/c.txt", "sub/deep/d.txt", "sub/link-to-file")},
		{j("empty"), nil},
		{j("linked-dir"), j("linked-dir/c.txt", "linked-dir/deep/d.txt", "linked-dir/link-to-file")},
	}
	for _, c := range cases {
		got, err := Expand(c.args)
		if err != nil {
			t.Errorf("Expand(%v) = %v", c.args, err)
			continue
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Expand(%v) = %v, want %v", c.args, got, c.want)
		}
	}

	bad := []struct {
		arg, want string
	}{
		{filepath.Join(dir, "missing"), "no such file or directory"},
		{filepath.Join(dir, "*.nothing"), "no file matches"},
		{filepath.Join(dir, "[.txt"), "bad pattern"},
	}
	expandFails := func(t *testing.T, arg, want string) {
		t.Helper()
		_, err := Expand([]string{filepath.Join(dir, "a.txt"), arg})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), arg+": ") {
			t.Errorf("Expand(%s) = %v, want %q naming the argument", arg, err, want)
		}
	}
	for _, c := range bad {
		expandFails(t, c.arg, c.want)
	}
	t.Run("fifo", func(t *testing.T) {
		fifo := filepath.Join(dir, "fifo")
		attesttest.Mkfifo(t, fifo)
		expandFails(t, fifo, "a named pipe, not a regular file")
	})
}

// TestFileRefusesSpecialFiles: a FIFO blocked File forever and /dev/zero
// never ended; both, and links to them, are refused at once, naming the
// path and what it is. The timeout turns a regression into a failure
// rather than a hung suite.
func TestFileRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	attesttest.Mkfifo(t, fifo)
	link := filepath.Join(dir, "zero-link")
	attesttest.Symlink(t, "/dev/zero", link)
	cases := []struct{ path, want string }{
		{fifo, fifo + ": a named pipe, not a regular file"},
		{"/dev/zero", "/dev/zero: a character device, not a regular file"},
		{link, link + ": a character device, not a regular file"},
		{dir, dir + ": a directory, not a regular file"},
	}
	for _, c := range cases {
		err := attesttest.Within(t, 5*time.Second, "File("+c.path+")", func() error {
			_, err := File(c.path, SHA256)
			return err
		})
		if err == nil || !strings.HasSuffix(err.Error(), c.want) {
			t.Errorf("File(%s) = %v, want %q", c.path, err, c.want)
		}
	}
	// Files (verify's and attest's hashing) says the same.
	_, err := Files(context.Background(), []string{fifo}, SHA256)
	if err == nil || !strings.Contains(err.Error(), "a named pipe, not a regular file") {
		t.Errorf("Files(fifo) = %v, want a named pipe refused", err)
	}
}

func TestFiles(t *testing.T) {
	dir := tree(t, "x", "y", "z")
	attesttest.WriteFile(t, filepath.Join(dir, "x"), []byte("abc"), 0o644)
	paths := []string{filepath.Join(dir, "z"), filepath.Join(dir, "x"), filepath.Join(dir, "y")}
	arts, err := Files(context.Background(), paths, SHA256, SHA512)
	if err != nil {
		t.Fatalf("Files = %v", err)
	}
	for i, a := range arts {
		if a.Path != paths[i] || a.Name != filepath.ToSlash(paths[i]) {
			t.Errorf("Files[%d] = %s, want %s (order kept)", i, a.Path, paths[i])
		}
		if len(a.Digests) != 2 {
			t.Errorf("Files[%d] digests = %v, want sha256 and sha512", i, a.Digests)
		}
	}
	if arts[1].Digests[SHA256] != abc[SHA256] || arts[1].Digests[SHA512] != abc[SHA512] {
		t.Errorf("Files(x) = %v, want the digests of abc", arts[1].Digests)
	}
	if got, err := Files(context.Background(), nil); err != nil || len(got) != 0 {
		t.Errorf("Files(none) = %v, %v", got, err)
	}

	missing := filepath.Join(dir, "missing")
	if _, err := Files(context.Background(), []string{paths[0], missing}); err == nil || !strings.Contains(err.Error(), missing+": no such file") {
		t.Errorf("Files(missing) = %v, want an error naming %s", err, missing)
	}
	if _, err := Files(context.Background(), paths, "md5"); err == nil {
		t.Errorf("Files(md5) = nil error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Files(ctx, paths); !errors.Is(err, context.Canceled) {
		t.Errorf("Files(cancelled) = %v, want context.Canceled", err)
	}
}

func TestParseChecksums(t *testing.T) {
	h256 := abc[SHA256]
	h512 := abc[SHA512]
	in := h256 + "  dist/app\n" +
		"\n" +
		strings.ToUpper(abc[SHA384]) + " *dist/app.bin\r\n" +
		h512 + "   name with  spaces \n" +
		"   \n"
	arts, err := ParseChecksums(strings.NewReader(in), "SHA256SUMS")
	if err != nil {
		t.Fatalf("ParseChecksums = %v", err)
	}
	want := []Artifact{
		{Name: "dist/app", Digests: Set{SHA256: h256}},
		{Name: "dist/app.bin", Digests: Set{SHA384: abc[SHA384]}},
		{Name: " name with  spaces ", Digests: Set{SHA512: h512}},
	}
	if fmt.Sprint(arts) != fmt.Sprint(want) {
		t.Errorf("ParseChecksums = %q, want %q", arts, want)
	}

	bad := []struct {
		name, in, want string
	}{
		{"empty", "", "SHA256SUMS: no checksums found"},
		{"blank only", "\n \n", "SHA256SUMS: no checksums found"},
		{"one space", h256 + " app\n", "SHA256SUMS:1: not a checksum line"},
		{"no name", h256 + "  \n", "SHA256SUMS:1: not a checksum line"},
		{"no name, binary", h256 + " *\n", "SHA256SUMS:1: not a checksum line"},
		{"digest only", h256 + "\n", "SHA256SUMS:1: not a checksum line"},
		{"BSD format", "SHA256 (app) = " + h256 + "\n", "SHA256SUMS:1: "},
		{"short digest line 2", h256 + "  a\n" + h256[:63] + "  b\n", "SHA256SUMS:2: digest of 63 hex digits"},
		{"sha1", "a9993e364706816aba3e25717850c26c9cd0d89d  app\n", "SHA256SUMS:1: digest of 40 hex digits"},
		{"not hex line 3", h256 + "  a\n\n" + strings.Repeat("g", 64) + "  b\n", "SHA256SUMS:3: digest is not hex"},
		{"tab separator", h256 + "\tapp\n", "SHA256SUMS:1: "},
		{"line too long", h256 + "  " + strings.Repeat("n", 2<<20) + "\n", "SHA256SUMS: "},
	}
	for _, c := range bad {
		got, err := ParseChecksums(strings.NewReader(c.in), "SHA256SUMS")
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("ParseChecksums(%s) = %v, %v, want an error starting %q", c.name, got, err, c.want)
		}
	}
}

func ExampleReader() {
	d, _ := Reader(strings.NewReader("abc"), SHA256)
	fmt.Println(d[SHA256])
	// Output: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
}

func ExampleParseChecksums() {
	sums := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  dist/app\n"
	arts, err := ParseChecksums(strings.NewReader(sums), "SHA256SUMS")
	if err != nil {
		panic(err)
	}
	fmt.Println(arts[0].Name, arts[0].Digests[SHA256][:12])
	// Output: dist/app ba7816bf8f01
}
