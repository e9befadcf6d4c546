package policy

import (
	"context"
	"crypto"
	"crypto/x509"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/x509test"
	"github.com/provenant/provenant/policy/trust"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// certLine signs SLSA provenance about subj with key and records chain
// (leaf first) in the signature's cert field.
func certLine(t *testing.T, key crypto.Signer, subj []digest.Artifact, chain ...*x509.Certificate) string {
	t.Helper()
	s, err := attest.ParseSigner(x509test.KeyPEM(t, key))
	if err != nil {
		t.Fatal(err)
	}
	st, err := provenance.NewAttestStatement(subj, provenance.AttestOptions{BuilderID: "https://ci.example.com/b"})
	if err != nil {
		t.Fatal(err)
	}
	env, err := attest.SignStatement(context.Background(), st, s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := attest.MarshalEnvelopeWithCert(env, string(x509test.PEM(chain...)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestVerifyX509(t *testing.T) {
	root := x509test.NewRoot(t, "Test Root")
	inter := root.Intermediate(t, "Test Intermediate")
	other := x509test.NewRoot(t, "Other Root")
	const uri = "https://ci.example.com/workflows/release"
	good, goodKey := inter.Issue(t, x509test.Leaf{URI: uri})
	mail, mailKey := inter.Issue(t, x509test.Leaf{Email: "release@example.com"})
	expired, expiredKey := inter.Issue(t, x509test.Leaf{URI: uri, NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)})
	future, futureKey := inter.Issue(t, x509test.Leaf{URI: uri, NotBefore: time.Date(2090, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2091, 1, 1, 0, 0, 0, 0, time.UTC)})
	server, serverKey := inter.Issue(t, x509test.Leaf{URI: uri, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	noEKU, noEKUKey := inter.Issue(t, x509test.Leaf{URI: uri, NoEKU: true})
	foreign, foreignKey := other.Issue(t, x509test.Leaf{URI: uri})

	roots := &trust.CARoots{File: "roots.pem", Certs: []*x509.Certificate{root.Cert}}
	app := newArt("app")
	subj := []digest.Artifact{app.subject(digest.SHA256)}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	exact := WithCertificateIdentity(uri, "")

	tests := []struct {
		name string
		line string
		id   Option
		want string // "" allowed
	}{
		{"URI SAN through an intermediate", certLine(t, goodKey, subj, good, inter.Cert), exact, ""},
		{"email SAN", certLine(t, mailKey, subj, mail, inter.Cert), WithCertificateIdentity("release@example.com", ""), ""},
		{"identity regexp", certLine(t, goodKey, subj, good, inter.Cert), WithCertificateIdentity("", `^https://ci\.example\.com/workflows/`), ""},
		{"another identity", certLine(t, mailKey, subj, mail, inter.Cert), exact, "certificate identity release@example.com, want " + uri},
		{"regexp does not match", certLine(t, goodKey, subj, good, inter.Cert), WithCertificateIdentity("", `^https://other/`), "certificate identity " + uri + ", want ~^https://other/"},
		{"expired leaf", certLine(t, expiredKey, subj, expired, inter.Cert), exact, "certificate expired at 2021-01-01T00:00:00Z (judged at 2026-03-01T00:00:00Z, verification time"},
		{"leaf not yet valid", certLine(t, futureKey, subj, future, inter.Cert), exact, "certificate is not valid before 2090-01-01T00:00:00Z"},
		{"server-auth leaf", certLine(t, serverKey, subj, server, inter.Cert), exact, "certificate lacks the code-signing extended key usage"},
		{"leaf without extended key usage", certLine(t, noEKUKey, subj, noEKU, inter.Cert), exact, "certificate lacks the code-signing extended key usage"},
		{"another CA", certLine(t, foreignKey, subj, foreign), exact, "certificate not issued by a trusted CA (CN=Other Root,O=provenant tests)"},
		{"intermediate not recorded", certLine(t, goodKey, subj, good), exact, "certificate not issued by a trusted CA (CN=Test Intermediate"},
		{"signed by another key than the certificate's", certLine(t, mailKey, subj, good, inter.Cert), exact, "signature does not verify with the certificate's key"},
		{"tampered payload", tamper(t, certLine(t, goodKey, subj, good, inter.Cert), func(env map[string]any) {
			env["payload"] = strings.ToUpper(env["payload"].(string)[:4]) + env["payload"].(string)[4:]
		}), exact, "signature does not verify"},
		{"cert field is not PEM", tamper(t, certLine(t, goodKey, subj, good), func(env map[string]any) {
			env["signatures"].([]any)[0].(map[string]any)["cert"] = "not a certificate"
		}), exact, "the signature's cert field: certificate: no PEM CERTIFICATE block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(WithCARoots(roots), tt.id, WithClock(func() time.Time { return now }))
			if err != nil {
				t.Fatal(err)
			}
			r, err := v.Verify(context.Background(), provenancetest.Entries(t, tt.line), []Input{app.input()})
			if err != nil {
				t.Fatal(err)
			}
			reasons := strings.Join(r.Artifacts[0].Reasons, "\n")
			switch {
			case tt.want == "" && !r.Allowed:
				t.Errorf("denied (%s), want allowed", reasons)
			case tt.want != "" && r.Allowed:
				t.Errorf("allowed, want denied with %q", tt.want)
			case tt.want != "" && !strings.Contains(reasons, tt.want):
				t.Errorf("reasons = %q, want one containing %q", reasons, tt.want)
			}
			if tt.want == "" {
				e := r.Attestations[0]
				if len(e.Signers) != 1 || e.Signers[0].X509 == nil || e.Signers[0].X509.Identity == "" || e.Signers[0].KeyID == "" {
					t.Errorf("signers = %+v, want one certified signer", e.Signers)
				}
			}
		})
	}
}

func TestX509Options(t *testing.T) {
	dir := t.TempDir()
	root := x509test.NewRoot(t, "Test Root")
	rootsPath := filepath.Join(dir, "roots-test-only.pem")
	if err := os.WriteFile(rootsPath, x509test.PEM(root.Cert), 0o644); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "not-pem.pem")
	if err := os.WriteFile(notPEM, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := trust.LoadCARoots(notPEM); err == nil || !strings.Contains(err.Error(), notPEM+": certificate: no PEM CERTIFICATE block") {
		t.Errorf("trust.LoadCARoots(not PEM) = %v, want a no PEM CERTIFICATE block error naming the file", err)
	}
	roots, err := trust.LoadCARoots(rootsPath)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"roots without identity", []Option{WithCARoots(roots)}, "CA roots need a certificate identity"},
		{"identity without roots", []Option{WithCertificateIdentity("x", "")}, "needs CA roots"},
		{"both identity forms", []Option{WithCARoots(roots), WithCertificateIdentity("x", "y")}, "exactly one"},
		{"bad regexp", []Option{WithCARoots(roots), WithCertificateIdentity("", "(")}, "bad certificate identity regexp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewVerifier(tt.opts...)
			if err == nil || !regexp.MustCompile(regexp.QuoteMeta(tt.want)).MatchString(err.Error()) {
				t.Errorf("NewVerifier = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// certLineN signs SLSA provenance about subj with every key, each
// signature carrying its own certificate chain (leaf first).
func certLineN(t *testing.T, subj []digest.Artifact, keys []crypto.Signer, chains [][]*x509.Certificate) string {
	t.Helper()
	st, err := provenance.NewAttestStatement(subj, provenance.AttestOptions{BuilderID: "https://ci.example.com/b"})
	if err != nil {
		t.Fatal(err)
	}
	var signers []attest.Signer
	for _, k := range keys {
		s, err := attest.ParseSigner(x509test.KeyPEM(t, k))
		if err != nil {
			t.Fatal(err)
		}
		signers = append(signers, s)
	}
	env, err := attest.SignStatement(context.Background(), st, signers...)
	if err != nil {
		t.Fatal(err)
	}
	certs := make([]string, len(chains))
	for i, c := range chains {
		certs[i] = string(x509test.PEM(c...))
	}
	return provenancetest.CertLine(t, env, certs...)
}

// TestX509ThresholdCountsIdentities: for certified signers a threshold
// counts distinct identities, not keys: two certificates issued to the
// same identity are one signer (issue 13, item 4).
func TestX509ThresholdCountsIdentities(t *testing.T) {
	root := x509test.NewRoot(t, "Test Root")
	const uri, uri2 = "https://ci.example.com/workflows/release", "https://ci.example.com/workflows/audit"
	a, aKey := root.Issue(t, x509test.Leaf{URI: uri})
	b, bKey := root.Issue(t, x509test.Leaf{URI: uri})
	c, cKey := root.Issue(t, x509test.Leaf{URI: uri2})
	roots := &trust.CARoots{File: "roots.pem", Certs: []*x509.Certificate{root.Cert}}
	app := newArt("app")
	subj := []digest.Artifact{app.subject(digest.SHA256)}
	id := WithCertificateIdentity("", `^https://ci\.example\.com/workflows/`)
	tests := []struct {
		name string
		line string
		want string
	}{
		{"two certificates, one identity", certLineN(t, subj, []crypto.Signer{aKey, bKey}, [][]*x509.Certificate{{a}, {b}}), "signed by 1 certified signer(s), 2 required"},
		{"one certificate twice", certLineN(t, subj, []crypto.Signer{aKey, aKey}, [][]*x509.Certificate{{a}, {a}}), "signed by 1 certified signer(s), 2 required"},
		{"two identities", certLineN(t, subj, []crypto.Signer{aKey, cKey}, [][]*x509.Certificate{{a}, {c}}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(WithCARoots(roots), id, WithThreshold(2))
			if err != nil {
				t.Fatal(err)
			}
			r, err := v.Verify(context.Background(), provenancetest.Entries(t, tt.line), []Input{app.input()})
			if err != nil {
				t.Fatal(err)
			}
			reasons := strings.Join(r.Artifacts[0].Reasons, "\n")
			if (tt.want == "") != r.Allowed || !strings.Contains(reasons, tt.want) {
				t.Errorf("allowed = %v (%s), want %q", r.Allowed, reasons, tt.want)
			}
		})
	}
}
