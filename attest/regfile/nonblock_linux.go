package regfile

import "syscall"

// clearNonblock makes fd, opened by openNonblock, blocking: F_SETFL 0,
// since of the flags F_SETFL sets the open asked only for O_NONBLOCK. One
// system call where syscall.SetNonblock makes two (get, then set): per
// file of a tree of small files, that shows.
func clearNonblock(fd int) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETFL, 0); errno != 0 {
		return errno
	}
	return nil
}
