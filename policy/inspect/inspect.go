package inspect

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/provenance"
)

// Option configures an Inspector.
type Option func(*options) error

type options struct {
	verifier    *policy.Verifier
	keys        []*attest.PublicKey
	trustedRoot string
	limits      attest.Limits
	hints       func(error) string
}

// WithHints has h say how a user can act on an error (see
// policy.WithHints); reasons read "message; hint".
func WithHints(h func(error) string) Option {
	return func(o *options) error { o.hints = h; return nil }
}

// WithVerifier verifies every entry with v, the verifier verify uses (its
// keys, trust file, CA roots, Sigstore trusted root and certificate
// identities): an entry is verified exactly when verify would verify it.
// trustedRoot names v's Sigstore trusted root for the report ("" without
// one). Without a verifier nothing is verified, and every entry is shown
// as it claims to be, marked unverified.
func WithVerifier(v *policy.Verifier, trustedRoot string) Option {
	return func(o *options) error {
		if v == nil {
			return errors.New("inspect: nil verifier")
		}
		o.verifier, o.trustedRoot = v, trustedRoot
		return nil
	}
}

// WithKeys verifies every entry with a verifier that trusts these keys
// (and nothing else): a shorthand for WithVerifier with
// policy.WithKeys.
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
	keys   []*attest.PublicKey // the verifier's trusted keys, for each signature's status
	report Report
	chain  *chainBuilder
	done   bool
	// verified counts the entries given to the verifier (tests check
	// that entries past a limit are not).
	verified atomic.Int64
}

// New makes an Inspector.
func New(opts ...Option) (*Inspector, error) {
	in := &Inspector{chain: newChainBuilder()}
	for _, opt := range opts {
		if err := opt(&in.o); err != nil {
			return nil, err
		}
	}
	in.report = Report{SchemaVersion: SchemaVersion, Findings: []Finding{}, Bundles: []string{}, Keys: []Key{}, TrustedRoot: in.o.trustedRoot, Envelopes: []Envelope{}}
	if len(in.o.keys) > 0 {
		if in.o.verifier != nil {
			return nil, errors.New("inspect: give keys to the verifier, not beside it")
		}
		v, err := policy.NewVerifier(policy.WithKeys(in.o.keys...), policy.WithLimits(in.o.limits))
		if err != nil {
			return nil, err
		}
		in.o.verifier = v
	}
	if in.o.verifier != nil {
		in.keys = in.o.verifier.Keys()
		for _, k := range in.keys {
			in.report.Keys = append(in.report.Keys, Key{ID: k.ID, Algorithm: k.Algorithm(), Source: k.Source})
		}
	}
	return in, nil
}

// Add inspects one entry read by attest.ReadBundle. Read and ReadFile
// call it for every entry they read.
func (in *Inspector) Add(ctx context.Context, e attest.Entry) {
	in.append(in.entryEnvelope(ctx, e))
}

// entryEnvelope inspects an entry: the verifier's verdict (the one
// verification path), then what the entry shows, verified or as claimed.
func (in *Inspector) entryEnvelope(ctx context.Context, e attest.Entry) Envelope {
	out := Envelope{Source: e.Source, Digest: e.Digest}
	kind := e.Kind()
	if kind == attest.EntryUnreadable {
		why := "neither an envelope nor a Sigstore bundle"
		if e.Err != nil {
			why = in.explain(e.Err)
		}
		out.Kind, out.Status, out.Reason = KindInvalid, StatusUnreadable, why
		return out
	}
	var a *policy.Attestation
	if v := in.o.verifier; v != nil {
		in.verified.Add(1)
		att := v.VerifyEntry(ctx, e, policy.WithoutArtifactUnsafe()) // shown, not decided
		a = &att
	}
	out.Status, out.Reason = in.status(a)
	switch kind {
	case attest.EntrySigstore:
		in.inspectSigstore(&out, e.Sigstore, a)
	default:
		in.inspectDSSE(ctx, &out, e, a)
	}
	if a != nil && a.Verified {
		out.Statement = readStatement(a.Statement, a.Provenance)
	}
	return out
}

// status is what the report says of the verifier's verdict: verified;
// unverified when nothing could check it (no trust material for its kind)
// or no identity policy accepts its certificate signer; else failed.
func (in *Inspector) status(a *policy.Attestation) (string, string) {
	switch {
	case a == nil:
		return StatusUnverified, "no key or trusted root given: not checked"
	case a.Verified:
		return StatusVerified, ""
	case errors.Is(a.Err, policy.ErrIdentityPolicy), errors.Is(a.Err, policy.ErrNoTrust):
		return StatusUnverified, in.explain(a.Err)
	case errors.Is(a.Err, attest.ErrStatement), errors.Is(a.Err, attest.ErrPayloadType), errors.Is(a.Err, provenance.ErrProvenance):
		return StatusFailed, "signed by a trusted key, but verify refuses its statement: " + in.explain(a.Err)
	default:
		return StatusFailed, in.explain(a.Err)
	}
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

// inspectDSSE shows a DSSE envelope's signatures, each with its own
// status (which of them hold; the envelope's verdict is the verifier's),
// and, unless it verified, what its payload claims.
func (in *Inspector) inspectDSSE(ctx context.Context, out *Envelope, e attest.Entry, a *policy.Attestation) {
	env := e.Envelope
	out.Kind = KindDSSE
	out.PayloadType = env.PayloadType
	certOf := func(i int) *Identity {
		if i < len(e.Certs) && e.Certs[i] != "" {
			id := identityFromPEM(e.Certs[i])
			if id != nil && a != nil && a.Verified {
				id.Checked = certified(a, id.Subject)
			}
			return id
		}
		return nil
	}
	if len(in.keys) == 0 {
		for i, s := range env.Signatures {
			sig := Signature{KeyID: s.KeyID, Identity: certOf(i), Status: StatusUnverified, Reason: "not checked: no key given"}
			if a != nil && a.Verified && sig.Identity != nil && sig.Identity.Checked {
				sig.Status, sig.Reason, sig.VerifiedBy = StatusVerified, "", "CA roots"
			}
			out.Signatures = append(out.Signatures, sig)
		}
	} else if results, _, err := in.o.limits.VerifySignatures(ctx, env, in.keys); err == nil {
		// Each signature on its own, bounded like verify's check.
		for i, r := range results {
			sig := Signature{KeyID: env.Signatures[i].KeyID, Identity: certOf(i)}
			switch {
			case r.Key != nil:
				sig.Status, sig.VerifiedBy = StatusVerified, r.Key.ID
			case r.Unchecked:
				sig.Status, sig.Reason = StatusUnverified, "not checked: the signature-checks limit ran out"
			default:
				sig.Status, sig.Reason = StatusFailed, "no trusted key verifies it"
			}
			out.Signatures = append(out.Signatures, sig)
		}
	}
	if a != nil && a.Verified {
		return
	}
	payload, err := decodeBase64(env.Payload)
	if err != nil {
		out.StatementError = "payload is not base64"
		return
	}
	in.readClaimed(out, env.PayloadType, payload)
}

// certified says whether the attestation's accepted X.509 signers include
// the identity.
func certified(a *policy.Attestation, identity string) bool {
	for _, s := range a.Signers {
		if s.X509 != nil && s.X509.Identity == identity {
			return true
		}
	}
	return false
}

// readClaimed reads an unverified payload for display: what it claims,
// which the envelope's status says not to believe. A payload that is not
// a statement verify would accept says why.
func (in *Inspector) readClaimed(out *Envelope, payloadType string, payload []byte) {
	st, err := attest.ParseStatement(payloadType, payload)
	if err != nil {
		out.StatementError = detail(err)
		return
	}
	var prov *provenance.Provenance
	if provenance.IsProvenance(st.GetPredicateType()) {
		prov, err = provenance.Read(st)
		if err != nil {
			out.Statement = readStatement(st, nil)
			out.Statement.PredicateError = err.Error()
			return
		}
	}
	out.Statement = readStatement(st, prov)
}

// Report finishes the chain and returns the report. Entries added after it
// is called are ignored.
func (in *Inspector) Report() *Report {
	if !in.done {
		in.done = true
		in.report.Chain, in.report.Findings = in.chain.finish(&in.report.Summary)
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

// explain is detail(err) and the hint for it (WithHints).
func (in *Inspector) explain(err error) string {
	return policy.Explain(in.o.hints, detail(err), err)
}

// detail is an error's message without its kind (the status says it).
func detail(err error) string {
	if se, ok := err.(*policy.SignatureError); ok {
		return se.Detail()
	}
	return attest.Detail(err)
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
// the last is only a version ("workflow/v1"); a document name loses its
// extension and version ("attest-v1.md" is "attest").
func shortType(s string) string {
	s = strings.TrimRight(s, "/")
	last := lastPart(s)
	for _, ext := range []string{".md", ".html", ".json", ".yaml", ".yml"} {
		if base, ok := strings.CutSuffix(last, ext); ok && base != "" {
			if i := strings.LastIndex(base, "-v"); i > 0 && isDigits(base[i+2:]) {
				base = base[:i]
			}
			return base
		}
	}
	if len(last) >= 2 && last[0] == 'v' && last[1] >= '0' && last[1] <= '9' {
		if prev := lastPart(strings.TrimSuffix(s, "/"+last)); prev != "" && prev != s {
			return prev + "/" + last
		}
	}
	return last
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

func lastPart(s string) string {
	s = strings.TrimRight(s, "/")
	if i := strings.LastIndexAny(s, "/:"); i >= 0 {
		s = s[i+1:]
	}
	return s
}
