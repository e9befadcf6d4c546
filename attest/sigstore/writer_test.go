package sigstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
)

// TestBundleWriter: a statement (Write) and an artifact
// (WriteArtifactSignature) each become one Sigstore bundle file that
// verifies with the key; an existing file is replaced only with
// attest.WithOverwrite.
func TestBundleWriter(t *testing.T) {
	s, v := keyedSigner(t, "ecdsa-p256")
	dir := t.TempDir()
	st, err := attest.ParseStatement(attest.PayloadType, []byte(statement))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "att.sigstore.json")
	w, err := NewBundleWriter(path, s)
	if err != nil {
		t.Fatal(err)
	}
	if w.Destination() != path || w.Check() != nil {
		t.Fatalf("Destination() = %q, Check() = %v", w.Destination(), w.Check())
	}
	if err := w.Write(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	b, err := LoadBundle(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), b, Artifact{Digests: digest.Set{"sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}}); err != nil {
		t.Errorf("the written statement does not verify: %v", err)
	}
	// One bundle, one signature: a second Write is refused without
	// WithOverwrite, and the first bundle stays.
	before, _ := os.ReadFile(path)
	if err := w.Check(); !errors.Is(err, attest.ErrExists) {
		t.Errorf("Check() on an existing bundle = %v, want ErrExists", err)
	}
	if err := w.Write(context.Background(), st); !errors.Is(err, attest.ErrExists) {
		t.Errorf("a second Write = %v, want ErrExists", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("a refused Write changed the bundle")
	}

	art := filepath.Join(dir, "app.bin")
	attesttest.WriteFile(t, art, []byte("the app\n"), 0o644)
	force, err := NewBundleWriter(path, s, attest.WithOverwrite())
	if err != nil {
		t.Fatal(err)
	}
	if err := force.WriteArtifactSignature(context.Background(), art); err != nil {
		t.Fatal(err)
	}
	b, err = LoadBundle(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), b, Artifact{Path: art}); err != nil {
		t.Errorf("the replaced bundle does not verify the artifact: %v", err)
	}
	if err := force.WriteArtifactSignature(context.Background(), filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("WriteArtifactSignature(missing) = %v", err)
	}
}

// TestBundleWriterRefuses: a key Sigstore verifiers cannot use is refused
// when the writer is made, before any work; a link or a pipe at the
// destination is refused by Check and Write, and nothing is written
// through it.
func TestBundleWriterRefuses(t *testing.T) {
	rsa, _ := keyedSigner(t, "rsa-3072")
	if _, err := NewBundleWriter("x.sigstore.json", rsa); !errors.Is(err, attest.ErrKey) {
		t.Errorf("NewBundleWriter(RSA key) = %v, want ErrKey", err)
	}
	if _, err := NewBundleWriter("x.sigstore.json", nil); err == nil {
		t.Error("NewBundleWriter(nil signer) succeeded")
	}
	s, _ := keyedSigner(t, "ed25519")
	if _, err := NewBundleWriter("", s); !errors.Is(err, attest.ErrUnsafeDestination) {
		t.Errorf("NewBundleWriter(\"\") = %v, want ErrUnsafeDestination", err)
	}
	dir := t.TempDir()
	secret := filepath.Join(dir, "release.key")
	attesttest.WriteFile(t, secret, []byte("SECRET"), 0o600)
	link := filepath.Join(dir, "link.sigstore.json")
	if err := os.Symlink(secret, link); err != nil {
		t.Skip("no symbolic links:", err)
	}
	st, _ := attest.ParseStatement(attest.PayloadType, []byte(statement))
	for _, p := range []string{link, dir} {
		w, err := NewBundleWriter(p, s, attest.WithOverwrite())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Check(); !errors.Is(err, attest.ErrUnsafeDestination) {
			t.Errorf("Check(%s) = %v, want ErrUnsafeDestination", p, err)
		}
		if err := w.Write(context.Background(), st); !errors.Is(err, attest.ErrUnsafeDestination) {
			t.Errorf("Write(%s) = %v, want ErrUnsafeDestination", p, err)
		}
	}
	if data, _ := os.ReadFile(secret); string(data) != "SECRET" {
		t.Errorf("the link's target changed: %q", data)
	}
}
