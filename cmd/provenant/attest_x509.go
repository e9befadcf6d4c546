package main

import (
	"context"
	"fmt"

	"github.com/provenant/provenant/attest"
)

// certifiedBundleWriter signs statements with signer and appends each
// envelope to bundle with the certificate chain (leaf first) in every
// signature's "cert" field (docs/x509.md). It refuses a certificate that
// does not certify the signing key.
func certifiedBundleWriter(signer attest.Signer, certPath, chainPath, bundle string) (func(context.Context, *attest.Statement) error, error) {
	certs, err := attest.LoadCertificates(certPath)
	if err != nil {
		return nil, err
	}
	if len(certs) != 1 {
		return nil, fmt.Errorf("%s: holds %d certificates; give the leaf in --cert and the rest in --cert-chain", certPath, len(certs))
	}
	if !attest.CertificateMatchesKey(certs[0], signer.Public()) {
		return nil, fmt.Errorf("%s: the certificate is not for the signing key", certPath)
	}
	if chainPath != "" {
		chain, err := attest.LoadCertificates(chainPath)
		if err != nil {
			return nil, err
		}
		certs = append(certs, chain...)
	}
	certPEM := attest.EncodeCertificatesPEM(certs...)
	return func(ctx context.Context, st *attest.Statement) error {
		env, err := attest.SignStatement(ctx, st, signer)
		if err != nil {
			return fmt.Errorf("signing: %w", err)
		}
		line, err := attest.MarshalEnvelopeWithCert(env, certPEM)
		if err != nil {
			return err
		}
		return attest.AppendLinesToBundle(bundle, line)
	}, nil
}
