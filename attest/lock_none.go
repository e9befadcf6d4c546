//go:build !unix || aix || solaris

package attest

import "os"

// lockFile: flock(2) is not available here; concurrent appenders to one
// bundle are not serialised on these systems (each append is still atomic,
// but one of two racing appends may be lost).
func lockFile(*os.File) error { return nil }
