package main

import (
	"os"
	"path/filepath"
	"strconv"
)

// The tests never see the user's trusted-root cache: XDG_CACHE_HOME (and
// so os.UserCacheDir on Linux) points to a directory of this run that
// does not exist, unless a test sets its own. Commands run as
// subprocesses inherit it.
func init() {
	_ = os.Setenv("XDG_CACHE_HOME", filepath.Join(os.TempDir(), "provenant-test-cache-"+strconv.Itoa(os.Getpid())))
}
