package attest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/provenant/provenant/attest/attesttest"
)

// testKeyPair is a generated key with its PEM files' contents, its signer and
// its verifier.
type testKeyPair struct {
	Type       KeyType
	PrivatePEM []byte
	PublicPEM  []byte
	Signer     Signer
	Public     *PublicKey
	Private    crypto.Signer // the standard library key, for hand-made signatures
}

var (
	keyCacheMu sync.Mutex
	keyCache   = map[string]*testKeyPair{}
)

// testKey returns a key of type kt, generated once per test binary for each
// (type, name): RSA 4096 generation takes seconds.
func testKey(t testing.TB, kt KeyType, name string) *testKeyPair {
	t.Helper()
	keyCacheMu.Lock()
	defer keyCacheMu.Unlock()
	id := string(kt) + "/" + name
	if k, ok := keyCache[id]; ok {
		return k
	}
	priv, pub, err := GenerateKey(kt)
	if err != nil {
		t.Fatalf("GenerateKey(%s) = %v", kt, err)
	}
	s, err := ParseSigner(priv)
	if err != nil {
		t.Fatalf("ParseSigner(%s) = %v", kt, err)
	}
	p, err := ParsePublicKey(pub)
	if err != nil {
		t.Fatalf("ParsePublicKey(%s) = %v", kt, err)
	}
	block, _ := pem.Decode(priv)
	raw, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("ParsePKCS8PrivateKey(%s) = %v", kt, err)
	}
	k := &testKeyPair{Type: kt, PrivatePEM: priv, PublicPEM: pub, Signer: s, Public: p, Private: raw.(crypto.Signer)}
	keyCache[id] = k
	return k
}

// rawSig signs PAE(payloadType, payload) with the standard library in one of
// the encodings found in the wild.
func rawSig(t testing.TB, k crypto.Signer, payloadType string, payload []byte, encoding string) []byte {
	t.Helper()
	pae := dsse.PAE(payloadType, payload)
	var (
		sig []byte
		err error
	)
	switch p := k.(type) {
	case ed25519.PrivateKey:
		if encoding == "ph" { // Ed25519ph, as cosign signs
			d := sha512.Sum512(pae)
			sig, err = p.Sign(nil, d[:], &ed25519.Options{Hash: crypto.SHA512})
		} else {
			sig = ed25519.Sign(p, pae)
		}
	case *ecdsa.PrivateKey:
		h := ecHash(&p.PublicKey)
		if strings.HasSuffix(encoding, "-sha256") { // the hash cosign v2 verifies with
			h, encoding = crypto.SHA256, strings.TrimSuffix(encoding, "-sha256")
		}
		d := HashData(h, pae)
		switch encoding {
		case "der":
			sig, err = ecdsa.SignASN1(rand.Reader, p, d)
		case "raw":
			var r, s *big.Int
			r, s, err = ecdsa.Sign(rand.Reader, p, d)
			size := (p.Curve.Params().BitSize + 7) / 8
			sig = make([]byte, 2*size)
			r.FillBytes(sig[:size])
			s.FillBytes(sig[size:])
		default:
			t.Fatalf("unknown ECDSA encoding %q", encoding)
		}
	case *rsa.PrivateKey:
		d := sha256.Sum256(pae)
		switch encoding {
		case "pss":
			sig, err = rsa.SignPSS(rand.Reader, p, crypto.SHA256, d[:], nil)
		case "pss-hashlen":
			sig, err = rsa.SignPSS(rand.Reader, p, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		case "pkcs1v15":
			sig, err = rsa.SignPKCS1v15(rand.Reader, p, crypto.SHA256, d[:])
		default:
			t.Fatalf("unknown RSA encoding %q", encoding)
		}
	default:
		t.Fatalf("unsupported key %T", k)
	}
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	return sig
}

// envelopeWith builds an envelope from raw signatures, base64 standard.
func envelopeWith(payloadType string, payload []byte, sigs ...[]byte) *Envelope {
	env := &Envelope{PayloadType: payloadType, Payload: base64.StdEncoding.EncodeToString(payload)}
	for _, s := range sigs {
		env.Signatures = append(env.Signatures, dsse.Signature{Sig: base64.StdEncoding.EncodeToString(s)})
	}
	return env
}

func TestGenerateKeyAllTypes(t *testing.T) {
	ctx := context.Background()
	wantAlg := map[KeyType]string{
		Ed25519: "ed25519", ECDSAP256: "ecdsa-p256", ECDSAP384: "ecdsa-p384",
		RSA3072: "rsa-3072", RSA4096: "rsa-4096",
	}
	for _, kt := range KeyTypes() {
		t.Run(string(kt), func(t *testing.T) {
			k := testKey(t, kt, "a")
			if b, _ := pem.Decode(k.PrivatePEM); b == nil || b.Type != "PRIVATE KEY" {
				t.Errorf("private key PEM block = %v, want PRIVATE KEY (PKCS#8)", b)
			}
			if b, _ := pem.Decode(k.PublicPEM); b == nil || b.Type != "PUBLIC KEY" {
				t.Errorf("public key PEM block = %v, want PUBLIC KEY (PKIX)", b)
			} else if _, err := x509.ParsePKIXPublicKey(b.Bytes); err != nil {
				t.Errorf("ParsePKIXPublicKey = %v", err)
			}
			if got := k.Public.Algorithm(); got != wantAlg[kt] {
				t.Errorf("Algorithm() = %q, want %q", got, wantAlg[kt])
			}
			// The private key file also yields the public key, with the same id.
			fromPriv, err := ParsePublicKey(k.PrivatePEM)
			if err != nil {
				t.Fatalf("ParsePublicKey(private PEM) = %v", err)
			}
			if fromPriv.ID != k.Public.ID {
				t.Errorf("key id from private PEM = %s, from public PEM = %s", fromPriv.ID, k.Public.ID)
			}
			if len(k.Public.ID) != 64 {
				t.Errorf("key id %q is not a hex sha256", k.Public.ID)
			}
			env, err := SignPayload(ctx, "text/plain", []byte("hi"), k.Signer)
			if err != nil {
				t.Fatalf("SignPayload = %v", err)
			}
			v, err := VerifyEnvelope(ctx, env, []*PublicKey{k.Public}, 1)
			if err != nil {
				t.Fatalf("VerifyEnvelope(own signature) = %v", err)
			}
			if string(v.Payload) != "hi" || len(v.KeyIDs) != 1 || v.KeyIDs[0] != k.Public.ID {
				t.Errorf("VerifyEnvelope = %+v, want payload hi signed by %s", v, k.Public.ID)
			}
			other := testKey(t, Ed25519, "other")
			if kt == Ed25519 {
				other = testKey(t, ECDSAP256, "other")
			}
			if _, err := VerifyEnvelope(ctx, env, []*PublicKey{other.Public}, 1); !errors.Is(err, ErrSignature) {
				t.Errorf("VerifyEnvelope(other key) = %v, want ErrSignature", err)
			}
		})
	}
}

func TestGenerateKeyUnknownType(t *testing.T) {
	for _, kt := range []KeyType{"", "rsa-1024", "rsa-2048", "ecdsa-p521", "ED25519", "dsa"} {
		if _, _, err := GenerateKey(kt); !errors.Is(err, ErrKey) {
			t.Errorf("GenerateKey(%q) = %v, want ErrKey", kt, err)
		}
	}
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestParsePublicKeyErrors(t *testing.T) {
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	rsa1024DER, _ := x509.MarshalPKIXPublicKey(&rsa1024.PublicKey)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	p224DER, _ := x509.MarshalPKIXPublicKey(&p224.PublicKey)
	edPub := testKey(t, Ed25519, "a").Public.Key.(ed25519.PublicKey)

	cases := []struct {
		name string
		in   []byte
		want string // substring of the error
	}{
		{"empty", nil, "no PEM block"},
		{"text", []byte("hello, world\n"), "no PEM block"},
		{"garbage PEM", pemOf("PUBLIC KEY", []byte("not DER")), "not a supported key"},
		{"certificate request block", pemOf("CERTIFICATE REQUEST", []byte{0x30, 0x00}), "not a supported key"},
		{"encrypted PKCS#8", pemOf("ENCRYPTED PRIVATE KEY", []byte{0x30, 0x00}), "encrypted"},
		{"RSA 1024", pemOf("PUBLIC KEY", rsa1024DER), "too small"},
		{"ECDSA P-224", pemOf("PUBLIC KEY", p224DER), ""},
		{"empty JSON object", []byte(`{}`), "securesystemslib"},
		{"JSON not a key", []byte(`{"hello": "world"}`), "securesystemslib"},
		{"JSON truncated", []byte(`{"keytype": "ed25519"`), ""},
		{"JSON duplicate key", []byte(`{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"` + hex.EncodeToString(edPub) + `"},"keytype":"rsa"}`), "duplicate"},
		{"JSON ed25519 bad hex", []byte(`{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"zz"}}`), "bad ed25519"},
		{"JSON ed25519 short", []byte(`{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"abcd"}}`), "bad ed25519"},
		{"JSON ecdsa not PEM", []byte(`{"keytype":"ecdsa","scheme":"ecdsa-sha2-nistp256","keyval":{"public":"abcd"}}`), "not PEM"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := ParsePublicKey(c.in)
			if !errors.Is(err, ErrKey) {
				t.Fatalf("ParsePublicKey(%q) = %v, %v, want ErrKey", c.in, k, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("ParsePublicKey(%q) = %v, want an error containing %q", c.in, err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("ParsePublicKey(%q) error %q is not one line", c.in, err)
			}
		})
	}
}

func TestParsePublicKeySSLibJSON(t *testing.T) {
	k := testKey(t, Ed25519, "a")
	js := `{"keytype":"ed25519","scheme":"ed25519","keyid_hash_algorithms":["sha256","sha512"],"keyval":{"public":"` +
		hex.EncodeToString(k.Public.Key.(ed25519.PublicKey)) + `"}}`
	got, err := ParsePublicKey([]byte(js))
	if err != nil {
		t.Fatalf("ParsePublicKey(sslib JSON) = %v", err)
	}
	if !k.Public.Key.(ed25519.PublicKey).Equal(got.Key) {
		t.Errorf("ParsePublicKey(sslib JSON) key = %x, want %x", got.Key, k.Public.Key)
	}
	if got.ID != k.Public.ID {
		t.Errorf("ParsePublicKey(sslib JSON) id = %s, want the PEM key's id %s", got.ID, k.Public.ID)
	}
}

func TestParseSignerErrors(t *testing.T) {
	k := testKey(t, ECDSAP256, "a")
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"public key", k.PublicPEM, "public key"},
		{"empty", nil, "no PEM block"},
		{"not a key", []byte("-----BEGIN NOTHING-----\nAAAA\n-----END NOTHING-----\n"), "not a supported key"},
		{"encrypted", []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), "encrypted"},
	}
	for _, c := range cases {
		if _, err := ParseSigner(c.in); !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseSigner(%s) = %v, want ErrKey containing %q", c.name, err, c.want)
		}
	}
}

func TestLoadKeyFiles(t *testing.T) {
	dir := t.TempDir()
	k := testKey(t, Ed25519, "a")
	pub := filepath.Join(dir, "k.pub")
	priv := filepath.Join(dir, "k.key")
	junk := filepath.Join(dir, "junk.pub")
	attesttest.WriteFile(t, pub, k.PublicPEM, 0o644)
	attesttest.WriteFile(t, priv, k.PrivatePEM, 0o600)
	attesttest.WriteFile(t, junk, []byte("this is not a key\n"), 0o644)

	p, err := LoadPublicKey(pub)
	if err != nil || p.ID != k.Public.ID || p.Source != pub {
		t.Errorf("LoadPublicKey(%s) = %+v, %v, want id %s and source", pub, p, err, k.Public.ID)
	}
	if _, err := LoadSigner(priv); err != nil {
		t.Errorf("LoadSigner(%s) = %v", priv, err)
	}
	missing := filepath.Join(dir, "missing.pub")
	if _, err := LoadPublicKey(missing); !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), missing+": ") {
		t.Errorf("LoadPublicKey(%s) = %v, want ErrNotExist naming the file", missing, err)
	}
	if _, err := LoadSigner(missing); !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), missing+": ") {
		t.Errorf("LoadSigner(%s) = %v, want ErrNotExist naming the file", missing, err)
	}
	for _, path := range []string{junk} {
		_, err := LoadPublicKey(path)
		if !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), path) {
			t.Errorf("LoadPublicKey(%s) = %v, want ErrKey naming the file", path, err)
		}
		_, err = LoadSigner(path)
		if !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), path) {
			t.Errorf("LoadSigner(%s) = %v, want ErrKey naming the file", path, err)
		}
	}
	if _, err := LoadSigner(pub); !errors.Is(err, ErrKey) {
		t.Errorf("LoadSigner(public key) = %v, want ErrKey", err)
	}
}

func TestWriteKeyPair(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "release")
	files, err := WriteKeyPair(prefix, Ed25519, false)
	if err != nil {
		t.Fatalf("WriteKeyPair = %v", err)
	}
	for path, mode := range map[string]os.FileMode{prefix + ".key": 0o600, prefix + ".pub": 0o644} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatalf("Stat(%s) = %v", path, err)
		}
		if info.Mode().Perm() != mode {
			t.Errorf("mode of %s = %v, want %v", path, info.Mode().Perm(), mode)
		}
	}
	if files.PrivateKey != prefix+".key" || files.PublicKey != prefix+".pub" || files.Type != "ed25519" {
		t.Errorf("WriteKeyPair = %+v", files)
	}
	pub, err := LoadPublicKey(files.PublicKey)
	if err != nil || pub.ID != files.KeyID {
		t.Errorf("LoadPublicKey(written) = %v, %v, want id %s", pub, err, files.KeyID)
	}
	if _, err := LoadSigner(files.PrivateKey); err != nil {
		t.Errorf("LoadSigner(written) = %v", err)
	}
	before, _ := os.ReadFile(files.PrivateKey)

	// Refuses to overwrite, whichever of the two files exists.
	if _, err := WriteKeyPair(prefix, Ed25519, false); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("WriteKeyPair(existing) = %v, want already exists", err)
	}
	if after, _ := os.ReadFile(files.PrivateKey); !bytes.Equal(before, after) {
		t.Errorf("WriteKeyPair(existing) changed the private key")
	}
	only := filepath.Join(dir, "onlypub")
	attesttest.WriteFile(t, only+".pub", []byte("keep me"), 0o644)
	if _, err := WriteKeyPair(only, ECDSAP256, false); err == nil {
		t.Errorf("WriteKeyPair(with existing .pub) = nil, want an error")
	}
	if _, err := os.Stat(only + ".key"); err == nil {
		t.Errorf("WriteKeyPair(with existing .pub) left a .key behind")
	}
	if b, _ := os.ReadFile(only + ".pub"); string(b) != "keep me" {
		t.Errorf("WriteKeyPair(with existing .pub) overwrote it: %q", b)
	}

	// force replaces both, keeping the modes.
	files2, err := WriteKeyPair(prefix, ECDSAP256, true)
	if err != nil {
		t.Fatalf("WriteKeyPair(force) = %v", err)
	}
	if files2.KeyID == files.KeyID {
		t.Errorf("WriteKeyPair(force) kept the old key")
	}
	if info, _ := os.Stat(prefix + ".key"); info.Mode().Perm() != 0o600 {
		t.Errorf("mode after force = %v, want 0600", info.Mode().Perm())
	}

	if _, err := WriteKeyPair(filepath.Join(dir, "x"), "rsa-1024", false); !errors.Is(err, ErrKey) {
		t.Errorf("WriteKeyPair(rsa-1024) = %v, want ErrKey", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.key")); err == nil {
		t.Errorf("WriteKeyPair(bad type) wrote a file")
	}
	if _, err := WriteKeyPair("", Ed25519, false); !errors.Is(err, ErrKey) {
		t.Errorf("WriteKeyPair(\"\") = %v, want ErrKey", err)
	}
}

// TestSignatureEncodings checks every signature scheme the verifier accepts,
// made with the standard library rather than the signer under test.
func TestSignatureEncodings(t *testing.T) {
	ctx := context.Background()
	payload := []byte(`{"hello":"world"}`)
	cases := []struct {
		kt       KeyType
		encoding string
	}{
		{Ed25519, ""},
		{Ed25519, "ph"},
		{ECDSAP256, "der"},
		{ECDSAP256, "raw"},
		{ECDSAP384, "der"},
		{ECDSAP384, "raw"},
		{RSA3072, "pss"},
		{RSA3072, "pss-hashlen"},
		{RSA3072, "pkcs1v15"},
		{RSA4096, "pkcs1v15"},
	}
	for _, c := range cases {
		k := testKey(t, c.kt, "a")
		sig := rawSig(t, k.Private, PayloadType, payload, c.encoding)
		env := envelopeWith(PayloadType, payload, sig)
		if _, err := VerifyEnvelope(ctx, env, []*PublicKey{k.Public}, 1); err != nil {
			t.Errorf("VerifyEnvelope(%s %s) = %v, want nil", c.kt, c.encoding, err)
		}
		// URL-safe base64 of the same signature and payload.
		url := &Envelope{PayloadType: PayloadType, Payload: base64.URLEncoding.EncodeToString(payload),
			Signatures: []dsse.Signature{{Sig: base64.RawURLEncoding.EncodeToString(sig)}}}
		if _, err := VerifyEnvelope(ctx, url, []*PublicKey{k.Public}, 1); err != nil {
			t.Errorf("VerifyEnvelope(%s %s, URL-safe base64) = %v, want nil", c.kt, c.encoding, err)
		}
		// Negative: one flipped bit, the signature over another payload
		// type, and a truncated signature.
		bad := bytes.Clone(sig)
		bad[len(bad)/2] ^= 1
		wrongType := rawSig(t, k.Private, "text/plain", payload, c.encoding)
		for name, s := range map[string][]byte{"flipped bit": bad, "other payloadType": wrongType, "truncated": sig[:len(sig)-1], "empty": {}} {
			if err := k.Public.Verify(ctx, dsse.PAE(PayloadType, payload), s); !errors.Is(err, ErrSignature) {
				t.Errorf("Verify(%s %s, %s) = %v, want ErrSignature", c.kt, c.encoding, name, err)
			}
		}
	}
}

// TestSignatureHashes: a P-384 signature is over SHA-384 (what
// securesystemslib, in-toto-golang, slsa-verifier and cosign's signer
// use), and one over SHA-256 does not verify; an Ed25519ph signature does
// not verify over other data, and a pure one is what provenant makes.
func TestSignatureHashes(t *testing.T) {
	ctx := context.Background()
	payload := []byte(`{"hello":"world"}`)
	p384 := testKey(t, ECDSAP384, "a")
	if err := p384.Public.Verify(ctx, dsse.PAE(PayloadType, payload), rawSig(t, p384.Private, PayloadType, payload, "der-sha256")); !errors.Is(err, ErrSignature) {
		t.Errorf("P-384 over SHA-256: Verify = %v, want ErrSignature", err)
	}
	ed := testKey(t, Ed25519, "a")
	ph := rawSig(t, ed.Private, PayloadType, payload, "ph")
	if err := ed.Public.Verify(ctx, dsse.PAE(PayloadType, []byte("other")), ph); !errors.Is(err, ErrSignature) {
		t.Errorf("Ed25519ph over other data: Verify = %v, want ErrSignature", err)
	}
	pae := dsse.PAE(PayloadType, payload)
	sig, err := ed.Signer.Sign(ctx, pae)
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(ed.Public.Key.(ed25519.PublicKey), pae, sig) {
		t.Error("provenant's Ed25519 signature is not pure Ed25519")
	}
	sig, err = p384.Signer.Sign(ctx, pae)
	if err != nil {
		t.Fatal(err)
	}
	d := sha512.Sum384(pae)
	if !ecdsa.VerifyASN1(p384.Public.Key.(*ecdsa.PublicKey), d[:], sig) {
		t.Error("provenant's P-384 signature is not over SHA-384")
	}
}

// sslibJSON writes a key as a securesystemslib JSON key of another keytype
// spelling, so that its key id differs from the PEM key's.
func sslibJSON(t *testing.T, k *testKeyPair) []byte {
	t.Helper()
	m := map[string]any{"keyid_hash_algorithms": []string{"sha256"}}
	switch k.Type {
	case Ed25519:
		m["keytype"], m["scheme"] = "ed25519", "ed25519"
		m["keyval"] = map[string]string{"public": hex.EncodeToString(k.Public.Key.(ed25519.PublicKey))}
	case ECDSAP256:
		m["keytype"], m["scheme"] = "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"
		m["keyval"] = map[string]string{"public": string(k.PublicPEM)}
	default:
		t.Fatalf("sslibJSON(%s) not implemented", k.Type)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSameKeyTwoFormatsCountsOnce: the same key loaded from a PEM file and a
// securesystemslib JSON file (whose key type is spelled differently) has one
// key id, and counts once towards the threshold, even when the envelope
// repeats its signature.
func TestSameKeyTwoFormatsCountsOnce(t *testing.T) {
	ctx := context.Background()
	for _, kt := range []KeyType{Ed25519, ECDSAP256} {
		k := testKey(t, kt, "a")
		other := testKey(t, kt, "b")
		again, err := ParsePublicKey(sslibJSON(t, k))
		if err != nil {
			t.Fatalf("ParsePublicKey(sslib JSON %s) = %v", kt, err)
		}
		if again.ID != k.Public.ID {
			t.Errorf("ParsePublicKey(sslib JSON %s).ID = %s, want the PEM key's %s", kt, again.ID, k.Public.ID)
		}
		sig := rawSig(t, k.Private, PayloadType, []byte("x"), "der")
		env := envelopeWith(PayloadType, []byte("x"), sig, sig)
		keys := []*PublicKey{k.Public, again, other.Public}
		_, err = VerifyEnvelope(ctx, env, keys, 2)
		var te *ErrThreshold
		if !errors.As(err, &te) || te.Got != 1 || te.Want != 2 {
			t.Errorf("VerifyEnvelope(%s key as PEM and JSON, threshold 2) = %v, want ErrThreshold{2, 1}", kt, err)
		}
		if _, err := VerifyEnvelope(ctx, env, keys, 1); err != nil {
			t.Errorf("VerifyEnvelope(%s key as PEM and JSON, threshold 1) = %v, want nil", kt, err)
		}
	}
}

// TestKeyIDComesFromKeyMaterial: a securesystemslib JSON key's own "keyid"
// field is not trusted. An attacker's key that carries a trusted key's id
// gets its own id, and a trusted key under another id gets its real one
// (issue 13, item 3).
func TestKeyIDComesFromKeyMaterial(t *testing.T) {
	for _, kt := range []KeyType{Ed25519, ECDSAP256} {
		alice := testKey(t, kt, "a")
		mallory := testKey(t, kt, "b")
		for _, tc := range []struct {
			name  string
			key   *testKeyPair
			keyid string
			want  string
		}{
			{"attacker key with alice's keyid", mallory, alice.Public.ID, mallory.Public.ID},
			{"alice's key with another keyid", alice, strings.Repeat("ab", 32), alice.Public.ID},
			{"alice's key with a non-hex keyid", alice, "alice", alice.Public.ID},
		} {
			var m map[string]any
			if err := json.Unmarshal(sslibJSON(t, tc.key), &m); err != nil {
				t.Fatal(err)
			}
			m["keyid"] = tc.keyid
			data, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParsePublicKey(data)
			if err != nil {
				t.Fatalf("%s %s: ParsePublicKey = %v", kt, tc.name, err)
			}
			if got.ID != tc.want {
				t.Errorf("%s %s: ParsePublicKey(...).ID = %s, want %s (from the key material)", kt, tc.name, got.ID, tc.want)
			}
		}
	}
}
