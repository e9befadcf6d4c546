//go:build unix

package provenance

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/attesttest"
)

// TestAttestRefusesSpecialInputs: a FIFO as the predicate file or a
// checksums file hung attest; /dev/zero as the predicate was read until
// memory ran out. Both are input errors at once.
func TestAttestRefusesSpecialInputs(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	attesttest.Mkfifo(t, fifo)
	art := filepath.Join(dir, "art")
	attesttest.WriteFile(t, art, []byte("x"), 0o644)
	s, _ := testKeys(t)
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
			err := attesttest.Within(t, 5*time.Second, "Attest", func() error {
				_, err := Attest(context.Background(), c.req)
				return err
			})
			if !errors.Is(err, ErrInput) || !strings.HasSuffix(err.Error(), c.want) {
				t.Errorf("Attest = %v, want an input error ending %q", err, c.want)
			}
		})
	}
}
