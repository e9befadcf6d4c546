package layout

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/in-toto/in-toto-golang/in_toto"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
)

// data is in-toto-golang's test/data in the module cache (skips without).
func data(t testing.TB, name ...string) string {
	t.Helper()
	return attesttest.InTotoData(t, name...)
}

// pubKey reads a public key file of the test data with provenant's reader.
func pubKey(t testing.TB, path string) *attest.PublicKey {
	t.Helper()
	k, err := attest.LoadPublicKey(path)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// privKey reads a private key file in in-toto's form.
func privKey(t testing.TB, path string) in_toto.Key {
	t.Helper()
	var k in_toto.Key
	if err := k.LoadKeyDefaults(path); err != nil {
		t.Fatal(err)
	}
	return k
}

// newKeyFiles makes a provenant key pair in dir: NAME.key and NAME.pub.
func newKeyFiles(t testing.TB, dir, name string, kt attest.KeyType) (in_toto.Key, *attest.PublicKey) {
	t.Helper()
	priv, pub, err := attest.GenerateKey(kt)
	if err != nil {
		t.Fatal(err)
	}
	attesttest.WriteFile(t, filepath.Join(dir, name+".key"), priv, 0o600)
	attesttest.WriteFile(t, filepath.Join(dir, name+".pub"), pub, 0o644)
	return privKey(t, filepath.Join(dir, name+".key")), pubKey(t, filepath.Join(dir, name+".pub"))
}

// publicOf is k without its private part, as a layout lists it.
func publicOf(k in_toto.Key) in_toto.Key {
	k.KeyVal.Private = ""
	return k
}

// copyData copies files of the test data into a new directory.
func copyData(t testing.TB, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		b, err := os.ReadFile(data(t, n))
		if err != nil {
			t.Fatal(err)
		}
		attesttest.WriteFile(t, filepath.Join(dir, n), b, 0o644)
	}
	return dir
}

// loadLayout reads a layout of the test data (without verifying it).
func loadLayout(t testing.TB, name string) in_toto.Layout {
	t.Helper()
	md, err := in_toto.LoadMetadata(data(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return md.GetPayload().(in_toto.Layout)
}

// sign writes payload (a layout or a link) signed by keys to path, as a
// metablock or (dsse) a DSSE envelope, the way in-toto-golang writes them.
func sign(t testing.TB, path string, payload any, dsse bool, keys ...in_toto.Key) string {
	t.Helper()
	var md in_toto.Metadata
	if dsse {
		env := &in_toto.Envelope{}
		if err := env.SetPayload(payload); err != nil {
			t.Fatal(err)
		}
		md = env
	} else {
		md = &in_toto.Metablock{Signed: payload, Signatures: []in_toto.Signature{}}
	}
	for _, k := range keys {
		if err := md.Sign(k); err != nil {
			t.Fatal(err)
		}
	}
	if err := md.Dump(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// linkName is in-toto's file name of step's link by key.
func linkName(step string, k in_toto.Key) string {
	return fmt.Sprintf(in_toto.LinkNameFormat, step, k.KeyID)
}

// future is an expiry date a year from now.
func future() string { return time.Now().AddDate(1, 0, 0).UTC().Format(in_toto.ISO8601DateSchema) }

// verifier is a Verifier for the layout keys.
func verifier(t testing.TB, opts ...Option) *Verifier {
	t.Helper()
	v, err := NewVerifier(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// verify runs v and fails the test on an input error.
func verify(t testing.TB, v *Verifier, layout string, ev ...Evidence) *Report {
	t.Helper()
	r, err := v.Verify(context.Background(), layout, ev...)
	if err != nil {
		t.Fatalf("Verify(%s) = %v", layout, err)
	}
	return r
}

// failed is the first failed check of r, with its reasons on one line.
func failed(r *Report) (id, reasons string) {
	for _, c := range r.Checks {
		if !c.Passed {
			return c.ID, strings.Join(c.Reasons, " | ")
		}
	}
	return "", ""
}

// wantDenied fails unless r is denied by a check id whose reasons
// contain want.
func wantDenied(t testing.TB, r *Report, id, want string) {
	t.Helper()
	if r.Allowed {
		t.Fatalf("allowed, want denied by %s (%q); checks %+v", id, want, r.Checks)
	}
	gotID, reasons := failed(r)
	if gotID != id || !strings.Contains(reasons, want) {
		t.Errorf("denied by %s: %s\nwant %s saying %q", gotID, reasons, id, want)
	}
}

// wantAllowed fails unless r is allowed.
func wantAllowed(t testing.TB, r *Report) {
	t.Helper()
	if !r.Allowed {
		id, reasons := failed(r)
		t.Fatalf("denied by %s: %s", id, reasons)
	}
}
