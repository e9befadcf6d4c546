package attest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

const (
	b64Hello = "aGVsbG8gd29ybGQ=" // "hello world"
	b64Sig   = "MEQCIANyarEBrVbCdjtsaqyOSHJ14qeRk6CdxfhZ2fjvPEo7AiBR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="
)

func TestParseEnvelope(t *testing.T) {
	ok := []struct {
		name string
		in   string
	}{
		{"compact", `{"payloadType":"t","payload":"` + b64Hello + `","signatures":[{"sig":"` + b64Sig + `"}]}`},
		{"pretty", "{\n  \"payloadType\": \"t\",\n  \"payload\": \"" + b64Hello + "\",\n  \"signatures\": [\n    {\"keyid\": \"k\", \"sig\": \"" + b64Sig + "\"}\n  ]\n}\n"},
		{"url-safe", `{"payloadType":"t","payload":"-_-_","signatures":[{"sig":"__8="}]}`},
		{"unpadded", `{"payloadType":"t","payload":"aGVsbG8gd29ybGQ","signatures":[{"sig":"AQ"}]}`},
		{"empty payload", `{"payloadType":"t","payload":"","signatures":[{"sig":"AQ=="}]}`},
		{"unknown field", `{"payloadType":"t","payload":"","signatures":[{"sig":"AQ==","extra":1}],"x":[]}`},
	}
	for _, c := range ok {
		env, err := ParseEnvelope([]byte(c.in))
		if err != nil {
			t.Errorf("ParseEnvelope(%s) = %v, want nil", c.name, err)
			continue
		}
		if env.PayloadType != "t" || len(env.Signatures) != 1 {
			t.Errorf("ParseEnvelope(%s) = %+v", c.name, env)
		}
	}

	bad := []struct {
		name string
		in   string
		want string
	}{
		{"empty", ``, "end of JSON"},
		{"not JSON", `hello`, "not valid JSON"},
		{"truncated", `{"payloadType":"t","payload":"` + b64Hello, "truncated"},
		{"truncated object", `{"payloadType":"t","payload":"",`, "end of JSON"},
		{"two documents", `{}{}`, "more than one"},
		{"array", `[]`, "not a JSON object"},
		{"string", `"x"`, "not a JSON object"},
		{"null", `null`, "not a JSON object"},
		{"duplicate key", `{"payloadType":"t","payload":"","payload":"` + b64Hello + `","signatures":[{"sig":"AQ=="}]}`, "duplicate"},
		{"duplicate key in a signature", `{"payloadType":"t","payload":"","signatures":[{"sig":"AQ==","sig":"Ag=="}]}`, "duplicate"},
		{"sigstore bundle", `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`, "Sigstore"},
		{"in-toto statement", `{"_type":"https://in-toto.io/Statement/v1"}`, "statement"},
		{"no payload", `{"payloadType":"t","signatures":[{"sig":"AQ=="}]}`, "no payload"},
		{"no payloadType", `{"payload":"","signatures":[{"sig":"AQ=="}]}`, "no payloadType"},
		{"empty payloadType", `{"payloadType":"","payload":"","signatures":[{"sig":"AQ=="}]}`, "no payloadType"},
		{"payload not base64", `{"payloadType":"t","payload":"%%%","signatures":[{"sig":"AQ=="}]}`, "payload is not base64"},
		{"payload bad padding", `{"payloadType":"t","payload":"A===","signatures":[{"sig":"AQ=="}]}`, "payload is not base64"},
		{"payload a number", `{"payloadType":"t","payload":1,"signatures":[{"sig":"AQ=="}]}`, "payload is not a string"},
		{"no signatures", `{"payloadType":"t","payload":""}`, "no signatures"},
		{"empty signatures", `{"payloadType":"t","payload":"","signatures":[]}`, "no signatures"},
		{"null signatures", `{"payloadType":"t","payload":"","signatures":null}`, "no signatures"},
		{"signatures an object", `{"payloadType":"t","payload":"","signatures":{}}`, "signatures is not a list"},
		{"empty sig", `{"payloadType":"t","payload":"","signatures":[{"sig":""}]}`, "signature 1 is empty"},
		{"missing sig", `{"payloadType":"t","payload":"","signatures":[{"sig":"AQ=="},{"keyid":"k"}]}`, "signature 2 is empty"},
		{"sig not base64", `{"payloadType":"t","payload":"","signatures":[{"sig":"not base64!"}]}`, "signature 1 is not base64"},
		{"too deep", `{"payloadType":"t","payload":"","x":` + strings.Repeat("[", MaxJSONDepth+1) + strings.Repeat("]", MaxJSONDepth+1) + `}`, "deeper"},
	}
	for _, c := range bad {
		env, err := ParseEnvelope([]byte(c.in))
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseEnvelope(%s) = %+v, %v, want ErrMalformed", c.name, env, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseEnvelope(%s) = %v, want an error containing %q", c.name, err, c.want)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseEnvelope(%s) error %q is not one line", c.name, err)
		}
	}
}

func TestMarshalEnvelopeRoundTrip(t *testing.T) {
	k := testKey(t, Ed25519, "a")
	env, err := SignPayload(context.Background(), PayloadType, []byte(`{"a":1}`), k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	line, err := MarshalEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(string(line), "\n") {
		t.Errorf("MarshalEnvelope = %q, want one line", line)
	}
	back, err := ParseEnvelope(line)
	if err != nil {
		t.Fatalf("ParseEnvelope(MarshalEnvelope(env)) = %v", err)
	}
	if back.Payload != env.Payload || back.PayloadType != env.PayloadType || back.Signatures[0] != env.Signatures[0] {
		t.Errorf("round trip = %+v, want %+v", back, env)
	}
}

func TestSignPayloadNoSigner(t *testing.T) {
	if _, err := SignPayload(context.Background(), PayloadType, []byte("x")); !errors.Is(err, ErrKey) {
		t.Errorf("SignPayload(no signer) = %v, want ErrKey", err)
	}
}

func TestVerifyEnvelopeThreshold(t *testing.T) {
	ctx := context.Background()
	a, b, c := testKey(t, Ed25519, "a"), testKey(t, ECDSAP256, "a"), testKey(t, Ed25519, "c")
	payload := []byte(`{"x":1}`)
	sign := func(signers ...Signer) *Envelope {
		t.Helper()
		env, err := SignPayload(ctx, PayloadType, payload, signers...)
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	keys3 := []*PublicKey{a.Public, b.Public, c.Public}
	ab := sign(a.Signer, b.Signer)
	// aa: the same signature twice; a2: two different signatures by a
	// (ECDSA signatures are randomised, so b signs twice).
	aa := sign(a.Signer)
	aa.Signatures = append(aa.Signatures, aa.Signatures[0])
	bb := sign(b.Signer, b.Signer)
	if bb.Signatures[0].Sig == bb.Signatures[1].Sig {
		t.Fatalf("test setup: ECDSA signed twice alike")
	}
	// A keyid that names no trusted key is ignored.
	unknownID := sign(a.Signer)
	unknownID.Signatures[0].KeyID = "66301bbf"
	// A keyid that names another trusted key is tried first, and then,
	// being only a hint, every other key: the signature counts for the
	// key that made it.
	mislabelled := sign(a.Signer)
	mislabelled.Signatures[0].KeyID = c.Public.ID

	cases := []struct {
		name      string
		env       *Envelope
		keys      []*PublicKey
		threshold int
		wantGot   int // for ErrThreshold; -1 when verification succeeds
	}{
		{"2 of 3, threshold 2", ab, keys3, 2, -1},
		{"2 of 3, threshold 1", ab, keys3, 1, -1},
		{"2 of 3, threshold 3", ab, keys3, 3, 2},
		{"same signature twice", aa, keys3, 2, 1},
		{"same key signing twice", bb, keys3, 2, 1},
		{"wrong key", ab, []*PublicKey{c.Public}, 1, 0},
		{"unknown keyid hint", unknownID, []*PublicKey{a.Public}, 1, -1},
		{"keyid of another trusted key", mislabelled, []*PublicKey{a.Public, c.Public}, 1, -1},
		{"keyid of another trusted key, threshold 2", mislabelled, []*PublicKey{a.Public, c.Public}, 2, 1},
		{"keyid matches", func() *Envelope { e := sign(a.Signer); e.Signatures[0].KeyID = a.Public.ID; return e }(), []*PublicKey{c.Public, a.Public}, 1, -1},
		{"key listed twice", aa, []*PublicKey{a.Public, a.Public, c.Public}, 2, 1},
	}
	for _, tc := range cases {
		v, err := VerifyEnvelope(ctx, tc.env, tc.keys, tc.threshold)
		if tc.wantGot < 0 {
			if err != nil {
				t.Errorf("VerifyEnvelope(%s) = %v, want nil", tc.name, err)
				continue
			}
			if string(v.Payload) != string(payload) || v.PayloadType != PayloadType {
				t.Errorf("VerifyEnvelope(%s) = %+v, want the payload", tc.name, v)
			}
			seen := map[string]bool{}
			for _, id := range v.KeyIDs {
				if seen[id] {
					t.Errorf("VerifyEnvelope(%s) key ids %v repeat %s", tc.name, v.KeyIDs, id)
				}
				seen[id] = true
			}
			if len(v.KeyIDs) < tc.threshold {
				t.Errorf("VerifyEnvelope(%s) key ids %v, want at least %d", tc.name, v.KeyIDs, tc.threshold)
			}
			continue
		}
		te, ok := errors.AsType[*ErrThreshold](err)
		if !ok || te.Got != tc.wantGot || te.Want != tc.threshold {
			t.Errorf("VerifyEnvelope(%s) = %v, %v, want ErrThreshold{Want: %d, Got: %d}", tc.name, v, err, tc.threshold, tc.wantGot)
			continue
		}
		if !errors.Is(err, ErrSignature) {
			t.Errorf("VerifyEnvelope(%s) = %v, want errors.Is ErrSignature", tc.name, err)
		}
	}
}

func TestVerifyEnvelopeTampered(t *testing.T) {
	ctx := context.Background()
	k := testKey(t, ECDSAP256, "a")
	env, err := SignPayload(ctx, PayloadType, []byte(`{"x":1}`), k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	keys := []*PublicKey{k.Public}
	if _, err := VerifyEnvelope(ctx, env, keys, 1); err != nil {
		t.Fatalf("VerifyEnvelope(untampered) = %v", err)
	}
	cases := map[string]func(e *Envelope){
		"payload":     func(e *Envelope) { e.Payload = base64.StdEncoding.EncodeToString([]byte(`{"x":2}`)) },
		"payloadType": func(e *Envelope) { e.PayloadType = "application/json" },
		"signature": func(e *Envelope) {
			sig, _ := base64.StdEncoding.DecodeString(e.Signatures[0].Sig)
			sig[len(sig)-1] ^= 0x40
			e.Signatures[0].Sig = base64.StdEncoding.EncodeToString(sig)
		},
	}
	for name, tamper := range cases {
		e := *env
		e.Signatures = append([]dsse.Signature(nil), env.Signatures...)
		tamper(&e)
		if _, err := VerifyEnvelope(ctx, &e, keys, 1); !errors.Is(err, ErrSignature) {
			t.Errorf("VerifyEnvelope(tampered %s) = %v, want ErrSignature", name, err)
		}
	}
}

func TestVerifyEnvelopeBadInput(t *testing.T) {
	ctx := context.Background()
	k := testKey(t, Ed25519, "a")
	env, err := SignPayload(ctx, PayloadType, []byte("x"), k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	keys := []*PublicKey{k.Public}
	cases := []struct {
		name      string
		env       *Envelope
		keys      []*PublicKey
		threshold int
		want      error
	}{
		{"nil envelope", nil, keys, 1, ErrMalformed},
		{"no signatures", &Envelope{PayloadType: "t", Payload: env.Payload}, keys, 1, ErrMalformed},
		{"payload not base64", &Envelope{PayloadType: "t", Payload: "!!", Signatures: env.Signatures}, keys, 1, ErrMalformed},
		{"signature not base64", &Envelope{PayloadType: "t", Payload: env.Payload, Signatures: []dsse.Signature{{Sig: "!!"}}}, keys, 1, ErrMalformed},
		{"no keys", env, nil, 1, ErrKey},
		{"threshold 0", env, keys, 0, ErrKey},
		{"threshold above keys", env, keys, 2, ErrKey},
		{"threshold above distinct keys", env, []*PublicKey{k.Public, k.Public}, 2, ErrKey},
	}
	for _, c := range cases {
		if _, err := VerifyEnvelope(ctx, c.env, c.keys, c.threshold); !errors.Is(err, c.want) {
			t.Errorf("VerifyEnvelope(%s) = %v, want %v", c.name, err, c.want)
		}
	}
}

// TestVerifyEnvelopeDuplicateKeyIDsCountOnce: go-securesystemslib prints to stdout when two
// accepted signatures share a key id; VerifyEnvelope must never get there
// (it de-duplicates keys first), so that a CLI printing JSON stays valid.
func TestVerifyEnvelopeDuplicateKeyIDsCountOnce(t *testing.T) {
	ctx := context.Background()
	a := testKey(t, Ed25519, "a")
	b := testKey(t, Ed25519, "c")
	// Two different keys claiming the same id (a JSON key's "keyid" is
	// taken as written): the second is dropped, never counted twice.
	b2 := *b.Public
	b2.ID = a.Public.ID
	env, err := SignPayload(ctx, PayloadType, []byte("x"), a.Signer, b.Signer)
	if err != nil {
		t.Fatal(err)
	}
	_, err = VerifyEnvelope(ctx, env, []*PublicKey{a.Public, &b2}, 1)
	if err != nil {
		t.Errorf("VerifyEnvelope(a, b under a's id) = %v, want nil (a signed)", err)
	}
	if _, err := VerifyEnvelope(ctx, env, []*PublicKey{a.Public, &b2}, 2); !errors.Is(err, ErrKey) {
		t.Errorf("VerifyEnvelope(two keys sharing one id, threshold 2) = %v, want ErrKey", err)
	}
}

func TestEnvelopeJSONFieldNames(t *testing.T) {
	k := testKey(t, Ed25519, "a")
	env, err := SignPayload(context.Background(), "t", []byte("x"), k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	line, _ := MarshalEnvelope(env)
	var m map[string]json.RawMessage
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"payloadType", "payload", "signatures"} {
		if _, ok := m[f]; !ok {
			t.Errorf("MarshalEnvelope = %s, want a %q field", line, f)
		}
	}
}
