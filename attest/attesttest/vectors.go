package attesttest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Vectors returns the directory of the shared test vectors,
// ../shared/vectors beside the checkout (the directory holding go.mod),
// joined with sub. It skips the test when that directory is absent: the
// vectors are never copied into the repository. The path is absolute, so
// it stays right after t.Chdir.
func Vectors(t testing.TB, sub ...string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := wd
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			t.Fatalf("no go.mod in %s or above it: Vectors needs the module's directory", wd)
		}
		root = parent
	}
	dir := filepath.Join(append([]string{root, "..", "shared", "vectors"}, sub...)...)
	if _, err := os.Stat(dir); err != nil {
		SkipVectors(t, "../shared/vectors is absent")
	}
	return dir
}

// SkipLogEnv names a file to which SkipVectors appends a line per test it
// skips, "TestName<TAB>why": make test sets it and prints one summary line
// of what was skipped and why.
const SkipLogEnv = "PROVENANT_VECTOR_SKIPS"

// SkipVectors skips a test that needs the shared vectors (or another
// third-party file read from beside the checkout), recording it in the
// file $PROVENANT_VECTOR_SKIPS names, when set.
func SkipVectors(t testing.TB, why string) {
	t.Helper()
	if p := os.Getenv(SkipLogEnv); p != "" {
		if f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			_, _ = f.WriteString(t.Name() + "\t" + strings.ReplaceAll(why, "\n", " ") + "\n") // best effort: the skip itself says it
			_ = f.Close()
		}
	}
	t.Skip(why)
}

// StrangerBundle returns a real keyless Sigstore bundle of the public-good
// instance, signed by someone no test trusts (brian@dehamer.com, through
// GitHub's OAuth issuer: sigstore-go's
// testing-data/bundles/dsse.sigstore.json), as one bundle line, and the
// path of the trusted root it chains to. It skips the test without the
// vectors.
func StrangerBundle(t testing.TB) (line, root string) {
	t.Helper()
	dir := Vectors(t, "sigstore-go")
	raw, err := os.ReadFile(filepath.Join(dir, "testing-data", "bundles", "dsse.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer("\n", "", "\r", "").Replace(string(raw)), filepath.Join(dir, "examples", "trusted-root-public-good.json")
}
