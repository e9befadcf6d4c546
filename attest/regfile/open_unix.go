//go:build unix

package regfile

import (
	"io/fs"
	"os"
	"syscall"
)

// openNonblock opens path read-only without waiting for a writer (a named
// pipe opened for reading otherwise blocks until one comes) and without
// becoming the controlling terminal, then makes the descriptor blocking
// again, before os.NewFile sees it, so that the file stays outside the
// runtime's poller: os.Open on Linux tries to register every file with
// epoll and, for a regular file, fails and undoes it, which costs more
// system calls than hashing a small file needs in all.
func openNonblock(path string) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: path, Err: err}
		}
		if err := clearNonblock(fd); err != nil {
			_ = syscall.Close(fd)
			return nil, &fs.PathError{Op: "fcntl", Path: path, Err: err}
		}
		return os.NewFile(uintptr(fd), path), nil
	}
}
