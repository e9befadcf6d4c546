package main

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/x509test"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// x509Fixture writes a test CA (root and intermediate), leaves with their
// keys, and an artifact; every key and certificate file is test-only.
func x509Fixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	root := x509test.NewRoot(t, "Test Root")
	inter := root.Intermediate(t, "Test Intermediate")
	other := x509test.NewRoot(t, "Other Root")
	const uri = "https://ci.example.com/workflows/release"
	write("roots-test-only.pem", x509test.PEM(root.Cert))
	write("chain-test-only.pem", x509test.PEM(inter.Cert))
	write("not-pem-test-only.pem", []byte("this is not PEM\n"))
	leaf := func(name string, ca *x509test.CA, l x509test.Leaf) {
		c, k := ca.Issue(t, l)
		write(name+"-test-only.crt", x509test.PEM(c))
		write(name+"-test-only.key", x509test.KeyPEM(t, k))
	}
	leaf("good", inter, x509test.Leaf{URI: uri})
	leaf("good2", inter, x509test.Leaf{URI: uri}) // the same identity, another key
	leaf("email", inter, x509test.Leaf{Email: "release@example.com"})
	leaf("expired", inter, x509test.Leaf{URI: uri, NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)})
	leaf("server", inter, x509test.Leaf{URI: uri, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	leaf("foreign", other, x509test.Leaf{URI: uri})
	write("app.tar.gz", []byte("the release\n"))
	return dir
}

func TestX509Golden(t *testing.T) {
	dir := x509Fixture(t)
	pkgDir := packageDir(t)
	t.Chdir(dir)
	setClock(t, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	attestArgs := func(leaf, bundle string, chain bool) []string {
		a := []string{"attest", "--key=" + leaf + "-test-only.key", "--cert=" + leaf + "-test-only.crt", "--bundle=" + bundle}
		if chain {
			a = append(a, "--cert-chain=chain-test-only.pem")
		}
		return append(a, "app.tar.gz")
	}
	verify := func(bundle string, more ...string) []string {
		return append(append([]string{"verify", "--bundle=" + bundle, "--ca-roots=roots-test-only.pem"}, more...), "app.tar.gz")
	}
	const id = "--certificate-identity=https://ci.example.com/workflows/release"
	steps := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"attest-good", attestArgs("good", "good.intoto.jsonl", true), 0},
		{"attest-email", attestArgs("email", "email.intoto.jsonl", true), 0},
		{"attest-expired", attestArgs("expired", "expired.intoto.jsonl", true), 0},
		{"attest-server", attestArgs("server", "server.intoto.jsonl", true), 0},
		{"attest-foreign", attestArgs("foreign", "foreign.intoto.jsonl", false), 0},
		{"attest-cert-of-another-key", []string{"attest", "--key=good-test-only.key", "--cert=email-test-only.crt", "--bundle=x.intoto.jsonl", "app.tar.gz"}, 2},
		{"attest-cert-sigstore-format", []string{"attest", "--key=good-test-only.key", "--cert=good-test-only.crt", "--bundle-format=sigstore", "--bundle=x.sigstore.json", "app.tar.gz"}, 2},
		{"attest-chain-without-cert", []string{"attest", "--key=good-test-only.key", "--cert-chain=chain-test-only.pem", "--bundle=x.intoto.jsonl", "app.tar.gz"}, 2},
		{"verify-ok", verify("good.intoto.jsonl", id), 0},
		{"verify-ok-regexp", verify("good.intoto.jsonl", `--certificate-identity-regexp=^https://ci\.example\.com/`), 0},
		{"verify-ok-email", verify("email.intoto.jsonl", "--certificate-identity=release@example.com"), 0},
		{"verify-other-identity", verify("email.intoto.jsonl", id), 1},
		{"verify-expired", verify("expired.intoto.jsonl", id), 1},
		{"verify-no-code-signing", verify("server.intoto.jsonl", id), 1},
		{"verify-untrusted-ca", verify("foreign.intoto.jsonl", id), 1},
		{"verify-no-identity", verify("good.intoto.jsonl"), 2},
		{"verify-oidc-issuer", verify("good.intoto.jsonl", id, "--certificate-oidc-issuer=https://token.actions.githubusercontent.com"), 2},
		{"verify-roots-not-pem", []string{"verify", "--bundle=good.intoto.jsonl", "--ca-roots=not-pem-test-only.pem", id, "app.tar.gz"}, 2},
		{"verify-without-ca-roots", []string{"verify", "--bundle=good.intoto.jsonl", "--key=good-test-only.key", "app.tar.gz"}, 1},
	}
	// Two signatures by two certificates issued to one identity are one
	// signer (issue 13, item 4).
	twoCertsOneIdentity(t, "good", "good2", "two-certs-one-identity.intoto.jsonl")
	steps = append(steps, struct {
		name     string
		args     []string
		wantCode int
	}{"verify-two-certs-one-identity-threshold-2", verify("two-certs-one-identity.intoto.jsonl", id, "--threshold=2"), 1})
	for _, tt := range steps {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.args...)
			if strings.Contains(r.stderr, "panic") {
				t.Errorf("stderr has a panic:\n%s", r.stderr)
			}
			oneLineStderr(t, r)
			if strings.Contains(r.stdout+r.stderr, "PRIVATE KEY") {
				t.Errorf("output shows a private key")
			}
			goldenRun(t, pkgDir, filepath.Join("x509", tt.name+".golden"), r, tt.wantCode)
		})
	}
}

// twoCertsOneIdentity signs app.tar.gz's provenance with the keys of two
// leaves, each signature carrying its own certificate and the chain.
func twoCertsOneIdentity(t *testing.T, a, b, out string) {
	t.Helper()
	arts, err := digest.Files(context.Background(), []string{"app.tar.gz"}, digest.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	st, err := provenance.NewAttestStatement(arts, provenance.AttestOptions{BuilderID: "https://ci.example.com/workflows/release"})
	if err != nil {
		t.Fatal(err)
	}
	var signers []attest.Signer
	for _, leaf := range []string{a, b} {
		s, err := attest.LoadSigner(leaf + "-test-only.key")
		if err != nil {
			t.Fatal(err)
		}
		signers = append(signers, s)
	}
	env, err := attest.SignStatement(context.Background(), st, signers...)
	if err != nil {
		t.Fatal(err)
	}
	chain := readFile(t, "chain-test-only.pem")
	line := provenancetest.CertLine(t, env, readFile(t, a+"-test-only.crt")+chain, readFile(t, b+"-test-only.crt")+chain)
	attesttest.WriteFile(t, out, []byte(line+"\n"), 0o644)
}
