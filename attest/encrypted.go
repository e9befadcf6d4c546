package attest

import (
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
)

// PEM block types of encrypted private keys in the format cosign and
// sigstore use: a PKCS#8 DER key sealed with go-securesystemslib's
// "encrypted" package (scrypt key derivation, NaCl secretbox).
const (
	pemEncryptedSigstore = "ENCRYPTED SIGSTORE PRIVATE KEY"
	pemEncryptedCosign   = "ENCRYPTED COSIGN PRIVATE KEY"
)

// ErrEncryptedKey: a private key is encrypted and no password was given.
var ErrEncryptedKey = errors.New("key is encrypted")

// ErrPassword: the password does not decrypt the key.
var ErrPassword = errors.New("wrong password for the encrypted key")

// PasswordFunc supplies the password of an encrypted key when one is met.
type PasswordFunc func() ([]byte, error)

// KeyOption configures key loading and writing.
type KeyOption func(*keyOptions)

type keyOptions struct {
	password PasswordFunc
}

// WithPassword supplies the password of an encrypted private key (when
// loading) or encrypts the private key with it (when writing). The function
// is called only when a password is needed.
func WithPassword(f PasswordFunc) KeyOption {
	return func(o *keyOptions) { o.password = f }
}

func collectKeyOptions(opts []KeyOption) keyOptions {
	var o keyOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// isEncryptedPEM says whether a PEM block holds an encrypted private key, in
// any format.
func isEncryptedPEM(b *pem.Block) bool {
	switch b.Type {
	case pemEncryptedSigstore, pemEncryptedCosign, "ENCRYPTED PRIVATE KEY":
		return true
	}
	_, legacy := b.Headers["DEK-Info"]
	return legacy
}

// decryptPEM turns an encrypted private key block into a plain PKCS#8 block.
func decryptPEM(b *pem.Block, o keyOptions) (*pem.Block, error) {
	switch b.Type {
	case pemEncryptedSigstore, pemEncryptedCosign:
	case "ENCRYPTED PRIVATE KEY":
		return nil, fmt.Errorf("%w: PBES2-encrypted PKCS#8 keys are not supported; use a key from `provenant keygen` or `cosign generate-key-pair`, or decrypt it with `openssl pkcs8 -in KEY -out PLAIN.key`", ErrKey)
	default:
		return nil, fmt.Errorf("%w: legacy OpenSSL-encrypted PEM keys are not supported; convert with `openssl pkcs8 -topk8 -nocrypt`", ErrKey)
	}
	if o.password == nil {
		return nil, fmt.Errorf("%w: set PROVENANT_KEY_PASSWORD", ErrEncryptedKey)
	}
	pw, err := o.password()
	if err != nil {
		return nil, err
	}
	der, err := encrypted.Decrypt(b.Bytes, pw)
	clear(pw)
	if err != nil {
		return nil, ErrPassword
	}
	return &pem.Block{Type: "PRIVATE KEY", Bytes: der}, nil
}

// encryptPEM seals a PKCS#8 PEM private key in the cosign/sigstore format.
func encryptPEM(privatePEM, password []byte) ([]byte, error) {
	block, _ := pem.Decode(privatePEM)
	if block == nil {
		return nil, fmt.Errorf("%w: not PEM", ErrKey)
	}
	sealed, err := encrypted.Encrypt(block.Bytes, password)
	if err != nil {
		return nil, fmt.Errorf("%w: encrypting: %v", ErrKey, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemEncryptedSigstore, Bytes: sealed}), nil
}

// PasswordFromEnv returns a PasswordFunc reading the environment variable
// name, or nil when it is unset (so that an encrypted key is refused with
// ErrEncryptedKey rather than tried with an empty password).
func PasswordFromEnv(name string) PasswordFunc {
	v, ok := os.LookupEnv(name)
	if !ok {
		return nil
	}
	return func() ([]byte, error) { return []byte(v), nil }
}
