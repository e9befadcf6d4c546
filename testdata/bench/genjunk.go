//go:build ignore

// genjunk writes the inputs of the junk-signature measurement in
// docs/security.md: K trusted public keys at DIR/trusted-N.pub, and a
// bundle DIR/junk.intoto.jsonl of N envelopes, each carrying S signatures
// by attacker keys of the same type (well-formed, so each costs a whole
// public-key operation) and no keyid (so each is tried against every
// trusted key). None verifies: a verifier must deny the bundle, and the
// question is how much CPU it spends doing so.
//
//	go run testdata/bench/genjunk.go -dir DIR -n 2000 -sigs 16 -keys 4 -type ecdsa-p256
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/provenant/provenant/attest"
)

func main() {
	dir := flag.String("dir", "", "output directory")
	n := flag.Int("n", 2000, "envelopes")
	sigs := flag.Int("sigs", 16, "attacker signatures per envelope")
	keys := flag.Int("keys", 4, "trusted keys")
	kt := flag.String("type", string(attest.ECDSAP256), "key type")
	flag.Parse()
	if *dir == "" {
		log.Fatal("genjunk: -dir is required")
	}
	for i := range *keys {
		_, pub, err := attest.GenerateKey(attest.KeyType(*kt))
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*dir, fmt.Sprintf("trusted-%d.pub", i+1)), pub, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	attackers := make([]attest.Signer, *sigs)
	for i := range attackers {
		priv, _, err := attest.GenerateKey(attest.KeyType(*kt))
		if err != nil {
			log.Fatal(err)
		}
		if attackers[i], err = attest.ParseSigner(priv); err != nil {
			log.Fatal(err)
		}
	}
	f, err := os.Create(filepath.Join(*dir, "junk.intoto.jsonl"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for i := range *n {
		payload := fmt.Appendf(nil, `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app-%d","digest":{"sha256":"%064x"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`, i, i)
		env, err := attest.SignPayload(ctx, attest.PayloadType, payload, attackers...)
		if err != nil {
			log.Fatal(err)
		}
		for j := range env.Signatures {
			env.Signatures[j].KeyID = ""
		}
		line, err := json.Marshal(env)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := f.Write(append(line, '\n')); err != nil {
			log.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
