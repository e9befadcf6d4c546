package attesttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSkipVectorsIsSummarised: without ../shared/vectors, Vectors skips
// and records the test in $PROVENANT_VECTOR_SKIPS, and make test's
// wrapper (testdata/vector-skips.sh) prints one line that counts the
// skips and says why, keeping the exit status.
func TestSkipVectorsIsSummarised(t *testing.T) {
	wrapper, err := filepath.Abs(filepath.Join("..", "..", "testdata", "vector-skips.sh"))
	if err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(t.TempDir(), "skips")
	t.Setenv(SkipLogEnv, log)
	mod := t.TempDir() // a module with no ../shared beside it
	WriteFile(t, filepath.Join(mod, "go.mod"), []byte("module m\n"), 0o644)
	t.Chdir(mod)
	for _, name := range []string{"A", "B"} {
		t.Run(name, func(t *testing.T) {
			Vectors(t, "dsse")
			t.Error("Vectors did not skip")
		})
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	want := "TestSkipVectorsIsSummarised/A\t../shared/vectors is absent\nTestSkipVectorsIsSummarised/B\t../shared/vectors is absent\n"
	if string(data) != want {
		t.Errorf("log %q, want %q", data, want)
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash: the wrapper is not run")
	}
	for _, c := range []struct {
		script string
		code   int
		want   string
	}{
		{`printf 'T1\tno vectors\nT2\tno vectors\nT3\tno roots\n' >>"$PROVENANT_VECTOR_SKIPS"`, 0,
			"make test: 3 vector test(s) skipped: no roots;no vectors (the shared vectors are read from ../shared/vectors beside the checkout, never copied into it)\n"},
		{`printf 'T1\tno vectors\n' >>"$PROVENANT_VECTOR_SKIPS"; exit 3`, 3,
			"make test: 1 vector test(s) skipped: no vectors (the shared vectors are read from ../shared/vectors beside the checkout, never copied into it)\n"},
		{`exit 0`, 0, ""},
	} {
		cmd := exec.Command("bash", wrapper, "sh", "-c", c.script)
		cmd.Env = append(os.Environ(), SkipLogEnv+"=") // the wrapper sets its own
		out, err := cmd.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.code || string(out) != c.want {
			t.Errorf("%s: exit %d, output %q; want %d, %q", c.script, code, out, c.code, c.want)
		}
		if strings.Count(string(out), "\n") > 1 {
			t.Errorf("more than one line: %q", out)
		}
	}
}
