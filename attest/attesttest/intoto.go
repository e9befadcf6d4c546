package attesttest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// startDir is the test's package directory, where go list finds go.mod
// even after a test has changed directory.
var startDir, _ = os.Getwd()

var inTotoDir = sync.OnceValues(func() (string, error) {
	cmd := exec.Command("go", "list", "-m", "-json", "github.com/in-toto/in-toto-golang")
	cmd.Dir = startDir
	out, err := cmd.Output()
	if err != nil {
		return "", err
	}
	var m struct{ Dir string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", err
	}
	return m.Dir, nil
})

// InTotoData returns in-toto-golang's own test data directory (test/data:
// the demo layouts, links, keys and foo.tar.gz), read from the module
// cache where `go list -m -json github.com/in-toto/in-toto-golang` finds
// the module (field Dir), joined with sub. It is never copied into the
// repository; the test is skipped when the module is not in the cache. The
// directory is read-only: copy what a test changes.
func InTotoData(t testing.TB, sub ...string) string {
	t.Helper()
	dir, err := inTotoDir()
	if err != nil || dir == "" {
		t.Skipf("in-toto-golang's module is not in the module cache (go list -m -json github.com/in-toto/in-toto-golang: %v); run go mod download", err)
	}
	p := filepath.Join(append([]string{dir, "test", "data"}, sub...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s is absent: %v", p, err)
	}
	return p
}
