package attest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// AppendToBundle adds envelopes to a JSON Lines bundle, one line each,
// creating the file if needed. The update is atomic: the new contents are
// written to a temporary file in the same directory, synced, and renamed over
// the bundle, so a crash leaves either the old bundle or the new one, never
// half a line. Concurrent appenders are serialised with an advisory lock on
// the bundle.
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
func appendBundleBytes(path string, add []byte) error {
	f, err := lockBundle(path)
	if err != nil {
		return err
	}
	defer f.Close() // releases the lock
	old, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
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
	return writeFileAtomic(path, append(old, add...), mode)
}

// lockBundle opens (creating) the bundle and takes an exclusive lock on it,
// retrying when another writer replaced the file while we waited.
func lockBundle(path string) (*os.File, error) {
	for range 100 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: lock: %w", path, err)
		}
		held, err1 := f.Stat()
		now, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			return f, nil
		}
		f.Close() // replaced by another writer: lock the new file
	}
	return nil, fmt.Errorf("%s: could not lock the bundle", path)
}

// WriteFileAtomic writes data to path through a synced temporary file in the
// same directory and a rename.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	return writeFileAtomic(path, data, mode)
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err = tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err = tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename durable; a failure here loses nothing already renamed.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
