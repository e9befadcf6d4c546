//go:build unix

package provenance

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/provenant/provenant/attest"
)

// TestAttestRefusesSpecialInputs: a FIFO as the predicate file or a
// checksums file hung attest; /dev/zero as the predicate was read until
// memory ran out. Both are input errors at once.
func TestAttestRefusesSpecialInputs(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	art := filepath.Join(dir, "art")
	if err := os.WriteFile(art, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	priv, _, err := attest.GenerateKey(attest.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	s, err := attest.ParseSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		req  AttestRequest
		want string
	}{
		{"predicate FIFO", AttestRequest{Artifacts: []string{art}, PredicateFile: fifo, PredicateType: "https://example.com/p"}, fifo + ": a named pipe, not a regular file"},
		{"predicate /dev/zero", AttestRequest{Artifacts: []string{art}, PredicateFile: "/dev/zero", PredicateType: "https://example.com/p"}, "/dev/zero: a character device, not a regular file"},
		{"checksums FIFO", AttestRequest{Checksums: []string{fifo}}, fifo + ": a named pipe, not a regular file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.req.Writer = dsseWriter(filepath.Join(dir, "b.jsonl"), s)
			done := make(chan error, 1)
			go func() {
				_, err := Attest(context.Background(), c.req)
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, ErrInput) || !strings.HasSuffix(err.Error(), c.want) {
					t.Errorf("Attest = %v, want an input error ending %q", err, c.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Attest still running after 5 s")
			}
		})
	}
}
