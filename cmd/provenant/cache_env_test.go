package main

import (
	"os"
	"path/filepath"
	"strconv"
)

// testCacheHome is XDG_CACHE_HOME for this run (TestMain removes it).
var testCacheHome = filepath.Join(os.TempDir(), "provenant-test-cache-"+strconv.Itoa(os.Getpid()))

// The tests never see the user's trusted-root cache: XDG_CACHE_HOME (and
// so os.UserCacheDir on Linux) points to a directory of this run that
// does not exist, unless a test sets its own. Commands run as
// subprocesses inherit it. The go commands that tests start (the demo,
// the docs' examples) keep the Go build cache they would have used:
// without GOCACHE, they would fill a cold one under XDG_CACHE_HOME (some
// 450 MB a run, built from nothing each time).
func init() {
	if os.Getenv("GOCACHE") == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			_ = os.Setenv("GOCACHE", filepath.Join(dir, "go-build"))
		}
	}
	_ = os.Setenv("XDG_CACHE_HOME", testCacheHome)
}
