package attest

import (
	"context"
	"crypto"
	"fmt"
	"slices"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// A signature check is one signature verified against one trusted key: one
// public-key operation over the envelope's PAE. It is the unit of work an
// envelope can make a verifier spend, and the signature-checks limit bounds
// it per envelope.
//
// Without a bound, an envelope of S signatures and K trusted keys costs S×K
// checks when no keyid names a trusted key (a keyid is only a hint, so every
// key must be tried): 2,000 envelopes of 16 junk signatures against 4 keys
// are 128,000 public-key operations. With it, each envelope costs at most
// the limit, whatever S and K are, and a bundle at most envelopes × limit.

// DefaultSignatureChecks is the floor of the signature-checks limit when
// none is set: at least this many checks per envelope, or threshold × keys
// when that is more (what an envelope whose signatures carry no keyid can
// need to meet the threshold).
const DefaultSignatureChecks = 16

// signatureChecks is the per-envelope bound for a threshold over keys.
func (l Limits) signatureChecks(threshold, keys int) int {
	if l.SignatureChecks > 0 {
		return l.SignatureChecks
	}
	return max(DefaultSignatureChecks, threshold*keys)
}

// checker verifies the signatures of one envelope against trusted keys,
// counting checks against a budget and never checking a signature against
// the same key twice.
type checker struct {
	pae   []byte
	sigs  [][]byte
	hints []string
	keys  []*PublicKey
	tried map[[2]int]bool
	left  int // checks left
	spent int
}

func newChecker(env *Envelope, keys []*PublicKey, budget int) (*checker, error) {
	if env == nil || len(env.Signatures) == 0 {
		return nil, Errorf(ErrMalformed, "envelope has no signatures")
	}
	payload, err := decodeBase64(env.Payload)
	if err != nil {
		return nil, Errorf(ErrMalformed, "payload is not base64")
	}
	c := &checker{
		pae:   dsse.PAE(env.PayloadType, payload),
		sigs:  make([][]byte, len(env.Signatures)),
		hints: make([]string, len(env.Signatures)),
		keys:  keys,
		tried: map[[2]int]bool{},
		left:  budget,
	}
	for i, s := range env.Signatures {
		if c.sigs[i], err = decodeBase64(s.Sig); err != nil {
			return nil, Errorf(ErrMalformed, "signature %d is not base64", i+1)
		}
		c.hints[i] = s.KeyID
	}
	return c, nil
}

// try checks signature i against key j, unless it was tried already, the
// budget is spent or ctx is done. ok says whether it verified; out that the
// budget was spent (or ctx done) before the check.
func (c *checker) try(ctx context.Context, i, j int) (ok, out bool) {
	if c.tried[[2]int{i, j}] {
		return false, false
	}
	if c.left <= 0 || ctx.Err() != nil {
		return false, true
	}
	c.tried[[2]int{i, j}] = true
	c.left--
	c.spent++
	return c.keys[j].Verify(ctx, c.pae, c.sigs[i]) == nil, false
}

// hinted returns the index among keys[from:to] of the key signature i's
// keyid names, or -1.
func (c *checker) hinted(i, from, to int) int {
	if c.hints[i] == "" {
		return -1
	}
	for j := from; j < to; j++ {
		if c.keys[j].ID == c.hints[i] {
			return j
		}
	}
	return -1
}

// distinctKeys drops keys listed twice, by id or by key material (the same
// key loaded from a PEM file and from a securesystemslib JSON key), so
// that each counts once towards a threshold.
func distinctKeys(keys []*PublicKey) []*PublicKey {
	var out []*PublicKey
	seen := map[string]bool{}
	for _, k := range keys {
		if k == nil || seen[k.ID] || sameKeyListed(out, k) {
			continue
		}
		seen[k.ID] = true
		out = append(out, k)
	}
	return out
}

// sameKeyListed says whether the key material of k is already in keys
// under another id.
func sameKeyListed(keys []*PublicKey, k *PublicKey) bool {
	eq, ok := k.Key.(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return false
	}
	for _, o := range keys {
		if eq.Equal(o.Key) {
			return true
		}
	}
	return false
}

// VerifyEnvelope checks env's signatures against the trusted keys with the
// default limits; see Limits.VerifyEnvelope.
func VerifyEnvelope(ctx context.Context, env *Envelope, keys []*PublicKey, threshold int) (*Verified, error) {
	return DefaultLimits().VerifyEnvelope(ctx, env, keys, threshold)
}

// VerifyEnvelope checks env's signatures against the trusted keys and
// requires at least threshold distinct keys to have signed its PAE. The same
// key listed twice (by id or by key material) counts once, and so does a
// key that made several signatures. Verified.KeyIDs lists every trusted key
// found to have signed, not only the first threshold of them, since
// callers apply rules of their own to the signers (a trust file's steps).
//
// The work is bounded (see DefaultSignatureChecks): each signature whose
// keyid names a trusted key is checked against that key first; then every
// signature not yet accounted for is checked against every trusted key not
// yet accounted for, in order, since a keyid is only a hint. The search
// ends when every trusted key has signed, when every signature has been
// tried, or after l.SignatureChecks checks. A search cut short by the limit
// below the threshold is a denial whose error is both an *ErrThreshold and
// a *LimitError; above it, the envelope verifies with the signers found so
// far and Verified.Incomplete set.
func (l Limits) VerifyEnvelope(ctx context.Context, env *Envelope, keys []*PublicKey, threshold int) (*Verified, error) {
	v, _, err := l.VerifyEnvelopeNoting(ctx, env, keys, threshold, nil)
	return v, err
}

// VerifyEnvelopeNoting is VerifyEnvelope that, when the threshold is not
// met, also says which of the keys in note signed: keys that must not count
// (revoked, expired), checked only with what is left of the same budget,
// after every trusted key, so that a message can name them.
func (l Limits) VerifyEnvelopeNoting(ctx context.Context, env *Envelope, keys []*PublicKey, threshold int, note []*PublicKey) (*Verified, []*PublicKey, error) {
	trusted := distinctKeys(keys)
	if len(trusted) == 0 {
		return nil, nil, fmt.Errorf("%w: no trusted key given", ErrKey)
	}
	if threshold < 1 || threshold > len(trusted) {
		return nil, nil, fmt.Errorf("%w: threshold %d needs between 1 and %d distinct keys", ErrKey, threshold, len(trusted))
	}
	var extra []*PublicKey
	for _, k := range distinctKeys(note) {
		if !sameKeyListed(trusted, k) {
			extra = append(extra, k)
		}
	}
	budget := l.signatureChecks(threshold, len(trusted))
	c, err := newChecker(env, append(slices.Clip(trusted), extra...), budget)
	if err != nil {
		return nil, nil, err
	}
	nk := len(trusted)
	signer := make([]int, len(c.sigs)) // key index that verified signature i, or -1
	for i := range signer {
		signer[i] = -1
	}
	accepted := make([]bool, nk)
	got := 0
	cut := false
	accept := func(i, j int) {
		signer[i], accepted[j] = j, true
		got++
	}
	// Hinted signatures first: one check each against the key they name.
	for i := range c.sigs {
		if j := c.hinted(i, 0, nk); j >= 0 && !accepted[j] {
			ok, out := c.try(ctx, i, j)
			cut = cut || out
			if ok {
				accept(i, j)
			}
		}
	}
	// Then every signature not yet matched against every key not yet
	// matched.
	for i := range c.sigs {
		if got == nk || cut {
			break
		}
		if signer[i] >= 0 {
			continue
		}
		for j := range nk {
			if accepted[j] {
				continue
			}
			ok, out := c.try(ctx, i, j)
			if out {
				cut = true
				break
			}
			if ok {
				accept(i, j)
				break
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if got >= threshold {
		v := &Verified{PayloadType: env.PayloadType, Checks: c.spent, Incomplete: cut}
		v.Payload, _ = decodeBase64(env.Payload)
		for _, j := range signer {
			if j >= 0 {
				v.KeyIDs = append(v.KeyIDs, trusted[j].ID)
			}
		}
		return v, nil, nil
	}
	// Which of the keys to note signed, with what is left of the budget.
	var noted []*PublicKey
	for j := nk; j < len(c.keys) && c.left > 0; j++ {
		for i := range c.sigs {
			if signer[i] >= 0 {
				continue
			}
			if ok, _ := c.try(ctx, i, j); ok {
				noted = append(noted, c.keys[j])
				break
			}
		}
	}
	terr := &ErrThreshold{Want: threshold, Got: got, Checks: c.spent, KeyIDs: c.hints}
	for _, k := range trusted {
		terr.Trusted = append(terr.Trusted, k.ID)
	}
	if cut {
		return nil, noted, fmt.Errorf("%w; %w", terr, &LimitError{Name: "signature-checks", Max: budget,
			What: fmt.Sprintf("stopped after %d signature checks", budget)})
	}
	return nil, noted, terr
}

// SignatureResult is what VerifySignatures found for one signature.
type SignatureResult struct {
	// Key is the trusted key that verified the signature; nil when none
	// did.
	Key *PublicKey
	// Unchecked: the signature-checks limit ran out before every trusted
	// key was tried against this signature.
	Unchecked bool
}

// VerifySignatures checks each signature of env on its own, for a report
// that shows every signature (inspect): the key its keyid names first, then
// every other trusted key, until one verifies it. The work is bounded like
// VerifyEnvelope's with a threshold of one: signatures left when the limit
// runs out are marked Unchecked. Spent is the number of checks made.
func (l Limits) VerifySignatures(ctx context.Context, env *Envelope, keys []*PublicKey) (results []SignatureResult, spent int, err error) {
	trusted := distinctKeys(keys)
	if len(trusted) == 0 {
		return nil, 0, fmt.Errorf("%w: no trusted key given", ErrKey)
	}
	c, err := newChecker(env, trusted, l.signatureChecks(1, len(trusted)))
	if err != nil {
		return nil, 0, err
	}
	results = make([]SignatureResult, len(c.sigs))
	for i := range c.sigs {
		order := make([]int, 0, len(trusted))
		if h := c.hinted(i, 0, len(trusted)); h >= 0 {
			order = append(order, h)
		}
		for j := range trusted {
			if len(order) == 0 || j != order[0] {
				order = append(order, j)
			}
		}
		for _, j := range order {
			ok, out := c.try(ctx, i, j)
			if out {
				results[i].Unchecked = true
				break
			}
			if ok {
				results[i].Key = trusted[j]
				break
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, c.spent, err
	}
	return results, c.spent, nil
}
