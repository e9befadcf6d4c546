package attest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/provenant/provenant/attest/regfile"
)

// testBackend is a key backend registered for these tests: it opens
// "test-key:NAME" with a fresh key, counting opens and closes.
var testBackend struct {
	opened, closed atomic.Int32
	lastPIN        atomic.Value // string
}

type closingSigner struct {
	Signer
	closed bool
}

func (s *closingSigner) Close() error {
	if !s.closed {
		s.closed = true
		testBackend.closed.Add(1)
	}
	return nil
}

func init() {
	RegisterKeyBackend(KeyBackend{
		Name:  "test",
		Match: func(ref string) bool { return strings.HasPrefix(ref, "test-key:") },
		Open: func(ctx context.Context, ref string, c KeyConfig) (Signer, error) {
			name := strings.TrimPrefix(ref, "test-key:")
			switch name {
			case "fail":
				return nil, errors.New("the backend failed")
			case "nil":
				return nil, nil
			}
			if c.PIN != nil {
				pin, err := c.PIN()
				if err != nil {
					return nil, err
				}
				testBackend.lastPIN.Store(string(pin))
			}
			priv, _, err := GenerateKey(ECDSAP256)
			if err != nil {
				return nil, err
			}
			s, err := ParseSigner(priv)
			if err != nil {
				return nil, err
			}
			testBackend.opened.Add(1)
			return &closingSigner{Signer: s}, nil
		},
	})
}

func keyFiles(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	if _, err := WriteKeyPair(filepath.Join(dir, "plain"), Ed25519, false); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteKeyPair(filepath.Join(dir, "enc"), ECDSAP256, false, pw("pw")); err != nil {
		t.Fatal(err)
	}
	// A securesystemslib JSON key.
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	json := `{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"` + hex.EncodeToString(pub) + `","private":"` + hex.EncodeToString(priv) + `"}}`
	if err := os.WriteFile(filepath.Join(dir, "sslib.json"), []byte(json), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestLoadSignerRef: every kind of reference resolves through one
// function, and every bad one is an error of the right kind.
func TestLoadSignerRef(t *testing.T) {
	dir := keyFiles(t)
	j := func(name string) string { return filepath.Join(dir, name) }
	pbes2 := filepath.Join("testdata", "keys", "pbes2-ecdsa-p256-test-only.key")
	tests := []struct {
		name    string
		ref     string
		opts    []KeyOption
		wantErr error  // nil: the key opens and signs
		msg     string // in the error
		closer  bool   // the signer holds resources
	}{
		{name: "PEM file", ref: j("plain.key")},
		{name: "encrypted file", ref: j("enc.key"), opts: []KeyOption{pw("pw")}},
		{name: "PBES2 file", ref: pbes2, opts: []KeyOption{pw("test-only-password")}},
		{name: "JSON key", ref: j("sslib.json")},
		{name: "backend URI", ref: "test-key:a", closer: true},
		{name: "backend URI with a PIN", ref: "test-key:b", opts: []KeyOption{WithPIN(func() ([]byte, error) { return []byte("1234"), nil })}, closer: true},

		{name: "empty", ref: "", wantErr: ErrKey, msg: "no key named"},
		{name: "missing file", ref: j("missing.key"), wantErr: os.ErrNotExist, msg: "missing.key"},
		{name: "directory", ref: dir, wantErr: regfile.ErrNotRegular, msg: "a directory, not a regular file"},
		{name: "public key", ref: j("plain.pub"), wantErr: ErrKey, msg: "signing needs the private key"},
		{name: "encrypted without a password", ref: j("enc.key"), wantErr: ErrEncryptedKey, msg: "enc.key: key is encrypted"},
		{name: "encrypted, wrong password", ref: j("enc.key"), opts: []KeyOption{pw("no")}, wantErr: ErrPassword},
		{name: "PBES2 without a password", ref: pbes2, wantErr: ErrEncryptedKey},
		{name: "password func fails", ref: j("enc.key"), opts: []KeyOption{WithPassword(func() ([]byte, error) { return nil, errors.New("no terminal") })}, msg: "no terminal"},
		{name: "nil password func", ref: j("plain.key"), opts: []KeyOption{WithPassword(nil)}, wantErr: ErrKey, msg: "WithPassword(nil)"},
		{name: "nil PIN func", ref: "test-key:a", opts: []KeyOption{WithPIN(nil)}, wantErr: ErrKey, msg: "WithPIN(nil)"},
		{name: "backend fails", ref: "test-key:fail", msg: "the backend failed"},
		{name: "backend returns no signer", ref: "test-key:nil", wantErr: ErrKey, msg: "the test backend returned no signer"},
		// Known schemes whose backends this test binary does not link:
		// refused, never read as file names.
		{name: "PKCS#11 without its package", ref: "pkcs11:object=k?module-path=/m", wantErr: ErrNoKeyBackend, msg: "pkcs11: keys need package github.com/provenant/provenant/attest/pkcs11"},
		{name: "PKCS#11 in capitals", ref: "PKCS11:object=k", wantErr: ErrNoKeyBackend},
		{name: "AWS KMS without its package", ref: "awskms:///alias/x", wantErr: ErrNoKeyBackend, msg: "attest/kms"},
		{name: "GCP KMS", ref: "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k", wantErr: ErrNoKeyBackend},
		{name: "Azure", ref: "azurekms://v.vault.azure.net/k", wantErr: ErrNoKeyBackend},
		{name: "Vault", ref: "hashivault://k", wantErr: ErrNoKeyBackend},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A file named like a known scheme must not be read instead.
			s, err := LoadSignerRef(context.Background(), tt.ref, tt.opts...)
			if tt.wantErr == nil && tt.msg == "" {
				if err != nil {
					t.Fatalf("LoadSignerRef(%q) = %v", tt.ref, err)
				}
				defer closeSigner(t, s)
				sig, err := s.Sign(context.Background(), []byte("probe"))
				if err != nil || s.Verify(context.Background(), []byte("probe"), sig) != nil {
					t.Errorf("the signer does not sign and verify: %v", err)
				}
				if _, ok := s.(interface{ Close() error }); ok != tt.closer {
					t.Errorf("signer is an io.Closer: %v, want %v", ok, tt.closer)
				}
				return
			}
			if err == nil {
				closeSigner(t, s)
				t.Fatalf("LoadSignerRef(%q) succeeded, want an error", tt.ref)
			}
			if s != nil {
				t.Errorf("LoadSignerRef(%q) returned a signer with its error", tt.ref)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("LoadSignerRef(%q) = %v, want errors.Is %v", tt.ref, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("LoadSignerRef(%q) = %q, want it to contain %q", tt.ref, err, tt.msg)
			}
			if strings.Contains(err.Error(), "PROVENANT_") || strings.Contains(err.Error(), "--") {
				t.Errorf("LoadSignerRef(%q) = %q: the library names an environment variable or a flag", tt.ref, err)
			}
		})
	}
	if got, _ := testBackend.lastPIN.Load().(string); got != "1234" {
		t.Errorf("the backend got PIN %q from WithPIN, want 1234", got)
	}
}

// TestLoadSignerRefNeverReadsURIsAsFiles: a file whose name is a known
// key URI is not read when the backend is missing (it might be a planted
// key).
func TestLoadSignerRefNeverReadsURIsAsFiles(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.Mkdir("awskms:", 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteKeyPair(filepath.Join("awskms:", "x"), Ed25519, false); err != nil {
		t.Skipf("cannot make such a file here: %v", err)
	}
	if _, err := LoadSignerRef(context.Background(), "awskms://x.key"); !errors.Is(err, ErrNoKeyBackend) {
		t.Errorf("LoadSignerRef(awskms://x.key) = %v, want ErrNoKeyBackend", err)
	}
	// Another name with a colon is a file.
	if _, err := WriteKeyPair("other:x", Ed25519, false); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSignerRef(context.Background(), "other:x.key")
	if err != nil {
		t.Errorf("LoadSignerRef(other:x.key) = %v, want the file", err)
	}
	closeSigner(t, s)
}

// closeSigner closes s with CloseSigner, failing the test if that fails.
func closeSigner(t *testing.T, s Signer) {
	t.Helper()
	if err := CloseSigner(s); err != nil {
		t.Errorf("CloseSigner: %v", err)
	}
}

func TestLoadSignerRefCancelled(t *testing.T) {
	dir := keyFiles(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, ref := range []string{filepath.Join(dir, "plain.key"), "test-key:a"} {
		if _, err := LoadSignerRef(ctx, ref); !errors.Is(err, context.Canceled) {
			t.Errorf("LoadSignerRef(cancelled, %q) = %v, want context.Canceled", ref, err)
		}
	}
}

// TestCloseSigner: a backend's signer is closed by CloseSigner (once
// enough), and a file signer needs nothing.
func TestCloseSigner(t *testing.T) {
	opened, closed := testBackend.opened.Load(), testBackend.closed.Load()
	s, err := LoadSignerRef(context.Background(), "test-key:c")
	if err != nil {
		t.Fatal(err)
	}
	if testBackend.opened.Load() != opened+1 {
		t.Fatal("the backend did not open a signer")
	}
	if err := CloseSigner(s); err != nil {
		t.Fatal(err)
	}
	if got := testBackend.closed.Load(); got != closed+1 {
		t.Errorf("closed %d signers, want %d", got-closed, 1)
	}
	dir := keyFiles(t)
	f, err := LoadSignerRef(context.Background(), filepath.Join(dir, "plain.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := CloseSigner(f); err != nil {
		t.Errorf("CloseSigner(file signer) = %v", err)
	}
	if err := CloseSigner(nil); err != nil {
		t.Errorf("CloseSigner(nil) = %v", err)
	}
}

// TestLoadPublicKeyRef: the public half of each kind of reference, with
// a password only when the key is encrypted; a backend's signer is closed.
func TestLoadPublicKeyRef(t *testing.T) {
	dir := keyFiles(t)
	for _, name := range []string{"plain", "enc"} {
		want, err := LoadPublicKey(filepath.Join(dir, name+".pub"))
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{filepath.Join(dir, name+".key"), filepath.Join(dir, name+".pub")} {
			k, err := LoadPublicKeyRef(context.Background(), ref, pw("pw"))
			if err != nil || k.ID != want.ID || k.Source != ref {
				t.Errorf("LoadPublicKeyRef(%s) = %+v, %v; want key %s from %s", ref, k, err, want.ID, ref)
			}
		}
	}
	// Without a password, an encrypted key has no public half to give.
	if _, err := LoadPublicKeyRef(context.Background(), filepath.Join(dir, "enc.key")); !errors.Is(err, ErrEncryptedKey) {
		t.Errorf("LoadPublicKeyRef(encrypted, no password) = %v, want ErrEncryptedKey", err)
	}
	closed := testBackend.closed.Load()
	k, err := LoadPublicKeyRef(context.Background(), "test-key:d")
	if err != nil || k.Algorithm() != "ecdsa-p256" {
		t.Fatalf("LoadPublicKeyRef(test-key:d) = %v, %v", k, err)
	}
	if testBackend.closed.Load() != closed+1 {
		t.Error("LoadPublicKeyRef left the backend's signer open")
	}
	pemBytes, err := k.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePublicKey(pemBytes)
	if err != nil || back.ID != k.ID {
		t.Errorf("MarshalPEM does not read back as the same key: %v", err)
	}
	if _, err := LoadPublicKeyRef(context.Background(), "pkcs11:object=x?module-path=/m"); !errors.Is(err, ErrNoKeyBackend) {
		t.Errorf("LoadPublicKeyRef(pkcs11 without backend) = %v, want ErrNoKeyBackend", err)
	}
}

func TestRegisterKeyBackendTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering the name \"test\" twice did not panic")
		}
	}()
	RegisterKeyBackend(KeyBackend{Name: "test", Match: func(string) bool { return false }, Open: func(context.Context, string, KeyConfig) (Signer, error) { return nil, nil }})
}

func TestIsKeyURI(t *testing.T) {
	for ref, want := range map[string]bool{
		"pkcs11:object=x":   true,
		"Pkcs11:object=x":   true,
		"awskms:///alias/x": true,
		"hashivault://k":    true,
		"test-key:x":        true, // a registered backend
		"release.key":       false,
		"./pkcs11:x":        false,
		"awskms:/x":         false,
		"":                  false,
	} {
		if got := IsKeyURI(ref); got != want {
			t.Errorf("IsKeyURI(%q) = %v, want %v", ref, got, want)
		}
	}
}
