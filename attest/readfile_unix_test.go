//go:build unix

package attest

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/regfile"
)

// TestReadBundleFileRefusesSpecialFiles: a FIFO as a bundle blocked
// ReadBundleFile forever, /dev/zero read without end. Both are refused at
// once, naming the path and what it is. The timeout turns a regression into
// a failure instead of a hung suite.
func TestReadBundleFileRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "b.intoto.jsonl")
	attesttest.Mkfifo(t, fifo)
	link := filepath.Join(dir, "zero.intoto.jsonl")
	attesttest.Symlink(t, "/dev/zero", link)
	for _, c := range []struct{ path, want string }{
		{fifo, fifo + ": a named pipe, not a regular file"},
		{"/dev/zero", "/dev/zero: a character device, not a regular file"},
		{link, link + ": a character device, not a regular file"},
		{dir, dir + ": a directory, not a regular file"},
	} {
		err := attesttest.Within(t, 5*time.Second, "ReadBundleFile("+c.path+")", func() error {
			_, err := ReadBundleFile(c.path)
			return err
		})
		if !errors.Is(err, regfile.ErrNotRegular) || !strings.HasSuffix(err.Error(), c.want) {
			t.Errorf("ReadBundleFile(%s) = %v, want %q", c.path, err, c.want)
		}
	}
}

// TestLoadKeysRefuseSpecialFiles: a FIFO or a device as --key (public or
// private) blocked or read without end; both are refused at once.
func TestLoadKeysRefuseSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "k.pub")
	attesttest.Mkfifo(t, fifo)
	for _, c := range []struct{ path, want string }{
		{fifo, fifo + ": a named pipe, not a regular file"},
		{"/dev/zero", "/dev/zero: a character device, not a regular file"},
	} {
		for name, load := range map[string]func(string) error{
			"LoadPublicKey": func(p string) error { _, err := LoadPublicKey(p); return err },
			"LoadSigner":    func(p string) error { _, err := LoadSigner(p); return err },
			"LoadSignerRef": func(p string) error { _, err := LoadSignerRef(context.Background(), p); return err },
			"LoadPublicKeyRef": func(p string) error {
				_, err := LoadPublicKeyRef(context.Background(), p)
				return err
			},
		} {
			err := attesttest.Within(t, 5*time.Second, name+"("+c.path+")", func() error { return load(c.path) })
			if !errors.Is(err, regfile.ErrNotRegular) || !strings.HasSuffix(err.Error(), c.want) {
				t.Errorf("%s(%s) = %v, want %q", name, c.path, err, c.want)
			}
		}
	}
}
