package sigstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/provenance/provenancetest"
)

const (
	testSAN    = "https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.0.0"
	testIssuer = "https://token.actions.githubusercontent.com"
)

// noCT is the test authority without CT logs: its leaf certificates
// carry no SCTs.
type noCT struct{ *ca.VirtualSigstore }

func (noCT) CTLogs() map[string]*root.TransparencyLog { return nil }

// otherLog trusts the authority's CAs but another authority's log key.
type otherLog struct {
	noCT
	logs map[string]*root.TransparencyLog
}

func (o otherLog) RekorLogs() map[string]*root.TransparencyLog { return o.logs }

// entity lets a test change what a signed entity shows.
type entity struct {
	verify.SignedEntity
	env      *dsse.Envelope // replaces the envelope when set
	noTlog   bool
	noTSA    bool
	multiSig bool
}

func (e entity) SignatureContent() (verify.SignatureContent, error) {
	sc, err := e.SignedEntity.SignatureContent()
	if err != nil || sc.EnvelopeContent() == nil {
		return sc, err
	}
	env := *sc.EnvelopeContent().RawEnvelope()
	if e.env != nil {
		env = *e.env
	}
	if e.multiSig {
		env.Signatures = append(env.Signatures, env.Signatures[0])
	}
	return &bundle.Envelope{Envelope: &env}, nil
}

func (e entity) TlogEntries() ([]*tlog.Entry, error) {
	if e.noTlog {
		return nil, nil
	}
	return e.SignedEntity.TlogEntries()
}

func (e entity) Timestamps() ([][]byte, error) {
	if e.noTSA {
		return nil, nil
	}
	return e.SignedEntity.Timestamps()
}

const statement = `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}}],"predicateType":"https://example.com/p","predicate":{}}`

func TestVerifyVirtualSigstore(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	vs2, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	good, err := vs.Attest(testSAN, testIssuer, []byte(statement))
	if err != nil {
		t.Fatal(err)
	}
	late, err := vs.AttestAtTime(testSAN, testIssuer, []byte(statement), time.Now().Add(30*time.Minute), false)
	if err != nil {
		t.Fatal(err)
	}
	early, err := vs.AttestAtTime(testSAN, testIssuer, []byte(statement), time.Now().Add(-30*time.Minute), true)
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := good.SignatureContent()
	tampered := *sc.EnvelopeContent().RawEnvelope()
	tampered.Payload = base64.StdEncoding.EncodeToString([]byte(strings.Replace(statement, "app", "evil", 1)))
	id := Identity{SAN: testSAN, Issuer: testIssuer}
	mat := noCT{vs}
	for _, c := range []struct {
		name    string
		entity  verify.SignedEntity
		opts    []Option
		wantErr error // nil: verifies
		want    string
	}{
		{"good", good, []Option{WithTrustedMaterial(mat), WithIdentity(id)}, nil, ""},
		{"good, identity by regexp", good, []Option{WithTrustedMaterial(mat), WithIdentity(Identity{SANRegexp: "^https://github.com/example/", IssuerRegexp: "githubusercontent"})}, nil, ""},
		{"good, timestamp only (no log entry)", entity{SignedEntity: good, noTlog: true}, []Option{WithTrustedMaterial(mat), WithIdentity(id)}, nil, ""},
		{"good, log entry only (no timestamp)", entity{SignedEntity: good, noTSA: true}, []Option{WithTrustedMaterial(mat), WithIdentity(id)}, nil, ""},
		{"wrong identity", good, []Option{WithTrustedMaterial(mat), WithIdentity(Identity{SAN: "https://github.com/example/other/.github/workflows/x.yml@refs/heads/main", Issuer: testIssuer})}, ErrIdentity, "SAN"},
		{"wrong issuer", good, []Option{WithTrustedMaterial(mat), WithIdentity(Identity{SAN: testSAN, Issuer: "https://accounts.google.com"})}, ErrIdentity, "issuer"},
		{"no identity given", good, []Option{WithTrustedMaterial(mat)}, ErrNoIdentity, "no certificate identity was required"},
		{"log entry after the certificate expired", entity{SignedEntity: late, noTSA: true}, []Option{WithTrustedMaterial(mat), WithIdentity(id)}, ErrVerify, "certificate"},
		{"log entry before the certificate was valid", entity{SignedEntity: early, noTSA: true}, []Option{WithTrustedMaterial(mat), WithIdentity(id)}, ErrVerify, "certificate"},
		{"tampered envelope", entity{SignedEntity: good, env: &tampered}, []Option{WithTrustedMaterial(mat), WithIdentity(id)}, ErrVerify, ""},
		{"wrong log key", entity{SignedEntity: good, noTSA: true}, []Option{WithTrustedMaterial(otherLog{mat, vs2.RekorLogs()}), WithIdentity(id)}, ErrVerify, "log"},
		{"another authority", good, []Option{WithTrustedMaterial(noCT{vs2}), WithIdentity(id)}, ErrVerify, ""},
		{"two DSSE signatures", entity{SignedEntity: good, multiSig: true}, []Option{WithTrustedMaterial(mat), WithIdentity(id)}, ErrBundle, "exactly one"},
		{"certificate without log entry or timestamp", entity{SignedEntity: good, noTlog: true, noTSA: true}, []Option{WithTrustedMaterial(mat), WithIdentity(id)}, ErrNoTrustedTime, "cannot be verified offline"},
		{"certificate without a trusted root", good, []Option{WithKeys(testKey(t)), WithIdentity(id)}, ErrNoRoot, "no Sigstore trusted root was given"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := NewVerifier(c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(context.Background(), c.entity, Artifact{})
			if c.wantErr == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if _, err := attest.ParseStatement(res.PayloadType, res.Payload); err != nil {
					t.Errorf("ParseStatement: %v", err)
				}
				if res.Signer.Certificate == nil || res.Signer.Certificate.SubjectAlternativeName != testSAN {
					t.Errorf("signer = %+v, want certificate for %s", res.Signer, testSAN)
				}
				if len(res.Timestamps) == 0 {
					t.Errorf("no verified timestamp")
				}
				return
			}
			if !errors.Is(err, c.wantErr) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Verify error = %v, want %v containing %q", err, c.wantErr, c.want)
			}
		})
	}
}

func TestVerifyMessageSignatureVirtualSigstore(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	art := []byte("an artifact\n")
	e, err := vs.Sign(testSAN, testIssuer, art)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(art)
	v, err := NewVerifier(WithTrustedMaterial(noCT{vs}), WithIdentity(Identity{SAN: testSAN, Issuer: testIssuer}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Verify(context.Background(), e, Artifact{Digests: digest.Set{"sha256": hex.EncodeToString(sum[:])}})
	if err != nil {
		t.Fatal(err)
	}
	if res.MessageDigest != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("MessageDigest = %q", res.MessageDigest)
	}
	other := sha256.Sum256([]byte("other"))
	if _, err := v.Verify(context.Background(), e, Artifact{Digests: digest.Set{"sha256": hex.EncodeToString(other[:])}}); err == nil {
		t.Error("a message signature verified for another artifact")
	}
	if _, err := v.Verify(context.Background(), e, Artifact{}); err == nil {
		t.Error("a message signature verified without its artifact")
	}
}

// testKey is a fresh key no bundle here is signed with.
func testKey(t testing.TB) *attest.PublicKey {
	t.Helper()
	return provenancetest.NewKey(t, attest.ECDSAP256).Public
}

// TestSignAndVerifyKeyed: our keyed bundles verify with the key alone,
// for every key type Sigstore supports, and with no other key.
func TestSignAndVerifyKeyed(t *testing.T) {
	for _, kt := range []string{"ecdsa-p256", "ecdsa-p384", "ed25519"} {
		t.Run(kt, func(t *testing.T) {
			key := provenancetest.NewKey(t, attest.KeyType(kt))
			k := key.Public
			art := []byte("release\n")
			raw, err := SignArtifact(context.Background(), key.Signer, art)
			if err != nil {
				t.Fatal(err)
			}
			b, err := ParseBundle(raw)
			if err != nil {
				t.Fatal(err)
			}
			if b.GetMediaType() != "application/vnd.dev.sigstore.bundle.v0.3+json" {
				t.Errorf("media type %q", b.GetMediaType())
			}
			dir := t.TempDir()
			p := dir + "/art"
			attesttest.WriteFile(t, p, art, 0o644)
			for _, c := range []struct {
				name string
				keys []*attest.PublicKey
				art  string
				ok   bool
			}{
				{"right key", []*attest.PublicKey{k}, p, true},
				{"right key after a wrong one", []*attest.PublicKey{testKey(t), k}, p, true},
				{"wrong key", []*attest.PublicKey{testKey(t)}, p, false},
			} {
				v, err := NewVerifier(WithKeys(c.keys...))
				if err != nil {
					t.Fatal(err)
				}
				_, err = v.Verify(context.Background(), b, Artifact{Path: c.art})
				if (err == nil) != c.ok {
					t.Errorf("%s: Verify error = %v, want ok=%v", c.name, err, c.ok)
				}
				// The bundle's hint names its signer: the error says that
				// key is not trusted.
				if want := fmt.Sprintf("names key %q as its signer, which is not a trusted key", attest.ShortKeyID(k.ID)); !c.ok && (err == nil || !strings.Contains(err.Error(), want)) {
					t.Errorf("%s: error %v, want %q", c.name, err, want)
				}
			}
			attesttest.WriteFile(t, p, []byte("changed\n"), 0o644)
			v, _ := NewVerifier(WithKeys(k))
			if _, err := v.Verify(context.Background(), b, Artifact{Path: p}); err == nil {
				t.Error("a changed artifact verified")
			}
		})
	}
}

func TestSignStatementKeyed(t *testing.T) {
	key := provenancetest.NewKey(t, attest.Ed25519)
	k := key.Public
	st, err := attest.ParseStatement(attest.PayloadType, []byte(statement))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := SignStatement(context.Background(), key.Signer, st)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := NewVerifier(WithKeys(k))
	res, err := v.Verify(context.Background(), b, Artifact{Digests: digest.Set{"sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.PayloadType != attest.PayloadType || res.Signer.KeyID != k.ID || len(res.Timestamps) != 0 {
		t.Errorf("result = %+v", res)
	}
	if _, err := v.Verify(context.Background(), b, Artifact{Digests: digest.Set{"sha256": strings.Repeat("0", 64)}}); err == nil {
		t.Error("a statement verified for an artifact it does not name")
	}
}

func TestParseBundleRefuses(t *testing.T) {
	for _, c := range []struct{ name, doc, want string }{
		{"not JSON", `{`, "malformed"},
		{"duplicate key", `{"mediaType":"a","mediaType":"b"}`, "duplicate"},
		{"unknown media type", `{"mediaType":"application/vnd.dev.sigstore.bundle.v9+json"}`, "malformed"},
		{"empty", `{}`, "malformed"},
	} {
		if _, err := ParseBundle([]byte(c.doc)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: ParseBundle error = %v, want %q", c.name, err, c.want)
		}
	}
}

func TestNewVerifierRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []Option
	}{
		{"nothing to trust", nil},
		{"identity without issuer", []Option{WithKeys(testKey(t)), WithIdentity(Identity{SAN: "x"})}},
		{"both SAN and regexp", []Option{WithKeys(testKey(t)), WithIdentity(Identity{SAN: "x", SANRegexp: "y", Issuer: "i"})}},
		{"bad regexp", []Option{WithKeys(testKey(t)), WithIdentity(Identity{SANRegexp: "(", Issuer: "i"})}},
		{"identity and unsafe", []Option{WithKeys(testKey(t)), WithIdentity(Identity{SAN: "x", Issuer: "i"}), WithoutIdentitiesUnsafe()}},
		{"missing root file", []Option{WithTrustedRootFile("/nonexistent/root.json")}},
	} {
		if _, err := NewVerifier(c.opts...); err == nil {
			t.Errorf("%s: NewVerifier succeeded", c.name)
		}
	}
}
