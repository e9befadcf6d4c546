//go:build !unix

package regfile

import "os"

// openNonblock opens path read-only. Outside Unix there are no named pipes
// in the file system to block on; Open checks what was opened.
func openNonblock(path string) (*os.File, error) { return os.Open(path) }
