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
		{"no _type", PayloadType, `{` + subj + `,"predicateType":"p","predicate":{}}`, ErrStatement, `no "_type" member`},
		{"Statement v0.2", PayloadType, `{"_type":"https://in-toto.io/Statement/v0.2",` + subj + `,"predicateType":"p","predicate":{}}`, ErrStatement, "unknown statement type"},
		{"Statement v2", PayloadType, `{"_type":"https://in-toto.io/Statement/v2",` + subj + `,"predicateType":"p","predicate":{}}`, ErrStatement, "unknown statement type"},
		{"_type not a string", PayloadType, `{"_type":1,` + subj + `,"predicateType":"p","predicate":{}}`, ErrStatement, ""},
		// encoding/json matches "_TYPE" to _type; the bindings do not:
		// a case variant is refused whatever the other members say.
		{"case-variant _type", PayloadType, `{"_type":"https://in-toto.io/Statement/v0.2","_TYPE":"https://in-toto.io/Statement/v1",` + subj + `,"predicateType":"p","predicate":{}}`, ErrStatement, `member "_TYPE" is not in the in-toto Statement v1 spec (the spec spells it "_type")`},
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

// TestParseStatementMembers: item 12 of issue 13. The statement parser
// accepted protobuf field names and case variants that protojson, the
// policy input (encoding/json into a map) and the old "_type" probe
// (encoding/json into a struct, case-insensitive) each read differently.
// Exactly the specification's member names are accepted now.
func TestParseStatementMembers(t *testing.T) {
	const (
		v1   = `"_type":"https://in-toto.io/Statement/v1"`
		v01  = `"_type":"https://in-toto.io/Statement/v0.1"`
		subj = `"subject":[{"name":"a","digest":{"sha256":"` + sha256Hex + `"}}]`
		rest = `"predicateType":"p","predicate":{}`
	)
	sub := func(rd string) string {
		return `"subject":[{"name":"a","digest":{"sha256":"` + sha256Hex + `"}},` + rd + `]`
	}
	dig := func(d string) string {
		return `{` + v1 + `,"subject":[{"name":"a","digest":{` + d + `}}],` + rest + `}`
	}
	refused := []struct {
		name, in, want string
	}{
		{"predicate_type", `{` + v1 + `,` + subj + `,"predicate_type":"p","predicate":{}}`, `member "predicate_type" is not in the in-toto Statement v1 spec (the spec spells it "predicateType")`},
		{"predicate_type beside predicateType", `{` + v1 + `,` + subj + `,` + rest + `,"predicate_type":"q"}`, `member "predicate_type" is not in`},
		{"_TYPE and type, no _type", `{"_TYPE":"https://in-toto.io/Statement/v1","type":"https://in-toto.io/Statement/v1",` + subj + `,` + rest + `}`, `member "_TYPE" is not in the in-toto Statement v1 spec (the spec spells it "_type")`},
		{"type alone (the proto name)", `{"type":"https://in-toto.io/Statement/v1",` + subj + `,` + rest + `}`, `member "type" is not in the in-toto Statement v1 spec (the spec spells it "_type")`},
		{"_type v0.1 with _Type v1", `{` + v01 + `,"_Type":"https://in-toto.io/Statement/v1",` + subj + `,` + rest + `}`, `member "_Type" is not in the in-toto Statement v0.1 spec (the spec spells it "_type")`},
		{"Subject", `{` + v1 + `,"Subject":[{"name":"a","digest":{"sha256":"` + sha256Hex + `"}}],` + rest + `}`, `member "Subject" is not in`},
		{"PredicateType", `{` + v1 + `,` + subj + `,"PredicateType":"p","predicate":{}}`, `member "PredicateType" is not in`},
		{"unknown member", `{` + v1 + `,` + subj + `,` + rest + `,"unknownField":[1]}`, `member "unknownField" is not in the in-toto Statement v1 spec`},
		{"subject Digest", `{` + v1 + `,` + sub(`{"name":"b","Digest":{"sha256":"`+sha256Hex+`"}}`) + `,` + rest + `}`, `subject[1]: member "Digest" is not in the in-toto Statement v1 spec (the spec spells it "digest")`},
		{"subject index counts every element", `{` + v1 + `,"subject":[1,[2,{"Digest":3}],{"name":"c","annotations":{"b":[{"Digest":1}]}},{"name":"b","Digest":{"sha256":"` + sha256Hex + `"}}],` + rest + `}`, `subject[3]: member "Digest"`},
		{"subject member after nested values", `{` + v1 + `,"subject":[{"annotations":{"x":[{"Digest":1}]},"name":"b","Digest":{}}],` + rest + `}`, `subject[0]: member "Digest"`},
		{"member after the predicate", `{` + v1 + `,` + subj + `,` + rest + `,"Subject":[]}`, `member "Subject" is not in the in-toto Statement v1 spec (the spec spells it "subject")`},
		{"v0.1 named after the subjects", `{` + sub(`{"name":"b","uri":"u","digest":{"sha256":"`+sha256Hex+`"}}`) + `,` + rest + `,` + v01 + `}`, `subject[1]: member "uri" is not in the in-toto Statement v0.1 spec`},
		{"subject download_location", `{` + v1 + `,` + sub(`{"name":"b","digest":{"sha256":"`+sha256Hex+`"},"download_location":"x"}`) + `,` + rest + `}`, `subject[1]: member "download_location" is not in the in-toto Statement v1 spec (the spec spells it "downloadLocation")`},
		{"subject media_type", `{` + v1 + `,` + sub(`{"name":"b","digest":{"sha256":"`+sha256Hex+`"},"media_type":"x"}`) + `,` + rest + `}`, `(the spec spells it "mediaType")`},
		{"subject unknown", `{` + v1 + `,` + sub(`{"name":"b","digest":{"sha256":"`+sha256Hex+`"},"sha256":"x"}`) + `,` + rest + `}`, `subject[1]: member "sha256" is not in`},
		{"v0.1 subject with uri", `{` + v01 + `,` + sub(`{"uri":"b","digest":{"sha256":"`+sha256Hex+`"}}`) + `,` + rest + `}`, `subject[1]: member "uri" is not in the in-toto Statement v0.1 spec`},
		{"null predicate", `{` + v1 + `,` + subj + `,"predicateType":"p","predicate":null}`, `member "predicate" is null`},
		{"null subject name", `{` + v1 + `,"subject":[{"name":null,"digest":{"sha256":"` + sha256Hex + `"}}],` + rest + `}`, `subject[0]: member "name" is null`},
		{"null _type", `{"_type":null,` + subj + `,` + rest + `}`, `member "_type" is null`},
		{"_type a number", `{"_type":1,` + subj + `,` + rest + `}`, `member "_type" is not a string`},
		{"_type with other case", `{"_type":"https://in-toto.io/statement/v1",` + subj + `,` + rest + `}`, `unknown statement type "https://in-toto.io/statement/v1"`},
		{"_type with a space", `{"_type":"https://in-toto.io/Statement/v1 ",` + subj + `,` + rest + `}`, `unknown statement type`},
		{"digest not hex", dig(`"sha256":"` + strings.Repeat("z", 64) + `"`), `subject[0]: digest sha256 "zzzz`},
		{"digest uppercase hex", dig(`"sha256":"` + strings.ToUpper(sha256Hex) + `"`), `is not lowercase hex`},
		{"digest wrong length", dig(`"sha256":"` + sha256Hex[:63] + `"`), `has 63 hex characters, want 64`},
		{"sha512 of sha256 length", dig(`"sha512":"` + sha256Hex + `"`), `digest sha512 "` + sha256Hex + `" has 64 hex characters, want 128`},
		{"sha1 too short", dig(`"sha1":"` + sha256Hex[:39] + `"`), `want 40`},
		{"gitCommit too long", dig(`"gitCommit":"` + sha256Hex[:41] + `"`), `want 40`},
		{"sm3 (not in the bindings) wrong length", dig(`"sm3":"abcd"`), `want 64`},
		{"blake2b odd length", dig(`"blake2b":"abc"`), `not a whole number of bytes`},
		{"uppercase algorithm", dig(`"SHA256":"` + sha256Hex + `"`), `digest algorithm "SHA256" is not in the in-toto digest spec (the spec spells it "sha256")`},
		{"sha-256", dig(`"sha-256":"` + sha256Hex + `"`), `(the spec spells it "sha256")`},
		{"gitcommit", dig(`"gitcommit":"` + sha256Hex[:40] + `"`), `(the spec spells it "gitCommit")`},
		{"SHA512/256", dig(`"SHA512/256":"` + sha256Hex + `"`), `(the spec spells it "sha512_256")`},
		{"sha256 with a trailing space", dig(`"sha256":"` + sha256Hex + `","sha256 ":"evil"`), `digest algorithm "sha256 " is not in the in-toto digest spec (the spec spells it "sha256")`},
		{"sha256 with a zero-width space", dig(`"sha\u200b256":"` + sha256Hex + `"`), `(the spec spells it "sha256")`},
		{"uppercase beside lowercase", dig(`"sha256":"` + sha256Hex + `","SHA256":"` + strings.Repeat("0", 64) + `"`), `digest algorithm "SHA256"`},
		{"custom algorithm empty", dig(`"myhash":""`), `digest "myhash" is empty`},
		{"empty algorithm name", dig(`"":"ab"`), `empty algorithm name`},
	}
	for _, c := range refused {
		_, err := ParseStatement(PayloadType, []byte(c.in))
		if !errors.Is(err, ErrStatement) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseStatement(%s) = %v, want ErrStatement containing %q", c.name, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseStatement(%s) = %q, want one line", c.name, err)
		}
	}
	// A member error says which member and where, as data.
	_, err := ParseStatement(PayloadType, []byte(`{`+v1+`,`+sub(`{"Digest":{"sha256":"`+sha256Hex+`"}}`)+`,`+rest+`}`))
	if me, ok := errors.AsType[*MemberError](err); !ok || me.Path != "subject[1]" || me.Member != "Digest" || me.Spelling != "digest" {
		t.Errorf("ParseStatement(subject Digest) = %#v, want a *MemberError for subject[1] Digest", err)
	}
	// Digest errors still carry the bindings' sentinels.
	if _, err := ParseStatement(PayloadType, []byte(dig(`"sha256":"`+strings.ToUpper(sha256Hex)+`"`))); !errors.Is(err, ita.ErrInvalidDigestEncoding) {
		t.Errorf("ParseStatement(uppercase hex) = %v, want ita.ErrInvalidDigestEncoding", err)
	}
	if _, err := ParseStatement(PayloadType, []byte(dig(`"sha256":"abcd"`))); !errors.Is(err, ita.ErrIncorrectDigestLength) {
		t.Errorf("ParseStatement(short sha256) = %v, want ita.ErrIncorrectDigestLength", err)
	}

	accepted := []struct{ name, in string }{
		{"v1", `{` + v1 + `,` + subj + `,` + rest + `}`},
		{"v0.1", `{` + v01 + `,` + subj + `,` + rest + `}`},
		{"every ResourceDescriptor member", `{` + v1 + `,"subject":[{"name":"a","uri":"https://x","digest":{"sha256":"` + sha256Hex + `"},"content":"aGk=","downloadLocation":"https://y","mediaType":"text/plain","annotations":{"k":"v","Digest":1}}],` + rest + `}`},
		{"members in another order", `{"predicate":{"predicate_type":1,"Digest":2},"predicateType":"p",` + subj + `,` + v1 + `}`},
		{"custom algorithm, any value", dig(`"gce_image_id":"8970095005306000053"`)},
		{"gitCommit", dig(`"gitCommit":"` + sha256Hex[:40] + `"`)},
		{"several algorithms", dig(`"sha256":"` + sha256Hex + `","sha512":"` + sha256Hex + sha256Hex + `","sha1":"` + sha256Hex[:40] + `"`)},
		{"shake256, variable length", dig(`"shake256":"abcdef"`)},
	}
	for _, c := range accepted {
		if _, err := ParseStatement(PayloadType, []byte(c.in)); err != nil {
			t.Errorf("ParseStatement(%s) = %v, want accepted", c.name, err)
		}
	}
}

// TestMarshalStatementDigests: what provenant signs passes its own rule.
func TestMarshalStatementDigests(t *testing.T) {
	st := testStatement(t)
	st.Subject[0].Digest = map[string]string{"SHA256": sha256Hex}
	if _, err := MarshalStatement(st); !errors.Is(err, ErrStatement) {
		t.Errorf("MarshalStatement(SHA256 digest) = %v, want ErrStatement", err)
	}
	st.Subject[0].Digest = map[string]string{"sha256": strings.ToUpper(sha256Hex)}
	if _, err := MarshalStatement(st); !errors.Is(err, ErrStatement) {
		t.Errorf("MarshalStatement(uppercase digest) = %v, want ErrStatement", err)
	}
}

func TestDigestsMatch(t *testing.T) {
	const a, b = "aa", "bb"
	for _, c := range []struct {
		subject, artifact map[string]string
		want              bool
	}{
		{map[string]string{"sha256": a}, map[string]string{"sha256": a}, true},
		{map[string]string{"sha256": a, "sha512": b}, map[string]string{"sha256": a}, true},
		{map[string]string{"sha256": a, "sha512": b}, map[string]string{"sha256": a, "sha512": b}, true},
		{map[string]string{"sha256": a, "sha512": a}, map[string]string{"sha256": a, "sha512": b}, false},
		{map[string]string{"sha512": a}, map[string]string{"sha256": a}, false},
		{map[string]string{"sha256": b}, map[string]string{"sha256": a}, false},
		{map[string]string{}, map[string]string{"sha256": a}, false},
		{map[string]string{"sha256": a}, map[string]string{}, false},
		{map[string]string{"gitCommit": a, "sha256": a}, map[string]string{"sha256": a}, true},
	} {
		if got := DigestsMatch(c.subject, c.artifact); got != c.want {
			t.Errorf("DigestsMatch(%v, %v) = %v, want %v", c.subject, c.artifact, got, c.want)
		}
	}
}
