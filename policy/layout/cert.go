package layout

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/in-toto/in-toto-golang/in_toto"

	"github.com/provenant/provenant/attest"
)

// certificateFunctionary accepts the certificate a link signature carries
// as a functionary of step s when one of the step's certificate
// constraints accepts it, by in-toto-golang's CertificateConstraint.Check:
// common name, DNS names, e-mails, organizations, URIs, and a chain to the
// layout's root CAs (through its intermediates and those given) whose ids
// the constraint lists. It returns the certificate's key, by which the
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
		id, err := attest.KeyIDOf(cert.PublicKey)
		if err != nil {
			return nil, err
		}
		return &attest.PublicKey{ID: id, Key: cert.PublicKey}, nil
	}
	return nil, fmt.Errorf("certificate %q is not a functionary of step %q: %v", cert.Subject.String(), s.Name, last)
}
