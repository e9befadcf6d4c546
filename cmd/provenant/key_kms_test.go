//go:build kms

package main

import (
	"strings"
	"testing"
)

// TestKMSKeyErrorsOneLine: with the providers compiled in, a KMS key that
// cannot be reached fails with exit 2 and exactly one line on stderr (the
// Vault provider's log lines are kept out), showing no token.
func TestKMSKeyErrorsOneLine(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("VAULT_ADDR", "http://127.0.0.1:1")
	for _, tt := range []struct{ token, want string }{
		{"", "hashivault://release: loading the key: read .vault-token file"},
		{"hvs.s3cr3t-token", "hashivault://release: loading the key: public key:"},
	} {
		t.Setenv("VAULT_TOKEN", tt.token)
		for _, args := range [][]string{
			{"key", "public", "--key", "hashivault://release"},
			{"attest", "--key", "hashivault://release", "--bundle", home + "/b.intoto.jsonl", home},
		} {
			r := runCLI(t, "", args...)
			if r.code != 2 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line containing %q", args, r.code, r.stderr, tt.want)
			}
			if tt.token != "" && strings.Contains(r.stdout+r.stderr, tt.token) {
				t.Errorf("%v: output shows the Vault token", args)
			}
		}
	}
}
