package policy

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/policy/rules"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// FuzzPolicyInput signs arbitrary statement payloads with a trusted key, so
// that they pass the signature check and reach the statement parser and the
// policy input builder: these must never panic, and every input document
// they build must encode as JSON.
func FuzzPolicyInput(f *testing.F) {
	k := provenancetest.SeededKeys(f, 4)
	app := newArt("app")
	good := v1Line(f, provenance.AttestOptions{BuilderID: "https://b", Source: "git+https://github.com/o/r"}, []digest.Artifact{app.subject(digest.SHA256)}, k[0])
	var env attest.Envelope
	if err := json.Unmarshal([]byte(good), &env); err != nil {
		f.Fatal(err)
	}
	payload, _ := decodeStd(env.Payload)
	f.Add(payload)
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"app","digest":{"sha256":"` + app.sha256 + `"}}],"predicateType":"https://slsa.dev/provenance/v0.2","predicate":{"builder":{"id":"x"},"materials":[{"uri":"git+https://github.com/o/r","digest":{"sha1":"abc"}}]}}`))
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":"` + app.sha256 + `"}}],"predicateType":"https://slsa.dev/verification_summary/v1","predicate":{"verifier":{"id":"v"},"verificationResult":"PASSED"}}`))
	v, err := NewVerifier(WithKeys(k[0].Public))
	if err != nil {
		f.Fatal(err)
	}
	inputs := []Input{app.input()}
	f.Fuzz(func(t *testing.T, payload []byte) {
		env, err := attest.SignPayload(context.Background(), attest.PayloadType, payload, k[0].Signer)
		if err != nil {
			t.Fatal(err)
		}
		line, _ := attest.MarshalEnvelope(env)
		entries, err := attest.ReadBundle(bytes.NewReader(append(line, '\n')), "b.jsonl")
		if err != nil {
			t.Fatalf("ReadBundle of a signed envelope: %v", err)
		}
		docs, err := v.PolicyInputs(context.Background(), entries, inputs)
		if err != nil {
			return
		}
		for _, d := range docs {
			if _, err := json.Marshal(d); err != nil {
				t.Fatalf("input document does not encode: %v", err)
			}
		}
		if _, err := v.Verify(context.Background(), entries, inputs); err != nil {
			t.Fatalf("Verify with inputs by digest = %v", err)
		}
	})
}

// FuzzParseConfig: a policy configuration file never panics the parser.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("data:\n  slsa:\n    level: 2\nexceptions:\n  - code: x\n    reason: y\n    expires: 2030-01-01\n"))
	f.Add([]byte("exceptions:\n  - package: release\n    title: t\n    artifacts: ['dist/*']\n    reason: r\n"))
	f.Add([]byte("data: [1, 2]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = rules.ParseConfig(data, "config.yaml")
	})
}

func decodeStd(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
