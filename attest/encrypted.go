package attest

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// PEM block types of encrypted private keys. The cosign/sigstore format is a
// PKCS#8 DER key sealed with go-securesystemslib's "encrypted" package
// (scrypt key derivation, NaCl secretbox); "ENCRYPTED PRIVATE KEY" is PKCS#8
// with PBES2 (what `openssl genpkey -aes256` and `openssl pkcs8 -topk8`
// write). sigstore's cryptoutils reads both.
const (
	pemEncryptedSigstore = string(cryptoutils.EncryptedSigstorePrivateKeyPEMType)
	pemEncryptedCosign   = "ENCRYPTED COSIGN PRIVATE KEY"
	pemEncryptedPKCS8    = "ENCRYPTED PRIVATE KEY"
)

// ErrEncryptedKey: a private key is encrypted and no password was given
// (WithPassword). It matches ErrKey too.
var ErrEncryptedKey error = &keyError{"key is encrypted"}

// ErrPassword: the password does not decrypt the key. It matches ErrKey
// too.
var ErrPassword error = &keyError{"wrong password for the encrypted key"}

// keyError is a sentinel that is a kind of ErrKey without repeating its
// message.
type keyError struct{ msg string }

func (e *keyError) Error() string { return e.msg }
func (e *keyError) Unwrap() error { return ErrKey }

// PasswordFunc supplies a secret (the password of an encrypted key, the PIN
// of a token) when one is needed. The caller clears the bytes after use.
type PasswordFunc func() ([]byte, error)

// isEncryptedPEM says whether a PEM block holds an encrypted private key, in
// any format.
func isEncryptedPEM(b *pem.Block) bool {
	switch b.Type {
	case pemEncryptedSigstore, pemEncryptedCosign, pemEncryptedPKCS8:
		return true
	}
	_, legacy := b.Headers["DEK-Info"]
	return legacy
}

// decryptPEM turns an encrypted private key block into a plain PKCS#8 block,
// with the password from c.
func decryptPEM(b *pem.Block, c KeyConfig) (*pem.Block, error) {
	switch b.Type {
	case pemEncryptedSigstore, pemEncryptedCosign, pemEncryptedPKCS8:
	default:
		// RFC 1421 encryption (Proc-Type/DEK-Info) derives the key with
		// one round of MD5 and has no integrity check: Go deprecates it
		// as insecure by design, and so does provenant.
		return nil, fmt.Errorf("%w: legacy OpenSSL-encrypted PEM keys (DEK-Info) are not supported; convert with `openssl pkcs8 -topk8`", ErrKey)
	}
	if c.Password == nil {
		return nil, ErrEncryptedKey
	}
	pw, err := c.Password()
	if err != nil {
		return nil, err
	}
	defer clear(pw)
	if pw == nil {
		pw = []byte{} // an empty password, not "do not decrypt"
	}
	key, err := cryptoutils.UnmarshalPEMToPrivateKey(pem.EncodeToMemory(b), cryptoutils.StaticPasswordFunc(pw))
	if err != nil {
		return nil, ErrPassword
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	return &pem.Block{Type: "PRIVATE KEY", Bytes: der}, nil
}

// encryptPEM seals a PKCS#8 PEM private key in the cosign/sigstore format.
func encryptPEM(privatePEM, password []byte) ([]byte, error) {
	key, err := cryptoutils.UnmarshalPEMToPrivateKey(privatePEM, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	sealed, err := cryptoutils.MarshalPrivateKeyToEncryptedDER(key, cryptoutils.StaticPasswordFunc(password))
	if err != nil {
		return nil, fmt.Errorf("%w: encrypting: %v", ErrKey, err)
	}
	return cryptoutils.PEMEncode(cryptoutils.EncryptedSigstorePrivateKeyPEMType, sealed), nil
}
