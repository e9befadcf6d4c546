package attest

import (
	"context"
	"crypto/x509"
	"fmt"
)

// A Writer signs in-toto statements and records them at one destination
// in one format. `provenant attest` and `provenant run` (and
// provenance.Attest and provenance.Run) write through it, whatever the
// format:
//
//   - NewDSSEWriter: DSSE envelopes appended to a JSON Lines bundle (the
//     in-toto bundle format), optionally with the signing key's X.509
//     certificate chain beside each signature (WithCertificateChain);
//   - sigstore.NewBundleWriter (package attest/sigstore): one Sigstore
//     bundle v0.3 file.
//
// Every Writer keeps the rules of WriteFile and AppendToBundle: it never
// writes through a symbolic link or over anything but a regular file.
type Writer interface {
	// Destination names where statements go (a file path), for
	// messages.
	Destination() string
	// Check says whether Write would be refused because of what is at
	// the destination now, so that a caller can fail before work it
	// cannot undo (a build, hashing a large tree). Write checks again.
	Check() error
	// Write signs st and records it.
	Write(ctx context.Context, st *Statement) error
}

// ErrCertificateKey: a certificate given to sign with does not certify the
// signing key. It matches ErrCertificate too.
var ErrCertificateKey error = &certificateError{"the certificate is not for the signing key"}

type certificateError struct{ msg string }

func (e *certificateError) Error() string { return e.msg }
func (e *certificateError) Unwrap() error { return ErrCertificate }

// WriterOption configures NewDSSEWriter.
type WriterOption func(*dsseOptions) error

type dsseOptions struct {
	certs []*x509.Certificate
}

// WithCertificateChain records the signing key's certificate (first) and
// its intermediates (after it) in a "cert" field beside every signature
// (the in-toto ITE-5 field; docs/x509.md), so that a verifier can check
// the signer against trusted roots and an identity. NewDSSEWriter refuses
// a first certificate that does not certify the signing key
// (ErrCertificateKey).
func WithCertificateChain(certs ...*x509.Certificate) WriterOption {
	return func(o *dsseOptions) error {
		if len(certs) == 0 {
			return fmt.Errorf("%w: an empty certificate chain", ErrCertificate)
		}
		for _, c := range certs {
			if c == nil {
				return fmt.Errorf("%w: a nil certificate in the chain", ErrCertificate)
			}
		}
		o.certs = append([]*x509.Certificate(nil), certs...)
		return nil
	}
}

// DSSEWriter appends one signed DSSE envelope per statement to a JSON
// Lines bundle, as AppendToBundle does: atomically, under the bundle's
// lock, only to a regular file that holds a bundle (or to a new file).
type DSSEWriter struct {
	path    string
	signer  Signer
	certPEM string
}

var _ Writer = (*DSSEWriter)(nil)

// NewDSSEWriter returns a Writer that signs with s and appends to the
// bundle at path. It does not look at path yet: Check and Write do.
func NewDSSEWriter(path string, s Signer, opts ...WriterOption) (*DSSEWriter, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: no file name", ErrUnsafeDestination)
	}
	if s == nil {
		return nil, fmt.Errorf("%w: no signing key", ErrKey)
	}
	var o dsseOptions
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	w := &DSSEWriter{path: path, signer: s}
	if len(o.certs) > 0 {
		if !certificateMatchesKey(o.certs[0], s.Public()) {
			return nil, ErrCertificateKey
		}
		w.certPEM = encodeCertificatesPEM(o.certs...)
	}
	return w, nil
}

// Destination implements Writer: the bundle's path.
func (w *DSSEWriter) Destination() string { return w.path }

// Check implements Writer with CheckAppend.
func (w *DSSEWriter) Check() error { return CheckAppend(w.path) }

// Write implements Writer: it signs st into a DSSE envelope and appends it
// as one line.
func (w *DSSEWriter) Write(ctx context.Context, st *Statement) error {
	env, err := SignStatement(ctx, st, w.signer)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	if w.certPEM == "" {
		err = AppendToBundle(w.path, env)
	} else {
		var line []byte
		if line, err = MarshalEnvelopeWithCert(env, w.certPEM); err == nil {
			err = AppendLinesToBundle(w.path, line)
		}
	}
	if err != nil {
		return fmt.Errorf("writing the bundle: %w", err)
	}
	return nil
}
