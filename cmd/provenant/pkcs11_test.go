//go:build cgo

package main

import (
	"os"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/pkcs11/softhsmtest"
)

const hsmPIN = "9731-hsm-pin"

// TestPKCS11AttestVerify: attest with a key on a SoftHSM2 token, export its
// public key, verify with it; the PIN appears in no output and no bundle.
func TestPKCS11AttestVerify(t *testing.T) {
	tk := softhsmtest.New(t, "provenant-cli", hsmPIN,
		softhsmtest.Key{Label: "release", Type: softhsmtest.ECDSAP256},
		softhsmtest.Key{Label: "release-rsa", Type: softhsmtest.RSA2048},
	)
	t.Chdir(t.TempDir())
	if err := os.WriteFile("app.bin", []byte("artifact"), 0o644); err != nil {
		t.Fatal(err)
	}
	var outputs []string
	check := func(r result, want int, what string) {
		t.Helper()
		outputs = append(outputs, r.stdout, r.stderr)
		if r.code != want {
			t.Fatalf("%s: exit %d, want %d: %s%s", what, r.code, want, r.stdout, r.stderr)
		}
	}
	for _, object := range []string{"release", "release-rsa"} {
		uri := tk.URI(object)
		t.Setenv(pinEnv, hsmPIN)
		check(runCLI(t, "", "key", "public", "--key", uri, "--out", object+".pub"), 0, "key public --out")
		r := runCLI(t, "", "key", "public", "--key", uri)
		check(r, 0, "key public")
		file, _ := os.ReadFile(object + ".pub")
		if r.stdout != string(file) || !strings.HasPrefix(r.stdout, "-----BEGIN PUBLIC KEY-----") {
			t.Errorf("key public printed %q, wrote %q", r.stdout, file)
		}
		r = runCLI(t, "", "--format", "json", "key", "public", "--key", uri)
		check(r, 0, "key public --format json")
		pub, err := attest.LoadPublicKey(object + ".pub")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.stdout, `"keyId": "`+pub.ID+`"`) {
			t.Errorf("key public --format json = %s, want keyId %s", r.stdout, pub.ID)
		}
		check(runCLI(t, "", "attest", "--key", uri, "--bundle", object+".intoto.jsonl", "app.bin"), 0, "attest")
		check(runCLI(t, "", "verify", "--bundle", object+".intoto.jsonl", "--key", object+".pub", "app.bin"), 0, "verify")

		// The PIN in the URI instead of the environment.
		t.Setenv(pinEnv, "")
		check(runCLI(t, "", "attest", "--key", uri+"&pin-value="+hsmPIN, "--bundle", object+".intoto.jsonl", "app.bin"), 0, "attest with pin-value")
		bundle, _ := os.ReadFile(object + ".intoto.jsonl")
		if strings.Contains(string(bundle), hsmPIN) {
			t.Errorf("the bundle contains the PIN")
		}
	}

	// Failures: exit 2, one line, no PIN.
	t.Setenv(pinEnv, "")
	r := runCLI(t, "", "attest", "--key", tk.URI("release"), "--bundle", "x.intoto.jsonl", "app.bin")
	check(r, 2, "attest without a PIN")
	if !strings.Contains(r.stderr, "set PROVENANT_PKCS11_PIN") {
		t.Errorf("without a PIN: stderr %q, want it to name PROVENANT_PKCS11_PIN", r.stderr)
	}
	for _, c := range []struct{ uri, env, want string }{
		// Every command closed its signer, so the token itself refuses a
		// wrong PIN; a signer left open would have the process refuse it
		// ("already logged in by this process with a different PIN").
		{tk.URI("release") + "&pin-value=wrong-" + hsmPIN, "", "bad key: PKCS#11 PIN: the token refused the PIN"},
		{tk.URI("release"), "wrong-" + hsmPIN, "bad key: PKCS#11 PIN: the token refused the PIN"},
		{tk.URI("absent") + "&pin-value=" + hsmPIN, "", `no key pair on the token matches object="absent"`},
		{"pkcs11:object=release?module-path=" + tk.Module + "&pin-value=" + hsmPIN + "&bogus=1", "", `unsupported query attribute "bogus"`},
	} {
		t.Setenv(pinEnv, c.env)
		for _, args := range [][]string{
			{"attest", "--key", c.uri, "--bundle", "x.intoto.jsonl", "app.bin"},
			{"key", "public", "--key", c.uri},
		} {
			r := runCLI(t, "", args...)
			check(r, 2, strings.Join(args[:2], " ")+" "+c.want)
			if !strings.Contains(r.stderr, c.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("%s: stderr %q, want one line containing %q", args[0], r.stderr, c.want)
			}
		}
	}
	if _, err := os.Stat("x.intoto.jsonl"); err == nil {
		t.Errorf("a failed attest wrote a bundle")
	}
	for _, o := range outputs {
		if strings.Contains(o, hsmPIN) {
			t.Errorf("output contains the PIN: %q", o)
		}
	}
}
