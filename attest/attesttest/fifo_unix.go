//go:build unix

package attesttest

import (
	"syscall"
	"testing"
)

// Mkfifo makes a named pipe at path, skipping the test where it cannot:
// on a system without named pipes, or a file system that refuses them.
func Mkfifo(t testing.TB, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("cannot make a named pipe here:", err)
	}
}
