package sigstore

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
)

// TestVerifyStreamsArtifact: verify-signature read the whole artifact into
// memory (and died on /dev/zero). A message signature made with an ECDSA
// key is now checked against the artifact's digest, hashed once in
// constant memory, for every bundle of the file.
func TestVerifyStreamsArtifact(t *testing.T) {
	const size = 64 << 20
	p := filepath.Join(t.TempDir(), "big.bin")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil { // sparse: zeros, no disk
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	s, v := keyedSigner(t, "ecdsa-p256")
	raw, err := SignArtifact(context.Background(), s, make([]byte, size))
	if err != nil {
		t.Fatal(err)
	}
	var entries []attest.Entry
	for i := range 3 {
		entries = append(entries, attest.Entry{Source: attest.Source{File: "b.jsonl", Line: i + 1}, Sigstore: raw})
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for _, e := range entries {
		b, err := ParseBundle(e.Sigstore)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(context.Background(), b, Artifact{Path: p}); err != nil {
			t.Fatalf("Verify = %v, want verified", err)
		}
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("verifying 3 bundles over a 64 MiB artifact allocated %d MiB, want well under the artifact's size", alloc>>20)
	}
}

// TestVerifyDSSEArtifactFile: a DSSE statement is matched to a file the
// way sigstore-go's WithArtifact does (some subject carries its digest under
// one of the subjects' algorithms), from digests computed once, and a
// statement that names no subject with the file's digest is refused before
// any signature is checked.
func TestVerifyDSSEArtifactFile(t *testing.T) {
	art := []byte("the artifact\n")
	p := filepath.Join(t.TempDir(), "art")
	if err := os.WriteFile(p, art, 0o644); err != nil {
		t.Fatal(err)
	}
	s256 := sha256.Sum256(art)
	s512 := sha512.Sum512(art)
	h256, h512 := hex.EncodeToString(s256[:]), hex.EncodeToString(s512[:])
	other := strings.Repeat("ab", 32)
	s, v := keyedSigner(t, "ed25519")
	for _, c := range []struct {
		name, subjects string
		ok             bool
	}{
		{"sha256 subject", `{"name":"a","digest":{"sha256":"` + h256 + `"}}`, true},
		{"sha512 subject only", `{"name":"a","digest":{"sha512":"` + h512 + `"}}`, true},
		{"another artifact's sha256, this one's sha512", `{"name":"b","digest":{"sha256":"` + other + `"}},{"name":"a","digest":{"sha512":"` + h512 + `"}}`, true},
		{"another artifact", `{"name":"b","digest":{"sha256":"` + other + `"}}`, false},
		{"an algorithm provenant does not compute", `{"name":"a","digest":{"md5":"00000000000000000000000000000000"}}`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := `{"_type":"https://in-toto.io/Statement/v1","subject":[` + c.subjects + `],"predicateType":"https://example.com/p","predicate":{}}`
			stmt, err := attest.ParseStatement(attest.PayloadType, []byte(st))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := SignStatement(context.Background(), s, stmt)
			if err != nil {
				t.Fatal(err)
			}
			b, err := ParseBundle(raw)
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(context.Background(), b, Artifact{Path: p})
			if (err == nil) != c.ok {
				t.Errorf("Verify = %v, want ok=%v", err, c.ok)
			}
			if err != nil && !errors.Is(err, ErrVerify) {
				t.Errorf("Verify = %v, want ErrVerify", err)
			}
		})
	}
}

// TestVerifyMessageSignatureOtherArtifact: a message signature over another
// artifact is refused by its digest, before any key is tried.
func TestVerifyMessageSignatureOtherArtifact(t *testing.T) {
	s, v := keyedSigner(t, "ecdsa-p256")
	raw, err := SignArtifact(context.Background(), s, []byte("one"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "two")
	if err := os.WriteFile(p, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), b, Artifact{Path: p})
	if !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), "not over this artifact") {
		t.Errorf("Verify(other artifact) = %v, want ErrVerify saying so", err)
	}
}

// FuzzSubjectDigests: the subjects read from an unverified payload to
// choose the algorithms to hash with are only ones this package computes,
// as bytes of the right length.
func FuzzSubjectDigests(f *testing.F) {
	f.Add([]byte(statement))
	f.Add([]byte(`{"subject":[{"digest":{"sha512":"00","md5":"zz","sha256":"ABCD"}},{"digest":null}]}`))
	f.Add([]byte(`{"subject":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		subjects, err := subjectDigests(data)
		if err != nil {
			if !errors.Is(err, ErrVerify) {
				t.Fatalf("subjectDigests(%q) = %v, want ErrVerify", data, err)
			}
			return
		}
		for alg := range subjects {
			if !digest.IsSupported(alg) {
				t.Fatalf("subjectDigests(%q) kept algorithm %q", data, alg)
			}
		}
	})
}
