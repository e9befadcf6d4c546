package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// peerTool finds a peer tool's binary on PATH, in GOPATH/bin (where `go
// install` and `make interop` put it) or in .ci/run's cache
// ($PROVENANT_CI_CACHE, default ~/.cache/provenant-ci, in cacheDir such as
// "cosign-v2.6.2"), or skips the test with skip, which says how to get it.
func peerTool(t *testing.T, name, cacheDir, skip string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	var dirs []string
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		dirs = append(dirs, filepath.Join(strings.TrimSpace(string(out)), "bin"))
	}
	cache := os.Getenv("PROVENANT_CI_CACHE")
	if cache == "" {
		if home, err := os.UserHomeDir(); err == nil {
			cache = filepath.Join(home, ".cache", "provenant-ci")
		}
	}
	if cache != "" && cacheDir != "" {
		dirs = append(dirs, filepath.Join(cache, cacheDir))
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip(skip)
	return ""
}
