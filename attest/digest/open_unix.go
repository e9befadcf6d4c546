//go:build unix

package digest

import (
	"io/fs"
	"os"
	"syscall"
)

// openFile opens path for reading, blocking, outside the runtime's poller.
// os.Open on Linux tries to register every file with epoll and, for a
// regular file, fails and undoes it: four fcntl calls and one epoll_ctl
// per file, more system calls than hashing a small file needs in all.
// os.NewFile on a blocking descriptor checks its flags once and skips
// the poller.
func openFile(path string) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: path, Err: err}
		}
		return os.NewFile(uintptr(fd), path), nil
	}
}
