//go:build cgo

package softhsmtest

import (
	"crypto/elliptic"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ThalesGroup/crypto11"
)

// ModulePaths are where distributions put SoftHSM2's PKCS#11 module; Debian
// and Ubuntu use the first.
var ModulePaths = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
	"/opt/homebrew/lib/softhsm/libsofthsm2.so",
}

// Key types a token can be given.
const (
	ECDSAP256 = "ecdsa-p256"
	ECDSAP384 = "ecdsa-p384"
	RSA2048   = "rsa-2048"
)

// Key is a key pair to generate: its label (CKA_LABEL), id (CKA_ID) and type.
type Key struct {
	Label string
	ID    []byte
	Type  string
}

// Token is an initialised SoftHSM2 token.
type Token struct {
	Module string // the PKCS#11 module path
	Label  string // the token label
	PIN    string // the user PIN
}

// URI returns the RFC 7512 URI of a key on the token, without a PIN.
func (tk *Token) URI(object string) string {
	return fmt.Sprintf("pkcs11:token=%s;object=%s?module-path=%s", tk.Label, object, tk.Module)
}

// Module returns the SoftHSM2 module path, or "" when it is not installed.
func Module() string {
	for _, p := range ModulePaths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// New initialises a token named label in a temporary directory, points
// SOFTHSM2_CONF at it (with t.Setenv, so the test must not be parallel), and
// generates keys on it. It skips the test when SoftHSM2 is not installed.
func New(t testing.TB, label, pin string, keys ...Key) *Token {
	t.Helper()
	module := Module()
	if module == "" {
		t.Skip("SoftHSM2 is not installed (Debian: apt-get install softhsm2); skipping the PKCS#11 test")
	}
	util, err := exec.LookPath("softhsm2-util")
	if err != nil {
		t.Skip("softhsm2-util is not on PATH (Debian: apt-get install softhsm2); skipping the PKCS#11 test")
	}
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	cfg := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n", tokens)
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	cmd := exec.Command(util, "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", pin+"-so")
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+conf)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util --init-token: %v\n%s", err, out)
	}
	tk := &Token{Module: module, Label: label, PIN: pin}
	if len(keys) == 0 {
		return tk
	}
	c, err := crypto11.Configure(&crypto11.Config{Path: module, TokenLabel: label, Pin: pin})
	if err != nil {
		t.Fatalf("opening the new token: %v", err)
	}
	defer func() { _ = c.Close() }()
	for _, k := range keys {
		id := k.ID
		if id == nil {
			id = []byte(k.Label)
		}
		switch k.Type {
		case ECDSAP256:
			_, err = c.GenerateECDSAKeyPairWithLabel(id, []byte(k.Label), elliptic.P256())
		case ECDSAP384:
			_, err = c.GenerateECDSAKeyPairWithLabel(id, []byte(k.Label), elliptic.P384())
		case RSA2048:
			_, err = c.GenerateRSAKeyPairWithLabel(id, []byte(k.Label), 2048)
		default:
			err = fmt.Errorf("unknown key type %q", k.Type)
		}
		if err != nil {
			t.Fatalf("generating %s key %q: %v", k.Type, k.Label, err)
		}
	}
	return tk
}
