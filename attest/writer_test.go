package attest

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/x509test"
)

func writerStatement(t *testing.T, name string) *Statement {
	t.Helper()
	pred, err := structpb.NewStruct(map[string]any{"note": name})
	if err != nil {
		t.Fatal(err)
	}
	return &Statement{
		Type:          StatementTypeV1,
		Subject:       []*ita.ResourceDescriptor{{Name: name, Digest: map[string]string{"sha256": strings.Repeat("ab", 32)}}},
		PredicateType: "https://example.com/note/v1",
		Predicate:     pred,
	}
}

// readWritten reads the bundle back and verifies every line with pub,
// returning the subjects' names and the raw lines.
func readWritten(t *testing.T, path string, pub *PublicKey) (names []string, lines []map[string]any) {
	t.Helper()
	entries, err := ReadBundleFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	for i, e := range entries {
		v, err := VerifyEnvelope(context.Background(), e.Envelope, []*PublicKey{pub}, 1)
		if err != nil {
			t.Fatalf("line %d does not verify: %v", i+1, err)
		}
		st, err := ParseStatement(v.PayloadType, v.Payload)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, st.GetSubject()[0].GetName())
	}
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	return names, lines
}

// TestDSSEWriter: each Write appends one verifiable line; Destination and
// Check say where and whether.
func TestDSSEWriter(t *testing.T) {
	k := testKey(t, ECDSAP256, "a")
	path := filepath.Join(t.TempDir(), "b.intoto.jsonl")
	w, err := NewDSSEWriter(path, k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	if w.Destination() != path {
		t.Errorf("Destination() = %q, want %q", w.Destination(), path)
	}
	for _, name := range []string{"one", "two"} {
		if err := w.Check(); err != nil {
			t.Fatalf("Check() = %v", err)
		}
		if err := w.Write(context.Background(), writerStatement(t, name)); err != nil {
			t.Fatalf("Write(%s) = %v", name, err)
		}
	}
	names, lines := readWritten(t, path, k.Public)
	if strings.Join(names, " ") != "one two" {
		t.Errorf("the bundle holds %v, want [one two] (appended)", names)
	}
	for _, l := range lines {
		for _, s := range l["signatures"].([]any) {
			if _, has := s.(map[string]any)["cert"]; has {
				t.Error("a plain DSSE line carries a cert field")
			}
		}
	}
}

// TestDSSEWriterWithCertificateChain: the chain (leaf first) is recorded
// beside every signature, and a leaf for another key is refused before
// anything is written.
func TestDSSEWriterWithCertificateChain(t *testing.T) {
	root := x509test.NewRoot(t, "Root")
	inter := root.Intermediate(t, "Intermediate")
	leaf, key := inter.Issue(t, x509test.Leaf{URI: "https://ci.example.com/release"})
	s, err := ParseSigner(x509test.KeyPEM(t, key))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := CertificateKey(leaf)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "x.intoto.jsonl")
	w, err := NewDSSEWriter(path, s, WithCertificateChain(leaf, inter.Cert))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(context.Background(), writerStatement(t, "app")); err != nil {
		t.Fatal(err)
	}
	_, lines := readWritten(t, path, pub)
	cert, _ := lines[0]["signatures"].([]any)[0].(map[string]any)["cert"].(string)
	certs, err := ParseCertificatesPEM([]byte(cert))
	if err != nil || len(certs) != 2 || !certs[0].Equal(leaf) || !certs[1].Equal(inter.Cert) {
		t.Errorf("cert field = %d certificates (%v), want the leaf then the intermediate", len(certs), err)
	}

	other := testKey(t, ECDSAP256, "other")
	bad := []struct {
		name string
		s    Signer
		opt  WriterOption
		want error
	}{
		{"leaf of another key", other.Signer, WithCertificateChain(leaf, inter.Cert), ErrCertificateKey},
		{"intermediate first", s, WithCertificateChain(inter.Cert, leaf), ErrCertificateKey},
		{"empty chain", s, WithCertificateChain(), ErrCertificate},
		{"nil certificate", s, WithCertificateChain(leaf, nil), ErrCertificate},
	}
	for _, c := range bad {
		p := filepath.Join(t.TempDir(), "never.intoto.jsonl")
		if _, err := NewDSSEWriter(p, c.s, c.opt); !errors.Is(err, c.want) || !errors.Is(err, ErrCertificate) {
			t.Errorf("NewDSSEWriter(%s) = %v, want %v", c.name, err, c.want)
		}
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("NewDSSEWriter(%s) wrote the bundle", c.name)
		}
	}
	if got := ErrCertificateKey.Error(); got != "the certificate is not for the signing key" {
		t.Errorf("ErrCertificateKey = %q", got)
	}
}

func TestNewDSSEWriterErrors(t *testing.T) {
	k := testKey(t, Ed25519, "a")
	if _, err := NewDSSEWriter("", k.Signer); !errors.Is(err, ErrUnsafeDestination) {
		t.Errorf("NewDSSEWriter(\"\") = %v, want ErrUnsafeDestination", err)
	}
	if _, err := NewDSSEWriter("b.intoto.jsonl", nil); !errors.Is(err, ErrKey) {
		t.Errorf("NewDSSEWriter(nil signer) = %v, want ErrKey", err)
	}
}

// TestDSSEWriterRefusesUnsafeDestinations: the writer keeps AppendToBundle's
// rules, in Check and in Write: a link, a pipe, a directory or a file that
// is not a bundle is ErrUnsafeDestination, and nothing changes.
func TestDSSEWriterRefusesUnsafeDestinations(t *testing.T) {
	k := testKey(t, Ed25519, "a")
	dir := t.TempDir()
	secret, content := secretFile(t, dir)
	link := filepath.Join(dir, "link.intoto.jsonl")
	attesttest.Symlink(t, secret, link)
	fifo := filepath.Join(dir, "fifo.intoto.jsonl")
	attesttest.Mkfifo(t, fifo)
	notes := filepath.Join(dir, "notes.txt")
	attesttest.WriteFile(t, notes, []byte("not a bundle\n"), 0o644)
	for _, p := range []string{link, fifo, dir, notes, secret} {
		w, err := NewDSSEWriter(p, k.Signer)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Check(); !errors.Is(err, ErrUnsafeDestination) {
			t.Errorf("Check(%s) = %v, want ErrUnsafeDestination", p, err)
		}
		if err := w.Write(context.Background(), writerStatement(t, "app")); !errors.Is(err, ErrUnsafeDestination) {
			t.Errorf("Write(%s) = %v, want ErrUnsafeDestination", p, err)
		}
	}
	assertUnchanged(t, secret, content)
	assertUnchanged(t, notes, []byte("not a bundle\n"))
	assertNoSecretCopied(t, dir, secret)
}

// failingSigner signs nothing.
type failingSigner struct{ Signer }

func (failingSigner) Sign(context.Context, []byte) ([]byte, error) {
	return nil, errors.New("the token is unplugged")
}

func (f failingSigner) Public() crypto.PublicKey { return f.Signer.Public() }

// TestDSSEWriterSigningFails: a signer's failure is reported, and nothing
// is written.
func TestDSSEWriterSigningFails(t *testing.T) {
	k := testKey(t, Ed25519, "a")
	path := filepath.Join(t.TempDir(), "b.intoto.jsonl")
	w, err := NewDSSEWriter(path, failingSigner{k.Signer})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(context.Background(), writerStatement(t, "app")); err == nil || !strings.Contains(err.Error(), "signing: ") || !strings.Contains(err.Error(), "unplugged") {
		t.Errorf("Write with a failing signer = %v, want the signing error", err)
	}
	if _, err := os.Lstat(path); err == nil {
		t.Error("a failed Write created the bundle")
	}
}
