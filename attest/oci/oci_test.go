package oci_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/oci"
	"github.com/provenant/provenant/attest/oci/ocitest"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/provenance/provenancetest"
)

const testPredicate = "https://example.com/test/v1"

// imageStatement is a statement about the image, named as cosign names it.
func imageStatement(t testing.TB, img oci.Image, note string) *attest.Statement {
	t.Helper()
	name, digests := img.Subject()
	pred, err := structpb.NewStruct(map[string]any{"note": note})
	if err != nil {
		t.Fatal(err)
	}
	return &attest.Statement{
		Type:          attest.StatementTypeV1,
		Subject:       []*ita.ResourceDescriptor{{Name: name, Digest: digests}},
		PredicateType: testPredicate,
		Predicate:     pred,
	}
}

func newClient(t testing.TB, opts ...oci.Option) *oci.Client {
	t.Helper()
	c, err := oci.NewClient(append([]oci.Option{oci.WithTimeout(20 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func resolve(t testing.TB, c *oci.Client, ref string) oci.Image {
	t.Helper()
	r, err := oci.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := c.Resolve(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// verify judges the fetched entries as verify judges a bundle.
func verify(t testing.TB, entries []attest.Entry, img oci.Image, keys ...*attest.PublicKey) *policy.Report {
	t.Helper()
	sv, err := sigstore.NewVerifier(sigstore.WithKeys(keys...))
	if err != nil {
		t.Fatal(err)
	}
	v, err := policy.NewVerifier(policy.WithKeys(keys...), policy.WithSigstore(sv))
	if err != nil {
		t.Fatal(err)
	}
	_, d := img.Subject()
	r, err := v.Verify(context.Background(), entries, []policy.Input{{Name: img.Ref.String(), Digests: d}}, policy.WithPredicateType(testPredicate))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestPushFetchVerify pushes attestations in both layouts to every
// registry at hand and verifies what comes back, as verify does.
func TestPushFetchVerify(t *testing.T) {
	ctx := context.Background()
	key := provenancetest.SeededKey(t, 1)
	stranger := provenancetest.SeededKey(t, 9)
	for _, reg := range ocitest.All(t) {
		t.Run(reg.Name, func(t *testing.T) {
			c := newClient(t)
			reg.PushImage(t, "app", "v1")
			img := resolve(t, c, reg.Repo("app")+":v1")
			if img.Ref.Digest == "" || img.Ref.Tag != "v1" {
				t.Fatalf("Resolve = %+v, want the tag's digest", img.Ref)
			}
			w, err := c.NewWriter(img, key.Signer, oci.StorageBoth)
			if err != nil {
				t.Fatal(err)
			}
			for _, note := range []string{"first", "second"} {
				if err := w.Write(ctx, imageStatement(t, img, note)); err != nil {
					t.Fatal(err)
				}
			}
			pushed := w.Pushed()
			if len(pushed) != 4 || pushed[0].Storage != oci.StorageAtt || pushed[1].Storage != oci.StorageReferrer || pushed[2].Layer != 2 {
				t.Errorf("Pushed = %+v, want att layer 1, referrer, att layer 2, referrer", pushed)
			}
			got, err := c.Fetch(ctx, img.Ref)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Entries) != 4 {
				t.Fatalf("Fetch: %d entries, want 4: %+v", len(got.Entries), got.Entries)
			}
			att := reg.Repo("app") + ":" + oci.AttTag(img.Ref.Digest)
			for i, e := range got.Entries[:2] {
				if e.Source.File != att || e.Source.Line != i+1 || e.Kind() != attest.EntryDSSE {
					t.Errorf("entry %d: source %v kind %s, want %s:%d dsse", i, e.Source, e.Kind(), att, i+1)
				}
			}
			for _, e := range got.Entries[2:] {
				if !strings.HasPrefix(e.Source.File, reg.Repo("app")+"@sha256:") || e.Kind() != attest.EntrySigstore {
					t.Errorf("referrer entry: source %v kind %s, want REPO@sha256:... sigstore", e.Source, e.Kind())
				}
			}
			if r := verify(t, got.Entries, img, key.Public); !r.Allowed {
				t.Errorf("verify with the signing key: denied: %+v", r.Artifacts)
			}
			if r := verify(t, got.Entries, img, stranger.Public); r.Allowed {
				t.Error("verify with another key: allowed")
			}
			// Another image: its attestations are not this one's.
			reg.PushImage(t, "app", "v2")
			other := resolve(t, c, reg.Repo("app")+":v2")
			if r := verify(t, got.Entries, other, key.Public); r.Allowed {
				t.Error("the attestations of v1 allowed v2")
			}
			none, err := c.Fetch(ctx, other.Ref)
			if err != nil || len(none.Entries) != 0 {
				t.Errorf("Fetch(v2) = %d entries, %v; want none", len(none.Entries), err)
			}
		})
	}
}

// TestPushEntries pushes entries read from a bundle file, in each storage.
func TestPushEntries(t *testing.T) {
	ctx := context.Background()
	key := provenancetest.SeededKey(t, 2)
	reg := ocitest.InProcess(t)
	c := newClient(t, oci.WithClock(func() time.Time { return time.Unix(1700000000, 0) }))
	reg.PushImage(t, "app", "v1")
	img := resolve(t, c, reg.Repo("app")+":v1")
	line := provenancetest.StatementLine(t, imageStatement(t, img, "from a file"), key)
	entries := provenancetest.Entries(t, line)
	for _, tc := range []struct {
		storage       oci.Storage
		att, referrer int
	}{
		{oci.StorageAuto, 1, 0},
		{oci.StorageAtt, 1, 0},
		{oci.StorageReferrer, 0, 1},
		{oci.StorageBoth, 1, 1},
	} {
		pushed, err := c.Push(ctx, img, entries, tc.storage)
		if err != nil {
			t.Fatalf("Push(%s): %v", tc.storage, err)
		}
		var att, ref int
		for _, p := range pushed {
			if p.Storage == oci.StorageAtt {
				att++
			} else {
				ref++
			}
			if p.PredicateType != testPredicate {
				t.Errorf("Push(%s): predicate type %q, want %q", tc.storage, p.PredicateType, testPredicate)
			}
		}
		if att != tc.att || ref != tc.referrer {
			t.Errorf("Push(%s) = %d att, %d referrers; want %d, %d", tc.storage, att, ref, tc.att, tc.referrer)
		}
	}
	got, err := c.Fetch(ctx, img.Ref)
	if err != nil {
		t.Fatal(err)
	}
	// The same envelope is one layer, however often pushed, and the same
	// bundle at the same time one referrer.
	if n := len(got.Entries); n != 2 {
		t.Errorf("Fetch: %d entries, want 2 (one layer, one referrer)", n)
	}
	if r := verify(t, got.Entries, img, key.Public); !r.Allowed {
		t.Errorf("the pushed file entries do not verify: %+v", r.Artifacts)
	}
	// What cannot be pushed is refused before anything is.
	bad := provenancetest.Entries(t, `{"payloadType":"x"}`)
	if _, err := c.Push(ctx, img, bad, oci.StorageAuto); !errors.Is(err, oci.ErrNotPushable) {
		t.Errorf("Push(unreadable entry) = %v, want ErrNotPushable", err)
	}
	two := provenancetest.StatementLine(t, imageStatement(t, img, "two signers"), key, provenancetest.SeededKey(t, 3))
	if _, err := c.Push(ctx, img, provenancetest.Entries(t, two), oci.StorageReferrer); !errors.Is(err, oci.ErrNotPushable) {
		t.Errorf("Push(two signatures as a referrer) = %v, want ErrNotPushable", err)
	}
}

// TestAttestationRepository keeps the attestations in another repository.
func TestAttestationRepository(t *testing.T) {
	ctx := context.Background()
	key := provenancetest.SeededKey(t, 4)
	for _, reg := range ocitest.All(t) {
		t.Run(reg.Name, func(t *testing.T) {
			c := newClient(t, oci.WithAttestationRepository(reg.Repo("attestations")))
			reg.PushImage(t, "app", "v1")
			img := resolve(t, c, reg.Repo("app")+":v1")
			w, err := c.NewWriter(img, key.Signer, oci.StorageBoth)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(ctx, imageStatement(t, img, "elsewhere")); err != nil {
				t.Fatal(err)
			}
			for _, p := range w.Pushed() {
				if !strings.HasPrefix(p.Location, reg.Repo("attestations")) {
					t.Errorf("pushed to %s, want the attestation repository", p.Location)
				}
			}
			got, err := c.Fetch(ctx, img.Ref)
			if err != nil || len(got.Entries) != 2 {
				t.Fatalf("Fetch from the attestation repository: %d entries, %v; want 2", len(got.Entries), err)
			}
			if r := verify(t, got.Entries, img, key.Public); !r.Allowed {
				t.Errorf("denied: %+v", r.Artifacts)
			}
			plain, err := newClient(t).Fetch(ctx, img.Ref)
			if err != nil || len(plain.Entries) != 0 {
				t.Errorf("Fetch from the image's repository: %d entries, %v; want none", len(plain.Entries), err)
			}
		})
	}
}

// TestCredentials: a registry behind htpasswd refuses a client without
// credentials (ErrUnauthorized, no password in any message) and serves one
// with a Docker config.json.
func TestCredentials(t *testing.T) {
	ctx := context.Background()
	const password = "s3cret-pa55word-never-printed"
	reg := ocitest.Distribution(t, "alice", password)
	reg.PushImage(t, "app", "v1")
	ref, err := oci.ParseReference(reg.Repo("app") + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = newClient(t).Resolve(ctx, ref)
	if !errors.Is(err, oci.ErrUnauthorized) {
		t.Fatalf("Resolve without credentials = %v, want ErrUnauthorized", err)
	}
	dir := t.TempDir()
	wrong := *reg
	wrong.Password = "wrong-" + password
	wrongCfg := wrong.DockerConfig(t, filepath.Join(dir))
	_, err = newClient(t, oci.WithCredentialFiles(wrongCfg)).Resolve(ctx, ref)
	if !errors.Is(err, oci.ErrUnauthorized) || strings.Contains(err.Error(), password) {
		t.Fatalf("Resolve with a wrong password = %v, want ErrUnauthorized without the password", err)
	}
	good := filepath.Join(dir, "good")
	if err := os.Mkdir(good, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := reg.DockerConfig(t, good)
	c := newClient(t, oci.WithCredentialFiles(filepath.Join(dir, "missing.json"), cfg))
	img, err := c.Resolve(ctx, ref)
	if err != nil {
		t.Fatalf("Resolve with config.json: %v", err)
	}
	key := provenancetest.SeededKey(t, 5)
	w, err := c.NewWriter(img, key.Signer, oci.StorageBoth)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, imageStatement(t, img, "behind auth")); err != nil {
		t.Fatal(err)
	}
	got, err := c.Fetch(ctx, img.Ref)
	if err != nil || len(got.Entries) != 2 {
		t.Fatalf("Fetch behind auth: %d entries, %v; want 2", len(got.Entries), err)
	}
}

// TestRSAKeyNotAReferrer: RSA-PSS envelopes are not carried in Sigstore
// bundles (Sigstore verifiers expect PKCS#1 v1.5).
func TestRSAKeyNotAReferrer(t *testing.T) {
	c := newClient(t)
	k := provenancetest.NewKey(t, attest.RSA3072)
	if _, err := c.NewWriter(oci.Image{}, k.Signer, oci.StorageReferrer); !errors.Is(err, oci.ErrRSAReferrer) {
		t.Errorf("NewWriter(RSA, referrer) = %v, want ErrRSAReferrer", err)
	}
	if _, err := c.NewWriter(oci.Image{}, k.Signer, oci.StorageAtt); err != nil {
		t.Errorf("NewWriter(RSA, att) = %v", err)
	}
}
