package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
)

func TestKeygenAttestVerifyEveryKeyType(t *testing.T) {
	for _, kt := range attest.KeyTypes() {
		t.Run(string(kt), func(t *testing.T) {
			if testing.Short() && strings.HasPrefix(string(kt), "rsa-4096") {
				t.Skip("slow key generation in -short mode")
			}
			dir := t.TempDir()
			r := runCLI(t, dir, "keygen", "--type", string(kt), "--out", "k")
			if r.code != 0 {
				t.Fatalf("keygen exit %d: %s", r.code, r.stderr)
			}
			for name, want := range map[string]os.FileMode{"k.key": 0o600, "k.pub": 0o644} {
				info, err := os.Stat(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if got := info.Mode().Perm(); got != want {
					t.Errorf("%s mode = %o, want %o", name, got, want)
				}
			}
			key, _ := os.ReadFile(filepath.Join(dir, "k.key"))
			if !strings.HasPrefix(string(key), "-----BEGIN PRIVATE KEY-----") {
				t.Errorf("k.key is not PKCS#8 PEM: %.40q", key)
			}
			pub, _ := os.ReadFile(filepath.Join(dir, "k.pub"))
			if !strings.HasPrefix(string(pub), "-----BEGIN PUBLIC KEY-----") {
				t.Errorf("k.pub is not PKIX PEM: %.40q", pub)
			}
			attesttest.WriteFile(t, "art.bin", []byte("artifact for "+string(kt)), 0o644)
			if r := runCLI(t, "", "attest", "--key", "k.key", "--bundle", "b.intoto.jsonl", "--sha512", "art.bin"); r.code != 0 {
				t.Fatalf("attest exit %d: %s", r.code, r.stderr)
			}
			if r := runCLI(t, "", "verify", "--bundle", "b.intoto.jsonl", "--key", "k.pub", "art.bin"); r.code != 0 {
				t.Fatalf("verify exit %d: %s%s", r.code, r.stdout, r.stderr)
			}
			attesttest.WriteFile(t, "art.bin", []byte("tampered"), 0o644)
			if r := runCLI(t, "", "verify", "--bundle", "b.intoto.jsonl", "--key", "k.pub", "art.bin"); r.code != 1 {
				t.Fatalf("verify of a tampered artifact: exit %d, want 1: %s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestKeygenRefusesOverwrite(t *testing.T) {
	dir := t.TempDir()
	if r := runCLI(t, dir, "keygen", "--out", "k"); r.code != 0 {
		t.Fatalf("keygen: %d %s", r.code, r.stderr)
	}
	before, _ := os.ReadFile("k.key")
	r := runCLI(t, "", "keygen", "--out", "k")
	if r.code != 2 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("second keygen = exit %d, %q; want 2 and 'already exists'", r.code, r.stderr)
	}
	after, _ := os.ReadFile("k.key")
	if string(before) != string(after) {
		t.Error("keygen without --force changed the existing key")
	}
	if r := runCLI(t, "", "keygen", "--out", "k", "--force"); r.code != 0 {
		t.Errorf("keygen --force = exit %d: %s", r.code, r.stderr)
	}
	after, _ = os.ReadFile("k.key")
	if string(before) == string(after) {
		t.Error("keygen --force did not replace the key")
	}
	if r := runCLI(t, "", "keygen", "--type", "dsa", "--out", "x"); r.code != 2 || !strings.Contains(r.stderr, "unknown key type") {
		t.Errorf("keygen --type dsa = exit %d, %q", r.code, r.stderr)
	}
}

func TestAttestGolden(t *testing.T) {
	f := newFixture(t)
	t.Chdir(f.dir)
	attesttest.WriteFile(t, "dist/a.txt", []byte("a\n"), 0o644)
	attesttest.WriteFile(t, "dist/sub/b.txt", []byte("b\n"), 0o644)
	attesttest.WriteFile(t, "SHA256SUMS", []byte("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  empty.bin\n"), 0o644)
	attesttest.WriteFile(t, "pred.json", []byte(`{"result":"PASSED"}`), 0o644)
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"files", []string{"attest", "--key=ed25519-test-only.key", "--bundle=out.intoto.jsonl", "app.tar.gz", "lib.tar.gz"}, 0},
		{"dir-and-glob-json", []string{"attest", "--format=json", "--key=ed25519-test-only.key", "--bundle=out.intoto.jsonl", "dist", "*.tar.gz"}, 0},
		{"checksums", []string{"attest", "--key=ed25519-test-only.key", "--bundle=out.intoto.jsonl", "--checksums=SHA256SUMS"}, 0},
		{"predicate", []string{"attest", "--key=ed25519-test-only.key", "--bundle=out.intoto.jsonl", "--predicate=pred.json", "--predicate-type=https://example.com/test-result/v1", "app.tar.gz"}, 0},
		{"missing-artifact", []string{"attest", "--key=ed25519-test-only.key", "--bundle=out.intoto.jsonl", "nope.bin"}, 2},
		{"glob-matches-nothing", []string{"attest", "--key=ed25519-test-only.key", "--bundle=out.intoto.jsonl", "*.nothing"}, 2},
		{"public-key-as-key", []string{"attest", "--key=ed25519-test-only.pub", "--bundle=out.intoto.jsonl", "app.tar.gz"}, 2},
		{"not-a-key", []string{"attest", "--key=app.tar.gz", "--bundle=out.intoto.jsonl", "app.tar.gz"}, 2},
		{"no-bundle", []string{"attest", "--key=ed25519-test-only.key", "app.tar.gz"}, 2},
		{"predicate-without-type", []string{"attest", "--key=ed25519-test-only.key", "--bundle=out.intoto.jsonl", "--predicate=pred.json", "app.tar.gz"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.args...)
			goldenRun(t, f.pkgDir, filepath.Join("attest", tt.name+".golden"), r, tt.wantCode)
		})
	}
	// Every line written verifies, for the artifacts it names.
	r := runCLI(t, "", "verify", "--bundle=out.intoto.jsonl", "--key=ed25519-test-only.pub", "--predicate-type=https://slsa.dev/provenance/v1", "app.tar.gz", "dist/a.txt", "dist/sub/b.txt")
	if r.code != 0 {
		t.Errorf("verify of attested artifacts: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	data, _ := os.ReadFile("out.intoto.jsonl")
	if n := strings.Count(string(data), "\n"); n != 4 {
		t.Errorf("bundle has %d lines, want 4 (one per successful attest)", n)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := runCLI(t, "", args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "provenant ") {
			t.Errorf("%v = exit %d, %q", args, r.code, r.stdout)
		}
	}
	r := runCLI(t, "", "version", "--format=json")
	if r.code != 0 || !strings.Contains(r.stdout, `"version"`) {
		t.Errorf("version --format=json = %d %q", r.code, r.stdout)
	}
}
