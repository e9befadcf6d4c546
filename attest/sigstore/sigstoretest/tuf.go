package sigstoretest

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// TUFRepo is a TUF repository that the test makes with go-tuf's metadata
// API and serves on httptest, laid out as Sigstore's (consistent
// snapshots: N.root.json, N.targets.json, N.snapshot.json, timestamp.json,
// targets/HASH.NAME). Every role has one Ed25519 key. Each change is
// published at once.
type TUFRepo struct {
	URL string
	Dir string

	t    T
	keys map[string]ed25519.PrivateKey

	Root      *metadata.Metadata[metadata.RootType]
	Targets   *metadata.Metadata[metadata.TargetsType]
	Snapshot  *metadata.Metadata[metadata.SnapshotType]
	Timestamp *metadata.Metadata[metadata.TimestampType]
}

// NewTUFRepo makes version 1 of every role (root valid for a year,
// targets for a month, snapshot for a week, timestamp for a day), with no
// targets, and serves it until the test ends.
func NewTUFRepo(t T) *TUFRepo {
	t.Helper()
	now := time.Now().UTC()
	r := &TUFRepo{
		t:         t,
		Dir:       t.TempDir(),
		keys:      map[string]ed25519.PrivateKey{},
		Root:      metadata.Root(now.AddDate(1, 0, 0)),
		Targets:   metadata.Targets(now.AddDate(0, 1, 0)),
		Snapshot:  metadata.Snapshot(now.AddDate(0, 0, 7)),
		Timestamp: metadata.Timestamp(now.AddDate(0, 0, 1)),
	}
	for _, role := range []string{"root", "targets", "snapshot", "timestamp"} {
		_, priv, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		r.keys[role] = priv
		key, err := metadata.KeyFromPublicKey(priv.Public())
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Root.Signed.AddKey(key, role); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(r.Dir, "targets"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.sign("root", r.Root)
	r.write(r.Root, "1.root.json")
	r.sign("targets", r.Targets)
	r.write(r.Targets, "1.targets.json")
	r.sign("snapshot", r.Snapshot)
	r.write(r.Snapshot, "1.snapshot.json")
	r.sign("timestamp", r.Timestamp)
	r.write(r.Timestamp, "timestamp.json")
	srv := httptest.NewServer(http.FileServer(http.Dir(r.Dir)))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

type signable interface {
	Sign(signature.Signer) (*metadata.Signature, error)
	ClearSignatures()
	ToBytes(bool) ([]byte, error)
}

func (r *TUFRepo) sign(role string, m signable) {
	r.t.Helper()
	s, err := signature.LoadSigner(r.keys[role], crypto.Hash(0))
	if err != nil {
		r.t.Fatal(err)
	}
	m.ClearSignatures()
	if _, err := m.Sign(s); err != nil {
		r.t.Fatal(err)
	}
}

func (r *TUFRepo) write(m signable, name string) {
	r.t.Helper()
	b, err := m.ToBytes(true)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.Dir, name), b, 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// RootJSON is version 1 of root.json: the trust anchor a client is given.
func (r *TUFRepo) RootJSON() []byte {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.Dir, "1.root.json"))
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// SetTarget publishes a target (a new targets, snapshot and timestamp
// version).
func (r *TUFRepo) SetTarget(name string, data []byte) {
	r.t.Helper()
	tf, err := metadata.TargetFile().FromBytes(name, data, "sha256")
	if err != nil {
		r.t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if err := os.WriteFile(filepath.Join(r.Dir, "targets", hex.EncodeToString(sum[:])+"."+name), data, 0o644); err != nil {
		r.t.Fatal(err)
	}
	r.Targets.Signed.Targets[name] = tf
	r.Publish()
}

// TamperTarget replaces the bytes served for a target without changing
// the signed metadata.
func (r *TUFRepo) TamperTarget(name string, data []byte) {
	r.t.Helper()
	tf, ok := r.Targets.Signed.Targets[name]
	if !ok {
		r.t.Fatalf("no target %s", name)
	}
	if err := os.WriteFile(filepath.Join(r.Dir, "targets", hex.EncodeToString(tf.Hashes["sha256"])+"."+name), data, 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// Publish signs and writes a new version of targets, snapshot and
// timestamp, after a change to r.Targets.
func (r *TUFRepo) Publish() {
	r.t.Helper()
	r.Targets.Signed.Version++
	r.sign("targets", r.Targets)
	r.write(r.Targets, fmt.Sprintf("%d.targets.json", r.Targets.Signed.Version))
	r.Snapshot.Signed.Meta["targets.json"] = metadata.MetaFile(r.Targets.Signed.Version)
	r.Snapshot.Signed.Version++
	r.sign("snapshot", r.Snapshot)
	r.write(r.Snapshot, fmt.Sprintf("%d.snapshot.json", r.Snapshot.Signed.Version))
	r.PublishTimestamp()
}

// PublishTimestamp signs and writes a new timestamp version (after a
// change to r.Timestamp, e.g. its expiry).
func (r *TUFRepo) PublishTimestamp() {
	r.t.Helper()
	r.Timestamp.Signed.Meta["snapshot.json"] = metadata.MetaFile(r.Snapshot.Signed.Version)
	r.Timestamp.Signed.Version++
	r.sign("timestamp", r.Timestamp)
	r.write(r.Timestamp, "timestamp.json")
}

// TimestampJSON is the timestamp.json served now.
func (r *TUFRepo) TimestampJSON() []byte {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.Dir, "timestamp.json"))
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// ServeTimestamp serves these bytes as timestamp.json (an old one: a
// rollback).
func (r *TUFRepo) ServeTimestamp(b []byte) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.Dir, "timestamp.json"), b, 0o644); err != nil {
		r.t.Fatal(err)
	}
}
