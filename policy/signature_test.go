package policy

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// keyedBundle signs any payload into a keyed Sigstore bundle v0.3 with a
// DSSE envelope (no log entry, no timestamp: the key alone vouches).
func keyedBundle(t *testing.T, s provenancetest.Key, payloadType, payload string) attest.Entry {
	t.Helper()
	env, err := attest.SignPayload(context.Background(), payloadType, []byte(payload), s.Signer)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(map[string]any{
		"mediaType":            "application/vnd.dev.sigstore.bundle.v0.3+json",
		"verificationMaterial": map[string]any{"publicKey": map[string]string{"hint": s.Public.ID}},
		"dsseEnvelope": map[string]any{"payloadType": env.PayloadType, "payload": env.Payload,
			"signatures": []map[string]string{{"sig": env.Signatures[0].Sig}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return attest.Entry{Source: attest.Source{File: "b.sigstore.json", Line: 1}, Sigstore: raw}
}

// TestVerifySignaturesStatementRule: verify-signature judges a DSSE
// statement as verify does (VerifyEntry: the acceptance rule, with verify's
// message) and matches the artifact by verify's rule (attest.DigestsMatch);
// a DSSE envelope or a legacy certificate envelope is not a signature
// bundle (issue 13, item 13; issue 14, item 1).
func TestVerifySignaturesStatementRule(t *testing.T) {
	k := provenancetest.SeededKeys(t, 4)
	sv, err := sigstore.NewVerifier(sigstore.WithKeys(k[0].Public))
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(WithSigstore(sv))
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("the release\n")
	path := filepath.Join(t.TempDir(), "app")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	s256, s512 := sha256.Sum256(content), sha512.Sum512(content)
	h256, h512 := hex.EncodeToString(s256[:]), hex.EncodeToString(s512[:])
	other512 := strings.Repeat("ab", 64)
	stmt := func(typ, subject string) string {
		return `{` + typ + `"subject":[` + subject + `],"predicateType":"https://example.com/p","predicate":{}}`
	}
	const v1 = `"_type":"https://in-toto.io/Statement/v1",`
	good := `{"name":"app","digest":{"sha256":"` + h256 + `"}}`
	cases := []struct {
		name, payloadType, payload, want string // want: "" verified, else a substring of the error
	}{
		{"good", attest.PayloadType, stmt(v1, good), ""},
		{"sha256 and sha512 agree", attest.PayloadType, stmt(v1, `{"name":"app","digest":{"sha256":"`+h256+`","sha512":"`+h512+`"}}`), ""},
		{"another subject names it", attest.PayloadType, stmt(v1, `{"name":"x","digest":{"sha256":"`+strings.Repeat("0", 64)+`"}},`+good), ""},
		{"no _type", attest.PayloadType, stmt("", good), "statement"},
		{"non-in-toto _type", attest.PayloadType, stmt(`"_type":"https://example.com/Statement/v1",`, good), "statement"},
		// sigstore-go refuses these two itself, before the acceptance rule.
		{"_type case variant", attest.PayloadType, stmt(`"_TYPE":"https://in-toto.io/Statement/v1",`, good), "sigstore verification"},
		{"uppercase digest", attest.PayloadType, stmt(v1, `{"name":"app","digest":{"sha256":"`+strings.ToUpper(h256)+`"}}`), "not lowercase hex"},
		{"predicate_type", attest.PayloadType, `{` + v1 + `"subject":[` + good + `],"predicate_type":"https://example.com/p","predicate":{}}`, `member "predicate_type"`},
		{"not an in-toto payload type", "application/json", stmt(v1, good), "sigstore verification"},
		{"sha256 agrees, sha512 does not", attest.PayloadType, stmt(v1, `{"name":"app","digest":{"sha256":"`+h256+`","sha512":"`+other512+`"}}`), "no subject of the statement names this artifact"},
		{"sha512 only, another artifact", attest.PayloadType, stmt(v1, `{"name":"app","digest":{"sha512":"`+other512+`"}}`), "no subject of the statement names this artifact"},
	}
	for _, c := range cases {
		entry := keyedBundle(t, k[0], c.payloadType, c.payload)
		// verify's verdict on the same entry, for its message.
		viaVerify := v.VerifyEntry(context.Background(), entry, WithoutArtifactUnsafe())
		for _, art := range []sigstore.Artifact{{Path: path}, {Digests: digest.Set{"sha256": h256, "sha512": h512}}} {
			got, ok := v.VerifySignatures(context.Background(), []attest.Entry{entry}, art)
			if len(got) != 1 {
				t.Fatalf("%s: %d results", c.name, len(got))
			}
			switch {
			case c.want == "" && !ok:
				t.Errorf("%s (%+v): not verified: %v", c.name, art, got[0].Err)
			case c.want != "" && (ok || !strings.Contains(got[0].Err.Error(), c.want)):
				t.Errorf("%s (%+v): verified %v, error %v; want %q", c.name, art, ok, got[0].Err, c.want)
			case !viaVerify.Verified && got[0].Err.Error() != viaVerify.Err.Error():
				t.Errorf("%s: verify-signature says %q, verify says %q", c.name, got[0].Err, viaVerify.Err)
			}
		}
	}
	// A plain DSSE envelope is not a signature bundle.
	dsse := provenancetest.Entries(t, v1Line(t, provenance.AttestOptions{}, []digest.Artifact{newArt("app").subject(digest.SHA256)}, k[0]))[0]
	if got, ok := v.VerifySignatures(context.Background(), []attest.Entry{dsse}, sigstore.Artifact{Path: path}); ok || !errors.Is(got[0].Err, ErrNotSignature) {
		t.Errorf("VerifySignatures(DSSE envelope) = %v, %v", got[0].Err, ok)
	}
}
