package kms

import (
	"context"

	"github.com/provenant/provenant/attest"
)

// Importing this package makes attest.LoadSignerRef open KMS URIs
// (awskms://, gcpkms://, azurekms://, hashivault://), with DefaultTimeout.
// Without the build tag "kms" they fail with ErrNotCompiled.
func init() {
	attest.RegisterKeyBackend(attest.KeyBackend{
		Name:  "KMS",
		Match: IsURI,
		Open: func(ctx context.Context, ref string, _ attest.KeyConfig) (attest.Signer, error) {
			s, err := Open(ctx, ref)
			if err != nil {
				return nil, err // not a typed nil in an interface
			}
			return s, nil
		},
	})
}
