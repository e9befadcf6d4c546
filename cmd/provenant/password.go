package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"

	"github.com/provenant/provenant/attest"
)

// passwordEnv names the environment variable that holds a private key's
// password. Passwords are never taken from flags (they would show in
// process listings and shell history).
const passwordEnv = "PROVENANT_KEY_PASSWORD"

// keyPassword returns how to get the password of an encrypted private key:
// from PROVENANT_KEY_PASSWORD when set, else by prompting on the terminal;
// with neither, an encrypted key fails with "key is encrypted: set
// PROVENANT_KEY_PASSWORD" instead of hanging. Nothing happens unless the key
// turns out to be encrypted.
func keyPassword(path string) attest.PasswordFunc {
	if f := attest.PasswordFromEnv(passwordEnv); f != nil {
		return f
	}
	return func() ([]byte, error) {
		tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("%w: set %s", attest.ErrEncryptedKey, passwordEnv)
		}
		defer tty.Close()
		if !term.IsTerminal(int(tty.Fd())) {
			return nil, fmt.Errorf("%w: set %s", attest.ErrEncryptedKey, passwordEnv)
		}
		fmt.Fprintf(tty, "Password for %s: ", path)
		pw, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(tty)
		if err != nil {
			return nil, fmt.Errorf("reading the password: %w", err)
		}
		return pw, nil
	}
}

// newKeyPassword returns the password to encrypt a new key with, from
// PROVENANT_KEY_PASSWORD, or nil for an unencrypted key.
func newKeyPassword() (attest.PasswordFunc, error) {
	v, ok := os.LookupEnv(passwordEnv)
	if !ok {
		return nil, nil
	}
	if v == "" {
		return nil, errors.New(passwordEnv + " is set but empty: unset it to write an unencrypted key, or set a password")
	}
	return func() ([]byte, error) { return []byte(v), nil }, nil
}

// loadSigner loads a private key for signing: a PKCS#11 or KMS URI (see
// key.go), else a file, asking for its password when it is encrypted.
func loadSigner(path string) (attest.Signer, error) {
	if s, ok, err := loadKeyURI(context.Background(), path); ok {
		return s, err
	}
	return attest.LoadSigner(path, attest.WithPassword(keyPassword(path)))
}
