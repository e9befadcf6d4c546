//go:build unix

package sigstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
)

// TestVerifyRefusesSpecialArtifacts: a FIFO as the artifact hung
// verify-signature; /dev/zero made it read until it ran out of memory.
func TestVerifyRefusesSpecialArtifacts(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	attesttest.Mkfifo(t, fifo)
	zero := filepath.Join(dir, "zero")
	attesttest.Symlink(t, "/dev/zero", zero)
	for _, kt := range []string{"ecdsa-p256", "ed25519"} {
		s, v := keyedSigner(t, kt)
		raw, err := SignArtifact(context.Background(), s, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		entries := []attest.Entry{{Source: attest.Source{File: "b.json", Line: 1}, Sigstore: raw}}
		for _, c := range []struct{ name, path, want string }{
			{"fifo", fifo, "artifact " + fifo + ": a named pipe, not a regular file"},
			{"dev-zero", zero, "artifact " + zero + ": a character device, not a regular file"},
		} {
			t.Run(kt+"/"+c.name, func(t *testing.T) {
				b, err := ParseBundle(entries[0].Sigstore)
				if err != nil {
					t.Fatal(err)
				}
				verr := attesttest.Within(t, 5*time.Second, "Verify("+c.path+")", func() error {
					_, err := v.Verify(context.Background(), b, Artifact{Path: c.path})
					return err
				})
				if verr == nil || verr.Error() != c.want {
					t.Errorf("Verify(%s) = %v, want %q", c.path, verr, c.want)
				}
			})
		}
	}
}
