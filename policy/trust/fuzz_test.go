package trust

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
)

// FuzzParseTrust: a trust file never panics the parser, and every error it
// gives is one line naming the file.
func FuzzParse(f *testing.F) {
	dir := f.TempDir()
	pub := writeTestPublicKey(f, dir)
	f.Add([]byte("keys:\n  - id: current\n    path: " + pub + "\n    validFrom: 2025-01-01T00:00:00Z\nthreshold: 1\n"))
	f.Add([]byte("keys:\n  - id: a\n    path: " + pub + "\n    revoked: true\nsteps:\n  build:\n    keys: [a]\n    threshold: 1\n"))
	f.Add([]byte("keys: []\n"))
	f.Add([]byte("keys:\n  - id: a\n    path: x\n    validUntil: 2020-13-01\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse(data, filepath.Join(dir, "trust.yaml"))
		if err == nil {
			return
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") {
			t.Fatalf("ParseTrust error spans lines: %q", msg)
		}
		if !strings.Contains(msg, "trust.yaml") {
			t.Fatalf("ParseTrust error does not name the file: %q", msg)
		}
	})
}

// writeTestPublicKey writes a fresh public key for the trust file seeds.
func writeTestPublicKey(t testing.TB, dir string) string {
	t.Helper()
	_, pubPEM, err := attest.GenerateKey(attest.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	pub := filepath.Join(dir, "k.pub")
	if err := os.WriteFile(pub, pubPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	return pub
}
