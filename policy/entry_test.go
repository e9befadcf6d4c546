package policy

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// TestVerifyEntryArtifact: VerifyEntry verifies an entry for an artifact
// (ForArtifact), or, only when asked by name, for none
// (WithoutArtifactUnsafe); asked neither, it verifies nothing.
func TestVerifyEntryArtifact(t *testing.T) {
	k := provenancetest.SeededKeys(t, 4)
	app, lib := newArt("app"), newArt("lib")
	v, err := NewVerifier(WithKeys(k[0].Public))
	if err != nil {
		t.Fatal(err)
	}
	e := provenancetest.Entries(t, v1Line(t, provenance.AttestOptions{BuilderID: "https://b"}, []digest.Artifact{app.subject(digest.SHA256)}, k[0]))[0]
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		expect []Expectation
		ok     bool
		err    error
	}{
		{"no artifact, no leave", nil, false, ErrNoArtifact},
		{"the artifact, by digest", []Expectation{ForArtifact(sigstore.Artifact{Digests: app.input().Digests})}, true, nil},
		{"another artifact", []Expectation{ForArtifact(sigstore.Artifact{Digests: lib.input().Digests})}, false, ErrNotAboutArtifact},
		{"an artifact with neither file nor digest", []Expectation{ForArtifact(sigstore.Artifact{})}, false, sigstore.ErrVerify},
		{"without an artifact, unsafe", []Expectation{WithoutArtifactUnsafe()}, true, nil},
		{"the last word wins: unsafe after the artifact", []Expectation{ForArtifact(sigstore.Artifact{Digests: lib.input().Digests}), WithoutArtifactUnsafe()}, true, nil},
		{"the last word wins: the artifact after unsafe", []Expectation{WithoutArtifactUnsafe(), ForArtifact(sigstore.Artifact{Digests: lib.input().Digests})}, false, ErrNotAboutArtifact},
	} {
		a := v.VerifyEntry(ctx, e, tt.expect...)
		if a.Verified != tt.ok || (tt.err != nil && !errors.Is(a.Err, tt.err)) {
			t.Errorf("%s: Verified %v, Err %v; want %v, %v", tt.name, a.Verified, a.Err, tt.ok, tt.err)
		}
	}
}

// TestExpectationsPerCall: a Verifier's calls do not share expectations;
// one with a builder id that does not match leaves the next unchanged.
func TestExpectationsPerCall(t *testing.T) {
	k := provenancetest.SeededKeys(t, 4)
	app := newArt("app")
	v, err := NewVerifier(WithKeys(k[0].Public))
	if err != nil {
		t.Fatal(err)
	}
	es := provenancetest.Entries(t, v1Line(t, provenance.AttestOptions{BuilderID: "https://b", Source: "git+https://github.com/o/r"}, []digest.Artifact{app.subject(digest.SHA256)}, k[0]))
	ctx := context.Background()
	if r, err := v.Verify(ctx, es, []Input{app.input()}, WithSourceURI("github.com/o/other")); err != nil || r.Allowed {
		t.Fatalf("Verify with another source = %v, %v; want denied", r, err)
	}
	if r, err := v.Verify(ctx, es, []Input{app.input()}); err != nil || !r.Allowed {
		t.Fatalf("Verify without expectations after one with = %+v, %v; want allowed", r, err)
	}
	if r, err := v.Verify(ctx, es, []Input{app.input()}, WithSourceURI("github.com/o/r")); err != nil || !r.Allowed {
		t.Fatalf("Verify with the source = %+v, %v; want allowed", r, err)
	}
}

// TestVerifyConcurrentExpectations: one Verifier serves concurrent calls
// with different expectations (run with -race); each call gets its own
// verdict, and an artifact given to Verify as ForArtifact only narrows.
func TestVerifyConcurrentExpectations(t *testing.T) {
	k := provenancetest.SeededKeys(t, 1)
	app, lib := newArt("app"), newArt("lib")
	v, err := NewVerifier(WithKeys(k[0].Public))
	if err != nil {
		t.Fatal(err)
	}
	es := provenancetest.Entries(t, v1Line(t, provenance.AttestOptions{BuilderID: "https://b", Source: "git+https://github.com/o/r"}, []digest.Artifact{app.subject(digest.SHA256)}, k[0]))
	ctx := context.Background()
	errs := make(chan error, 40)
	for i := range 40 {
		go func() {
			src, want := "github.com/o/r", true
			expect := []Expectation{WithPredicateType(provenance.PredicateSLSAv1)}
			if i%2 == 1 {
				// Denied twice over: another source, and workflow
				// inputs that a non-GitHub build cannot have.
				src, want = "github.com/o/other", false
				expect = append(expect, WithWorkflowInputs(map[string]string{"n": fmt.Sprint(i)}))
			}
			r, err := v.Verify(ctx, es, []Input{app.input()}, append(expect, WithSourceURI(src))...)
			switch {
			case err != nil:
				errs <- err
			case r.Allowed != want:
				errs <- fmt.Errorf("call %d (%s): allowed %v, want %v: %q", i, src, r.Allowed, want, r.Artifacts[0].Reasons)
			default:
				errs <- nil
			}
		}()
	}
	for range 40 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	r, err := v.Verify(ctx, es, []Input{app.input()}, ForArtifact(sigstore.Artifact{Digests: lib.input().Digests}))
	if err != nil || r.Allowed {
		t.Errorf("Verify with ForArtifact(another artifact) = %+v, %v; want denied", r, err)
	}
}
