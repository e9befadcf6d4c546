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
// an unreadable predicate file, a destination that is refused), as opposed
// to signing or writing failures: errors.Is(err, ErrInput). Such errors are
// *InputError values, whose message is the inner error's alone.
var ErrInput = errors.New("input")

// InputError wraps an error caused by the caller's inputs. Its message is
// Err's; it matches ErrInput.
type InputError struct{ Err error }

func (e *InputError) Error() string        { return e.Err.Error() }
func (e *InputError) Unwrap() error        { return e.Err }
func (e *InputError) Is(target error) bool { return target == ErrInput }

// inputError marks err as the caller's.
func inputError(err error) error { return &InputError{Err: err} }

// inputErrorf is fmt.Errorf marked as the caller's.
func inputErrorf(format string, a ...any) error { return inputError(fmt.Errorf(format, a...)) }

// AttestRequest is everything `provenant attest` needs.
type AttestRequest struct {
	// Writer signs the statement and records it: an attest.DSSEWriter
	// (a JSON Lines bundle, optionally with a certificate chain) or a
	// sigstore.BundleWriter (one Sigstore bundle).
	Writer    attest.Writer
	Artifacts []string // files, directories, globs
	Checksums []string // sha256sum-format files naming more artifacts
	// Hashed are artifacts known by their digests, not files (an image
	// by its manifest digest).
	Hashed []digest.Artifact
	SHA512 bool // record sha512 beside sha256
	// PredicateFile and PredicateType attest any predicate instead of
	// SLSA provenance.
	PredicateFile string
	PredicateType string
	Options       AttestOptions
}

// AttestResult says what was written.
type AttestResult struct {
	Bundle        string            `json:"bundle"`
	PredicateType string            `json:"predicateType"`
	Subjects      []digest.Artifact `json:"-"`
	Statement     *attest.Statement `json:"-"`
}

// Attest hashes the artifacts, builds the statement, and has the Writer
// sign and record it. The destination is checked first (Writer.Check: for
// a JSON Lines bundle, a regular file holding a bundle, or nothing): a
// link, a directory, a pipe or a file that is not a bundle is an ErrInput
// before anything is hashed or signed.
func Attest(ctx context.Context, r AttestRequest) (*AttestResult, error) {
	if r.Writer == nil {
		return nil, inputErrorf("no writer: nowhere to sign the statement into")
	}
	if err := r.Writer.Check(); err != nil {
		return nil, inputError(err)
	}
	if (r.PredicateFile == "") != (r.PredicateType == "") {
		return nil, inputErrorf("a predicate file and a predicate type go together")
	}
	algs := []string{digest.SHA256}
	if r.SHA512 {
		algs = append(algs, digest.SHA512)
	}
	var arts []digest.Artifact
	if len(r.Artifacts) > 0 {
		paths, err := digest.Expand(r.Artifacts)
		if err != nil {
			return nil, inputError(err)
		}
		arts, err = digest.Files(ctx, paths, algs...)
		if err != nil {
			return nil, inputError(err)
		}
	}
	for _, c := range r.Checksums {
		f, err := regfile.Open(c)
		if err != nil {
			return nil, inputError(attest.FileError(err))
		}
		more, err := digest.ParseChecksums(f, c)
		_ = f.Close()
		if err != nil {
			return nil, inputError(err)
		}
		arts = append(arts, more...)
	}
	arts = append(arts, r.Hashed...)
	if len(arts) == 0 {
		return nil, inputErrorf("no artifacts to attest")
	}
	var (
		st  *attest.Statement
		err error
	)
	if r.PredicateFile != "" {
		pred, rerr := regfile.ReadFile(r.PredicateFile, attest.MaxEnvelopeBytes)
		if rerr != nil {
			return nil, inputError(attest.FileError(rerr))
		}
		st, err = NewGenericStatement(arts, r.PredicateType, pred)
		if err != nil {
			return nil, inputErrorf("%s: %w", r.PredicateFile, err)
		}
	} else {
		st, err = NewAttestStatement(arts, r.Options)
		if err != nil {
			return nil, err
		}
	}
	if err := r.Writer.Write(ctx, st); err != nil {
		return nil, err
	}
	return &AttestResult{Bundle: r.Writer.Destination(), PredicateType: st.GetPredicateType(), Subjects: arts, Statement: st}, nil
}
