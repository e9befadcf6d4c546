package sigstore

import (
	"os"

	"github.com/provenant/provenant/attest"
)

func writeFile(p string, data []byte) error { return os.WriteFile(p, data, 0o644) }

func fuzzKey(f interface{ Fatal(...any) }) *attest.PublicKey {
	_, pub, err := attest.GenerateKey(attest.KeyType("ecdsa-p256"))
	if err != nil {
		f.Fatal(err)
	}
	k, err := attest.ParsePublicKey(pub)
	if err != nil {
		f.Fatal(err)
	}
	return k
}
