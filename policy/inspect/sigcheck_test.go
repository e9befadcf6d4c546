package inspect

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// TestSignatureChecksBounded: inspect shows every signature's status, but
// spends at most the signature-checks limit on an envelope; what that
// leaves unchecked says so.
func TestSignatureChecksBounded(t *testing.T) {
	s, pub := testKey(t)
	var keys []*attest.PublicKey
	for i := range 3 {
		keys = append(keys, provenancetest.SeededKey(t, byte(20+i)).Public)
	}
	keys = append(keys, pub)
	line := bundle(t, s, step{"a", nil, []string{"p"}})
	parsed, err := attest.ParseEnvelope(bytes.TrimSpace(line))
	if err != nil {
		t.Fatal(err)
	}
	env := *parsed
	good := env.Signatures[0]
	good.KeyID = "" // no hint: every key is tried
	env.Signatures = nil
	for range 5 {
		junk := good
		junk.Sig = strings.Repeat("A", 86) + "=="
		env.Signatures = append(env.Signatures, junk)
	}
	env.Signatures = append(env.Signatures, good)
	data, err := attest.MarshalEnvelope(&env)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		limit      int
		wantStatus string
		wantReason string
	}{
		{0, StatusFailed, "); stopped after 16 signature checks (the signature-checks limit)"},
		{24, StatusVerified, ""},
	} {
		t.Run(fmt.Sprint("limit ", c.limit), func(t *testing.T) {
			r := inspect(t, append(data, '\n'), WithKeys(keys...), WithLimits(attest.Limits{SignatureChecks: c.limit}))
			e := r.Envelopes[0]
			if e.Status != c.wantStatus || !strings.HasSuffix(e.Reason, c.wantReason) || (c.wantReason == "") != (e.Reason == "") {
				t.Errorf("status %s (%s), want %s (%s)", e.Status, e.Reason, c.wantStatus, c.wantReason)
			}
			last := e.Signatures[len(e.Signatures)-1]
			if c.limit == 0 && (last.Status != StatusUnverified || !strings.Contains(last.Reason, "signature-checks limit")) {
				t.Errorf("last signature %+v, want not checked", last)
			}
			if c.limit == 24 && (last.Status != StatusVerified || last.VerifiedBy != pub.ID) {
				t.Errorf("last signature %+v, want verified by %s", last, pub.ID)
			}
		})
	}
}
