package policy

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/policy/trust"
)

type x509Opts struct {
	roots    *trust.CARoots
	identity attest.CertIdentity
	set      bool // an identity was given
}

// WithCARoots verifies DSSE signatures that carry an X.509 certificate
// chain against these roots; WithCertificateIdentity must name the
// expected signer.
func WithCARoots(r *trust.CARoots) Option {
	return func(o *options) error {
		if r == nil || len(r.Certs) == 0 {
			return errors.New("no CA roots")
		}
		if o.x509 == nil {
			o.x509 = &x509Opts{}
		}
		o.x509.roots = r
		return nil
	}
}

// WithCertificateIdentity requires the certificate's SAN (a URI or an
// email) to equal san, or, when re is set instead, to match the regular
// expression re (Go syntax, unanchored, like cosign's
// --certificate-identity-regexp: anchor it with ^ and $).
func WithCertificateIdentity(san, re string) Option {
	return func(o *options) error {
		if (san == "") == (re == "") {
			return errors.New("give exactly one of a certificate identity and an identity regexp")
		}
		id := attest.CertIdentity{SAN: san}
		if re != "" {
			rx, err := regexp.Compile(re)
			if err != nil {
				return fmt.Errorf("bad certificate identity regexp %q: %v", re, err)
			}
			id = attest.CertIdentity{Regexp: rx}
		}
		if o.x509 == nil {
			o.x509 = &x509Opts{}
		}
		o.x509.identity, o.x509.set = id, true
		return nil
	}
}

func (o *options) checkX509() error {
	if o.x509 == nil {
		return nil
	}
	if o.x509.roots == nil {
		return errors.New("a certificate identity for X.509 signatures needs CA roots to check the chain against")
	}
	if !o.x509.set {
		return errors.New("CA roots need a certificate identity (or identity regexp) to require of the signer")
	}
	return nil
}

// X509Criteria records the X.509 expectations of a run.
type X509Criteria struct {
	RootsFile string   `json:"rootsFile"`
	Roots     []string `json:"roots"` // subjects
	Identity  string   `json:"identity"`
}

func (v *Verifier) x509Criteria() *X509Criteria {
	x := v.o.x509
	if x == nil || x.roots == nil {
		return nil
	}
	c := &X509Criteria{RootsFile: x.roots.File, Identity: x.identity.String()}
	for _, r := range x.roots.Certs {
		c.Roots = append(c.Roots, r.Subject.String())
	}
	return c
}

// CertSigner is a verified X.509 signer of a DSSE envelope.
type CertSigner struct {
	KeyID    string    `json:"keyid"`
	Identity string    `json:"identity"`
	Issuer   string    `json:"issuer"`
	Subject  string    `json:"subject,omitempty"`
	Serial   string    `json:"serial"`
	NotAfter time.Time `json:"notAfter"`
	// JudgedAt is the time the certificate was judged at (verification
	// time: a DSSE envelope carries no trusted time).
	JudgedAt time.Time `json:"judgedAt"`
}

// verifyX509 verifies a DSSE envelope whose signatures carry certificate
// chains: each chain to a trusted root, the code-signing usage, the leaf's
// validity at verification time, the identity, then the signature with
// the leaf's key. An envelope with a certificate and no CA roots to check
// it is slsa-github-generator's legacy (keyless) form, which cannot be
// verified offline.
// ErrNoCARoots: a DSSE envelope signed with a certificate, and no CA
// roots to check its chain against.
var ErrNoCARoots = errors.New("no CA roots were given to check its certificate chain")

func (v *Verifier) verifyX509(ctx context.Context, e attest.Entry) (signed, error) {
	x := v.o.x509
	if x == nil {
		return signed{}, &SignatureError{fmt.Errorf("the envelope %w, and %w", sigstore.ErrNoTrustedTime, ErrNoCARoots)}
	}
	now := v.o.now().UTC()
	judged := judgedAt(now, "verification time: a DSSE envelope carries no trusted time")
	env := e.Envelope
	var (
		signers  []Signer
		firstErr error
		ver      *attest.Verified
	)
	seen, seenIdentity := map[string]bool{}, map[string]bool{}
	for i, s := range env.Signatures {
		if i >= len(e.Certs) || e.Certs[i] == "" {
			continue
		}
		fail := func(err error) {
			if firstErr == nil {
				if len(env.Signatures) > 1 {
					err = fmt.Errorf("signature %d: %w", i+1, err)
				}
				firstErr = err
			}
		}
		certs, err := attest.ParseCertificatesPEM([]byte(e.Certs[i]))
		if err != nil {
			fail(fmt.Errorf("the signature's cert field: %w", err))
			continue
		}
		leaf := certs[0]
		san, err := attest.VerifyCertificate(leaf, certs[1:], x.roots.Pool(), x.identity, now, judged)
		if err != nil {
			fail(err)
			continue
		}
		pub, err := attest.CertificateKey(leaf)
		if err != nil {
			fail(err)
			continue
		}
		one := *env
		one.Signatures = append(one.Signatures[:0:0], s)
		vr, err := attest.VerifyEnvelope(ctx, &one, []*attest.PublicKey{pub}, 1)
		if err != nil {
			fail(fmt.Errorf("signature does not verify with the certificate's key (%s)", identityText(san)))
			continue
		}
		ver = vr
		// A threshold counts signers: two certificates for the same
		// identity (or the same key) are one signer.
		if seen[pub.ID] || seenIdentity[san] {
			continue
		}
		seen[pub.ID], seenIdentity[san] = true, true
		signers = append(signers, Signer{KeyID: pub.ID, X509: &CertSigner{KeyID: pub.ID, Identity: san, Issuer: oneLineName(leaf.Issuer.String()),
			Subject: oneLineName(leaf.Subject.String()), Serial: leaf.SerialNumber.Text(16), NotAfter: leaf.NotAfter.UTC(), JudgedAt: now}})
	}
	if len(signers) < v.o.threshold || ver == nil {
		switch {
		case firstErr != nil && len(signers) == 0:
			return signed{}, firstErr
		case firstErr != nil:
			return signed{}, fmt.Errorf("signed by %d certified signer(s), %d required; %w", len(signers), v.o.threshold, firstErr)
		default:
			return signed{}, &SignatureError{attest.Errorf(attest.ErrSignature, "signed by %d certified signer(s), %d required", len(signers), v.o.threshold)}
		}
	}
	return signed{payloadType: ver.PayloadType, body: ver.Payload, signers: signers}, nil
}

func identityText(s string) string { return oneLineName(s) }

func oneLineName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}
