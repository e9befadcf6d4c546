package regfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFileRegular(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(p, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	for _, path := range []string{p, link} {
		got, err := ReadFile(path, 5)
		if err != nil || string(got) != "hello" {
			t.Errorf("ReadFile(%s, 5) = %q, %v; want hello", path, got, err)
		}
	}
}

func TestReadFileTooLarge(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("hello!"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(p, 5)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ReadFile(6 bytes, max 5) = %v, want ErrTooLarge", err)
	}
	if want := p + ": larger than 5 bytes"; !strings.HasSuffix(err.Error(), want) {
		t.Errorf("error %q, want it to end in %q", err, want)
	}
}

func TestOpenRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(dir)
	if !errors.Is(err, ErrNotRegular) {
		t.Fatalf("Open(directory) = %v, want ErrNotRegular", err)
	}
	pe, ok := errors.AsType[*fs.PathError](err)
	if !ok || pe.Path != dir || pe.Err.Error() != "a directory, not a regular file" {
		t.Errorf("Open(directory) = %#v, want a PathError naming the path and its kind", err)
	}
}

func TestOpenMissing(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nope"))
	if !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrNotRegular) {
		t.Errorf("Open(missing) = %v, want fs.ErrNotExist", err)
	}
}

func TestKind(t *testing.T) {
	tests := []struct {
		mode fs.FileMode
		want string
	}{
		{0o644, "a regular file"},
		{fs.ModeNamedPipe, "a named pipe"},
		{fs.ModeDevice | fs.ModeCharDevice, "a character device"},
		{fs.ModeDevice, "a block device"},
		{fs.ModeSocket, "a socket"},
		{fs.ModeDir, "a directory"},
		{fs.ModeSymlink, "a symbolic link"},
		{fs.ModeIrregular, "an irregular file"},
	}
	for _, tt := range tests {
		if got := Kind(tt.mode); got != tt.want {
			t.Errorf("Kind(%v) = %q, want %q", tt.mode, got, tt.want)
		}
	}
}
