package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"

	"golang.org/x/term"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/pkcs11"
)

// The environment variables that hold a private key's password and a
// PKCS#11 token's PIN. Secrets are never taken from flags (they would show
// in process listings and shell history), and the library never reads the
// environment: the CLI passes them as options.
const (
	passwordEnv = "PROVENANT_KEY_PASSWORD"
	pinEnv      = "PROVENANT_PKCS11_PIN"
)

// keyPassword returns how to get the password of an encrypted private key:
// from PROVENANT_KEY_PASSWORD when set (even empty: cosign keys may have an
// empty password), else by prompting on the terminal; with neither, an
// encrypted key fails with attest.ErrEncryptedKey instead of hanging.
// Nothing happens unless the key turns out to be encrypted.
func keyPassword(path string) attest.PasswordFunc {
	if v, ok := os.LookupEnv(passwordEnv); ok {
		return func() ([]byte, error) { return []byte(v), nil }
	}
	return func() ([]byte, error) {
		tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err != nil {
			return nil, attest.ErrEncryptedKey
		}
		defer func() { _ = tty.Close() }()
		if !term.IsTerminal(int(tty.Fd())) {
			return nil, attest.ErrEncryptedKey
		}
		if _, err := fmt.Fprintf(tty, "Password for %s: ", path); err != nil {
			return nil, fmt.Errorf("asking for the password: %w", err)
		}
		pw, err := term.ReadPassword(int(tty.Fd()))
		_, _ = fmt.Fprintln(tty) // ends the prompt's line; the password is read
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

// keyOptions are the secrets the CLI offers attest.LoadSignerRef for ref:
// the password of an encrypted key file and the PIN of a token, each asked
// for only if needed.
func keyOptions(ref string) []attest.KeyOption {
	opts := []attest.KeyOption{attest.WithPassword(keyPassword(ref))}
	if v := os.Getenv(pinEnv); v != "" {
		opts = append(opts, attest.WithPIN(func() ([]byte, error) { return []byte(v), nil }))
	}
	return opts
}

// openSigner opens the signing key ref names (a file, a PKCS#11 URI, a KMS
// URI) through attest.LoadSignerRef. The caller closes it with
// attest.CloseSigner.
func openSigner(ctx context.Context, ref string) (attest.Signer, error) {
	defer quietLog()()
	s, err := attest.LoadSignerRef(ctx, ref, keyOptions(ref)...)
	if err != nil {
		return nil, secretHint(err)
	}
	return s, nil
}

// openPublicKey returns the public half of the key ref names
// (attest.LoadPublicKeyRef), with the CLI's secrets.
func openPublicKey(ctx context.Context, ref string) (*attest.PublicKey, error) {
	defer quietLog()()
	k, err := attest.LoadPublicKeyRef(ctx, ref, keyOptions(ref)...)
	if err != nil {
		return nil, secretHint(err)
	}
	return k, nil
}

// quietLog silences the standard logger until the returned function is
// called: sigstore's Vault provider narrates its token search with it, and
// errors reach the user as one line instead.
func quietLog() (restore func()) {
	w := log.Writer()
	log.SetOutput(io.Discard)
	return func() { log.SetOutput(w) }
}

// secretHint adds where the CLI takes a missing secret from.
func secretHint(err error) error {
	switch {
	case errors.Is(err, attest.ErrEncryptedKey):
		return fmt.Errorf("%w: set %s", err, passwordEnv)
	case errors.Is(err, pkcs11.ErrNoPIN):
		return fmt.Errorf("%w: set %s (or pin-source in the URI)", err, pinEnv)
	}
	return err
}
