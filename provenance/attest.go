package provenance

import (
	"context"
	"errors"
	"fmt"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/regfile"
)

// ErrInput marks errors caused by the caller's inputs (a missing artifact,
// an unreadable predicate file), as opposed to signing or writing failures.
var ErrInput = errors.New("input")

// AttestRequest is everything `provenant attest` needs.
type AttestRequest struct {
	Signer    attest.Signer
	Bundle    string   // JSON Lines bundle to append to
	Artifacts []string // files, directories, globs
	Checksums []string // sha256sum-format files naming more artifacts
	SHA512    bool     // record sha512 beside sha256
	// PredicateFile and PredicateType attest any predicate instead of
	// SLSA provenance.
	PredicateFile string
	PredicateType string
	Options       AttestOptions
	// Write, when set, signs and writes the statement instead of
	// appending a DSSE envelope to Bundle (e.g. a Sigstore bundle,
	// written by package attest/sigstore, which this package does not
	// import). Write checks its own destination.
	Write func(ctx context.Context, st *attest.Statement) error
}

// AttestResult says what was written.
type AttestResult struct {
	Bundle        string            `json:"bundle"`
	PredicateType string            `json:"predicateType"`
	Subjects      []digest.Artifact `json:"-"`
	Envelope      *attest.Envelope  `json:"-"`
}

// Attest hashes the artifacts, builds the statement, signs it and appends
// the envelope to the bundle. The bundle is checked first
// (attest.CheckAppend: a regular file holding a bundle, or nothing): a
// link, a directory, a pipe or a file that is not a bundle is an ErrInput
// before anything is hashed or signed.
func Attest(ctx context.Context, r AttestRequest) (*AttestResult, error) {
	if r.Signer == nil {
		return nil, fmt.Errorf("%w: no signing key", ErrInput)
	}
	if r.Write == nil {
		if err := attest.CheckAppend(r.Bundle); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
	}
	if (r.PredicateFile == "") != (r.PredicateType == "") {
		return nil, fmt.Errorf("%w: --predicate and --predicate-type go together", ErrInput)
	}
	algs := []string{digest.SHA256}
	if r.SHA512 {
		algs = append(algs, digest.SHA512)
	}
	var arts []digest.Artifact
	if len(r.Artifacts) > 0 {
		paths, err := digest.Expand(r.Artifacts)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		arts, err = digest.Files(ctx, paths, algs...)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
	}
	for _, c := range r.Checksums {
		f, err := regfile.Open(c)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, attest.FileError(err))
		}
		more, err := digest.ParseChecksums(f, c)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		arts = append(arts, more...)
	}
	if len(arts) == 0 {
		return nil, fmt.Errorf("%w: no artifacts to attest", ErrInput)
	}
	var (
		st  *attest.Statement
		err error
	)
	if r.PredicateFile != "" {
		pred, rerr := regfile.ReadFile(r.PredicateFile, attest.MaxEnvelopeBytes)
		if rerr != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, attest.FileError(rerr))
		}
		st, err = NewGenericStatement(arts, r.PredicateType, pred)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrInput, r.PredicateFile, err)
		}
	} else {
		st, err = NewAttestStatement(arts, r.Options)
		if err != nil {
			return nil, err
		}
	}
	if r.Write != nil {
		if err := r.Write(ctx, st); err != nil {
			return nil, err
		}
		return &AttestResult{Bundle: r.Bundle, PredicateType: st.GetPredicateType(), Subjects: arts}, nil
	}
	env, err := attest.SignStatement(ctx, st, r.Signer)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	if err := attest.AppendToBundle(r.Bundle, env); err != nil {
		return nil, fmt.Errorf("writing the bundle: %w", err)
	}
	return &AttestResult{Bundle: r.Bundle, PredicateType: st.GetPredicateType(), Subjects: arts, Envelope: env}, nil
}
