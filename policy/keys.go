package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/policy/github"
	"github.com/provenant/provenant/policy/trust"
	"github.com/provenant/provenant/provenance"
)

// WithTrust trusts the keys of a trust file, each inside its validity
// window and never when revoked, and applies its threshold (unless
// WithThreshold sets one: they must then agree) and its step rules.
func WithTrust(t *trust.File) Option {
	return func(o *options) error {
		if t == nil {
			return errors.New("nil trust file")
		}
		o.trust = t
		return nil
	}
}

// TrustCriteria records a trust file in a report's criteria.
type TrustCriteria struct {
	File      string                     `json:"file"`
	Keys      []*trust.Key               `json:"keys"`
	Threshold int                        `json:"threshold,omitempty"`
	Steps     map[string]*trust.StepRule `json:"steps,omitempty"`
}

// globalThreshold applies the trust file's threshold unless WithThreshold
// gave one; two different values are an error.
func (o *options) globalThreshold() error {
	if o.trust == nil || o.trust.Threshold == 0 {
		return nil
	}
	if o.thresholdSet && o.threshold != o.trust.Threshold {
		return fmt.Errorf("the threshold asked for, %d, conflicts with threshold %d in %s", o.threshold, o.trust.Threshold, o.trust.File)
	}
	o.threshold = o.trust.Threshold
	return nil
}

// judgedAt names the time signatures are judged at, for messages.
func judgedAt(t time.Time, how string) string {
	return trust.FormatTime(t) + ", " + how
}

// verifyWithTrust verifies a DSSE envelope against the --key keys and the
// trust file's keys usable at verification time (a DSSE envelope carries
// no trusted time). When it fails, it says which unusable keys (revoked,
// expired, not yet valid) did sign. All of it, unusable keys included,
// spends one envelope's signature-checks limit (see attest.Limits).
func (v *Verifier) verifyWithTrust(ctx context.Context, env *attest.Envelope) (*attest.Verified, error) {
	t := v.o.trust
	if t == nil {
		return v.o.limits.VerifyEnvelope(ctx, env, v.o.keys, v.o.threshold)
	}
	now := v.o.now().UTC()
	judged := judgedAt(now, "verification time: a DSSE envelope carries no trusted time")
	var keys []*attest.PublicKey
	for _, k := range v.o.keys {
		if tk := t.KeyByID(k.ID); tk != nil && tk.Revoked {
			continue // revocation wins over --key
		}
		keys = append(keys, k)
	}
	type unusable struct {
		k   *trust.Key
		why string
	}
	var out []unusable
	var outKeys []*attest.PublicKey
	for _, k := range t.Keys {
		if why := k.UsableAt(now, judged); why != "" {
			out = append(out, unusable{k, why})
			outKeys = append(outKeys, k.Key)
			continue
		}
		keys = append(keys, k.Key)
	}
	distinct := map[string]bool{}
	for _, k := range keys {
		distinct[k.ID] = true
	}
	var err error
	var signed []*attest.PublicKey
	if len(distinct) < v.o.threshold {
		err = attest.Errorf(attest.ErrSignature, "%d trusted key(s) usable at %s, threshold %d", len(distinct), trust.FormatTime(now), v.o.threshold)
		if len(outKeys) > 0 {
			res, _, _ := v.o.limits.VerifySignatures(ctx, env, outKeys)
			for _, r := range res {
				if r.Key != nil {
					signed = append(signed, r.Key)
				}
			}
		}
	} else {
		var ver *attest.Verified
		ver, signed, err = v.o.limits.VerifyEnvelopeNoting(ctx, env, keys, v.o.threshold, outKeys)
		if err == nil {
			return ver, nil
		}
	}
	var notes []string
	for _, u := range out {
		if slices.Contains(signed, u.k.Key) {
			notes = append(notes, fmt.Sprintf("key %q (%s) signed but %s", u.k.Name, u.k.Source, u.why))
		}
	}
	if len(notes) > 0 {
		return nil, withNote(err, strings.Join(notes, "; "))
	}
	return nil, err
}

// withNote adds a note to err's message, keeping its kind first.
func withNote(err error, note string) error {
	if k, ok := err.(*attest.KindError); ok {
		return &attest.KindError{Kind: k.Kind, Err: fmt.Errorf("%w; %s", k.Err, note)}
	}
	return fmt.Errorf("%w; %s", err, note)
}

// checkTrustedKeyTime judges a keyed Sigstore bundle's signer at
// verification time when the bundle carries no trusted time (sigstore-go
// checked the window at the verified times otherwise).
func (v *Verifier) checkTrustedKeyTime(keyID string, verifiedTimes int) error {
	t := v.o.trust
	if t == nil || keyID == "" {
		return nil
	}
	k := t.KeyByID(keyID)
	if k == nil {
		return nil
	}
	if k.Revoked {
		return fmt.Errorf("signature: key %q (%s) is revoked", k.Name, k.Source)
	}
	if verifiedTimes > 0 {
		return nil
	}
	now := v.o.now().UTC()
	if why := k.UsableAt(now, judgedAt(now, "verification time: the bundle carries no log entry or timestamp")); why != "" {
		return fmt.Errorf("signature: key %q (%s) %s", k.Name, k.Source, why)
	}
	return nil
}

// checkStep applies the trust file's rule for the statement's step, if
// any, to the verified signers.
func (v *Verifier) checkStep(p *provenance.Provenance, l *provenance.Link, signers []string) error {
	t := v.o.trust
	if t == nil || len(t.Steps) == 0 || (p == nil && l == nil) {
		return nil
	}
	var (
		step  string
		named bool
		err   error
	)
	if l != nil {
		// An in-toto link names its step too: the same rule holds.
		step, named = l.Name, true
	} else if step, named, err = p.Step(); err != nil {
		return err
	}
	if !named {
		return nil
	}
	rule, ok := t.Steps[step]
	if !ok {
		return nil
	}
	var signed []string
	for i, id := range rule.KeyIDs {
		if slices.Contains(signers, id) {
			signed = append(signed, rule.Keys[i])
		}
	}
	if len(signed) >= rule.Threshold {
		return nil
	}
	who := "none of them signed"
	if len(signed) > 0 {
		who = fmt.Sprintf("%d signed (%s)", len(signed), strings.Join(signed, ", "))
	}
	return fmt.Errorf("signature: step %q needs %d of its key(s) %s (%s) among the usable signers; %s",
		step, rule.Threshold, strings.Join(rule.Keys, ", "), rule.Source, who)
}

// trustedSigner describes a verified signer for the report and the
// policy input, with its name and window from the trust file.
func (v *Verifier) trustedSigner(keyID string) *trust.Key {
	if v.o.trust == nil {
		return nil
	}
	return v.o.trust.KeyByID(keyID)
}

// keyBuilder is the builder id that the verified key signers prove for a
// provenance claiming builder claimed: claimed when a trust-file key
// among them is mapped to it (keys[].builders), else "".
func (v *Verifier) keyBuilder(signers []string, claimed string) string {
	if v.o.trust == nil || claimed == "" {
		return ""
	}
	for _, id := range signers {
		k := v.o.trust.KeyByID(id)
		if k == nil || k.Revoked {
			continue
		}
		for _, b := range k.Builders {
			if !github.KeylessBuilder(b) && provenance.MatchBuilderID(claimed, b) {
				return claimed
			}
		}
	}
	return ""
}
