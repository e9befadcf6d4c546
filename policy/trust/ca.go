package trust

import (
	"crypto/x509"

	"github.com/provenant/provenant/attest"
)

// CARoots are trusted X.509 root certificates for DSSE signatures that
// carry a certificate chain ("cert", see docs/x509.md).
type CARoots struct {
	File  string
	Certs []*x509.Certificate
	pool  *x509.CertPool
}

// LoadCARoots reads a PEM file of root certificates. A file that is not
// PEM certificates is an error.
func LoadCARoots(path string) (*CARoots, error) {
	certs, err := attest.LoadCertificates(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return &CARoots{File: path, Certs: certs, pool: pool}, nil
}

// Pool is the roots as a certificate pool.
func (r *CARoots) Pool() *x509.CertPool {
	if r.pool == nil {
		r.pool = x509.NewCertPool()
		for _, c := range r.Certs {
			r.pool.AddCert(c)
		}
	}
	return r.pool
}
