package provenancetest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
)

// Line signs payload with keys into one DSSE envelope and returns it as a
// bundle line, without the newline.
func Line(t testing.TB, payloadType string, payload []byte, keys ...Key) string {
	t.Helper()
	signers := make([]attest.Signer, len(keys))
	for i, k := range keys {
		signers[i] = k.Signer
	}
	env, err := attest.SignPayload(context.Background(), payloadType, payload, signers...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := attest.MarshalEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// StatementLine signs the statement with keys into a bundle line.
func StatementLine(t testing.TB, st *attest.Statement, keys ...Key) string {
	t.Helper()
	payload, err := attest.MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	return Line(t, attest.PayloadType, payload, keys...)
}

// CertLine returns env as a bundle line whose signature i carries certs[i]
// (PEM, the leaf first, then its chain) in its cert field: each signature
// its own certificate, which attest.MarshalEnvelopeWithCert, one for all,
// does not write.
func CertLine(t testing.TB, env *attest.Envelope, certs ...string) string {
	t.Helper()
	if len(certs) != len(env.Signatures) {
		t.Fatalf("CertLine: %d certificates for %d signatures", len(certs), len(env.Signatures))
	}
	type sig struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
		Cert  string `json:"cert"`
	}
	sigs := make([]sig, len(certs))
	for i, s := range env.Signatures {
		sigs[i] = sig{KeyID: s.KeyID, Sig: s.Sig, Cert: certs[i]}
	}
	b, err := json.Marshal(map[string]any{"payloadType": env.PayloadType, "payload": env.Payload, "signatures": sigs})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Entries reads the lines as the bundle file b.jsonl (errors about them
// name b.jsonl:N) and returns its entries.
func Entries(t testing.TB, lines ...string) []attest.Entry {
	t.Helper()
	es, err := attest.ReadBundle(strings.NewReader(strings.Join(lines, "\n")+"\n"), "b.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return es
}
