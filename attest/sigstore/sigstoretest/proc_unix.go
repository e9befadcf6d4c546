//go:build unix

package sigstoretest

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockMachineWide takes an exclusive lock on a file, waiting up to
// timeout; the lock goes with the process.
func lockMachineWide(path string, timeout time.Duration) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); _ = f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			_ = f.Close()
			return nil, err
		}
		if time.Now().After(deadline) {
			_ = f.Close()
			return nil, fmt.Errorf("another process held %s for %v", path, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
