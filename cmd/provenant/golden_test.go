package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// result is what one CLI invocation did.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs provenant in-process with args, in dir (when not empty), with
// colour off.
func runCLI(t *testing.T, dir string, args ...string) result {
	t.Helper()
	if dir != "" {
		t.Chdir(dir)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), args, streams{in: strings.NewReader(""), out: &out, err: &errb})
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// golden compares got with testdata/<name>, or rewrites it under -update.
// Paths are relative to the package directory, captured before any Chdir.
func golden(t *testing.T, pkgDir, name, got string) {
	t.Helper()
	path := filepath.Join(pkgDir, "testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test ./cmd/provenant -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// String is what a user saw of the run, as the golden files hold it: the
// exit code, stdout and stderr.
func (r result) String() string {
	return "exit: " + strconv.Itoa(r.code) + "\n--- stdout\n" + r.stdout + "--- stderr\n" + r.stderr
}

// goldenRun checks that r exited with wantCode and that what it printed
// (r.String(), with replace's old, new pairs replaced: paths that differ
// between machines) is testdata/<name>, or rewrites that under -update.
func goldenRun(t *testing.T, pkgDir, name string, r result, wantCode int, replace ...string) {
	t.Helper()
	if r.code != wantCode {
		t.Errorf("%s: exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", name, r.code, wantCode, r.stdout, r.stderr)
	}
	golden(t, pkgDir, name, strings.NewReplacer(replace...).Replace(r.String()))
}

// oneLineStderr fails when r printed more than one line on stderr: an
// error is one line for the user.
func oneLineStderr(t *testing.T, r result) {
	t.Helper()
	if n := strings.Count(r.stderr, "\n"); n > 1 {
		t.Errorf("stderr has %d lines, want at most one:\n%s", n, r.stderr)
	}
}

// packageDir is the directory of this package, for golden files.
func packageDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
