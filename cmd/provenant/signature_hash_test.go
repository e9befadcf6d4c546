package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/provenant/provenant/attest"
)

// TestSignatureHashGolden (issue 19, items 18 and 19): what verify says of
// the signatures other tools make. An Ed25519ph signature (what cosign
// makes with an Ed25519 key) verifies; a P-384 signature over SHA-384
// (what provenant, cosign's signer, securesystemslib and slsa-verifier
// use) verifies; one over SHA-256 does not.
func TestSignatureHashGolden(t *testing.T) {
	f := newFixture(t)
	good := readEnvelope(t, filepath.Join(f.dir, "good.intoto.jsonl"))
	payload, err := base64.StdEncoding.DecodeString(good.Payload)
	if err != nil {
		t.Fatal(err)
	}
	pae := dsse.PAE(good.PayloadType, payload)
	withSig := func(name string, sig []byte) {
		env := *good
		env.Signatures = []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(sig)}}
		f.writeLines(t, name, &env)
	}

	edKey := parsePKCS8(t, filepath.Join(f.dir, "ed25519-test-only.key")).(ed25519.PrivateKey)
	d512 := sha512.Sum512(pae)
	ph, err := edKey.Sign(nil, d512[:], &ed25519.Options{Hash: crypto.SHA512})
	if err != nil {
		t.Fatal(err)
	}
	withSig("ed25519ph.intoto.jsonl", ph)

	priv, pub, err := attest.GenerateKey(attest.ECDSAP384)
	if err != nil {
		t.Fatal(err)
	}
	f.write(t, "p384.key", string(priv))
	f.write(t, "p384.pub", string(pub))
	p384 := parsePKCS8(t, filepath.Join(f.dir, "p384.key")).(*ecdsa.PrivateKey)
	// The key is made here: its id is masked in the goldens.
	p384ID, err := attest.KeyIDOf(p384.Public())
	if err != nil {
		t.Fatal(err)
	}
	d384 := sha512.Sum384(pae)
	sig384, err := ecdsa.SignASN1(rand.Reader, p384, d384[:])
	if err != nil {
		t.Fatal(err)
	}
	withSig("p384-sha384.intoto.jsonl", sig384)
	d256 := sha256.Sum256(pae)
	sig256, err := ecdsa.SignASN1(rand.Reader, p384, d256[:])
	if err != nil {
		t.Fatal(err)
	}
	withSig("p384-sha256.intoto.jsonl", sig256)

	tests := []struct {
		name, bundle, key string
		code              int
	}{
		{"ed25519ph", "ed25519ph.intoto.jsonl", "ed25519-test-only.pub", 0},
		{"ed25519ph-other-key", "ed25519ph.intoto.jsonl", "other-ed25519-test-only.pub", 1},
		{"p384-sha384", "p384-sha384.intoto.jsonl", "p384.pub", 0},
		{"p384-sha256", "p384-sha256.intoto.jsonl", "p384.pub", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, f.dir, "verify", "--bundle", tt.bundle, "--key", tt.key, "app.tar.gz")
			goldenRun(t, f.pkgDir, filepath.Join("verify", "hash-"+tt.name+".golden"), r, tt.code, p384ID, "P384-KEY-ID")
		})
	}
}

func parsePKCS8(t *testing.T, path string) crypto.Signer {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return k.(crypto.Signer)
}
