package inspect

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/provenance"
)

// Option configures an Inspector.
type Option func(*options) error

type options struct {
	keys        []*attest.PublicKey
	sigstore    SigstoreVerifier
	trustedRoot string
	limits      attest.Limits
}

// SigstoreVerifier verifies a Sigstore bundle (its raw JSON) and says who
// signed it. Package attest/sigstore provides one; inspect takes it as an
// interface so that it does not import sigstore-go.
type SigstoreVerifier interface {
	VerifySigstore(ctx context.Context, bundle []byte) (*SigstoreResult, error)
}

// SigstoreResult is a verified Sigstore bundle's signer: a trusted key id,
// or a certificate identity.
type SigstoreResult struct {
	KeyID    string
	Identity *Identity
	// NotAccepted, when set, says why the signer is not verified although
	// the signature is: a certificate identity nobody required. The bundle
	// is then shown as unverified.
	NotAccepted string
}

// WithSigstore verifies Sigstore bundles with v; trustedRoot names its
// trusted root for the report ("" when it verifies with keys only).
// Without it Sigstore bundles are shown unverified.
func WithSigstore(v SigstoreVerifier, trustedRoot string) Option {
	return func(o *options) error {
		if v == nil {
			return errors.New("inspect: nil Sigstore verifier")
		}
		o.sigstore, o.trustedRoot = v, trustedRoot
		return nil
	}
}

// WithKeys checks every signature against these trusted keys. Without keys
// nothing is verified and every envelope is reported as unverified.
func WithKeys(keys ...*attest.PublicKey) Option {
	return func(o *options) error {
		for _, k := range keys {
			if k == nil {
				return errors.New("inspect: nil key")
			}
		}
		o.keys = append(o.keys, keys...)
		return nil
	}
}

// WithLimits sets the limits bundles are read with (attest.DefaultLimits
// otherwise).
func WithLimits(l attest.Limits) Option {
	return func(o *options) error {
		o.limits = l
		return nil
	}
}

// Inspector builds a Report from bundles read one after another. It is not
// safe for concurrent use.
type Inspector struct {
	o      options
	keys   []*attest.PublicKey // distinct ids, in the order given
	byID   map[string][]*attest.PublicKey
	report Report
	chain  *chainBuilder
	done   bool
}

// New makes an Inspector.
func New(opts ...Option) (*Inspector, error) {
	in := &Inspector{byID: map[string][]*attest.PublicKey{}, chain: newChainBuilder()}
	for _, opt := range opts {
		if err := opt(&in.o); err != nil {
			return nil, err
		}
	}
	in.report = Report{SchemaVersion: SchemaVersion, Bundles: []string{}, Keys: []Key{}, TrustedRoot: in.o.trustedRoot, Envelopes: []Envelope{}}
	for _, k := range in.o.keys {
		if _, dup := in.byID[k.ID]; dup {
			continue
		}
		in.byID[k.ID] = append(in.byID[k.ID], k)
		in.keys = append(in.keys, k)
		in.report.Keys = append(in.report.Keys, Key{ID: k.ID, Algorithm: k.Algorithm(), Source: k.Source})
	}
	return in, nil
}

// Add inspects one entry read by attest.ReadBundle. Read and ReadFile
// call it for every entry they read.
func (in *Inspector) Add(ctx context.Context, e attest.Entry) {
	in.append(in.entryEnvelope(ctx, e, nil))
}

// entryEnvelope inspects an entry; raw, when known, is the line it was read
// from, for the signing certificates attest's envelope type does not keep.
func (in *Inspector) entryEnvelope(ctx context.Context, e attest.Entry, raw []byte) Envelope {
	out := Envelope{Source: e.Source, Digest: e.Digest}
	switch {
	case e.Err != nil:
		out.Kind, out.Status, out.Reason = KindInvalid, StatusUnreadable, trimSentinel(e.Err.Error())
	case e.Sigstore != nil:
		in.inspectSigstore(ctx, &out, e.Sigstore)
	case e.Envelope != nil:
		var certs []string
		if e.HasCertificate && raw != nil {
			certs = signatureCerts(raw)
		}
		in.inspectDSSE(ctx, &out, e.Envelope, certs)
		if e.HasCertificate && out.Status == StatusFailed {
			out.Reason += "; its signature carries a certificate but no transparency-log entry, so it cannot be verified offline"
		}
	default:
		out.Kind, out.Status, out.Reason = KindInvalid, StatusUnreadable, "neither an envelope nor a Sigstore bundle"
	}
	return out
}

func (in *Inspector) append(e Envelope) {
	if in.done {
		return
	}
	e.Index = len(in.report.Envelopes) + 1
	if e.Signatures == nil {
		e.Signatures = []Signature{}
	}
	if e.Statement != nil {
		e.Statement.Step = stepName(e.Statement, e.Index)
	}
	s := &in.report.Summary
	s.Envelopes++
	switch e.Status {
	case StatusVerified:
		s.Verified++
	case StatusFailed:
		s.Failed++
	case StatusUnverified:
		s.Unverified++
	default:
		s.Unreadable++
	}
	in.chain.add(&e)
	in.report.Envelopes = append(in.report.Envelopes, e)
}

// inspectDSSE checks each signature, then the envelope as a whole, then
// reads the payload for display. certs, when not nil, holds each
// signature's PEM certificate ("" for none).
func (in *Inspector) inspectDSSE(ctx context.Context, out *Envelope, env *attest.Envelope, certs []string) {
	out.Kind = KindDSSE
	out.PayloadType = env.PayloadType
	payload, err := decodeBase64(env.Payload)
	if err != nil {
		out.Status, out.Reason = StatusUnreadable, "payload is not base64"
		return
	}
	// Every signature is checked on its own, to say which hold; the
	// envelope verifies when one does (attest.VerifyEnvelope with a
	// threshold of one says the same). The work is bounded by the
	// signature-checks limit, as verify's is.
	certOf := func(i int) *Identity {
		if i < len(certs) && certs[i] != "" {
			return identityFromPEM(certs[i])
		}
		return nil
	}
	if len(in.keys) == 0 {
		out.Status, out.Reason = StatusUnverified, "no key given: signatures not checked"
		for i, s := range env.Signatures {
			out.Signatures = append(out.Signatures, Signature{KeyID: s.KeyID, Identity: certOf(i), Status: StatusUnverified, Reason: "not checked: no key given"})
		}
		in.readPayload(out, env.PayloadType, payload)
		return
	}
	results, spent, err := in.o.limits.VerifySignatures(ctx, env, in.keys)
	if err != nil {
		out.Status, out.Reason = StatusFailed, trimSentinel(err.Error())
		in.readPayload(out, env.PayloadType, payload)
		return
	}
	verified, unchecked := false, false
	for i, r := range results {
		sig := Signature{KeyID: env.Signatures[i].KeyID, Identity: certOf(i)}
		switch {
		case r.Key != nil:
			verified = true
			sig.Status, sig.VerifiedBy = StatusVerified, r.Key.ID
		case r.Unchecked:
			unchecked = true
			sig.Status, sig.Reason = StatusUnverified, "not checked: the signature-checks limit ran out"
		default:
			sig.Status, sig.Reason = StatusFailed, "no trusted key verifies it"
		}
		out.Signatures = append(out.Signatures, sig)
	}
	switch {
	case verified:
		out.Status = StatusVerified
	case unchecked:
		out.Status = StatusFailed
		out.Reason = (&attest.ErrThreshold{Want: 1}).Error() + "; " + (&attest.LimitError{Name: "signature-checks",
			What: fmt.Sprintf("stopped after %d signature checks", spent)}).Error()
	default:
		out.Status, out.Reason = StatusFailed, (&attest.ErrThreshold{Want: 1}).Error()
	}
	in.readPayload(out, env.PayloadType, payload)
}

// readPayload reads the payload as an in-toto Statement for display. The
// envelope's status, not this, says whether to believe it; but a verified
// envelope whose statement (or SLSA provenance predicate) verify refuses is
// not to be believed either: it fails, saying why.
func (in *Inspector) readPayload(out *Envelope, payloadType string, payload []byte) {
	st, err := attest.ParseStatement(payloadType, payload)
	if err != nil {
		out.StatementError = trimSentinel(err.Error())
		refuseStatement(out, out.StatementError)
		return
	}
	out.Statement = readStatement(st)
	if p := out.Statement; provenance.IsProvenance(p.PredicateType) && p.PredicateError != "" {
		refuseStatement(out, p.PredicateError)
	}
}

// refuseStatement fails a verified envelope whose statement the acceptance
// rule refuses: the signature holds, the content cannot be trusted.
func refuseStatement(out *Envelope, why string) {
	if out.Status == StatusVerified {
		out.Status, out.Reason = StatusFailed, "signed by a trusted key, but verify refuses its statement: "+why
	}
}

// Report finishes the chain and returns the report. Entries added after it
// is called are ignored.
func (in *Inspector) Report() *Report {
	if !in.done {
		in.done = true
		in.report.Chain = in.chain.finish(&in.report.Summary)
		in.chain = nil
	}
	return &in.report
}

// decodeBase64 accepts standard and URL-safe base64, with or without
// padding, as DSSE requires.
func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// trimSentinel drops attest's sentinel prefixes ("malformed envelope: "),
// which say nothing a reader of the report needs.
func trimSentinel(msg string) string {
	for _, p := range []string{attest.ErrMalformed.Error() + ": ", attest.ErrStatement.Error() + ": ", attest.ErrSignature.Error() + ": "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

// stepName names a provenance statement's step: externalParameters.step,
// else the workflow file (GitHub's build types), else the last part of the
// build type or builder id, with the envelope's number; else "envelope N".
func stepName(st *Statement, index int) string {
	p := st.Provenance
	if p == nil {
		return ""
	}
	if name := stringParam(p.ExternalParameters, "step"); name != "" {
		return name
	}
	for _, s := range []string{lastPart(workflowPath(p.ExternalParameters)), shortType(p.BuildType), shortType(p.BuilderID)} {
		if s != "" {
			return fmt.Sprintf("%s #%d", s, index)
		}
	}
	return fmt.Sprintf("envelope %d", index)
}

// shortType is the last part of a type URI, with the one before it when
// the last is only a version ("workflow/v1").
func shortType(s string) string {
	s = strings.TrimRight(s, "/")
	last := lastPart(s)
	if len(last) >= 2 && last[0] == 'v' && last[1] >= '0' && last[1] <= '9' {
		if prev := lastPart(strings.TrimSuffix(s, "/"+last)); prev != "" && prev != s {
			return prev + "/" + last
		}
	}
	return last
}

func lastPart(s string) string {
	s = strings.TrimRight(s, "/")
	if i := strings.LastIndexAny(s, "/:"); i >= 0 {
		s = s[i+1:]
	}
	return s
}
