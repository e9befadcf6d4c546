//go:build !unix

package attest

import (
	"io/fs"
	"os"
)

// noFollow: no such open flag here; callers look with os.Lstat first.
const noFollow = 0

// openNoFollow refuses a link it sees before opening; without O_NOFOLLOW a
// link swapped in between the look and the open is followed, so callers
// compare the opened file with another os.Lstat afterwards.
func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	if info, err := os.Lstat(path); err == nil && info.Mode()&fs.ModeSymlink != 0 {
		return nil, errLoop
	}
	return os.OpenFile(path, flag, perm)
}

var errLoop = &fs.PathError{Op: "open", Path: "", Err: fs.ErrInvalid}

func isLoop(err error) bool { return err == errLoop }
