package attest

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/provenant/provenant/attest/regfile"
)

// ErrCertificate: an X.509 certificate does not verify (chain, identity,
// key usage, validity), or a certificate file cannot be read.
var ErrCertificate = errors.New("certificate")

// ParseCertificatesPEM reads every CERTIFICATE block of data; anything
// else (no block, another block type, trailing garbage) is an error.
func ParseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%w: a PEM %q block where a CERTIFICATE was expected", ErrCertificate, block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCertificate, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: no PEM CERTIFICATE block", ErrCertificate)
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, fmt.Errorf("%w: text after the last PEM certificate", ErrCertificate)
	}
	return certs, nil
}

// MaxCertificatesBytes bounds a PEM file of certificates.
const MaxCertificatesBytes = 4 << 20

// LoadCertificates reads a PEM file of one or more certificates: a
// regular file of at most MaxCertificatesBytes.
func LoadCertificates(path string) ([]*x509.Certificate, error) {
	data, err := regfile.ReadFile(path, MaxCertificatesBytes)
	if err != nil {
		return nil, FileError(err)
	}
	certs, err := ParseCertificatesPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return certs, nil
}

// encodeCertificatesPEM writes certificates as concatenated PEM blocks.
func encodeCertificatesPEM(certs ...*x509.Certificate) string {
	var b strings.Builder
	for _, c := range certs {
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	return b.String()
}

// certificateMatchesKey says whether the certificate certifies pub.
func certificateMatchesKey(c *x509.Certificate, pub crypto.PublicKey) bool {
	eq, ok := c.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(pub)
}

// CertificateKey wraps a certificate's public key as a PublicKey, with
// the securesystemslib key id computed from the key.
func CertificateKey(c *x509.Certificate) (*PublicKey, error) {
	der, err := x509.MarshalPKIXPublicKey(c.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCertificate, err)
	}
	return ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// MarshalEnvelopeWithCert encodes an envelope as one compact JSON line
// whose signatures each carry certPEM (the leaf first, then its chain) in
// a "cert" field, beside "keyid" and "sig" (the in-toto ITE-5 field).
func MarshalEnvelopeWithCert(env *Envelope, certPEM string) ([]byte, error) {
	type sig struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
		Cert  string `json:"cert"`
	}
	out := struct {
		PayloadType string `json:"payloadType"`
		Payload     string `json:"payload"`
		Signatures  []sig  `json:"signatures"`
	}{PayloadType: env.PayloadType, Payload: env.Payload}
	for _, s := range env.Signatures {
		out.Signatures = append(out.Signatures, sig{KeyID: s.KeyID, Sig: s.Sig, Cert: certPEM})
	}
	return json.Marshal(out)
}

// AppendLinesToBundle adds already-encoded envelope lines to a JSON Lines
// bundle, atomically and under the bundle's lock, as AppendToBundle does.
func AppendLinesToBundle(path string, lines ...[]byte) error {
	var add bytes.Buffer
	for _, l := range lines {
		if bytes.ContainsAny(l, "\r\n") {
			return Errorf(ErrMalformed, "an envelope line contains a line break")
		}
		add.Write(l)
		add.WriteByte('\n')
	}
	return appendBundleBytes(path, add.Bytes())
}

// signatureCerts reads the "cert" field of each signature of a raw DSSE
// envelope, in signature order ("" where a signature has none). The
// certificates are untrusted until verified.
func signatureCerts(probe map[string]json.RawMessage) []string {
	var env struct {
		Signatures []struct {
			Cert string `json:"cert"`
		} `json:"signatures"`
	}
	raw, ok := probe["signatures"]
	if !ok || onlyKeyIDAndSig(raw) || json.Unmarshal(raw, &env.Signatures) != nil {
		return nil
	}
	out := make([]string, len(env.Signatures))
	any := false
	for i, s := range env.Signatures {
		if strings.TrimSpace(s.Cert) != "" {
			out[i] = s.Cert
			any = true
		}
	}
	if !any {
		return nil
	}
	return out
}

// CertIdentity is an expected certificate identity: a SAN (URI or email)
// given exactly, or as a regular expression (Go syntax, unanchored, as
// cosign's --certificate-identity-regexp).
type CertIdentity struct {
	SAN    string
	Regexp *regexp.Regexp
}

func (id CertIdentity) String() string {
	if id.Regexp != nil {
		return "~" + id.Regexp.String()
	}
	return id.SAN
}

// certificateSANs lists a certificate's URI and email SANs.
func certificateSANs(c *x509.Certificate) []string {
	var out []string
	for _, u := range c.URIs {
		out = append(out, u.String())
	}
	return append(out, c.EmailAddresses...)
}

// VerifyCertificate checks a signer's certificate: the chain from leaf
// through intermediates to one of roots, the code-signing extended key
// usage, the validity of every certificate at the judged time at, and the
// leaf's SAN against id. judged describes at for messages. It returns the
// SAN that matched. Each error is one line.
func VerifyCertificate(leaf *x509.Certificate, intermediates []*x509.Certificate, roots *x509.CertPool, id CertIdentity, at time.Time, judged string) (string, error) {
	if !at.Before(leaf.NotAfter) && !at.Equal(leaf.NotAfter) {
		return "", fmt.Errorf("%w expired at %s (judged at %s)", ErrCertificate, leaf.NotAfter.UTC().Format(time.RFC3339), judged)
	}
	if at.Before(leaf.NotBefore) {
		return "", fmt.Errorf("%w is not valid before %s (judged at %s)", ErrCertificate, leaf.NotBefore.UTC().Format(time.RFC3339), judged)
	}
	if !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageCodeSigning) {
		return "", fmt.Errorf("%w lacks the code-signing extended key usage", ErrCertificate)
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return "", fmt.Errorf("%w lacks the digitalSignature key usage", ErrCertificate)
	}
	pool := x509.NewCertPool()
	for _, c := range intermediates {
		pool.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: pool,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	})
	if err != nil {
		var inv x509.CertificateInvalidError
		switch {
		case errors.As(err, new(x509.UnknownAuthorityError)):
			return "", fmt.Errorf("%w not issued by a trusted CA (%s)", ErrCertificate, oneLineName(leaf.Issuer.String()))
		case errors.As(err, &inv) && inv.Reason == x509.Expired:
			return "", fmt.Errorf("%w chain: %s is outside its validity %s to %s (judged at %s)", ErrCertificate, oneLineName(inv.Cert.Subject.String()),
				inv.Cert.NotBefore.UTC().Format(time.RFC3339), inv.Cert.NotAfter.UTC().Format(time.RFC3339), judged)
		case errors.As(err, &inv) && inv.Reason == x509.IncompatibleUsage:
			return "", fmt.Errorf("%w chain does not allow code signing (an issuer's extended key usage excludes it)", ErrCertificate)
		default:
			return "", fmt.Errorf("%w not issued by a trusted CA: %s", ErrCertificate, oneLineName(err.Error()))
		}
	}
	sans := certificateSANs(leaf)
	for _, s := range sans {
		if (id.Regexp != nil && id.Regexp.MatchString(s)) || (id.Regexp == nil && s == id.SAN) {
			return s, nil
		}
	}
	got := "none"
	if len(sans) > 0 {
		got = oneLineName(strings.Join(sans, ", "))
	}
	return "", fmt.Errorf("%w identity %s, want %s", ErrCertificate, got, id)
}

// oneLineName keeps a distinguished name or error on one line.
// Names and SANs come from untrusted certificates: control characters
// are quoted.
func oneLineName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}
