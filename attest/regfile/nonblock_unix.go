//go:build unix && !linux

package regfile

import "syscall"

// clearNonblock makes fd, opened by openNonblock, blocking.
func clearNonblock(fd int) error { return syscall.SetNonblock(fd, false) }
