//go:build !unix

package digest

import "testing"

// mkfifo: no named pipes here.
func mkfifo(t *testing.T, _ string) bool {
	t.Helper()
	return false
}
