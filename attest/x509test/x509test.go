// Package x509test makes X.509 certificate authorities for tests: a root,
// an intermediate, and code-signing leaves with URI or email SANs, all
// with fixed validity periods so that outputs are reproducible. Keys are
// fresh ECDSA P-256 keys; nothing here is for production use.
package x509test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/url"
	"testing"
	"time"
)

// Validity periods used by the helpers: roots and intermediates are
// valid from 2020 to 2100; a leaf by default from 2025 to 2030.
var (
	CANotBefore   = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	CANotAfter    = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	LeafNotBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	LeafNotAfter  = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
)

// CA is a certificate with its private key.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

var serial int64

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func issue(t testing.TB, tmpl *x509.Certificate, parent *CA, key crypto.Signer) *x509.Certificate {
	t.Helper()
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	p, signer := tmpl, key
	if parent != nil {
		p, signer = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// NewRoot makes a self-signed root CA named cn.
func NewRoot(t testing.TB, cn string) *CA {
	t.Helper()
	k := newKey(t)
	c := issue(t, &x509.Certificate{
		Subject:   pkix.Name{CommonName: cn, Organization: []string{"provenant tests"}},
		NotBefore: CANotBefore, NotAfter: CANotAfter,
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil, k)
	return &CA{Cert: c, Key: k}
}

// Intermediate makes an intermediate CA under ca.
func (ca *CA) Intermediate(t testing.TB, cn string) *CA {
	t.Helper()
	k := newKey(t)
	c := issue(t, &x509.Certificate{
		Subject:   pkix.Name{CommonName: cn, Organization: []string{"provenant tests"}},
		NotBefore: CANotBefore, NotAfter: CANotAfter,
		IsCA: true, BasicConstraintsValid: true, MaxPathLen: 0, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, ca, k)
	return &CA{Cert: c, Key: k}
}

// Leaf describes a leaf certificate to issue.
type Leaf struct {
	URI, Email          string
	NotBefore, NotAfter time.Time // default LeafNotBefore, LeafNotAfter
	// EKU defaults to code signing; set NoEKU for none at all.
	EKU   []x509.ExtKeyUsage
	NoEKU bool
}

// Issue makes a leaf certificate and its private key.
func (ca *CA) Issue(t testing.TB, l Leaf) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	k := newKey(t)
	tmpl := &x509.Certificate{
		Subject:   pkix.Name{CommonName: "signer", Organization: []string{"provenant tests"}},
		NotBefore: l.NotBefore, NotAfter: l.NotAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: l.EKU,
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = LeafNotBefore
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = LeafNotAfter
	}
	if len(tmpl.ExtKeyUsage) == 0 && !l.NoEKU {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	}
	if l.URI != "" {
		u, err := url.Parse(l.URI)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.URIs = []*url.URL{u}
	}
	if l.Email != "" {
		tmpl.EmailAddresses = []string{l.Email}
	}
	return issue(t, tmpl, ca, k), k
}

// PEM encodes certificates as concatenated PEM blocks.
func PEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// KeyPEM encodes a private key as PKCS#8 PEM.
func KeyPEM(t testing.TB, k crypto.Signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}
