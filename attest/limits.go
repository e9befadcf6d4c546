package attest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrLimit marks input refused because it exceeds a limit (see Limits).
var ErrLimit = errors.New("limit exceeded")

// Limits bound what a bundle can make provenant spend. They hold before the
// work is done: a line is never buffered past LineBytes, a bundle with too
// many entries or an envelope with too many signatures is refused before any
// signature is checked, and an envelope's signatures are checked at most
// SignatureChecks times. A zero field takes its default.
type Limits struct {
	// LineBytes: one bundle line, or a whole single-document bundle.
	LineBytes int
	// Envelopes: entries in one bundle: DSSE envelopes and Sigstore
	// bundles, each bundle of a GitHub attestations list counted.
	Envelopes int
	// Signatures: signatures in one DSSE envelope.
	Signatures int
	// Subjects: subjects in one statement.
	Subjects int
	// SignatureChecks: signature checks (one signature verified against
	// one trusted key) spent on one DSSE envelope. Zero means the
	// default, DefaultSignatureChecks or threshold × trusted keys,
	// whichever is more.
	SignatureChecks int
	// ManifestBytes: one OCI manifest or index read from a registry
	// (package attest/oci).
	ManifestBytes int
}

// Default limits: far above what real attestations need (a statement
// naming 10,000 files is about 2 MB), far below what hurts.
const (
	DefaultLineBytes  = 16 << 20
	DefaultEnvelopes  = 100_000
	DefaultSignatures = 16
	DefaultSubjects   = 100_000
	// DefaultManifestBytes is oras-go's own bound on a manifest.
	DefaultManifestBytes = 4 << 20
)

// DefaultLimits returns the defaults.
func DefaultLimits() Limits {
	return Limits{LineBytes: DefaultLineBytes, Envelopes: DefaultEnvelopes, Signatures: DefaultSignatures, Subjects: DefaultSubjects, ManifestBytes: DefaultManifestBytes}
}

// OrDefaults is l with every zero field set to its default.
func (l Limits) OrDefaults() Limits { return l.orDefaults() }

func (l Limits) orDefaults() Limits {
	d := DefaultLimits()
	if l.LineBytes <= 0 {
		l.LineBytes = d.LineBytes
	}
	if l.Envelopes <= 0 {
		l.Envelopes = d.Envelopes
	}
	if l.Signatures <= 0 {
		l.Signatures = d.Signatures
	}
	if l.Subjects <= 0 {
		l.Subjects = d.Subjects
	}
	if l.ManifestBytes <= 0 {
		l.ManifestBytes = d.ManifestBytes
	}
	return l
}

// LimitNames lists the names Set accepts, as the CLI's --limit spells them.
var LimitNames = []string{"line-bytes", "envelopes", "signatures", "subjects", "signature-checks", "manifest-bytes"}

// Set changes one limit from "name=value" (e.g. "signatures=64").
func (l *Limits) Set(spec string) error {
	name, val, ok := strings.Cut(spec, "=")
	n, err := strconv.Atoi(val)
	if !ok || err != nil || n <= 0 {
		return fmt.Errorf("bad limit %q: want NAME=N with N > 0, NAME one of %s", spec, strings.Join(LimitNames, ", "))
	}
	switch name {
	case "line-bytes":
		l.LineBytes = n
	case "envelopes":
		l.Envelopes = n
	case "signatures":
		l.Signatures = n
	case "subjects":
		l.Subjects = n
	case "signature-checks":
		l.SignatureChecks = n
	case "manifest-bytes":
		l.ManifestBytes = n
	default:
		return fmt.Errorf("unknown limit %q: want one of %s", name, strings.Join(LimitNames, ", "))
	}
	return nil
}

// LimitError says which limit was hit (the CLI says how to raise it).
type LimitError struct {
	Name string // as in LimitNames
	Max  int
	What string // what exceeded it, e.g. "envelope has 1000 signatures, more than 16"
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s (the %s limit)", e.What, e.Name)
}

// Unwrap makes a LimitError both ErrLimit and ErrMalformed: input beyond a
// limit is refused like any malformed input, a denial.
func (e *LimitError) Unwrap() []error { return []error{ErrLimit, ErrMalformed} }
