package attest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrUnsafeDestination: a file provenant was asked to write is something
// it must not write through or over: a symbolic link, a directory, a
// named pipe, a device or socket, or (when appending to a bundle) a file
// whose content is not a JSON Lines bundle. Nothing is written.
var ErrUnsafeDestination = errors.New("refusing to write")

// ErrExists: the destination exists and replacing it was not asked for
// (WithOverwrite). It matches fs.ErrExist too.
var ErrExists = fmt.Errorf("%w", fs.ErrExist)

// WriteOption configures WriteFile.
type WriteOption func(*writeOptions) error

type writeOptions struct {
	overwrite bool
}

// WithOverwrite lets WriteFile replace an existing regular file. Without
// it an existing file, of any kind, is ErrExists.
func WithOverwrite() WriteOption {
	return func(o *writeOptions) error { o.overwrite = true; return nil }
}

func collectWriteOptions(opts []WriteOption) (writeOptions, error) {
	var o writeOptions
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	return o, nil
}

// WriteFile writes data to path with exactly the given mode, atomically:
// through a synced temporary file in the same directory that is renamed
// (or, without WithOverwrite, hard-linked) into place, so a crash leaves
// the old file or the new one.
//
// It never writes through a link: a symbolic link at path is refused
// (ErrUnsafeDestination), whatever it points at, and so is anything but a
// regular file (a directory, a named pipe, a device, a socket). An existing
// regular file is replaced only WithOverwrite; otherwise it is ErrExists,
// decided atomically (a file that appears meanwhile is not clobbered).
// Links among the directories above path are followed, as for any path.
func WriteFile(path string, data []byte, mode os.FileMode, opts ...WriteOption) error {
	return WriteFileFunc(path, mode, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}, opts...)
}

// WriteFileAtomic replaces path with data: WriteFile with WithOverwrite.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	return WriteFile(path, data, mode, WithOverwrite())
}

// WriteFileFunc is WriteFile with the content streamed by write into the
// temporary file. When write fails, nothing is written.
func WriteFileFunc(path string, mode os.FileMode, write func(io.Writer) error, opts ...WriteOption) (err error) {
	o, err := collectWriteOptions(opts)
	if err != nil {
		return err
	}
	if err := checkWrite(path, o); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return FileError(err)
	}
	tmpName := tmp.Name()
	defer func() {
		if tmp != nil {
			_ = tmp.Close()
		}
		_ = os.Remove(tmpName) // after a rename, names nothing; after a link, the spare name
	}()
	bw := bufio.NewWriter(tmp)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := tmp.Chmod(mode); err != nil { // the umask must not widen or narrow it
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		tmp = nil
		return err
	}
	tmp = nil
	if o.overwrite {
		// Checked again just before: a link that appeared since is refused
		// here, and one that appears in the last instant is replaced by
		// the rename, never followed.
		if err := checkWrite(path, o); err != nil {
			return err
		}
		if err := os.Rename(tmpName, path); err != nil {
			return FileError(err)
		}
	} else if err := linkNew(tmpName, path, mode); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// linkNew puts the finished temporary file at path only if nothing is
// there: link(2) fails on any existing name, a dangling link included.
// Where hard links are not supported, the content is copied into a file
// created with O_EXCL (no-clobber still, but not atomic).
func linkNew(tmpName, path string, mode os.FileMode) error {
	err := os.Link(tmpName, path)
	if err == nil {
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return existsError(path)
	}
	src, oerr := os.Open(tmpName)
	if oerr != nil {
		return FileError(err)
	}
	defer func() { _ = src.Close() }()
	dst, cerr := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, mode)
	if cerr != nil {
		if errors.Is(cerr, fs.ErrExist) {
			return existsError(path)
		}
		return FileError(cerr)
	}
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Chmod(mode)
	}
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return err
	}
	return nil
}

// syncDir makes a rename or link durable; a failure loses nothing already
// in place.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// CheckWrite says whether WriteFile(path, ..., opts...) would be refused
// because of what is at path now, so that a caller can fail before work it
// cannot undo (running a build, signing with a hardware key). WriteFile
// checks again.
func CheckWrite(path string, opts ...WriteOption) error {
	o, err := collectWriteOptions(opts)
	if err != nil {
		return err
	}
	return checkWrite(path, o)
}

func checkWrite(path string, o writeOptions) error {
	info, err := lstatDestination(path)
	if err != nil {
		return err
	}
	if info != nil && !o.overwrite {
		return existsError(path)
	}
	return nil
}

func existsError(path string) error {
	return fmt.Errorf("%s: %w", path, ErrExists)
}

// lstatDestination looks at path without following a link: nil when
// nothing is there, the file's information when it is a regular file,
// and ErrUnsafeDestination for anything else.
func lstatDestination(path string) (fs.FileInfo, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: no file name", ErrUnsafeDestination)
	}
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, FileError(err)
	}
	if err := regularOnly(path, info); err != nil {
		return nil, err
	}
	return info, nil
}

// regularOnly refuses anything but a regular file, saying what it is.
func regularOnly(path string, info fs.FileInfo) error {
	var what string
	switch m := info.Mode(); {
	case m&fs.ModeSymlink != 0:
		what = "a symbolic link"
		if target, err := os.Readlink(path); err == nil {
			what += " (to " + quoteIfOdd(target) + ")"
		}
		what += "; provenant never writes through a link"
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe, not a regular file"
	case m&fs.ModeSocket != 0:
		what = "a socket, not a regular file"
	case m&fs.ModeDevice != 0:
		what = "a device, not a regular file"
	case !m.IsRegular():
		what = "not a regular file"
	default:
		return nil
	}
	return fmt.Errorf("%s: %w: it is %s", quoteIfOdd(path), ErrUnsafeDestination, what)
}

// quoteIfOdd quotes a path holding control characters or spaces at its
// ends, so that a message stays one honest line.
func quoteIfOdd(s string) string {
	if s == "" || strings.TrimSpace(s) != s {
		return fmt.Sprintf("%q", s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}

// CheckAppend says whether AppendToBundle(path, ...) would be refused
// because of what is at path now: anything but nothing or a regular file
// holding a JSON Lines bundle (or nothing at all). AppendToBundle checks
// again, under the bundle's lock.
func CheckAppend(path string) error {
	// Another appender may replace the bundle (by a rename, under its lock)
	// between the look and the open: look again, as lockBundle does.
	for range 100 {
		info, err := lstatDestination(path)
		if err != nil || info == nil {
			return err
		}
		f, err := openNoFollow(path, os.O_RDONLY, 0)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return openError(path, err)
		}
		got, err := f.Stat()
		if err == nil && regularOnly(path, got) == nil && !os.SameFile(got, info) {
			_ = f.Close()
			continue
		}
		data, err := checkedRead(path, f, info)
		_ = f.Close()
		if err != nil {
			return err
		}
		return checkBundleContent(path, data)
	}
	return fmt.Errorf("%s: the bundle keeps being replaced", quoteIfOdd(path))
}

// checkedRead reads f after checking that it is the regular file path
// named when it was looked at (info).
func checkedRead(path string, f *os.File, info fs.FileInfo) ([]byte, error) {
	if err := sameRegularFile(path, f, info); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, FileError(err)
	}
	return data, nil
}

// checkBundleContent accepts an empty (or blank) file or JSON Lines whose
// every non-blank line has the shape of a bundle entry: a JSON object with
// a DSSE envelope's members (payloadType, payload, signatures), a Sigstore
// bundle's mediaType, or GitHub's attestations list. Anything else would
// not be a bundle once a line is appended, or is a file that is not ours
// to grow (a key, an environment file). Only the shape is checked, not
// each envelope's encoding (which verification does), so that appending
// to a bundle of 20,000 envelopes costs tens of milliseconds, not seconds.
func checkBundleContent(path string, data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	notBundle := func(why string) error {
		return fmt.Errorf("%s: %w: it is not a JSON Lines bundle (%s); provenant appends only to a bundle", quoteIfOdd(path), ErrUnsafeDestination, why)
	}
	var bad error
	err := DefaultLimits().ScanBundle(bytes.NewReader(data), path, func(lineNo int, line []byte) error {
		if bytes.ContainsAny(line, "\r\n") {
			bad = notBundle("one JSON document spanning lines; a line added to it would not be read")
			return bad
		}
		if why := entryShape(line); why != "" {
			bad = notBundle(fmt.Sprintf("line %d is %s", lineNo, why))
			return bad
		}
		return nil
	})
	if bad != nil {
		return bad
	}
	if err != nil {
		return notBundle(firstLine(err.Error()))
	}
	return nil
}

// entryShape says what a bundle line is instead of an entry ("" when it
// has an entry's shape): valid JSON, an object, naming a DSSE envelope's
// members, a Sigstore bundle's mediaType or GitHub's attestations. It is a
// byte-level check (json.Valid and member names), cheap enough to run on
// every line of a large bundle before each append; it never quotes the
// line.
func entryShape(line []byte) string {
	if !json.Valid(line) {
		return "not JSON"
	}
	if line[0] != '{' {
		return "not a JSON object"
	}
	has := func(name string) bool { return bytes.Contains(line, []byte(`"`+name+`"`)) }
	switch {
	case has("payload") && has("payloadType") && has("signatures"):
		return ""
	case has("mediaType") && bytes.Contains(line, []byte(SigstoreBundleMediaTypePrefix)):
		return ""
	case has("attestations"):
		return ""
	}
	return "a JSON object that is neither a DSSE envelope nor a Sigstore bundle"
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// openError describes a failure to open a destination; a link that
// appeared after the first look is ErrUnsafeDestination.
func openError(path string, err error) error {
	if isLoop(err) {
		return fmt.Errorf("%s: %w: it is a symbolic link; provenant never writes through a link", quoteIfOdd(path), ErrUnsafeDestination)
	}
	return FileError(err)
}

// sameRegularFile checks that the opened file is a regular file and the
// one path names now (not a file swapped in after the first look).
func sameRegularFile(path string, f *os.File, want fs.FileInfo) error {
	got, err := f.Stat()
	if err != nil {
		return FileError(err)
	}
	if err := regularOnly(path, got); err != nil {
		return err
	}
	if want != nil && !os.SameFile(got, want) {
		return fmt.Errorf("%s: %w: it was replaced while being opened", quoteIfOdd(path), ErrUnsafeDestination)
	}
	return nil
}
