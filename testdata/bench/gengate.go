//go:build ignore

// gengate writes the inputs of the release-gate benchmark of cli.sh: N
// artifacts of SIZE random bytes under DIR/art, and one bundle of N
// envelopes (one SLSA provenance v1 statement per artifact, signed with
// KEY) at DIR/gate.intoto.jsonl. Signing in one process keeps the setup
// to a second or two, where N calls of `provenant attest` would take
// half a minute.
//
//	go run testdata/bench/gengate.go -key k.key -dir DIR -n 1000 -size 4096
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/provenance"
)

func main() {
	keyPath := flag.String("key", "", "private key that signs the envelopes")
	dir := flag.String("dir", "", "output directory")
	n := flag.Int("n", 1000, "artifacts and envelopes")
	size := flag.Int("size", 4096, "bytes per artifact")
	flag.Parse()
	if *keyPath == "" || *dir == "" {
		log.Fatal("gengate: -key and -dir are required")
	}
	ctx := context.Background()
	signer, err := attest.LoadSigner(*keyPath)
	if err != nil {
		log.Fatal(err)
	}
	artDir := filepath.Join(*dir, "art")
	if err := os.MkdirAll(artDir, 0o755); err != nil {
		log.Fatal(err)
	}
	paths := make([]string, *n)
	buf := make([]byte, *size)
	for i := range paths {
		paths[i] = filepath.Join(artDir, fmt.Sprintf("app-%04d", i))
		rand.Read(buf)
		if err := os.WriteFile(paths[i], buf, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	arts, err := digest.Files(ctx, paths)
	if err != nil {
		log.Fatal(err)
	}
	opts := provenance.AttestOptions{
		BuilderID: "https://ci.example.com/builders/release@v1",
		Source:    "git+https://github.com/example/app@refs/tags/v1.0.0",
	}
	envs := make([]*attest.Envelope, len(arts))
	for i, a := range arts {
		st, err := provenance.NewAttestStatement([]digest.Artifact{a}, opts)
		if err != nil {
			log.Fatal(err)
		}
		if envs[i], err = attest.SignStatement(ctx, st, signer); err != nil {
			log.Fatal(err)
		}
	}
	if err := attest.AppendToBundle(filepath.Join(*dir, "gate.intoto.jsonl"), envs...); err != nil {
		log.Fatal(err)
	}
}
