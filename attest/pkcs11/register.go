package pkcs11

import (
	"context"

	"github.com/provenant/provenant/attest"
)

// Importing this package makes attest.LoadSignerRef open pkcs11: URIs.
func init() {
	attest.RegisterKeyBackend(attest.KeyBackend{
		Name:  "PKCS#11",
		Match: IsURI,
		Open: func(ctx context.Context, ref string, c attest.KeyConfig) (attest.Signer, error) {
			var opts []attest.KeyOption
			if c.PIN != nil {
				opts = append(opts, attest.WithPIN(c.PIN))
			}
			s, err := Open(ctx, ref, opts...)
			if err != nil {
				return nil, err // not a typed nil in an interface
			}
			return s, nil
		},
	})
}
