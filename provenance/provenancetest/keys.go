package provenancetest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/provenant/provenant/attest"
)

// Key is a signing key with its public half.
type Key struct {
	Signer attest.Signer
	Public *attest.PublicKey
}

// SeededKey returns the Ed25519 key whose 32-byte seed is seed repeated:
// the same seed gives the same key and the same signatures.
func SeededKey(t testing.TB, seed byte) Key {
	t.Helper()
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	s, err := attest.ParseSigner(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
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
	return Key{Signer: s, Public: pub}
}

// SeededKeys returns n distinct seeded keys, those of seeds 1 to n.
func SeededKeys(t testing.TB, n int) []Key {
	t.Helper()
	keys := make([]Key, n)
	for i := range keys {
		keys[i] = SeededKey(t, byte(i+1))
	}
	return keys
}

// NewKey generates a key of type kt, as provenant keygen does.
func NewKey(t testing.TB, kt attest.KeyType) Key {
	t.Helper()
	priv, pub, err := attest.GenerateKey(kt)
	if err != nil {
		t.Fatal(err)
	}
	s, err := attest.ParseSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := attest.ParsePublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return Key{Signer: s, Public: p}
}

// Publics returns the public halves of keys.
func Publics(keys ...Key) []*attest.PublicKey {
	pubs := make([]*attest.PublicKey, len(keys))
	for i, k := range keys {
		pubs[i] = k.Public
	}
	return pubs
}

// TrustDir writes the public keys as k0.pub, k1.pub, ... and yaml as
// trust.yaml into a new temporary directory, and returns the trust file's
// path: a trust file's keys[].path can name the keys by those names.
func TrustDir(t testing.TB, yaml string, keys ...*attest.PublicKey) string {
	t.Helper()
	dir := t.TempDir()
	for i, k := range keys {
		data, err := k.MarshalPEM()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "k"+strconv.Itoa(i)+".pub"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "trust.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// SSLibKey returns the Ed25519 public key pub as a securesystemslib JSON
// key whose "keyid" field says keyid, whether or not that is pub's key id:
// a key file that claims another key's id.
func SSLibKey(t testing.TB, pub *attest.PublicKey, keyid string) []byte {
	t.Helper()
	ed, ok := pub.Key.(ed25519.PublicKey)
	if !ok {
		t.Fatalf("SSLibKey: a %T, want an Ed25519 key", pub.Key)
	}
	b, err := json.Marshal(map[string]any{
		"keytype": "ed25519", "scheme": "ed25519", "keyid": keyid,
		"keyid_hash_algorithms": []string{"sha256", "sha512"},
		"keyval":                map[string]string{"public": hex.EncodeToString(ed)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
