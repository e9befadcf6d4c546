//go:build !unix

package sigstoretest

import "time"

// lockMachineWide: no file locks here; processes are not ordered.
func lockMachineWide(string, time.Duration) (func(), error) { return func() {}, nil }
