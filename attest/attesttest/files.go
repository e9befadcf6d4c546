package attesttest

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// WriteFile writes data to path with permission perm, as os.WriteFile
// does, making path's directory first if it is missing. It fails the test
// on any error.
func WriteFile(t testing.TB, path string, data []byte, perm fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatal(err)
	}
}

// Mkdir makes the directory path and any parents it lacks, failing the
// test on error.
func Mkdir(t testing.TB, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

// Symlink makes link a symbolic link to target, failing the test if it
// cannot. On Windows, where making a link takes a privilege the test may
// not have, it skips the test instead.
func Symlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		if runtime.GOOS == "windows" {
			t.Skip("cannot make symbolic links here:", err)
		}
		t.Fatal(err)
	}
}

// Close closes c and fails the test (without stopping it) if that fails:
// for a file the test only read, or a signer it is done with, where an
// error from Close is still worth seeing. It suits defer and t.Cleanup.
func Close(t testing.TB, c io.Closer) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// Unsetenv unsets the environment variable key for the rest of the test
// and restores its value afterwards, as t.Setenv does when setting one.
// Like t.Setenv, it cannot be used in parallel tests.
func Unsetenv(t testing.TB, key string) {
	t.Helper()
	t.Setenv(key, "") // restores the value at the end of the test
	if err := os.Unsetenv(key); err != nil {
		t.Fatal(err)
	}
}

// Describe says what is at path without following a link: "missing",
// "link to TARGET", "file CONTENT", or "other" and the file's type.
// Comparing it before and after a refused write shows whether anything
// changed.
func Describe(path string) string {
	info, err := os.Lstat(path)
	if err != nil {
		return "missing"
	}
	switch m := info.Mode(); {
	case m&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			return "unreadable link: " + err.Error()
		}
		return "link to " + target
	case m.IsRegular():
		data, err := os.ReadFile(path)
		if err != nil {
			return "unreadable file: " + err.Error()
		}
		return "file " + string(data)
	default:
		return "other " + m.Type().String()
	}
}

// FilesHolding returns the regular files under dir, other than the paths
// in skip, whose content contains marker: where a secret's bytes were
// copied to, when the test expects nowhere. Links are not followed.
func FilesHolding(t testing.TB, dir, marker string, skip ...string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || slices.Contains(skip, p) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(data, []byte(marker)) {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}
