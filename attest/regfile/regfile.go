package regfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular marks a path that is not a regular file after following
// links: a named pipe, a device, a socket, a directory.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge marks a file larger than the bound given to ReadFile.
var ErrTooLarge = errors.New("file too large")

// NotRegularError says what a path is instead of a regular file.
type NotRegularError struct {
	Kind string // "a named pipe", "a character device", ...
}

func (e *NotRegularError) Error() string { return e.Kind + ", not a regular file" }

// Is makes errors.Is(err, ErrNotRegular) true.
func (e *NotRegularError) Is(target error) bool { return target == ErrNotRegular }

// TooLargeError says how large a file read with ReadFile may be.
type TooLargeError struct {
	Max int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("larger than %d bytes", e.Max)
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// Kind names what a file mode is, for messages: "a named pipe", "a
// character device", "a block device", "a socket", "a directory", or "a
// regular file".
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "an irregular file"
}

// notRegular is the error for path of mode m, as an *fs.PathError so that
// callers that print "path: reason" keep working.
func notRegular(path string, m fs.FileMode) error {
	return &fs.PathError{Op: "open", Path: path, Err: &NotRegularError{Kind: Kind(m)}}
}

// Open opens path for reading when, after following links, it is a regular
// file; anything else is an *fs.PathError wrapping a *NotRegularError
// (errors.Is(err, ErrNotRegular)). It never blocks on a named pipe.
func Open(path string) (*os.File, error) {
	// Look first: opening a device can have effects of its own (a tape
	// drive rewinds when closed, a watchdog starts), and a path that is
	// not a regular file is refused without being opened at all.
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, notRegular(path, info.Mode())
	}
	f, _, err := OpenListed(path)
	return f, err
}

// OpenListed is Open for a path that a directory listing has just shown to
// be a regular file (fs.DirEntry.Type): it skips Open's first look, and
// still refuses, without blocking, what it opens if that is not a regular
// file (the path may have been replaced since). It returns the opened
// file's information.
func OpenListed(path string) (*os.File, fs.FileInfo, error) {
	f, err := openNonblock(path)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		_ = f.Close()
		return nil, nil, notRegular(path, info.Mode())
	}
	return f, info, nil
}

// ReadFile reads a whole regular file (see Open) of at most max bytes;
// a larger one is an *fs.PathError wrapping a *TooLargeError, after
// reading max+1 bytes at most.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if int64(len(data)) > max {
		return nil, &fs.PathError{Op: "read", Path: path, Err: &TooLargeError{Max: max}}
	}
	return data, nil
}
