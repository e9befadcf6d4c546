package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// copyInto copies the named files of dir into the current directory.
func copyInto(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(n, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRunGoldenBundleFormats: run writes through the same writers as
// attest: a Sigstore bundle (--bundle-format sigstore, replaced only with
// --force) and a DSSE bundle with the key's certificate chain (--cert,
// --cert-chain). What they write verifies with provenant verify: the
// Sigstore bundle with --key, the certified bundle with --ca-roots and
// --certificate-identity.
func TestRunGoldenBundleFormats(t *testing.T) {
	pkg := packageDir(t)
	x509Dir := x509Fixture(t)
	setupRun(t)
	setClock(t, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	copyInto(t, x509Dir, "good-test-only.key", "good-test-only.crt", "email-test-only.crt", "chain-test-only.pem", "roots-test-only.pem")
	build := []string{"--", "sh", "-c", "mkdir -p build && cat src/*.c > build/app.o"}
	run := func(more ...string) []string {
		return append(append([]string{"run", "--step", "compile", "--materials", "src", "--products", "build"}, more...), build...)
	}
	const id = "--certificate-identity=https://ci.example.com/workflows/release"
	steps := []struct {
		args []string
		code int
	}{
		{run("--key", "test-only.key", "--bundle-format", "sigstore", "--bundle", "build.sigstore.json"), 0},
		{[]string{"verify", "--bundle", "build.sigstore.json", "--key", "test-only.pub", "--source-uri", "github.com/example/app", "build/app.o"}, 0},
		// The Sigstore bundle is signed by one key only.
		{[]string{"verify", "--bundle", "build.sigstore.json", "--key", "good-test-only.key", "build/app.o"}, 1},
		// One bundle, one statement: an existing one is replaced only with
		// --force, and the refusal comes before the command runs.
		{run("--key", "test-only.key", "--bundle-format", "sigstore", "--bundle", "build.sigstore.json"), 2},
		{run("--key", "test-only.key", "--bundle-format", "sigstore", "--bundle", "build.sigstore.json", "--force"), 0},

		{run("--key", "good-test-only.key", "--cert", "good-test-only.crt", "--cert-chain", "chain-test-only.pem", "--bundle", "build.intoto.jsonl"), 0},
		{[]string{"verify", "--bundle", "build.intoto.jsonl", "--ca-roots", "roots-test-only.pem", id, "build/app.o"}, 0},
		{[]string{"verify", "--bundle", "build.intoto.jsonl", "--ca-roots", "roots-test-only.pem", "--certificate-identity=release@example.com", "build/app.o"}, 1},
		{[]string{"verify", "--bundle", "build.intoto.jsonl", "--key", "test-only.pub", "build/app.o"}, 1},

		// Refused before the key is read or the command runs.
		{run("--key", "good-test-only.key", "--cert", "email-test-only.crt", "--bundle", "x.intoto.jsonl"), 2},
		{run("--key", "good-test-only.key", "--cert", "good-test-only.crt", "--bundle-format", "sigstore", "--bundle", "x.sigstore.json"), 2},
		{run("--key", "good-test-only.key", "--cert-chain", "chain-test-only.pem", "--bundle", "x.intoto.jsonl"), 2},
		{run("--key", "test-only.key", "--force", "--bundle", "x.intoto.jsonl"), 2},
		{run("--key", "test-only.key", "--bundle-format", "cosign", "--bundle", "x.intoto.jsonl"), 2},
		{run("--key", "test-only.key", "--cert", "missing.crt", "--bundle", "x.intoto.jsonl"), 2},
		{run("--key", "test-only.key", "--cert", "chain-test-only.pem", "--bundle", "x.intoto.jsonl"), 2},
	}
	var b strings.Builder
	for _, s := range steps {
		if s.args[0] == "run" {
			if err := os.RemoveAll("build"); err != nil {
				t.Fatal(err)
			}
		}
		r := runCLI(t, "", s.args...)
		if r.code != s.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", s.args, r.code, s.code, r.stdout, r.stderr)
		}
		if s.args[0] == "run" && s.code != 0 {
			if _, err := os.Stat("build"); err == nil {
				t.Errorf("%v: the command ran although run refused", s.args)
			}
		}
		// verify's own output belongs to verify's goldens: here only its
		// verdict counts.
		if s.args[0] == "run" {
			b.WriteString(transcript(s.args, r))
		}
	}
	for _, name := range []string{"x.intoto.jsonl", "x.sigstore.json"} {
		if _, err := os.Lstat(name); err == nil {
			t.Errorf("a refused run wrote %s", name)
		}
	}
	golden(t, pkg, "run/bundle-formats.golden", b.String())
}

// TestRunSigstoreRefusesRSABeforeRunning: a key Sigstore verifiers cannot
// use fails before the build, not after it.
func TestRunSigstoreRefusesRSABeforeRunning(t *testing.T) {
	setupRun(t)
	if r := runCLI(t, "", "keygen", "--type", "rsa-3072", "--out", "rsa"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := runCLI(t, "", "run", "--key", "rsa.key", "--bundle-format", "sigstore", "--bundle", "b.sigstore.json", "--step", "s", "--products", "out",
		"--", "sh", "-c", "mkdir -p out && touch out/ran")
	if r.code != 2 || !strings.Contains(r.stderr, "Sigstore bundles are signed with ECDSA (P-256, P-384) or Ed25519 keys") {
		t.Errorf("run --bundle-format sigstore with an RSA key: exit %d %q, want 2 and why", r.code, r.stderr)
	}
	if _, err := os.Stat("out/ran"); err == nil {
		t.Error("the command ran")
	}
}
