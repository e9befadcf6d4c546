package layout

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/in-toto/in-toto-golang/in_toto"
	"github.com/secure-systems-lab/go-securesystemslib/cjson"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/provenance"
)

// rootKey is a key the caller trusts to sign the root layout: provenant's
// key (by its material) and in-toto's form of it (whose key id the
// layout's signature names).
type rootKey struct {
	pub    *attest.PublicKey
	intoto in_toto.Key
}

func newRootKey(pub *attest.PublicKey) (rootKey, error) {
	k, err := provenance.InTotoKey(pub.Key)
	if err != nil {
		return rootKey{}, err
	}
	return rootKey{pub: pub, intoto: k}, nil
}

// functionary is a key a layout lists, read as provenant reads keys: its
// id in the layout (in-toto's), and its key material, by which
// functionaries are told apart (the same key under two ids is one
// functionary).
type functionary struct {
	id  string
	key in_toto.Key
	pub *attest.PublicKey
}

// functionaries reads the layout's keys. Each key id must be the one
// in-toto's rule computes from the key (the SHA-256 of the canonical JSON
// of its type, scheme, id hash algorithms and public value), and the key
// must be one provenant reads (attest.ParsePublicKey: Ed25519, ECDSA
// P-256/P-384/P-521, RSA of 2048 bits or more).
func functionaries(keys map[string]in_toto.Key) (map[string]functionary, error) {
	out := make(map[string]functionary, len(keys))
	for _, id := range sortedIDs(keys) {
		k := keys[id]
		want, err := inTotoKeyID(k)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", short(id), err)
		}
		if want != id {
			return nil, fmt.Errorf("key %s: its id is not the key's: in-toto computes %s from it", short(id), short(want))
		}
		pub, err := publicKeyOf(k)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", short(id), err)
		}
		out[id] = functionary{id: id, key: k, pub: pub}
	}
	return out, nil
}

// inTotoKeyID is the key id in-toto (securesystemslib) computes for a
// key.
func inTotoKeyID(k in_toto.Key) (string, error) {
	b, err := cjson.EncodeCanonical(map[string]any{
		"keytype":               k.KeyType,
		"scheme":                k.Scheme,
		"keyid_hash_algorithms": k.KeyIDHashAlgorithms,
		"keyval":                map[string]string{"public": k.KeyVal.Public},
	})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// publicKeyOf reads an in-toto key's public value with provenant's key
// reader (a securesystemslib JSON key).
func publicKeyOf(k in_toto.Key) (*attest.PublicKey, error) {
	if k.KeyVal.Private != "" {
		return nil, fmt.Errorf("%w: a layout must not hold a private key", attest.ErrKey)
	}
	b, err := json.Marshal(map[string]any{
		"keytype":               k.KeyType,
		"scheme":                k.Scheme,
		"keyid_hash_algorithms": k.KeyIDHashAlgorithms,
		"keyval":                map[string]string{"public": k.KeyVal.Public},
	})
	if err != nil {
		return nil, err
	}
	return attest.ParsePublicKey(b)
}

// short abbreviates a key id for messages.
func short(id string) string { return attest.ShortKeyID(id) }
