package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/sigstore"
)

// ErrNotSignature: an entry that is not a Sigstore bundle where a
// signature over an artifact is wanted (verify-signature).
var ErrNotSignature = errors.New("not a Sigstore signature bundle")

// ErrNotAboutArtifact: a verified statement whose subjects do not name the
// artifact.
var ErrNotAboutArtifact = errors.New("no subject of the statement names this artifact")

// VerifySignatures verifies every entry of a signature file as a Sigstore
// bundle about one artifact, as cosign verify-blob does: a message
// signature over the artifact (checked against its digest, the file
// hashed once), or a DSSE statement with a subject that names it, by the
// rule verify uses (attest.DigestsMatch). Each entry goes through
// VerifyEntry, so the statement and the signer are judged as verify
// judges them. The file is judged whole: every entry must verify.
func (v *Verifier) VerifySignatures(ctx context.Context, entries []attest.Entry, art sigstore.Artifact) ([]Attestation, bool) {
	ok := len(entries) > 0
	out := make([]Attestation, 0, len(entries))
	about := ForArtifact(art) // one expectation: the file is hashed once
	for _, e := range entries {
		var a Attestation
		switch e.Kind() {
		case attest.EntryUnreadable, attest.EntrySigstore:
			a = v.VerifyEntry(ctx, e, about)
		case attest.EntryDSSECertificate:
			a = Attestation{Source: e.Source, Index: e.Index, Digest: e.Digest, Kind: e.Kind(),
				Err: fmt.Errorf("the envelope %w", sigstore.ErrNoTrustedTime)}
		default:
			a = Attestation{Source: e.Source, Index: e.Index, Digest: e.Digest, Kind: e.Kind(),
				Err: fmt.Errorf("%w: a DSSE envelope, not a Sigstore bundle (verify it as an attestation, with its key)", ErrNotSignature)}
		}
		ok = ok && a.Verified
		out = append(out, a)
	}
	return out, ok
}

// subjectDigests is an artifact's digests: given, or computed from its
// file as statements ask for them, each algorithm once.
type subjectDigests struct {
	art      sigstore.Artifact
	mu       sync.Mutex
	computed digest.Set
}

// named checks that a subject of st names the artifact.
func (a *subjectDigests) named(st *attest.Statement) error {
	have, err := a.digests(st)
	if err != nil {
		return err
	}
	for _, s := range st.GetSubject() {
		if attest.DigestsMatch(s.GetDigest(), have) {
			return nil
		}
	}
	return fmt.Errorf("%w (%s)", ErrNotAboutArtifact, digestList(have))
}

// digests returns the given digests, or sha256 and every supported
// algorithm a subject of st uses, hashed from the file.
func (a *subjectDigests) digests(st *attest.Statement) (digest.Set, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.art.Path == "" {
		if len(a.art.Digests) == 0 {
			return nil, fmt.Errorf("%w: a DSSE statement needs the artifact or its digest", sigstore.ErrVerify)
		}
		return a.art.Digests, nil
	}
	if a.computed == nil {
		a.computed = digest.Set{}
	}
	var missing []string
	for _, alg := range append([]string{digest.SHA256}, subjectAlgorithms(st)...) {
		if _, ok := a.computed[alg]; !ok && !slices.Contains(missing, alg) {
			missing = append(missing, alg)
		}
	}
	if len(missing) > 0 {
		d, err := digest.File(a.art.Path, missing...)
		if err != nil {
			return nil, fmt.Errorf("artifact %w", attest.FileError(err))
		}
		for alg, v := range d {
			a.computed[alg] = v
		}
	}
	return a.computed, nil
}

// subjectAlgorithms are the supported digest algorithms the statement's
// subjects use.
func subjectAlgorithms(st *attest.Statement) []string {
	var out []string
	for _, s := range st.GetSubject() {
		for alg := range s.GetDigest() {
			if digest.IsSupported(alg) && !slices.Contains(out, alg) {
				out = append(out, alg)
			}
		}
	}
	slices.Sort(out)
	return out
}

func digestList(d digest.Set) string {
	var out []string
	for alg, v := range d {
		out = append(out, alg+":"+v)
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}
