//go:build !unix

package attesttest

import "testing"

// Mkfifo makes a named pipe at path, skipping the test where it cannot:
// on a system without named pipes, or a file system that refuses them.
func Mkfifo(t testing.TB, path string) {
	t.Helper()
	t.Skip("no named pipes here")
}
