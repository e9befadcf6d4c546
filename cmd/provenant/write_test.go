//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
)

// secretLeaked returns the regular files under dir, other than the
// skipped ones (named relative to dir), that hold the marker.
func secretLeaked(t *testing.T, dir, marker string, skip ...string) []string {
	t.Helper()
	paths := make([]string, len(skip))
	for i, s := range skip {
		paths[i] = filepath.Join(dir, s)
	}
	return attesttest.FilesHolding(t, dir, marker, paths...)
}

// TestWriteRefusalsGolden: every command that writes a file refuses a
// symbolic link (to a key, to /proc/self/environ, dangling), a directory,
// a named pipe, and (for appends) a file that is not a bundle, with exit 2
// and one line naming the file; the destination and the link's target are
// left exactly as they were and no file receives the target's content
// (issue 13, item 14). sign, attest --bundle-format sigstore and key
// public --out refuse an existing file without --force (item 15).
func TestWriteRefusalsGolden(t *testing.T) {
	f := newFixture(t)
	t.Chdir(f.dir)
	const marker = "PRIVATE KEY" // in every test key file
	attesttest.WriteFile(t, "secret.env", []byte("GITHUB_TOKEN=ghp_SECRET-IN-ENV-FILE\n"), 0o600)
	attesttest.WriteFile(t, "README.md", []byte("# not a bundle\n"), 0o644)
	attesttest.WriteFile(t, "existing.sigstore.json", []byte("an earlier bundle\n"), 0o644)
	attesttest.WriteFile(t, "existing.pub", []byte("an earlier key\n"), 0o644)
	attesttest.Mkdir(t, "adir")
	attesttest.Symlink(t, "ed25519-test-only.key", "key-link.intoto.jsonl")
	attesttest.Symlink(t, "/proc/self/environ", "environ.intoto.jsonl")
	attesttest.Symlink(t, "nowhere/created-through-link", "dangling.intoto.jsonl")
	attesttest.Symlink(t, "good.intoto.jsonl", "bundle-link.intoto.jsonl")
	attesttest.Symlink(t, "ed25519-test-only.key", "key-link.json")
	attesttest.Symlink(t, "ed25519-test-only.key", "k2.pub")
	attesttest.Mkfifo(t, "fifo.intoto.jsonl")
	attestTo := func(bundle string, more ...string) []string {
		return append(append([]string{"attest", "--key=ed25519-test-only.key", "--bundle=" + bundle}, more...), "app.tar.gz")
	}
	verifyVSA := []string{"verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "--vsa-key=other-ed25519-test-only.key",
		"--verifier-id=https://ci.example.com/gate", "--vsa-out=key-link.json", "app.tar.gz"}
	tests := []struct {
		args []string
		code int
	}{
		{attestTo("key-link.intoto.jsonl"), 2},
		{attestTo("environ.intoto.jsonl"), 2},
		{attestTo("dangling.intoto.jsonl"), 2},
		{attestTo("bundle-link.intoto.jsonl"), 2},
		{attestTo("fifo.intoto.jsonl"), 2},
		{attestTo("adir"), 2},
		{attestTo("README.md"), 2},
		{attestTo("secret.env"), 2},
		{attestTo("pretty.json"), 2},
		{attestTo("ed25519-test-only.key"), 2},
		{attestTo("key-link.intoto.jsonl", "--cert=none.pem"), 2},
		{attestTo("key-link.json", "--bundle-format=sigstore", "--force"), 2},
		{attestTo("existing.sigstore.json", "--bundle-format=sigstore"), 2},
		{attestTo("out.intoto.jsonl", "--force"), 2},
		{[]string{"sign", "--key=ed25519-test-only.key", "--bundle=existing.sigstore.json", "app.tar.gz"}, 2},
		{[]string{"sign", "--key=ed25519-test-only.key", "--bundle=key-link.json", "--force", "app.tar.gz"}, 2},
		{[]string{"sign", "--key=ed25519-test-only.key", "--bundle=fifo.intoto.jsonl", "--force", "app.tar.gz"}, 2},
		{[]string{"keygen", "--out=k2"}, 2},
		{[]string{"keygen", "--out=k2", "--force"}, 2},
		{[]string{"key", "public", "--key=ed25519-test-only.key", "--out=existing.pub"}, 2},
		{[]string{"key", "public", "--key=ed25519-test-only.key", "--out=key-link.json", "--force"}, 2},
		{[]string{"inspect", "--output=key-link.json", "good.intoto.jsonl"}, 2},
		{[]string{"inspect", "--output=adir", "good.intoto.jsonl"}, 2},
		{verifyVSA, 2},
	}
	before := map[string]string{}
	entries, _ := os.ReadDir(".")
	for _, e := range entries {
		before[e.Name()] = attesttest.Describe(e.Name())
	}
	var b strings.Builder
	for _, tt := range tests {
		r := runCLI(t, "", tt.args...)
		if r.code != tt.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tt.args, r.code, tt.code, r.stdout, r.stderr)
		}
		if n := strings.Count(r.stderr, "\n"); n != 1 || r.stdout != "" {
			t.Errorf("%v: want one line on stderr and nothing on stdout, got %q %q", tt.args, r.stdout, r.stderr)
		}
		b.WriteString(transcript(tt.args, r))
	}
	golden(t, f.pkgDir, "write/refusals.golden", b.String())

	// Nothing changed: every name is what it was, nothing new appeared
	// (no bundle, no temporary file, nothing created through a link).
	after, _ := os.ReadDir(".")
	for _, e := range after {
		if _, ok := before[e.Name()]; !ok {
			t.Errorf("%s appeared", e.Name())
		}
	}
	for name, was := range before {
		if now := attesttest.Describe(name); now != was {
			t.Errorf("%s changed: %.60q, was %.60q", name, now, was)
		}
	}
	if _, err := os.Lstat("nowhere"); err == nil {
		t.Error("something was created through the dangling link")
	}
	if leaks := secretLeaked(t, f.dir, marker, "ed25519-test-only.key", "other-ed25519-test-only.key", "ecdsa-p256-test-only.key"); len(leaks) > 0 {
		t.Errorf("a private key's content was copied into %v", leaks)
	}

	// With --force, an existing regular file is replaced.
	for _, args := range [][]string{
		{"sign", "--key=ed25519-test-only.key", "--bundle=existing.sigstore.json", "--force", "app.tar.gz"},
		attestTo("existing.sigstore.json", "--bundle-format=sigstore", "--force"),
		{"key", "public", "--key=ed25519-test-only.key", "--out=existing.pub", "--force"},
	} {
		if r := runCLI(t, "", args...); r.code != 0 {
			t.Errorf("%v: exit %d: %s", args, r.code, r.stderr)
		}
	}
	if r := runCLI(t, "", "verify-signature", "--bundle=existing.sigstore.json", "--key=existing.pub", "app.tar.gz"); r.code != 0 {
		t.Errorf("the replaced bundle does not verify with the replaced key: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
}

// TestRunRefusesUnsafeBundleBeforeRunning: run checks the bundle before the
// command starts, so a link at --bundle costs no build and leaks nothing.
func TestRunRefusesUnsafeBundleBeforeRunning(t *testing.T) {
	pkg := packageDir(t)
	dir := setupRun(t)
	attesttest.Symlink(t, "test-only.key", "provenance.intoto.jsonl")
	attesttest.WriteFile(t, "notes.txt", []byte("not a bundle\n"), 0o644)
	var b strings.Builder
	for _, bundle := range []string{"provenance.intoto.jsonl", "notes.txt", "src"} {
		args := []string{"run", "--key", "test-only.key", "--bundle", bundle, "--step", "build", "--products", "out",
			"--", "sh", "-c", "mkdir -p out && touch out/ran"}
		r := runCLI(t, "", args...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, r.code, r.stderr)
		}
		if _, err := os.Stat("out/ran"); err == nil {
			t.Errorf("--bundle %s: the command ran although the bundle was refused", bundle)
		}
		b.WriteString(transcript(args, r))
	}
	if got := attesttest.Describe("provenance.intoto.jsonl"); got != "link to test-only.key" {
		t.Errorf("the link is now %s", got)
	}
	if leaks := secretLeaked(t, dir, "PRIVATE KEY", "test-only.key"); len(leaks) > 0 {
		t.Errorf("the key's content was copied into %v", leaks)
	}
	golden(t, pkg, "run/unsafe-bundle.golden", b.String())
}
