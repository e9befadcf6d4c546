package provenance_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/provenance"
)

// Attest a file from Go: open a key, choose a writer (here a JSON Lines
// bundle; sigstore.NewBundleWriter writes a Sigstore bundle), attest.
func ExampleAttest() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	files, err := attest.WriteKeyPair(filepath.Join(dir, "release"), attest.Ed25519, false)
	if err != nil {
		panic(err)
	}
	app := filepath.Join(dir, "app.tar.gz")
	if err := os.WriteFile(app, []byte("an app\n"), 0o644); err != nil {
		panic(err)
	}

	signer, err := attest.LoadSignerRef(ctx, files.PrivateKey)
	if err != nil {
		panic(err)
	}
	defer func() { _ = attest.CloseSigner(signer) }()
	w, err := attest.NewDSSEWriter(filepath.Join(dir, "app.intoto.jsonl"), signer)
	if err != nil {
		panic(err)
	}
	res, err := provenance.Attest(ctx, provenance.AttestRequest{Writer: w, Artifacts: []string{app}})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.PredicateType, len(res.Subjects), res.Subjects[0].Digests["sha256"])
	// Output:
	// https://slsa.dev/provenance/v1 1 a4c6e70b90fd263c324cc0f892345b9f3b003c95d06117d23bffeb3049fbac88
}
