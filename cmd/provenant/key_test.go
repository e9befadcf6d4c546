package main

import (
	"os"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
)

// TestKeyPublicFiles: key public works for key files too (plain, encrypted,
// public), and refuses what is not a key.
func TestKeyPublicFiles(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	attesttest.Unsetenv(t, passwordEnv)
	if r := runCLI(t, "", "keygen", "--type", "ecdsa-p256", "--out", "plain"); r.code != 0 {
		t.Fatalf("keygen: %s", r.stderr)
	}
	t.Setenv(passwordEnv, "file-password-1")
	if r := runCLI(t, "", "keygen", "--out", "enc"); r.code != 0 {
		t.Fatalf("keygen encrypted: %s", r.stderr)
	}
	tests := []struct {
		key, wantPub string
		code         int
		want         string
	}{
		{key: "plain.key", wantPub: "plain.pub"},
		{key: "plain.pub", wantPub: "plain.pub"},
		{key: "enc.key", wantPub: "enc.pub"},
		{key: "absent.key", code: 2, want: "absent.key: no such file or directory"},
		{key: "awskms:///alias/x", code: 2, want: "awskms:///alias/x"},
		{key: "gcpkms://projects/p", code: 2, want: "is not a Google Cloud KMS key reference"},
	}
	for _, tt := range tests {
		r := runCLI(t, "", "key", "public", "--key", tt.key)
		if r.code != tt.code {
			t.Errorf("key public --key %s: exit %d, want %d: %s", tt.key, r.code, tt.code, r.stderr)
			continue
		}
		if tt.code != 0 {
			if !strings.Contains(r.stderr, tt.want) || strings.Contains(r.stderr, "file-password-1") {
				t.Errorf("key public --key %s: stderr %q, want it to contain %q", tt.key, r.stderr, tt.want)
			}
			continue
		}
		want, _ := os.ReadFile(tt.wantPub)
		if r.stdout != string(want) {
			t.Errorf("key public --key %s = %q, want %s: %q", tt.key, r.stdout, tt.wantPub, want)
		}
	}
	if r := runCLI(t, "", "key", "public"); r.code != 2 || !strings.Contains(r.stderr, "--key is required") {
		t.Errorf("key public without --key: exit %d, %q", r.code, r.stderr)
	}
	if r := runCLI(t, "", "key"); r.code != 2 {
		t.Errorf("key without a subcommand: exit %d, want 2", r.code)
	}
}
