//go:build !cgo

package pkcs11

import (
	"context"
	"crypto"
	"fmt"

	"github.com/provenant/provenant/attest"
)

// ErrNoCgo: this binary was built without cgo, which PKCS#11 modules need.
var ErrNoCgo = fmt.Errorf("%w: PKCS#11 needs cgo", attest.ErrKey)

// Signer is unusable without cgo; Open never returns one.
type Signer struct{}

var _ attest.Signer = (*Signer)(nil)

// Open checks the URI and the PIN, then fails with ErrNoCgo: PKCS#11
// modules are C libraries, loaded through cgo.
func Open(_ context.Context, uri string, opts ...attest.KeyOption) (*Signer, error) {
	c, err := attest.NewKeyConfig(opts...)
	if err != nil {
		return nil, err
	}
	u, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	if _, err := u.PIN(c.PIN); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%s: %w: this provenant was built with CGO_ENABLED=0; rebuild it with cgo (CGO_ENABLED=1 and a C compiler)", u, ErrNoCgo)
}

func (*Signer) Sign(context.Context, []byte) ([]byte, error) { return nil, ErrNoCgo }
func (*Signer) Verify(context.Context, []byte, []byte) error { return ErrNoCgo }
func (*Signer) KeyID() (string, error)                       { return "", ErrNoCgo }
func (*Signer) Public() crypto.PublicKey                     { return nil }
func (*Signer) PublicKeyPEM() []byte                         { return nil }
func (*Signer) String() string                               { return "pkcs11 (not compiled in)" }
func (*Signer) Close() error                                 { return nil }
