package sigstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/sigstore"
)

// Sign an artifact into a Sigstore bundle file, offline, with a long-lived
// key: what `provenant sign` does. The same writer's Write signs an in-toto
// statement (it is an attest.Writer). An existing bundle is replaced only
// with attest.WithOverwrite.
func ExampleNewBundleWriter() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	privPEM, _, _ := attest.GenerateKey(attest.ECDSAP256)
	signer, _ := attest.ParseSigner(privPEM)
	app := filepath.Join(dir, "app.tar.gz")
	if err := os.WriteFile(app, []byte("an app\n"), 0o644); err != nil {
		panic(err)
	}

	out := filepath.Join(dir, "app.sigstore.json")
	w, err := sigstore.NewBundleWriter(out, signer)
	if err != nil {
		panic(err)
	}
	if err := w.WriteArtifactSignature(ctx, app); err != nil {
		panic(err)
	}
	b, err := sigstore.LoadBundle(out)
	if err != nil {
		panic(err)
	}
	fmt.Println(b.GetMediaType())
	fmt.Println("again:", errors.Is(w.WriteArtifactSignature(ctx, app), attest.ErrExists))
	// Output:
	// application/vnd.dev.sigstore.bundle.v0.3+json
	// again: true
}
