package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/policy/github"
	"github.com/provenant/provenant/policy/trust"
	"github.com/provenant/provenant/provenance"
)

// Attestation is one entry of a bundle, verified once: where it came
// from, what kind it is, and, when it verified, the payload as signed, the
// statement read from it (once, by the acceptance rule), its SLSA
// provenance (once, by provenance.Read), the signers that were accepted
// and the verified times. When it did not verify, Err says why, and
// nothing it says is kept.
//
// Every command that verifies consumes this type: verify (the decision and
// the policy input), verify-signature, verify-vsa, inspect, and VSAs.
type Attestation struct {
	Source attest.Source
	// Index numbers the entries of one line (GitHub's attestations
	// shape), from 1; 0 otherwise.
	Index int
	// Digest is "sha256:<hex>" of the entry's bytes in the bundle.
	Digest string
	Kind   attest.EntryKind

	// Verified: a signature checked against trust material, by a signer
	// an identity policy accepts, over a statement the acceptance rule
	// accepts. When false, Err says why and the fields below are empty
	// (but for the certificate identity and times that were read, shown
	// to explain a refusal).
	Verified bool
	Err      error

	PayloadType string
	Payload     []byte
	Statement   *attest.Statement
	// Provenance is the statement's SLSA provenance, when it is some.
	Provenance *provenance.Provenance
	// Link is the statement's in-toto link predicate v0.3, when it is
	// one (provenance.ReadLink).
	Link *provenance.Link
	// TestResult is the statement's in-toto test result predicate v0.1,
	// when it is one (provenance.ReadTestResult).
	TestResult *provenance.TestResult
	// MessageDigest is "alg:hex" of a Sigstore message signature (which
	// carries no statement), verified against the artifact.
	MessageDigest string
	// Signers are the accepted signers: keys (by key material) and
	// certificates (with their identity).
	Signers []Signer
	// Times are the verified signing times (log entries, RFC 3161
	// timestamps).
	Times []sigstore.Timestamp
	// TrustedRoot names the Sigstore trusted root that verified a
	// certificate bundle, when the verifier's roots have names (cached
	// roots: "cache:NAME").
	TrustedRoot string
	// VerifiedBuilder is the builder id a signer proves: a certificate
	// issued to the builder (for GitHub Actions, the signing workflow that
	// passed slsa-verifier's checks), or a trust-file key mapped to it
	// (keys[].builders). "" when the builder id is only claimed.
	VerifiedBuilder string

	github bool // signed by a GitHub Actions certificate
}

// Signer is an accepted signer of an attestation.
type Signer struct {
	// KeyID is the key's id, computed from its key material.
	KeyID string
	// Trusted is the key's entry in the trust file, when it has one.
	Trusted *trust.Key
	// Certificate is a Sigstore (Fulcio) certificate's identity.
	Certificate *certificate.Summary
	// X509 is an X.509 certificate issued by a CA root (--ca-roots).
	X509 *CertSigner
}

// KeyIDs are the key ids of the key signers, in order.
func (a *Attestation) KeyIDs() []string {
	var out []string
	for _, s := range a.Signers {
		if s.KeyID != "" {
			out = append(out, s.KeyID)
		}
	}
	return out
}

// Identity is the Sigstore certificate identity of the signer, when the
// attestation was signed with one (verified or not: a refused identity is
// kept to say who was refused).
func (a *Attestation) Identity() *certificate.Summary {
	for _, s := range a.Signers {
		if s.Certificate != nil {
			return s.Certificate
		}
	}
	return nil
}

// PredicateType is the statement's predicate type ("" unless verified).
func (a *Attestation) PredicateType() string { return a.Statement.GetPredicateType() }

// fail records why the attestation did not verify and drops everything
// it said; a refused certificate identity and the verified times stay, to
// explain the refusal.
func (a *Attestation) fail(err error) Attestation {
	keep := Attestation{Source: a.Source, Index: a.Index, Digest: a.Digest, Kind: a.Kind, Err: err, Times: a.Times}
	if id := a.Identity(); id != nil {
		keep.Signers = []Signer{{Certificate: id}}
	}
	return keep
}

// attestationJSON is the JSON form of an attestation in verify's report
// (docs/formats.md, envelopes[]).
type attestationJSON struct {
	Source          attest.Source          `json:"source"`
	Digest          string                 `json:"digest,omitempty"`
	Verified        bool                   `json:"verified"`
	Signers         []string               `json:"signers,omitempty"`
	StatementType   string                 `json:"statementType,omitempty"`
	PredicateType   string                 `json:"predicateType,omitempty"`
	Provenance      *provenance.Provenance `json:"provenance,omitempty"`
	Error           string                 `json:"error,omitempty"`
	Index           int                    `json:"index,omitempty"`
	Identity        *certificate.Summary   `json:"identity,omitempty"`
	VerifiedBuilder string                 `json:"verifiedBuilder,omitempty"`
	TrustedRoot     string                 `json:"trustedRoot,omitempty"`
	Timestamps      []sigstore.Timestamp   `json:"timestamps,omitempty"`
	TrustedKeys     []*trust.Key           `json:"trustedKeys,omitempty"`
	Certificates    []CertSigner           `json:"certificates,omitempty"`
	PayloadType     string                 `json:"payloadType,omitempty"`
	MessageDigest   string                 `json:"messageDigest,omitempty"`
	KeyCheck        *keyCheckJSON          `json:"keyCheck,omitempty"`
}

// keyCheckJSON says, for an envelope no trusted key signed, which keyids
// its signatures carry (unauthenticated, "" for none) and which keys were
// trusted: from the verification's own error (attest.ErrThreshold).
type keyCheckJSON struct {
	SignatureKeyIDs []string `json:"signatureKeyids"`
	TrustedKeyIDs   []string `json:"trustedKeyids"`
}

// MarshalJSON writes the report's form of the attestation.
func (a Attestation) MarshalJSON() ([]byte, error) {
	j := attestationJSON{
		Source: a.Source, Digest: a.Digest, Verified: a.Verified, Signers: a.KeyIDs(),
		StatementType: a.Statement.GetType(), PredicateType: a.PredicateType(), Provenance: a.Provenance,
		Index: a.Index, Identity: a.Identity(), VerifiedBuilder: a.VerifiedBuilder, TrustedRoot: a.TrustedRoot, Timestamps: a.Times,
		PayloadType: a.PayloadType, MessageDigest: a.MessageDigest,
	}
	if a.Err != nil {
		j.Error = a.Err.Error()
		if te, ok := errors.AsType[*attest.ErrThreshold](a.Err); ok && te.Got == 0 {
			j.KeyCheck = &keyCheckJSON{SignatureKeyIDs: te.KeyIDs, TrustedKeyIDs: te.Trusted}
		}
	}
	for _, s := range a.Signers {
		if s.Trusted != nil {
			j.TrustedKeys = append(j.TrustedKeys, s.Trusted)
		}
		if s.X509 != nil {
			j.Certificates = append(j.Certificates, *s.X509)
		}
	}
	return json.Marshal(j)
}

// Sentinel errors of an attestation that did not verify; Err wraps one.
var (
	// ErrNoTrust: the verifier has no trust material for this kind of
	// entry (a Sigstore bundle without --trusted-root or a key, ...).
	ErrNoTrust = errors.New("no trusted root or key to verify it")
	// ErrNotAttestation: a Sigstore message signature where a statement
	// is wanted.
	ErrNotAttestation = errors.New("not an attestation")
)

// signed is what a kind's signature check proves: the payload as signed
// (or the verified digest of a message signature), the signers and the
// verified times.
type signed struct {
	payloadType   string
	body          []byte
	messageDigest string
	signers       []Signer
	times         []sigstore.Timestamp
	certificate   *certificate.Summary // a Sigstore certificate signer, still to accept
	trustedRoot   string               // the named Sigstore trusted root that verified it
}

// ErrNoArtifact: VerifyEntry was given neither the artifact the entry must
// be about (ForArtifact) nor leave to judge it without one
// (WithoutArtifactUnsafe).
var ErrNoArtifact = errors.New("no artifact to check the entry against")

// ForArtifact is VerifyEntry's artifact: the entry must be a Sigstore
// message signature over it, or carry a statement with a subject that
// names it (attest.DigestsMatch; a file is hashed once per algorithm,
// however many entries use the expectation).
func ForArtifact(art sigstore.Artifact) Expectation {
	d := &subjectDigests{art: art}
	return func(o *options) error { o.artifact, o.noArtifact = d, false; return nil }
}

// WithoutArtifactUnsafe has VerifyEntry judge an entry's signature, signer
// and statement without matching it to an artifact: Verified then says
// nothing of what the statement is about, and is no release decision. It
// is for showing a bundle (inspect) and for callers that match the
// subjects themselves (verify-vsa). Verify never needs it: it matches
// every artifact it is given.
func WithoutArtifactUnsafe() Expectation {
	return func(o *options) error { o.artifact, o.noArtifact = nil, true; return nil }
}

// VerifyEntry verifies one entry of a bundle: the signature against the
// trust material, the signer against the identity policy, the statement
// by the acceptance rule, and, with ForArtifact, that it is about the
// artifact. It is the one place that branches on the kind of entry.
// Without ForArtifact or WithoutArtifactUnsafe it fails (ErrNoArtifact):
// a signature about some other artifact is not verified for this one.
func (v *Verifier) VerifyEntry(ctx context.Context, e attest.Entry, expect ...Expectation) Attestation {
	a := entryAttestation(e)
	c, err := v.with(expect)
	if err != nil {
		return a.fail(err)
	}
	if c.o.artifact == nil && !c.o.noArtifact {
		return a.fail(ErrNoArtifact)
	}
	return c.verifyEntry(ctx, e)
}

// entryAttestation is an entry's attestation before anything is verified.
func entryAttestation(e attest.Entry) Attestation {
	return Attestation{Source: e.Source, Index: e.Index, Digest: e.Digest, Kind: e.Kind()}
}

// verifyEntry is VerifyEntry with the call's options in v; with no
// artifact in them, a message signature is not an attestation and a
// statement's subjects are left to the caller (Verify matches them to
// each of its inputs).
func (v *Verifier) verifyEntry(ctx context.Context, e attest.Entry) Attestation {
	a := entryAttestation(e)
	var art *sigstore.Artifact
	if v.o.artifact != nil {
		art = &v.o.artifact.art
	}
	var (
		s   signed
		err error
	)
	switch a.Kind {
	case attest.EntryDSSE:
		s, err = v.verifyDSSE(ctx, e.Envelope)
	case attest.EntryDSSECertificate:
		s, err = v.verifyX509(ctx, e)
	case attest.EntrySigstore:
		s, err = v.verifySigstore(ctx, e.Sigstore, art)
	default:
		err = e.Err
		if err == nil {
			err = attest.Errorf(attest.ErrMalformed, "neither an envelope nor a Sigstore bundle")
		}
	}
	a.Signers, a.Times, a.TrustedRoot = s.signers, s.times, s.trustedRoot
	if s.certificate != nil {
		a.Signers = append(a.Signers, Signer{Certificate: s.certificate})
	}
	if err != nil {
		return a.fail(err)
	}
	if s.messageDigest != "" {
		a.MessageDigest, a.Verified = s.messageDigest, true
		return a
	}
	st, err := v.o.limits.ParseStatement(s.payloadType, s.body)
	if err != nil {
		return a.fail(err)
	}
	a.PayloadType, a.Payload, a.Statement = s.payloadType, s.body, st
	if provenance.IsProvenance(st.GetPredicateType()) {
		if a.Provenance, err = provenance.Read(st); err != nil {
			return a.fail(err)
		}
	}
	if provenance.IsLink(st.GetPredicateType()) {
		if a.Link, err = provenance.ReadLink(st); err != nil {
			return a.fail(err)
		}
	}
	if provenance.IsTestResult(st.GetPredicateType()) {
		if a.TestResult, err = provenance.ReadTestResult(st); err != nil {
			return a.fail(err)
		}
	}
	if err := v.checkStep(a.Provenance, a.Link, a.KeyIDs()); err != nil {
		return a.fail(err)
	}
	if s.certificate != nil {
		builder, err := v.acceptCertificate(s.certificate, &a)
		if err != nil {
			return a.fail(err)
		}
		a.VerifiedBuilder = builder
		a.github = s.certificate.Issuer == github.ActionsIssuer
	} else if a.Provenance != nil {
		a.VerifiedBuilder = v.provenBuilder(&a)
	}
	if v.o.artifact != nil {
		if err := v.o.artifact.named(st); err != nil {
			return a.fail(err)
		}
	}
	a.Verified = true
	return a
}

// provenBuilder is the builder that a key or X.509 signer proves for the
// provenance's claimed builder.id: a trust-file key mapped to it
// (keys[].builders), or a CA-issued certificate whose URI identity it is.
func (v *Verifier) provenBuilder(a *Attestation) string {
	claimed := a.Provenance.BuilderID
	if b := v.keyBuilder(a.KeyIDs(), claimed); b != "" {
		return b
	}
	for _, s := range a.Signers {
		if c := s.X509; c != nil && isURI(c.Identity) && provenance.MatchBuilderID(claimed, c.Identity) {
			return claimed
		}
	}
	return ""
}

// verifyDSSE checks a DSSE envelope's signatures against the keys (and the
// trust file's keys usable now: a DSSE envelope carries no trusted time).
func (v *Verifier) verifyDSSE(ctx context.Context, env *attest.Envelope) (signed, error) {
	ver, err := v.verifyWithTrust(ctx, env)
	if err != nil {
		return signed{}, &SignatureError{err}
	}
	return signed{payloadType: ver.PayloadType, body: ver.Payload, signers: v.keySigners(ver.KeyIDs)}, nil
}

// keySigners are the signers of the key ids, with their trust-file
// entries.
func (v *Verifier) keySigners(ids []string) []Signer {
	out := make([]Signer, 0, len(ids))
	for _, id := range ids {
		out = append(out, Signer{KeyID: id, Trusted: v.trustedSigner(id)})
	}
	return out
}

// verifySigstore checks a Sigstore bundle with the Sigstore verifier: log
// entries, timestamps, certificate chain, signature (and the explicit
// identities, when given). A certificate signer is accepted later, by
// acceptCertificate, once the statement is read.
func (v *Verifier) verifySigstore(ctx context.Context, raw []byte, art *sigstore.Artifact) (signed, error) {
	if v.o.sig.verifier == nil {
		return signed{}, &SignatureError{fmt.Errorf("a Sigstore bundle, and %w", ErrNoTrust)}
	}
	b, err := sigstore.ParseBundle(raw)
	if err != nil {
		return signed{}, err
	}
	check := sigstore.Artifact{}
	if b.GetMessageSignature() != nil {
		if art == nil {
			return signed{}, fmt.Errorf("%w: a Sigstore message signature, not an attestation: check it with verify-signature", ErrNotAttestation)
		}
		check = *art
	}
	res, err := v.o.sig.verifier.Verify(ctx, b, check)
	if err != nil {
		return signed{}, &SignatureError{err}
	}
	s := signed{payloadType: res.PayloadType, body: res.Payload, times: res.Timestamps, messageDigest: res.MessageDigest, certificate: res.Signer.Certificate, trustedRoot: res.TrustedRoot}
	if res.Signer.KeyID != "" {
		if err := v.checkTrustedKeyTime(res.Signer.KeyID, len(res.Timestamps)); err != nil {
			return signed{times: res.Timestamps}, err
		}
		s.signers = v.keySigners([]string{res.Signer.KeyID})
	}
	return s, nil
}

// SignatureError is a signature check that failed: the message reads
// "signature: why" (once: an attest.ErrSignature KindError inside gives
// its detail), and errors.Is finds the inner error's sentinels
// (attest.ErrSignature, sigstore.ErrVerify, ErrNoTrust ...).
type SignatureError struct{ Err error }

func (e *SignatureError) Error() string { return "signature: " + e.Detail() }

// Detail is the message without "signature: ".
func (e *SignatureError) Detail() string {
	if k, ok := e.Err.(*attest.KindError); ok && k.Kind == attest.ErrSignature {
		return k.Err.Error()
	}
	return e.Err.Error()
}

func (e *SignatureError) Unwrap() error { return e.Err }

// isURI says whether a certificate identity is a URI (not an e-mail).
func isURI(s string) bool { return strings.Contains(s, "://") }
