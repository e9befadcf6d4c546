package policy

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/policy/trust"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// junkLine is a statement signed by n attacker keys, without keyids.
func junkLine(t *testing.T, n int) string {
	t.Helper()
	var signers []attest.Signer
	for range n {
		signers = append(signers, provenancetest.NewKey(t, attest.Ed25519).Signer)
	}
	app := newArt("app")
	st, err := provenance.NewAttestStatement([]digest.Artifact{app.subject(digest.SHA256)}, provenance.AttestOptions{BuilderID: "https://ci.example.com/b"})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := attest.MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	env, err := attest.SignPayload(context.Background(), attest.PayloadType, payload, signers...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range env.Signatures {
		env.Signatures[i].KeyID = ""
	}
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestJunkSignaturesDenied: junk signatures against 4 trusted keys stop at
// the signature-checks limit, a denial that says so. With a trust file,
// its unusable keys (expired, revoked), which were each tried again over
// every signature to say who signed, share the same limit: here the one
// usable key takes it all.
func TestJunkSignaturesDenied(t *testing.T) {
	k := provenancetest.SeededKeys(t, 4)
	app := newArt("app")
	junk := junkLine(t, 16)
	const limitMsg = "); stopped after 16 signature checks (the signature-checks limit)"
	path := trustDir(t, `keys:
  - id: current
    path: k0.pub
  - id: old1
    path: k1.pub
    validUntil: 2020-01-01T00:00:00Z
  - id: old2
    path: k2.pub
    validUntil: 2020-01-01T00:00:00Z
  - id: old3
    path: k3.pub
    revoked: true
`)
	tr, err := trust.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opts []Option
		want string
	}{
		{"--key", []Option{WithKeys(k[0].Public, k[1].Public, k[2].Public, k[3].Public)}, limitMsg},
		{"trust file", []Option{WithTrust(tr), WithClock(func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) })}, ")"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := NewVerifier(c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			r, err := v.Verify(context.Background(), provenancetest.Entries(t, junk), []Input{app.input()})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(r.Artifacts[0].Reasons, "\n"); r.Allowed || !strings.HasPrefix(got, "b.jsonl:1: signature: no signature from a trusted key (the envelope's signatures carry no key id; trusted: ") || !strings.HasSuffix(got, c.want) {
				t.Errorf("allowed %v, reasons %q; want denied with %q", r.Allowed, got, c.want)
			}
		})
	}
}
