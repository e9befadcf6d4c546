//go:build unix

package regfile

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/attesttest"
)

// The calls below run under attesttest.Within, which fails the test when
// one has not returned after a few seconds, instead of hanging the suite:
// every case here blocked forever (or ran out of memory) before Open
// refused non-regular files.

func TestOpenRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	attesttest.Mkfifo(t, fifo)
	linkToFIFO := filepath.Join(dir, "link-to-fifo")
	attesttest.Symlink(t, fifo, linkToFIFO)
	linkToZero := filepath.Join(dir, "link-to-zero")
	attesttest.Symlink(t, "/dev/zero", linkToZero)
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skip("cannot make a socket here:", err)
	}
	defer attesttest.Close(t, l)
	tests := []struct {
		path, kind string
	}{
		{fifo, "a named pipe"},
		{linkToFIFO, "a named pipe"},
		{"/dev/zero", "a character device"},
		{linkToZero, "a character device"},
		{"/dev/null", "a character device"},
		{sock, "a socket"},
	}
	for _, tt := range tests {
		if _, err := os.Stat(tt.path); err != nil {
			t.Logf("skipping %s: %v", tt.path, err)
			continue
		}
		err := attesttest.Within(t, 5*time.Second, "ReadFile("+tt.path+")", func() error {
			_, err := ReadFile(tt.path, 1<<40)
			return err
		})
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("ReadFile(%s) = %v, want ErrNotRegular", tt.path, err)
			continue
		}
		if want := tt.path + ": " + tt.kind + ", not a regular file"; err.Error() != "open "+want {
			t.Errorf("ReadFile(%s) = %q, want %q", tt.path, err, "open "+want)
		}
	}
}

// TestOpenSwappedForFIFO is the race the second check closes: a path that
// is a FIFO when opened, whatever it was when checked, is refused without
// blocking. openNonblock is what Open calls after its first check.
func TestOpenSwappedForFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	attesttest.Mkfifo(t, fifo)
	err := attesttest.Within(t, 5*time.Second, "openNonblock(fifo)", func() error {
		f, err := openNonblock(fifo)
		if err != nil {
			return err
		}
		defer attesttest.Close(t, f)
		info, err := f.Stat()
		if err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			t.Errorf("a FIFO reads as a regular file")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("openNonblock(fifo) = %v", err)
	}
}

// TestOpenIsBlocking: the descriptor Open returns has its non-blocking
// flag cleared (Linux shows the flags in /proc/self/fdinfo).
func TestOpenIsBlocking(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	attesttest.WriteFile(t, p, []byte("data"), 0o644)
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer attesttest.Close(t, f)
	// Not f.Fd(): it would make the descriptor blocking itself.
	sc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd uintptr
	if err := sc.Control(func(d uintptr) { fd = d }); err != nil {
		t.Fatal(err)
	}
	info, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", fd))
	if err != nil {
		t.Skip("no /proc/self/fdinfo here")
	}
	for line := range strings.Lines(string(info)) {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			if err != nil {
				t.Fatal(err)
			}
			if flags&syscall.O_NONBLOCK != 0 {
				t.Errorf("descriptor flags %o include O_NONBLOCK", flags)
			}
			return
		}
	}
	t.Fatalf("no flags in fdinfo:\n%s", info)
}
