package attest

import (
	"context"
	"testing"
)

// FuzzParseSigner: private key material of any shape never panics, and a
// signer that is returned signs something its own public key verifies.
func FuzzParseSigner(f *testing.F) {
	for _, kt := range []KeyType{Ed25519, ECDSAP256, ECDSAP384} {
		priv, pub, err := GenerateKey(kt)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(priv)
		f.Add(pub)
		if enc, err := encryptPEM(priv, []byte("pw")); err == nil {
			f.Add(enc)
		}
	}
	f.Add([]byte(`{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"00","private":"00"}}`))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"))
	pw := WithPassword(func() ([]byte, error) { return []byte("pw"), nil })
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSigner(data, pw)
		if err != nil {
			return
		}
		sig, err := s.Sign(context.Background(), []byte("data"))
		if err != nil {
			return // e.g. a JSON key whose private half does not parse
		}
		pub, err := ParsePublicKey(data)
		if err != nil {
			return // encrypted keys have no readable public half
		}
		if err := pub.Verify(context.Background(), []byte("data"), sig); err != nil {
			t.Fatalf("a signature by the parsed signer does not verify with the same material's public key: %v", err)
		}
	})
}
