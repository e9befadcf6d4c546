package policy_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/trust"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// The tamper matrix: valid attestations of each key type, and every mutation
// we can think of applied to them. Each mutation must be denied; none may
// panic. The count is logged (go test -run TamperMatrix -v).

var tamperKeys struct {
	sync.Mutex
	m map[attest.KeyType]provenancetest.Key
}

// keysForTamper returns a key of each type, made once per test binary
// (RSA keys are slow to make).
func keysForTamper(t *testing.T) map[attest.KeyType]provenancetest.Key {
	t.Helper()
	tamperKeys.Lock()
	defer tamperKeys.Unlock()
	if tamperKeys.m == nil {
		m := map[attest.KeyType]provenancetest.Key{}
		for _, kt := range []attest.KeyType{attest.Ed25519, attest.ECDSAP256, attest.ECDSAP384, attest.RSA3072} {
			m[kt] = provenancetest.NewKey(t, kt)
		}
		tamperKeys.m = m
	}
	return tamperKeys.m
}

// tamperStatement is the statement every case starts from.
func tamperStatement(t *testing.T, sha string) *attest.Statement {
	t.Helper()
	ext, _ := structpb.NewStruct(map[string]any{"source": "git+https://github.com/example/app@refs/tags/v1"})
	st, err := provenance.NewStatement([]digest.Artifact{{Name: "app.tar.gz", Digests: digest.Set{"sha256": sha}}}, &slsa1.Provenance{
		BuildDefinition: &slsa1.BuildDefinition{BuildType: "https://example.com/bt", ExternalParameters: ext},
		RunDetails:      &slsa1.RunDetails{Builder: &slsa1.Builder{Id: "https://ci.example.com/builder"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

type mutation struct {
	name string
	line []byte
}

func envelopeLine(t *testing.T, env *attest.Envelope) []byte {
	t.Helper()
	b, err := attest.MarshalEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func cloneEnv(e *attest.Envelope) *attest.Envelope {
	c := *e
	c.Signatures = append(c.Signatures[:0:0], e.Signatures...)
	return &c
}

// mutations derives every tampered variant of a valid envelope.
func mutations(t *testing.T, env *attest.Envelope, payload []byte, attacker attest.Signer, trusted attest.Signer) []mutation {
	t.Helper()
	var out []mutation
	add := func(name string, e *attest.Envelope) { out = append(out, mutation{name, envelopeLine(t, e)}) }
	sig, _ := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)

	// payloadType
	for _, pt := range []string{"", "application/vnd.in-toto+jsonx", "application/vnd.in-toto+JSON", "text/plain", "application/vnd.in-toto+json ", "application/vnd.dev.sigstore.bundle+json"} {
		e := cloneEnv(env)
		e.PayloadType = pt
		add("payloadType="+pt, e)
	}
	// every bit-flip position in the payload (one bit per byte)
	for i := range payload {
		p := bytes.Clone(payload)
		p[i] ^= 0x01
		e := cloneEnv(env)
		e.Payload = base64.StdEncoding.EncodeToString(p)
		add(fmt.Sprintf("payload byte %d", i), e)
	}
	// payload truncated and extended
	for _, p := range [][]byte{payload[:len(payload)-1], payload[1:], append(bytes.Clone(payload), ' '), append(bytes.Clone(payload), payload...), nil} {
		e := cloneEnv(env)
		e.Payload = base64.StdEncoding.EncodeToString(p)
		add(fmt.Sprintf("payload length %d", len(p)), e)
	}
	// every byte of the signature
	for i := range sig {
		s := bytes.Clone(sig)
		s[i] ^= 0x80
		e := cloneEnv(env)
		e.Signatures[0].Sig = base64.StdEncoding.EncodeToString(s)
		add(fmt.Sprintf("signature byte %d", i), e)
	}
	// signature truncated, empty, or removed
	for _, s := range [][]byte{sig[:len(sig)-1], sig[:len(sig)/2], {}} {
		e := cloneEnv(env)
		e.Signatures[0].Sig = base64.StdEncoding.EncodeToString(s)
		add(fmt.Sprintf("signature length %d", len(s)), e)
	}
	e := cloneEnv(env)
	e.Signatures = nil
	add("no signatures", e)
	// not base64
	e = cloneEnv(env)
	e.Signatures[0].Sig = "!!" + env.Signatures[0].Sig
	add("signature not base64", e)
	e = cloneEnv(env)
	e.Payload = "!!" + env.Payload
	add("payload not base64", e)
	// the keyid never makes a signature count: an attacker's signature
	// carrying the trusted key's id
	forged, err := attest.SignPayload(context.Background(), env.PayloadType, payload, attacker)
	if err != nil {
		t.Fatal(err)
	}
	forged.Signatures[0].KeyID = env.Signatures[0].KeyID
	add("attacker signature with trusted keyid", forged)
	// a valid signature over another payload, spliced in
	other := bytes.Replace(payload, []byte("ci.example.com"), []byte("ev.example.com"), 1)
	spliced, err := attest.SignPayload(context.Background(), env.PayloadType, other, trusted)
	if err != nil {
		t.Fatal(err)
	}
	e = cloneEnv(env)
	e.Signatures = spliced.Signatures
	add("signature of another payload", e)
	e = cloneEnv(spliced)
	e.Signatures = env.Signatures
	add("payload of another signature", e)
	// subject digest changed, by the attacker (re-signed) and in place
	var doc map[string]any
	if err := json.Unmarshal(payload, &doc); err != nil {
		t.Fatal(err)
	}
	doc["subject"].([]any)[0].(map[string]any)["digest"].(map[string]any)["sha256"] = strings.Repeat("0", 64)
	altered, _ := json.Marshal(doc)
	e = cloneEnv(env)
	e.Payload = base64.StdEncoding.EncodeToString(altered)
	add("subject digest changed in place", e)
	if resigned, err := attest.SignPayload(context.Background(), env.PayloadType, altered, attacker); err == nil {
		add("subject digest changed and re-signed by an attacker", resigned)
	}
	// a payload with a duplicate key, even when signed by the trusted key:
	// two parsers would disagree about what was signed
	dup := bytes.Replace(payload, []byte(`{"_type":`), []byte(`{"predicateType":"https://example.com/x","_type":`), 1)
	if !bytes.Equal(dup, payload) {
		if s, err := attest.SignPayload(context.Background(), env.PayloadType, dup, trusted); err == nil {
			add("duplicate key, validly signed", s)
		}
	}
	// another statement type, validly signed
	for _, typ := range []string{"https://in-toto.io/Statement/v0.2", "https://in-toto.io/Statement/v2", ""} {
		p := bytes.Replace(payload, []byte(attest.StatementTypeV1), []byte(typ), 1)
		if s, err := attest.SignPayload(context.Background(), env.PayloadType, p, trusted); err == nil {
			add("statement type "+typ, s)
		}
	}
	return out
}

// rawMutations tamper with the JSON text of the line itself.
func rawMutations(line []byte) []mutation {
	var out []mutation
	for i := 1; i < len(line); i += 7 {
		out = append(out, mutation{fmt.Sprintf("truncated at %d", i), line[:i]})
	}
	out = append(out,
		mutation{"duplicate payload key", bytes.Replace(line, []byte(`{"payloadType"`), []byte(`{"payload":"e30=","payloadType"`), 1)},
		mutation{"duplicate payloadType key", bytes.Replace(line, []byte(`{"payloadType"`), []byte(`{"payloadType":"text/plain","payloadType"`), 1)},
		mutation{"trailing garbage", append(bytes.Clone(line), []byte(` {}`)...)},
		mutation{"array instead of object", append(append([]byte("["), line...), ']')},
		mutation{"null", []byte("null")},
	)
	return out
}

func TestTamperMatrix(t *testing.T) {
	keys := keysForTamper(t)
	artifact := []byte("the release artifact\n")
	ad, err := digest.Reader(bytes.NewReader(artifact), digest.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	input := []policy.Input{{Name: "app.tar.gz", Digests: ad}}
	total := 0
	for kt, k := range keys {
		t.Run(string(kt), func(t *testing.T) {
			st := tamperStatement(t, ad[digest.SHA256])
			env, err := attest.SignStatement(context.Background(), st, k.Signer)
			if err != nil {
				t.Fatal(err)
			}
			payload, _ := base64.StdEncoding.DecodeString(env.Payload)
			attacker := keys[attest.Ed25519].Signer
			if kt == attest.Ed25519 {
				attacker = keys[attest.ECDSAP256].Signer
			}
			expect := []policy.Expectation{policy.WithBuilderID("https://ci.example.com/builder")}
			v, err := policy.NewVerifier(policy.WithKeys(k.Public), builderTrust(k.Public, "https://ci.example.com/builder"))
			if err != nil {
				t.Fatal(err)
			}
			verify := func(line []byte) *policy.Report {
				entries, err := attest.ReadBundle(bytes.NewReader(append(bytes.Clone(line), '\n')), "b.intoto.jsonl")
				if err != nil {
					entries = []attest.Entry{{Source: attest.Source{File: "b.intoto.jsonl"}, Err: err}}
				}
				r, err := v.Verify(context.Background(), entries, input, expect...)
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return r
			}
			// The unmodified envelope verifies: the matrix starts from good.
			if r := verify(envelopeLine(t, env)); !r.Allowed {
				t.Fatalf("the valid envelope is denied: %+v", r.Artifacts)
			}
			ms := append(mutations(t, env, payload, attacker, k.Signer), rawMutations(envelopeLine(t, env))...)
			for _, m := range ms {
				if r := verify(m.line); r.Allowed {
					t.Errorf("mutation %q was allowed", m.name)
				}
			}
			// The same signature twice does not meet a threshold of two.
			twice := cloneEnv(env)
			twice.Signatures = append(twice.Signatures, env.Signatures[0])
			v2, err := policy.NewVerifier(policy.WithKeys(k.Public, keys[attest.Ed25519].Public, keys[attest.ECDSAP256].Public), policy.WithThreshold(2))
			if err != nil {
				t.Fatal(err)
			}
			entries, _ := attest.ReadBundle(bytes.NewReader(append(envelopeLine(t, twice), '\n')), "b.intoto.jsonl")
			if r, _ := v2.Verify(context.Background(), entries, input); r == nil || r.Allowed {
				t.Error("one signature listed twice met a threshold of 2")
			}
			total += len(ms) + 1
		})
	}
	t.Logf("tamper matrix: %d mutations denied across %d key types", total, len(keys))
	if total < 1000 {
		t.Errorf("only %d mutations ran; the matrix is smaller than expected", total)
	}
}

// builderTrust maps key to the builder, as a trust file's keys[].builders
// does: the builder id the statements claim is then proven by the key.
func builderTrust(key *attest.PublicKey, builder string) policy.Option {
	return policy.WithTrust(&trust.File{File: "trust.yaml", Keys: []*trust.Key{{Name: "builder", KeyID: key.ID, Key: key, Builders: []string{builder}, Source: "trust.yaml:2"}}})
}
