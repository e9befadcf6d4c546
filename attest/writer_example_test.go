package attest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
)

// Sign statements into a JSON Lines bundle through a Writer: each Write
// appends one DSSE envelope. sigstore.NewBundleWriter writes a Sigstore
// bundle instead, behind the same interface.
func ExampleNewDSSEWriter() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	privPEM, pubPEM, _ := attest.GenerateKey(attest.Ed25519)
	signer, _ := attest.ParseSigner(privPEM)
	trusted, _ := attest.ParsePublicKey(pubPEM)

	bundle := filepath.Join(dir, "build.intoto.jsonl")
	var w attest.Writer
	w, err = attest.NewDSSEWriter(bundle, signer)
	if err != nil {
		panic(err)
	}
	for _, name := range []string{"app.tar.gz", "app.sbom.json"} {
		pred, _ := structpb.NewStruct(map[string]any{"note": "example"})
		st := &attest.Statement{
			Type:          attest.StatementTypeV1,
			Subject:       []*ita.ResourceDescriptor{{Name: name, Digest: map[string]string{"sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}},
			PredicateType: "https://example.com/note/v1",
			Predicate:     pred,
		}
		if err := w.Write(ctx, st); err != nil {
			panic(err)
		}
	}

	entries, _ := attest.ReadBundleFile(bundle)
	for i, e := range entries {
		_, err := attest.VerifyEnvelope(ctx, e.Envelope, []*attest.PublicKey{trusted}, 1)
		fmt.Printf("line %d verifies: %v\n", i+1, err == nil)
	}
	// A link at the destination is refused before anything is signed.
	link := filepath.Join(dir, "link.intoto.jsonl")
	if err := os.Symlink(bundle, link); err != nil {
		panic(err)
	}
	w, _ = attest.NewDSSEWriter(link, signer)
	fmt.Println(w.Check() != nil)
	// Output:
	// line 1 verifies: true
	// line 2 verifies: true
	// true
}
