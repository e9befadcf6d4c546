package attest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"
)

const sha256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func testStatement(t testing.TB) *Statement {
	t.Helper()
	pred, err := structpb.NewStruct(map[string]any{"b": 1, "a": []any{"x", true}})
	if err != nil {
		t.Fatal(err)
	}
	return &Statement{
		Type:          StatementTypeV1,
		Subject:       []*ita.ResourceDescriptor{{Name: "app", Digest: map[string]string{"sha256": sha256Hex}}},
		PredicateType: "https://example.com/p/v1",
		Predicate:     pred,
	}
}

func TestMarshalStatement(t *testing.T) {
	st := testStatement(t)
	first, err := MarshalStatement(st)
	if err != nil {
		t.Fatalf("MarshalStatement = %v", err)
	}
	for range 5 {
		again, _ := MarshalStatement(st)
		if !bytes.Equal(first, again) {
			t.Fatalf("MarshalStatement is not stable: %s then %s", first, again)
		}
	}
	want := `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":"` + sha256Hex + `"}}],"predicateType":"https://example.com/p/v1","predicate":{"a":["x",true],"b":1}}`
	if string(first) != want {
		t.Errorf("MarshalStatement = %s, want %s", first, want)
	}
	back, err := ParseStatement(PayloadType, first)
	if err != nil {
		t.Fatalf("ParseStatement(MarshalStatement) = %v", err)
	}
	if back.GetSubject()[0].GetName() != "app" || back.GetPredicateType() != st.GetPredicateType() {
		t.Errorf("ParseStatement(MarshalStatement) = %v", back)
	}

	bad := testStatement(t)
	bad.Subject = nil
	if _, err := MarshalStatement(bad); !errors.Is(err, ErrStatement) || !strings.Contains(err.Error(), "subject") {
		t.Errorf("MarshalStatement(no subject) = %v, want ErrStatement", err)
	}
	bad = testStatement(t)
	bad.Type = "https://in-toto.io/Statement/v2"
	if _, err := MarshalStatement(bad); !errors.Is(err, ErrStatement) {
		t.Errorf("MarshalStatement(bad type) = %v, want ErrStatement", err)
	}
}

func TestParseStatement(t *testing.T) {
	const subj = `"subject":[{"name":"a","digest":{"sha256":"` + sha256Hex + `"}}]`
	ok := []string{
		`{"_type":"https://in-toto.io/Statement/v1",` + subj + `,"predicateType":"p","predicate":{}}`,
		`{"_type":"https://in-toto.io/Statement/v0.1",` + subj + `,"predicateType":"p","predicate":{"a":1}}`,
		`{"_type":"https://in-toto.io/Statement/v1",` + subj + `,"predicateType":"p","predicate":{},"unknownField":[1]}`,
		"{\n  \"_type\": \"https://in-toto.io/Statement/v1\",\n  " + subj + ",\n  \"predicateType\": \"p\",\n  \"predicate\": {}\n}\n",
	}
	for _, in := range ok {
		if _, err := ParseStatement(PayloadType, []byte(in)); err != nil {
			t.Errorf("ParseStatement(%s) = %v, want nil", in, err)
		}
	}

	cases := []struct {
		name        string
		payloadType string
		in          string
		want        error
		msg         string
	}{
		{"other payloadType", "application/json", `{"_type":"https://in-toto.io/Statement/v1",` + subj + `,"predicateType":"p","predicate":{}}`, ErrPayloadType, "payload type"},
		{"empty payloadType", "", `{}`, ErrPayloadType, "payload type"},
		{"not JSON", PayloadType, `hello`, ErrStatement, "not valid JSON"},
		{"empty", PayloadType, ``, ErrStatement, "end of JSON"},
		{"truncated", PayloadType, `{"_type":"https://in-toto.io/Statement/v1",` + subj, ErrStatement, "end of JSON"},
		{"array", PayloadType, `[]`, ErrStatement, "not a JSON object"},
		{"duplicate _type", PayloadType, `{"_type":"https://in-toto.io/Statement/v1","_type":"https://in-toto.io/Statement/v1",` + subj + `,"predicateType":"p","predicate":{}}`, ErrDuplicateKey, "_type"},
		{"duplicate subject", PayloadType, `{"_type":"https://in-toto.io/Statement/v1",` + subj + `,` + subj + `,"predicateType":"p","predicate":{}}`, ErrDuplicateKey, "subject"},
		{"duplicate in digest", PayloadType, `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + sha256Hex + `","sha256":"` + strings.Repeat("0", 64) + `"}}],"predicateType":"p","predicate":{}}`, ErrDuplicateKey, "sha256"},
		{"duplicate deep in predicate", PayloadType, `{"_type":"https://in-toto.io/Statement/v1",` + subj + `,"predicateType":"p","predicate":{"a":[{"b":{"c":1,"c":2}}]}}`, ErrDuplicateKey, `"c"`},
		{"no _type", PayloadType, `{` + subj + `,"predicateType":"p","predicate":{}}`, ErrStatement, "unknown statement type"},
		{"Statement v0.2", PayloadType, `{"_type":"https://in-toto.io/Statement/v0.2",` + subj + `,"predicateType":"p","predicate":{}}`, ErrStatement, "unknown statement type"},
		{"Statement v2", PayloadType, `{"_type":"https://in-toto.io/Statement/v2",` + subj + `,"predicateType":"p","predicate":{}}`, ErrStatement, "unknown statement type"},
		{"_type not a string", PayloadType, `{"_type":1,` + subj + `,"predicateType":"p","predicate":{}}`, ErrStatement, ""},
		// encoding/json matches "_TYPE" to _type; the bindings do not:
		// whichever reading is taken, a wrong type is refused.
		{"case-variant _type", PayloadType, `{"_type":"https://in-toto.io/Statement/v0.2","_TYPE":"https://in-toto.io/Statement/v1",` + subj + `,"predicateType":"p","predicate":{}}`, ita.ErrInvalidStatementType, ""},
		{"no subject", PayloadType, `{"_type":"https://in-toto.io/Statement/v1","predicateType":"p","predicate":{}}`, ita.ErrSubjectRequired, ""},
		{"subject without digest", PayloadType, `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a"}],"predicateType":"p","predicate":{}}`, ita.ErrDigestRequired, ""},
		{"bad sha256", PayloadType, `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"abcd"}}],"predicateType":"p","predicate":{}}`, ita.ErrIncorrectDigestLength, ""},
		{"no predicateType", PayloadType, `{"_type":"https://in-toto.io/Statement/v1",` + subj + `,"predicate":{}}`, ita.ErrPredicateTypeRequired, ""},
		{"no predicate", PayloadType, `{"_type":"https://in-toto.io/Statement/v1",` + subj + `,"predicateType":"p"}`, ita.ErrPredicateRequired, ""},
		{"predicate an array", PayloadType, `{"_type":"https://in-toto.io/Statement/v1",` + subj + `,"predicateType":"p","predicate":[]}`, ErrStatement, ""},
		{"subject not an array", PayloadType, `{"_type":"https://in-toto.io/Statement/v1","subject":{},"predicateType":"p","predicate":{}}`, ErrStatement, ""},
	}
	for _, c := range cases {
		st, err := ParseStatement(c.payloadType, []byte(c.in))
		if !errors.Is(err, c.want) {
			t.Errorf("ParseStatement(%s) = %v, %v, want %v", c.name, st, err, c.want)
			continue
		}
		if c.want != ErrPayloadType && !errors.Is(err, ErrStatement) {
			t.Errorf("ParseStatement(%s) = %v, want errors.Is ErrStatement too", c.name, err)
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ParseStatement(%s) = %v, want an error containing %q", c.name, err, c.msg)
		}
	}
}

func TestSignStatementRoundTrip(t *testing.T) {
	ctx := context.Background()
	k := testKey(t, ECDSAP384, "a")
	env, err := SignStatement(ctx, testStatement(t), k.Signer)
	if err != nil {
		t.Fatalf("SignStatement = %v", err)
	}
	if env.PayloadType != PayloadType {
		t.Errorf("payloadType = %q, want %q", env.PayloadType, PayloadType)
	}
	v, err := VerifyEnvelope(ctx, env, []*PublicKey{k.Public}, 1)
	if err != nil {
		t.Fatalf("VerifyEnvelope = %v", err)
	}
	st, err := ParseStatement(v.PayloadType, v.Payload)
	if err != nil {
		t.Fatalf("ParseStatement = %v", err)
	}
	if st.GetSubject()[0].GetDigest()["sha256"] != sha256Hex {
		t.Errorf("round trip subject = %v", st.GetSubject())
	}
	bad := testStatement(t)
	bad.PredicateType = ""
	if _, err := SignStatement(ctx, bad, k.Signer); !errors.Is(err, ErrStatement) {
		t.Errorf("SignStatement(invalid) = %v, want ErrStatement", err)
	}
}

// TestMarshalStatementControlCharacters: strings with control characters
// (a tab in a file name, a multi-line script) must stay valid JSON and read
// back unchanged.
func TestMarshalStatementControlCharacters(t *testing.T) {
	st := testStatement(t)
	name := "dist/a\tb\nc\x01\u2028\"q\"\\ <&>"
	st.Subject[0].Name = name
	b, err := MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("MarshalStatement wrote invalid JSON: %q", b)
	}
	back, err := ParseStatement(PayloadType, b)
	if err != nil {
		t.Fatalf("ParseStatement = %v", err)
	}
	if got := back.GetSubject()[0].GetName(); got != name {
		t.Errorf("name = %q, want %q", got, name)
	}
}
