package vsa

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	vsapb "github.com/in-toto/attestation/go/predicates/vsa/v1"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/provenance"
)

// Check is what slsa-verifier's verify-vsa expects of a Verification
// Summary Attestation.
type Check struct {
	Keys []*attest.PublicKey
	// KeyID, when set, must be the keyid of the signature that verifies
	// (slsa-verifier's --public-key-id); otherwise keyids are hints.
	KeyID string
	// SubjectDigests are "alg:value"; each must be a digest of some
	// subject. At least one is required.
	SubjectDigests []string
	VerifierID     string
	ResourceURI    string
	// Levels must all be verified: SLSA_<TRACK>_LEVEL_<n> is met by the
	// same track at n or higher; any other level must appear as written.
	Levels []string
	// Limits bound the signature checks spent on each envelope (the zero
	// value is attest's defaults).
	Limits attest.Limits
}

// Outcome is the verdict for one entry of a VSA bundle.
type Outcome struct {
	Source   attest.Source `json:"source"`
	Verified bool          `json:"verified"`
	Signers  []string      `json:"signers,omitempty"`
	Error    string        `json:"error,omitempty"`
	Err      error         `json:"-"` // what Error says
	// Statement is the verified VSA, as signed (JSON).
	Statement []byte `json:"-"`
}

// Verify checks every entry of a bundle as slsa-verifier's verify-vsa
// does: signature, then subject digests, verifier id, resource URI, the
// PASSED result and the verified levels. All entries must pass.
func Verify(ctx context.Context, entries []attest.Entry, c Check) ([]Outcome, bool, error) {
	if len(c.Keys) == 0 {
		return nil, false, errors.New("no trusted key given")
	}
	if len(c.SubjectDigests) == 0 {
		return nil, false, errors.New("no subject digest given")
	}
	for _, d := range c.SubjectDigests {
		if alg, val, ok := strings.Cut(d, ":"); !ok || alg == "" || val == "" {
			return nil, false, fmt.Errorf("subject digest %q is not ALG:VALUE", d)
		}
	}
	if c.VerifierID == "" || c.ResourceURI == "" || len(c.Levels) == 0 {
		return nil, false, errors.New("a verifier id, a resource URI and at least one verified level are required")
	}
	if _, err := slsaLevels(c.Levels); err != nil {
		return nil, false, err
	}
	k, err := NewChecker(c.Keys, c.Limits)
	if err != nil {
		return nil, false, err
	}
	ok := len(entries) > 0
	out := make([]Outcome, 0, len(entries))
	for _, e := range entries {
		o := Outcome{Source: e.Source}
		a, _, err := verifyEntry(ctx, k.v, e, c)
		o.Signers, o.Statement = a.KeyIDs(), a.Payload
		if err != nil {
			o.Error, o.Err = err.Error(), err
		} else {
			o.Verified = true
		}
		ok = ok && o.Verified
		out = append(out, o)
	}
	return out, ok, nil
}

// Checker verifies VSAs one at a time, by the keys it was made with,
// through one policy.Verifier (the one verification path).
type Checker struct{ v *policy.Verifier }

// NewChecker builds the verifier for VSAs signed by keys (a keyed
// Sigstore bundle is read too; a certificate is never trusted for a VSA).
func NewChecker(keys []*attest.PublicKey, limits attest.Limits) (*Checker, error) {
	if len(keys) == 0 {
		return nil, errors.New("no trusted key given")
	}
	sv, err := sigstore.NewVerifier(sigstore.WithKeys(keys...))
	if err != nil {
		return nil, err
	}
	v, err := policy.NewVerifier(policy.WithKeys(keys...), policy.WithSigstore(sv), policy.WithLimits(limits))
	if err != nil {
		return nil, err
	}
	return &Checker{v: v}, nil
}

// Entry verifies one entry as Verify does each (c.Keys and c.Limits are
// the checker's, not c's), and returns the verified attestation and the
// VSA read from it. Levels and KeyID may be empty here: nothing is then
// asked of them.
func (k *Checker) Entry(ctx context.Context, e attest.Entry, c Check) (policy.Attestation, *vsapb.VerificationSummary, error) {
	if len(c.SubjectDigests) == 0 {
		return policy.Attestation{}, nil, errors.New("no subject digest given")
	}
	if _, err := slsaLevels(c.Levels); err != nil {
		return policy.Attestation{}, nil, err
	}
	return verifyEntry(ctx, k.v, e, c)
}

// verifyEntry verifies one entry with the verifier (the one path: the
// keys, then the statement rule), then applies verify-vsa's expectations
// to the VSA, read through the in-toto binding.
func verifyEntry(ctx context.Context, v *policy.Verifier, e attest.Entry, c Check) (policy.Attestation, *vsapb.VerificationSummary, error) {
	if e.Kind() == attest.EntrySigstore {
		b, err := sigstore.ParseBundle(e.Sigstore)
		if err != nil {
			return policy.Attestation{}, nil, err
		}
		if sigstore.SignedWithCertificate(b) {
			// Like slsa-verifier's verify-vsa: a VSA is trusted by the
			// verifier's key, never by a certificate identity.
			return policy.Attestation{}, nil, errors.New("signature: the VSA is signed with a certificate (keyless); a VSA is trusted only by its verifier's keys")
		}
		if hint := string(b.GetVerificationMaterial().GetPublicKey().GetHint()); c.KeyID != "" && hint != c.KeyID {
			return policy.Attestation{}, nil, fmt.Errorf("signature: the bundle names key %q, want key id %s", hint, c.KeyID)
		}
	}
	if c.KeyID != "" && e.Envelope != nil {
		// The key id is part of what is expected: only signatures that
		// carry it count.
		kept := *e.Envelope
		kept.Signatures = nil
		for _, s := range e.Envelope.Signatures {
			if s.KeyID == c.KeyID {
				kept.Signatures = append(kept.Signatures, s)
			}
		}
		if len(kept.Signatures) == 0 {
			return policy.Attestation{}, nil, fmt.Errorf("signature: no signature with key id %s", c.KeyID)
		}
		e.Envelope = &kept
	}
	// The subjects are checked below, by verify-vsa's rule (every
	// digest asked for in some subject).
	a := v.VerifyEntry(ctx, e, policy.WithoutArtifactUnsafe())
	if !a.Verified {
		return a, nil, a.Err
	}
	if a.PredicateType() != provenance.PredicateVSAv1 {
		return a, nil, fmt.Errorf("predicate type is %q, want %s", a.PredicateType(), provenance.PredicateVSAv1)
	}
	have := map[string]bool{}
	for _, s := range a.Statement.GetSubject() {
		for alg, val := range s.GetDigest() {
			have[alg+":"+val] = true
		}
	}
	for _, d := range c.SubjectDigests {
		if !have[d] {
			return a, nil, fmt.Errorf("no subject has digest %s", d)
		}
	}
	vsa, err := provenance.ReadVSAPayload(a.Statement, a.Payload)
	if err != nil {
		return a, nil, err
	}
	if got := vsa.GetVerifier().GetId(); got != c.VerifierID {
		return a, nil, fmt.Errorf("verifier id is %q, want %q", got, c.VerifierID)
	}
	if got := vsa.GetResourceUri(); got != c.ResourceURI {
		return a, nil, fmt.Errorf("resource URI is %q, want %q", got, c.ResourceURI)
	}
	if got := vsa.GetVerificationResult(); got != provenance.VSAPassed {
		return a, nil, fmt.Errorf("verification result is %q, not PASSED", got)
	}
	return a, vsa, matchLevels(vsa.GetVerifiedLevels(), c.Levels)
}

// ValidateLevels checks levels as Verify reads them: SLSA_<TRACK>_LEVEL_<n>
// strictly, anything else as written.
func ValidateLevels(levels []string) error {
	_, err := slsaLevels(levels)
	return err
}

// matchLevels is slsa-verifier's rule: SLSA track levels are minimums,
// other levels must be present.
func matchLevels(got, want []string) error {
	gotSLSA, err := slsaLevels(got)
	if err != nil {
		return err
	}
	wantSLSA, _ := slsaLevels(want)
	for track, min := range wantSLSA {
		if lvl, ok := gotSLSA[track]; !ok {
			return fmt.Errorf("verified levels %v have no SLSA %s level", got, track)
		} else if lvl < min {
			return fmt.Errorf("SLSA %s level is %d, want at least %d", track, lvl, min)
		}
	}
	for _, w := range want {
		if !strings.HasPrefix(w, "SLSA_") && !slices.Contains(got, w) {
			return fmt.Errorf("verified levels %v do not include %s", got, w)
		}
	}
	return nil
}

// slsaLevelRE is an SLSA track level, strictly: an upper-case track name
// and a level of ASCII digits without sign, padding or leading zero.
var slsaLevelRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^SLSA_([A-Z]+)_LEVEL_(0|[1-9][0-9]{0,2})$`) })

// slsaLevels reads the SLSA_<TRACK>_LEVEL_<n> levels of a list, the
// highest per track. Anything else that starts with SLSA_ is an error:
// SLSA_BUILD_LEVEL_+3, _03, "_3 " or a non-ASCII digit is not level 3.
func slsaLevels(levels []string) (map[string]int, error) {
	out := map[string]int{}
	for _, l := range levels {
		if !strings.HasPrefix(l, "SLSA_") {
			continue
		}
		m := slsaLevelRE().FindStringSubmatch(l)
		if m == nil {
			return nil, fmt.Errorf("invalid SLSA level %q (want SLSA_<TRACK>_LEVEL_<n>)", l)
		}
		n, err := strconv.Atoi(m[2])
		if err != nil {
			return nil, fmt.Errorf("invalid SLSA level %q (want SLSA_<TRACK>_LEVEL_<n>)", l)
		}
		out[m[1]] = max(out[m[1]], n)
	}
	return out, nil
}
