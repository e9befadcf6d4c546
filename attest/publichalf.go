package attest

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// PublicHalf is the public half of a signing key whose private half lives
// elsewhere (a PKCS#11 token, a KMS). Signers for such keys embed it: it
// supplies dsse.Verifier's Verify, KeyID and Public, and the PEM that
// `provenant key public` exports.
type PublicHalf struct {
	key *PublicKey
	pem []byte
}

// NewPublicHalf encodes pub as PKIX PEM and reads it back as a PublicKey,
// so that its key id is the one a verifier computes from the exported PEM.
func NewPublicHalf(pub crypto.PublicKey) (PublicHalf, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return PublicHalf{}, fmt.Errorf("%w: the public key: %v", ErrKey, err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	k, err := ParsePublicKey(pemBytes)
	if err != nil {
		return PublicHalf{}, err
	}
	return PublicHalf{key: k, pem: pemBytes}, nil
}

// PublicKey returns the key as a verifier.
func (h PublicHalf) PublicKey() *PublicKey { return h.key }

// Verify implements dsse.Verifier with the public key.
func (h PublicHalf) Verify(ctx context.Context, data, sig []byte) error {
	return h.key.Verify(ctx, data, sig)
}

// KeyID implements dsse.Verifier: the securesystemslib key id.
func (h PublicHalf) KeyID() (string, error) { return h.key.ID, nil }

// Public implements dsse.Verifier.
func (h PublicHalf) Public() crypto.PublicKey { return h.key.Key }

// PublicKeyPEM returns the public key as PKIX PEM.
func (h PublicHalf) PublicKeyPEM() []byte { return append([]byte(nil), h.pem...) }
