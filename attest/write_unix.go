//go:build unix

package attest

import (
	"errors"
	"os"
	"syscall"
)

// noFollow makes open(2) fail on a symbolic link in the last component.
const noFollow = syscall.O_NOFOLLOW

// openNoFollow opens path without following a link in its last component
// and without blocking on a named pipe (the caller refuses anything but a
// regular file once it is open).
func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, perm)
}

// isLoop says whether open failed because the last component is a link
// (ELOOP on Linux and the BSDs, EMLINK on some).
func isLoop(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}
