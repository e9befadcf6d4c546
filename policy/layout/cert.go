package layout

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"

	"github.com/in-toto/in-toto-golang/in_toto"

	"github.com/provenant/provenant/attest"
)

// certificateFunctionary accepts the certificate a link signature carries
// as a functionary of step s when one of the step's certificate
// constraints accepts it: in-toto-golang's CertificateConstraint.Check
// (common name, DNS names, e-mails, organizations, URIs, a chain to the
// layout's root CAs through its intermediates and those given), and, which
// in-toto-golang does not check, a chain to a root CA that the same
// constraint names (it compares the constraint's roots with all the
// layout's roots, so a certificate from any of them would pass a
// constraint naming one). It returns the certificate's key, by which the
// functionary is counted.
func (w *walk) certificateFunctionary(sig in_toto.Signature, s in_toto.Step, l in_toto.Layout) (*attest.PublicKey, error) {
	block, _ := pem.Decode([]byte(sig.Certificate))
	if block == nil {
		return nil, errors.New("the signature's certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the signature's certificate: %v", err)
	}
	roots, intermediates, err := in_toto.LoadLayoutCertificates(l, w.v.o.intermediates)
	if err != nil {
		return nil, err
	}
	last := errors.New("no certificate constraint")
	for _, cc := range s.CertificateConstraints {
		if err := cc.Check(cert, l.RootCAIDs(), roots, intermediates); err != nil {
			last = err
			continue
		}
		named := x509.NewCertPool()
		for id, k := range l.RootCas {
			if slices.Contains(cc.Roots, in_toto.AllowAllConstraint) || slices.Contains(cc.Roots, id) {
				named.AppendCertsFromPEM([]byte(k.KeyVal.Certificate))
			}
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: named, Intermediates: intermediates}); err != nil {
			last = fmt.Errorf("the certificate does not chain to a root its constraint names (%v): %v", cc.Roots, err)
			continue
		}
		id, err := attest.KeyIDOf(cert.PublicKey)
		if err != nil {
			return nil, err
		}
		return &attest.PublicKey{ID: id, Key: cert.PublicKey}, nil
	}
	return nil, fmt.Errorf("certificate %q is not a functionary of step %q: %v", cert.Subject.String(), s.Name, last)
}
