package attest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// AppendToBundle adds envelopes to a JSON Lines bundle, one line each,
// creating the file if needed. The update is atomic: the new contents are
// written to a temporary file in the same directory, synced, and renamed over
// the bundle, so a crash leaves either the old bundle or the new one, never
// half a line. Concurrent appenders are serialised with an advisory lock on
// the bundle (on Unix systems).
//
// It appends only to a regular file that already holds a JSON Lines bundle
// (or nothing): a symbolic link at path, whatever it points at, a
// directory, a named pipe, a device, a document spanning lines, or a file
// with a line that is not an envelope is ErrUnsafeDestination, and nothing
// is written. A link is never followed, so its target's content cannot end
// up in the bundle.
func AppendToBundle(path string, envelopes ...*Envelope) error {
	var add bytes.Buffer
	for _, env := range envelopes {
		line, err := MarshalEnvelope(env)
		if err != nil {
			return err
		}
		add.Write(line)
		add.WriteByte('\n')
	}
	return appendBundleBytes(path, add.Bytes())
}

// appendBundleBytes appends whole lines to the bundle, atomically and
// under its lock.
func appendBundleBytes(path string, add []byte) (err error) {
	f, created, err := lockBundle(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }() // releases the lock
	defer func() {
		if err != nil && created {
			removeIfSame(path, f) // the empty file this call made
		}
	}()
	old, err := io.ReadAll(f)
	if err != nil {
		return FileError(err)
	}
	if err := checkBundleContent(path, old); err != nil {
		return err
	}
	if len(old) > 0 && old[len(old)-1] != '\n' {
		old = append(old, '\n')
	}
	info, err := f.Stat()
	if err != nil {
		return err
	}
	mode := info.Mode().Perm()
	if info.Size() == 0 {
		mode = 0o644
	}
	return WriteFile(path, append(old, add...), mode, WithOverwrite())
}

// lockBundle opens (creating) the bundle without following a link, checks
// that it is a regular file, and takes an exclusive lock on it, retrying
// when another writer replaced the file while we waited. created says that
// this call made the (empty) file.
func lockBundle(path string) (*os.File, bool, error) {
	for range 100 {
		info, err := lstatDestination(path)
		if err != nil {
			return nil, false, err
		}
		flag := os.O_RDWR
		if info == nil {
			flag |= os.O_CREATE | os.O_EXCL
		}
		f, err := openNoFollow(path, flag, 0o644)
		if errors.Is(err, fs.ErrExist) || (info != nil && errors.Is(err, fs.ErrNotExist)) {
			continue // another writer made or replaced it meanwhile: look again
		}
		if err != nil {
			return nil, false, openError(path, err)
		}
		got, err := f.Stat()
		if err != nil {
			_ = f.Close()
			return nil, false, FileError(err)
		}
		if err := regularOnly(path, got); err != nil {
			_ = f.Close()
			return nil, false, err
		}
		if info != nil && !os.SameFile(got, info) {
			_ = f.Close()
			continue // replaced between the look and the open: look again
		}
		if err := lockFile(f); err != nil {
			_ = f.Close()
			return nil, false, fmt.Errorf("%s: lock: %w", path, err)
		}
		held, err1 := f.Stat()
		now, err2 := os.Lstat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			return f, info == nil, nil
		}
		_ = f.Close() // replaced by another writer: lock the new file
	}
	return nil, false, fmt.Errorf("%s: could not lock the bundle", path)
}

// removeIfSame removes path if it still names the file f.
func removeIfSame(path string, f *os.File) {
	held, err1 := f.Stat()
	now, err2 := os.Lstat(path)
	if err1 == nil && err2 == nil && os.SameFile(held, now) && held.Size() == 0 {
		_ = os.Remove(path)
	}
}
