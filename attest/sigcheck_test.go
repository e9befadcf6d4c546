package attest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// junkSigned signs payload with n attacker keys of type kt: well-formed
// signatures (each costs a whole public-key operation) that no trusted key
// verifies, with the given keyid (empty: no hint).
func junkSigned(t testing.TB, kt KeyType, n int, keyid string) *Envelope {
	t.Helper()
	if n == 0 {
		return &Envelope{PayloadType: PayloadType, Payload: base64.StdEncoding.EncodeToString([]byte(`{"x":1}`))}
	}
	signers := make([]Signer, n)
	for i := range signers {
		signers[i] = testKey(t, kt, fmt.Sprintf("attacker-%d", i)).Signer
	}
	env, err := SignPayload(context.Background(), PayloadType, []byte(`{"x":1}`), signers...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range env.Signatures {
		env.Signatures[i].KeyID = keyid
	}
	return env
}

func trustedKeys(t testing.TB, kt KeyType, n int) []*testKeyPair {
	t.Helper()
	out := make([]*testKeyPair, n)
	for i := range out {
		out[i] = testKey(t, kt, fmt.Sprintf("trusted-%d", i))
	}
	return out
}

func publics(ks []*testKeyPair) []*PublicKey {
	out := make([]*PublicKey, len(ks))
	for i, k := range ks {
		out[i] = k.Public
	}
	return out
}

// addSignature appends a signature of env's payload by s.
func addSignature(t testing.TB, env *Envelope, s Signer, keyid string) *Envelope {
	t.Helper()
	one, err := SignPayload(context.Background(), env.PayloadType, mustDecode(t, env.Payload), s)
	if err != nil {
		t.Fatal(err)
	}
	e := *env
	sig := one.Signatures[0]
	sig.KeyID = keyid
	e.Signatures = append(append([]dsse.Signature(nil), env.Signatures...), sig)
	return &e
}

func mustDecode(t testing.TB, s string) []byte {
	t.Helper()
	b, err := decodeBase64(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerifyEnvelopeBoundsWork: 16 junk signatures against 4 trusted keys
// cost 64 public-key operations an envelope (2,000 such envelopes took 28 s
// of CPU). The signature-checks limit bounds them, a keyid that names a
// trusted key is tried first, and what the bound cuts short is a denial
// that names the limit, never a pass.
func TestVerifyEnvelopeBoundsWork(t *testing.T) {
	ctx := context.Background()
	trusted := trustedKeys(t, Ed25519, 4)
	keys := publics(trusted)
	junk := junkSigned(t, Ed25519, 16, "")
	tests := []struct {
		name      string
		limits    Limits
		env       *Envelope
		keys      []*PublicKey
		threshold int
		wantKeys  []string // nil: denied
		maxChecks int
		limitHit  bool
	}{
		{"16 junk signatures, 4 keys", Limits{}, junk, keys, 1, nil, DefaultSignatureChecks, true},
		{"16 junk signatures, 4 keys, limit 5", Limits{SignatureChecks: 5}, junk, keys, 1, nil, 5, true},
		{"16 junk signatures hinting at a trusted key", Limits{}, junkSigned(t, Ed25519, 16, keys[0].ID), keys, 1, nil, DefaultSignatureChecks, true},
		{"2 junk signatures, 4 keys: all tried, under the limit", Limits{}, junkSigned(t, Ed25519, 2, ""), keys, 1, nil, 8, false},
		{"a hinted signature after 15 junk ones", Limits{}, addSignature(t, junkSigned(t, Ed25519, 15, ""), trusted[3].Signer, keys[3].ID), keys, 1, []string{keys[3].ID}, DefaultSignatureChecks, false},
		{"a hinted signature alone", Limits{}, addSignature(t, junkSigned(t, Ed25519, 0, ""), trusted[3].Signer, keys[3].ID), keys, 1, []string{keys[3].ID}, 1, false},
		{"an unhinted signature after 3 junk ones", Limits{}, addSignature(t, junkSigned(t, Ed25519, 3, ""), trusted[3].Signer, ""), keys, 1, []string{keys[3].ID}, 16, false},
		{"an unhinted signature after 4 junk ones: past the limit", Limits{}, addSignature(t, junkSigned(t, Ed25519, 4, ""), trusted[3].Signer, ""), keys, 1, nil, 16, true},
		{"the same, the limit raised", Limits{SignatureChecks: 20}, addSignature(t, junkSigned(t, Ed25519, 4, ""), trusted[3].Signer, ""), keys, 1, []string{keys[3].ID}, 20, false},
		{"a keyid naming another trusted key is only a hint", Limits{}, addSignature(t, junkSigned(t, Ed25519, 1, ""), trusted[2].Signer, keys[0].ID), keys, 1, []string{keys[2].ID}, 8, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := tt.limits.VerifyEnvelope(ctx, tt.env, tt.keys, tt.threshold)
			if tt.wantKeys != nil {
				if err != nil {
					t.Fatalf("VerifyEnvelope = %v, want verified by %v", err, tt.wantKeys)
				}
				if strings.Join(v.KeyIDs, ",") != strings.Join(tt.wantKeys, ",") {
					t.Errorf("signers %v, want %v", v.KeyIDs, tt.wantKeys)
				}
				if v.Checks > tt.maxChecks {
					t.Errorf("%d signature checks, want at most %d", v.Checks, tt.maxChecks)
				}
				return
			}
			te, ok := errors.AsType[*ErrThreshold](err)
			if !ok || !errors.Is(err, ErrSignature) {
				t.Fatalf("VerifyEnvelope = %v, %v; want a threshold denial", v, err)
			}
			if te.Checks > tt.maxChecks {
				t.Errorf("%d signature checks, want at most %d", te.Checks, tt.maxChecks)
			}
			le, hit := errors.AsType[*LimitError](err)
			if hit != tt.limitHit {
				t.Errorf("limit hit = %v (%v), want %v", hit, err, tt.limitHit)
			}
			if hit && (le.Name != "signature-checks" || !strings.Contains(err.Error(), "(the signature-checks limit)")) {
				t.Errorf("error %q, want the signature-checks limit named", err)
			}
		})
	}
}

// TestVerifyEnvelopeReportsEverySigner: the search goes on past the
// threshold (a trust file's steps need every signer), within the limit.
func TestVerifyEnvelopeReportsEverySigner(t *testing.T) {
	ctx := context.Background()
	trusted := trustedKeys(t, Ed25519, 3)
	keys := publics(trusted)
	env := junkSigned(t, Ed25519, 1, "")
	env = addSignature(t, env, trusted[1].Signer, "")
	env = addSignature(t, env, trusted[2].Signer, keys[2].ID)
	env = addSignature(t, env, trusted[0].Signer, "")
	v, err := VerifyEnvelope(ctx, env, keys, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{keys[1].ID, keys[2].ID, keys[0].ID}; strings.Join(v.KeyIDs, ",") != strings.Join(want, ",") || v.Incomplete {
		t.Errorf("signers %v (incomplete %v), want %v in signature order", v.KeyIDs, v.Incomplete, want)
	}
	// Cut short after the threshold: verified with the signers found,
	// and marked incomplete.
	v, err = Limits{SignatureChecks: 2}.VerifyEnvelope(ctx, env, keys, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Incomplete || len(v.KeyIDs) != 1 || v.KeyIDs[0] != keys[2].ID || v.Checks != 2 {
		t.Errorf("limit 2: %+v, want the hinted signer only, incomplete, 2 checks", v)
	}
}

// TestVerifyEnvelopeScalesWithKeys: the default limit is never below
// threshold × keys, so an unhinted signature by the last of 20 trusted
// keys verifies without raising anything.
func TestVerifyEnvelopeScalesWithKeys(t *testing.T) {
	trusted := trustedKeys(t, Ed25519, 20)
	env := addSignature(t, junkSigned(t, Ed25519, 0, ""), trusted[19].Signer, "")
	v, err := VerifyEnvelope(context.Background(), env, publics(trusted), 1)
	if err != nil {
		t.Fatalf("VerifyEnvelope(last of 20 keys, no keyid) = %v", err)
	}
	if v.Checks != 20 {
		t.Errorf("%d checks, want 20", v.Checks)
	}
}

// TestVerifyEnvelopeNoting: keys that must not count are tried with what
// is left of the same budget, to say they signed.
func TestVerifyEnvelopeNoting(t *testing.T) {
	ctx := context.Background()
	trusted := trustedKeys(t, Ed25519, 2)
	revoked := testKey(t, Ed25519, "revoked")
	env := addSignature(t, junkSigned(t, Ed25519, 0, ""), revoked.Signer, "")
	_, noted, err := DefaultLimits().VerifyEnvelopeNoting(ctx, env, publics(trusted), 1, []*PublicKey{revoked.Public})
	if !errors.Is(err, ErrSignature) || len(noted) != 1 || noted[0] != revoked.Public {
		t.Errorf("VerifyEnvelopeNoting = %v, %v; want denied, the revoked key noted", noted, err)
	}
	// With no budget left, nothing is noted, and the denial stands.
	env = addSignature(t, junkSigned(t, Ed25519, 8, ""), revoked.Signer, "")
	_, noted, err = DefaultLimits().VerifyEnvelopeNoting(ctx, env, publics(trusted), 1, []*PublicKey{revoked.Public})
	if !errors.Is(err, ErrLimit) || len(noted) != 0 {
		t.Errorf("VerifyEnvelopeNoting(8 junk first) = %v, %v; want the limit, nothing noted", noted, err)
	}
}

// TestVerifySignaturesBounded: inspect's per-signature statuses spend the
// same bound; what it leaves unchecked is marked so.
func TestVerifySignaturesBounded(t *testing.T) {
	trusted := trustedKeys(t, Ed25519, 4)
	keys := publics(trusted)
	env := addSignature(t, junkSigned(t, Ed25519, 16, ""), trusted[1].Signer, keys[1].ID)
	res, spent, err := DefaultLimits().VerifySignatures(context.Background(), env, keys)
	if err != nil {
		t.Fatal(err)
	}
	if spent != DefaultSignatureChecks {
		t.Errorf("spent %d checks, want %d", spent, DefaultSignatureChecks)
	}
	unchecked := 0
	for i, r := range res[:16] {
		if r.Key != nil {
			t.Errorf("junk signature %d verified by %s", i, r.Key.ID)
		}
		if r.Unchecked {
			unchecked++
		}
	}
	if unchecked != 12 {
		t.Errorf("%d junk signatures unchecked, want 12 (4 keys × 4 tried)", unchecked)
	}
	if !res[16].Unchecked || res[16].Key != nil {
		t.Errorf("the good signature after the budget ran out: %+v, want unchecked", res[16])
	}
	res, _, err = DefaultLimits().VerifySignatures(context.Background(), addSignature(t, junkSigned(t, Ed25519, 2, ""), trusted[1].Signer, keys[1].ID), keys)
	if err != nil || res[2].Key != keys[1] || res[0].Unchecked || res[0].Key != nil {
		t.Errorf("VerifySignatures(2 junk, 1 good) = %+v, %v", res, err)
	}
}

// FuzzVerifyEnvelopeBudget: whatever the envelope, verification spends at
// most the signature-checks limit, verifies only with signatures by the
// trusted keys, and names each signer once.
func FuzzVerifyEnvelopeBudget(f *testing.F) {
	trusted := trustedKeys(f, Ed25519, 3)
	keys := publics(trusted)
	good := addSignature(f, junkSigned(f, Ed25519, 2, ""), trusted[1].Signer, "")
	good = addSignature(f, good, trusted[2].Signer, keys[2].ID)
	line, err := MarshalEnvelope(good)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(line, uint8(0), uint8(1))
	f.Add(line, uint8(3), uint8(2))
	f.Add([]byte(junkEnvelope(16)), uint8(5), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, n, threshold uint8) {
		env, err := ParseEnvelope(data)
		if err != nil {
			return
		}
		l := Limits{SignatureChecks: int(n % 20)}
		th := 1 + int(threshold%3)
		budget := l.signatureChecks(th, len(keys))
		v, err := l.VerifyEnvelope(context.Background(), env, keys, th)
		if err != nil {
			te, ok := errors.AsType[*ErrThreshold](err)
			if !ok {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("VerifyEnvelope = %v, want a threshold denial or malformed input", err)
				}
				return
			}
			if te.Checks > budget {
				t.Fatalf("%d checks, limit %d", te.Checks, budget)
			}
			return
		}
		if v.Checks > budget || len(v.KeyIDs) < th {
			t.Fatalf("verified with %d checks (limit %d), signers %v (threshold %d)", v.Checks, budget, v.KeyIDs, th)
		}
		seen := map[string]bool{}
		for _, id := range v.KeyIDs {
			if seen[id] || (id != keys[0].ID && id != keys[1].ID && id != keys[2].ID) {
				t.Fatalf("signers %v", v.KeyIDs)
			}
			seen[id] = true
		}
	})
}
