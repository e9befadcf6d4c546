package attest

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/provenant/provenant/attest/safetext"
)

// Sentinel errors. Every error returned by this package wraps one of them, so
// that callers can ask errors.Is(err, attest.ErrSignature).
var (
	// ErrKey: a key file could not be read as a key of a supported type.
	ErrKey = errors.New("bad key")
	// ErrMalformed: an envelope or bundle line is not well-formed.
	ErrMalformed = errors.New("malformed envelope")
	// ErrSignature: no (or not enough) trusted signatures verify.
	ErrSignature = errors.New("signature")
	// ErrPayloadType: the envelope's payloadType is not the expected one.
	ErrPayloadType = errors.New("payload type")
	// ErrStatement: the signed payload is not an acceptable in-toto Statement.
	ErrStatement = errors.New("statement")
	// ErrDuplicateKey: JSON with an object key that appears twice.
	ErrDuplicateKey = errors.New("duplicate JSON key")
	// ErrEmptyBundle: a bundle holds no envelope at all.
	ErrEmptyBundle = errors.New("empty bundle")
)

// KindError is an error of one of the kinds above: errors.Is finds both
// the kind and the cause, the message reads "kind: cause", and Detail
// gives the cause alone (for a reader that shows the kind apart, as
// inspect's status column does).
type KindError struct{ Kind, Err error }

func (e *KindError) Error() string   { return e.Kind.Error() + ": " + e.Err.Error() }
func (e *KindError) Unwrap() []error { return []error{e.Kind, e.Err} }

// Errorf is fmt.Errorf under a kind (ErrMalformed, ErrStatement,
// ErrSignature ...).
func Errorf(kind error, format string, a ...any) error {
	return &KindError{Kind: kind, Err: fmt.Errorf(format, a...)}
}

// Detail is err's message without its kind when err is a KindError (a
// wrapped one keeps its whole message: the wrapping said more).
func Detail(err error) string {
	if k, ok := err.(*KindError); ok {
		return k.Err.Error()
	}
	return err.Error()
}

// FileError rewrites an *fs.PathError as "path: reason" (without the
// operation), the way messages about the user's files read best.
func FileError(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// ErrThreshold says how many distinct trusted keys signed an envelope and how
// many were required, and how many signature checks finding out took.
type ErrThreshold struct {
	Want, Got int
	Checks    int
	// KeyIDs are the keyids the envelope's signatures carry, in order,
	// "" for a signature without one: unauthenticated hints, reported so
	// that a user can tell which key signed from which keys were trusted.
	KeyIDs []string
	// Trusted are the ids of the trusted keys the signatures were
	// checked against.
	Trusted []string
}

func (e *ErrThreshold) Error() string {
	if e.Got == 0 {
		if len(e.KeyIDs) == 0 && len(e.Trusted) == 0 {
			return "no signature from a trusted key"
		}
		msg := fmt.Sprintf("no signature from a trusted key (%s; trusted: %s", e.carried(), listKeyIDs(e.Trusted))
		for _, id := range e.KeyIDs {
			if id != "" && slices.Contains(e.Trusted, id) {
				msg += "; a signature that names a trusted key does not verify with it: the envelope changed after signing, or the keyid is false"
				break
			}
		}
		return msg + ")"
	}
	return fmt.Sprintf("signed by %d distinct trusted key(s), %d required", e.Got, e.Want)
}

// carried says which keyids the envelope's signatures name.
func (e *ErrThreshold) carried() string {
	var named []string
	for _, id := range e.KeyIDs {
		if id != "" && !slices.Contains(named, id) {
			named = append(named, id)
		}
	}
	switch {
	case len(named) == 0:
		return "the envelope's signatures carry no key id"
	case len(named) < len(e.KeyIDs):
		return "the envelope's signatures name key id " + listKeyIDs(named) + " and carry none"
	}
	return "the envelope's signatures name key id " + listKeyIDs(named)
}

// maxListedKeyIDs and maxKeyIDLen bound what a message repeats of
// keyids, which an envelope may make as many and as long as it likes.
const (
	maxListedKeyIDs = 4
	maxKeyIDLen     = 80
)

// listKeyIDs lists ids as "a, b", at most maxListedKeyIDs of them, each
// cut to maxKeyIDLen bytes and escaped for one line.
func listKeyIDs(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	var out []string
	for i, id := range ids {
		if i == maxListedKeyIDs {
			out = append(out, fmt.Sprintf("and %d more", len(ids)-i))
			break
		}
		if len(id) > maxKeyIDLen {
			id = strings.ToValidUTF8(id[:maxKeyIDLen], "") + "…"
		}
		out = append(out, safetext.Line(id))
	}
	return strings.Join(out, ", ")
}

// Unwrap makes errors.Is(err, ErrSignature) true for threshold failures.
func (e *ErrThreshold) Unwrap() error { return ErrSignature }

// BundleError is an error about a place in a bundle: the file, the line
// (0 when the error is about the whole file), and what is wrong. Its
// message is "file:line: what is wrong".
type BundleError struct {
	File string
	Line int
	Err  error
}

func (e *BundleError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *BundleError) Unwrap() error { return e.Err }
