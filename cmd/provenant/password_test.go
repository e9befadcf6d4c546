package main

import (
	"os"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
)

func TestEncryptedKeyCLI(t *testing.T) {
	const secret = "pa55-w0rd-never-shown"
	dir := t.TempDir()
	t.Setenv(passwordEnv, secret)
	r := runCLI(t, dir, "keygen", "--type", "ecdsa-p256", "--out", "enc")
	if r.code != 0 || !strings.Contains(r.stdout, "encrypted with PROVENANT_KEY_PASSWORD") {
		t.Fatalf("keygen with a password: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	key, _ := os.ReadFile("enc.key")
	if !strings.Contains(string(key), "ENCRYPTED SIGSTORE PRIVATE KEY") {
		t.Fatalf("enc.key is not encrypted: %.60q", key)
	}
	attesttest.WriteFile(t, "art.bin", []byte("x"), 0o644)
	outputs := []result{r}
	r = runCLI(t, "", "attest", "--key", "enc.key", "--bundle", "b.intoto.jsonl", "art.bin")
	outputs = append(outputs, r)
	if r.code != 0 {
		t.Fatalf("attest with the right password: exit %d: %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", "verify", "--bundle", "b.intoto.jsonl", "--key", "enc.pub", "art.bin"); r.code != 0 {
		t.Errorf("verify: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	t.Setenv(passwordEnv, "wrong-"+secret)
	r = runCLI(t, "", "attest", "--key", "enc.key", "--bundle", "b.intoto.jsonl", "art.bin")
	outputs = append(outputs, r)
	if r.code != 2 || r.stderr != "provenant: enc.key: wrong password for the encrypted key\n" {
		t.Errorf("attest with a wrong password = exit %d, %q; want 2 and one line", r.code, r.stderr)
	}
	t.Setenv(passwordEnv, "")
	r = runCLI(t, "", "keygen", "--out", "empty")
	outputs = append(outputs, r)
	if r.code != 2 || !strings.Contains(r.stderr, "set but empty") {
		t.Errorf("keygen with an empty password = exit %d, %q; want 2", r.code, r.stderr)
	}
	attesttest.Unsetenv(t, passwordEnv)
	if tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil {
		attesttest.Close(t, tty)
		t.Log("a terminal is attached: skipping the no-password case, which would prompt")
	} else {
		r = runCLI(t, "", "attest", "--key", "enc.key", "--bundle", "b.intoto.jsonl", "art.bin")
		outputs = append(outputs, r)
		if r.code != 2 || r.stderr != "provenant: enc.key: key is encrypted: set PROVENANT_KEY_PASSWORD\n" {
			t.Errorf("attest without a password and no terminal = exit %d, %q; want 2 and the hint", r.code, r.stderr)
		}
	}
	for _, o := range outputs {
		if strings.Contains(o.stdout+o.stderr, secret) {
			t.Errorf("the password appears in output:\n%s%s", o.stdout, o.stderr)
		}
	}
	bundle, _ := os.ReadFile("b.intoto.jsonl")
	if strings.Contains(string(bundle), secret) {
		t.Error("the password appears in the bundle")
	}
}

// TestEncryptedKeyEverySigningCommand: every command that signs reads an
// encrypted key with PROVENANT_KEY_PASSWORD (run and sign once did not).
func TestEncryptedKeyEverySigningCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(passwordEnv, "pw-for-every-command")
	if r := runCLI(t, dir, "keygen", "--type", "ecdsa-p256", "--out", "enc"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	attesttest.WriteFile(t, "art.bin", []byte("x"), 0o644)
	for _, args := range [][]string{
		{"attest", "--key", "enc.key", "--bundle", "a.intoto.jsonl", "art.bin"},
		{"run", "--key", "enc.key", "--bundle", "r.intoto.jsonl", "--step", "s", "--products", "out", "--", "sh", "-c", "mkdir -p out && echo y > out/y"},
		{"sign", "--key", "enc.key", "--bundle", "art.sigstore.json", "art.bin"},
	} {
		if r := runCLI(t, "", args...); r.code != 0 {
			t.Errorf("%s with an encrypted key: exit %d: %s", args[0], r.code, r.stderr)
		}
	}
	t.Setenv(passwordEnv, "wrong")
	for _, args := range [][]string{
		{"run", "--key", "enc.key", "--bundle", "r.intoto.jsonl", "--step", "s", "--products", "out", "--", "true"},
		{"sign", "--key", "enc.key", "--bundle", "art2.sigstore.json", "art.bin"},
	} {
		if r := runCLI(t, "", args...); r.code != 2 || !strings.Contains(r.stderr, "wrong password") {
			t.Errorf("%s with a wrong password: exit %d, %q; want 2 and 'wrong password'", args[0], r.code, r.stderr)
		}
	}
}

// TestKeyPasswordFromEnv: the CLI, not the library, reads the password and
// the PIN from the environment; a password set but empty is a password
// (cosign keys may have one), an empty PIN is none.
func TestKeyPasswordFromEnv(t *testing.T) {
	t.Setenv(passwordEnv, "")
	got, err := keyPassword("k")()
	if err != nil || len(got) != 0 {
		t.Errorf("keyPassword with %s set but empty = %q, %v; want an empty password", passwordEnv, got, err)
	}
	t.Setenv(passwordEnv, "from-env")
	if got, _ := keyPassword("k")(); string(got) != "from-env" {
		t.Errorf("keyPassword = %q, want from-env", got)
	}
	for _, c := range []struct {
		pin  string
		want int
	}{{"", 1}, {"1234", 2}} {
		t.Setenv(pinEnv, c.pin)
		if got := len(keyOptions("pkcs11:object=k")); got != c.want {
			t.Errorf("keyOptions with %s=%q: %d options, want %d", pinEnv, c.pin, got, c.want)
		}
	}
}
