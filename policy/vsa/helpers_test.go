package vsa

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/provenance"
)

// The test helpers of package policy's case corpus (testdata/cases), for
// the VSAs of verified releases.

type caseAttestation struct {
	Subjects      []string       `yaml:"subjects"` // artifact names
	PredicateType string         `yaml:"predicateType"`
	Builder       string         `yaml:"builder"`
	Predicate     map[string]any `yaml:"predicate"`
	Untrusted     bool           `yaml:"untrusted"` // signed by a key verify does not trust
}

func testKey(t testing.TB, seed byte) (attest.Signer, *attest.PublicKey) {
	t.Helper()
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	if seed != 0 {
		s := make([]byte, ed25519.SeedSize)
		s[0] = seed
		priv = ed25519.NewKeyFromSeed(s)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := attest.ParseSigner(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := attest.ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	if err != nil {
		t.Fatal(err)
	}
	return signer, pub
}

func artifactDigests(name string) digest.Set {
	d, _ := digest.Reader(strings.NewReader(name+"\n"), digest.SHA256)
	return d
}

// statementFor builds the statement a case attestation describes.
func statementFor(t testing.TB, a caseAttestation) *attest.Statement {
	t.Helper()
	arts := make([]digest.Artifact, len(a.Subjects))
	for i, s := range a.Subjects {
		arts[i] = digest.Artifact{Name: s, Digests: artifactDigests(s)}
	}
	pt := a.PredicateType
	if pt == "" {
		pt = provenance.PredicateSLSAv1
	}
	pred := a.Predicate
	if pred == nil {
		builder := a.Builder
		if builder == "" {
			builder = "https://ci.example.com/builder"
		}
		pred = map[string]any{
			"buildDefinition": map[string]any{
				"buildType":          "https://example.com/buildtype/v1",
				"externalParameters": map[string]any{"source": "git+https://github.com/example/app@refs/heads/main"},
			},
			"runDetails": map[string]any{"builder": map[string]any{"id": builder}},
		}
	}
	data, err := json.Marshal(pred)
	if err != nil {
		t.Fatal(err)
	}
	st, err := provenance.NewGenericStatement(arts, pt, data)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func vectorsDir(t *testing.T) string {
	t.Helper()
	d := filepath.Join("..", "..", "..", "shared", "vectors")
	if _, err := os.Stat(d); err != nil {
		t.Skip("../shared/vectors is absent")
	}
	return d
}

type testSigner struct {
	signer attest.Signer
	pub    *attest.PublicKey
}

// testSigners returns two fixed Ed25519 keys.
func testSigners(t testing.TB) [2]testSigner {
	t.Helper()
	var out [2]testSigner
	for i := range out {
		out[i].signer, out[i].pub = testKey(t, byte(i+1))
	}
	return out
}

// line signs payload with the signers into one bundle line.
func line(t testing.TB, payloadType string, payload []byte, by ...testSigner) string {
	t.Helper()
	ss := make([]attest.Signer, len(by))
	for i, s := range by {
		ss[i] = s.signer
	}
	env, err := attest.SignPayload(context.Background(), payloadType, payload, ss...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := attest.MarshalEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func entries(t testing.TB, lines ...string) []attest.Entry {
	t.Helper()
	es, err := attest.ReadBundle(strings.NewReader(strings.Join(lines, "\n")+"\n"), "b.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// strangerBundle is a real public-good keyless bundle as one line.
func strangerBundle(t *testing.T) (string, string) {
	t.Helper()
	vd := vectorsDir(t)
	raw, err := os.ReadFile(filepath.Join(vd, "sigstore-go/testing-data/bundles/dsse.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(raw), "\n", ""), filepath.Join(vd, "sigstore-go/examples/trusted-root-public-good.json")
}
