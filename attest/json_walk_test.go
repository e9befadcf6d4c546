package attest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// walkRecord runs walk on data with a visitor that records every call (the
// frames it is shown, the name, the token's type and value) and returns
// the record and the walk's error.
func walkRecord(walk func([]byte, memberVisitor) error, data []byte) ([]string, error) {
	var rec []string
	err := walk(data, func(stack []jsonFrame, name string, value json.Token) error {
		var b strings.Builder
		for _, f := range stack {
			fmt.Fprintf(&b, "%v/%q/%d ", f.isObject, f.name, f.index)
		}
		fmt.Fprintf(&b, "%q = %T %#v", name, value, value)
		rec = append(rec, b.String())
		return nil
	})
	return rec, err
}

// walkCases are documents on which walkJSON and walkJSONTokens must agree:
// TestCheckNoDuplicateKeys's, and the corners of the grammar and of
// unescaping.
var walkCases = []string{
	``, ` `, `{}`, `[]`, `{"a":1}`, `{"a":1,"a":1}`, `{"a":1,"\u0061":2}`, `{"\u0061":1,"a":2}`,
	`{"\ud800":1,"\udc00":2}`, "{\"\xff\":1,\"\xfe\":2}", "{\"\xff\":1,\"\\ufffd\":2}", "{\"\ufffd\":1,\"\xff\":2}",
	`{"\"":1,"\\\"":2}`, `{"\/":1,"/":2}`, `{"a\u0000":1,"a":2}`, `{"é":1,"\u00e9":2}`, `{"é":1,"\u00E9":2}`,
	`{"a":{"a":{"a":1}}}`, `[{"a":1},{"a":1}]`, `{"x":[{"b":[],"b":{}}]}`, `{"a":1,"A":2}`,
	`{"a":1}{"b":2}`, `1 2`, `{"a":1} x`, `{"a":`, `{"a":1`, `[1,2`, `{"a" 1}`, `{"a":1,}`, `[1,]`, `{1:2}`,
	`{"a":tru}`, `{"a":01}`, `{"a":1x}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":1e+}`, `{"a":-0.5E-7}`,
	`}`, `]`, `'a'`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"tab\there\"", "\ufeff{}", `nul`, `null`, `true`, `false`,
	`{"a":1,"a"`, `{"a":1,"a"x`, `{"a":1,"b":2,"a":3`, `[[[`, `{"a":[}`, `[{]}`, `"a" "b"`, "{}\n\n", `{"":1,"":2}`,
	`{"_type":"x","subject":[{"name":"n","digest":{"sha256":"00"}},{"Digest":null}],"predicate":{"a":[1,{"b":null}]}}`,
	strings.Repeat("[", MaxJSONDepth) + strings.Repeat("]", MaxJSONDepth),
	strings.Repeat("[", MaxJSONDepth+1) + strings.Repeat("]", MaxJSONDepth+1),
	strings.Repeat(`{"a":`, MaxJSONDepth+1) + "1" + strings.Repeat("}", MaxJSONDepth+1),
	strings.Repeat("[", MaxJSONDepth+1) + "x",
	manyKeys(40, 39), manyKeys(40, 3), manyKeys(40, -1), manyKeys(17, 16), manyKeys(17, 0),
}

// manyKeys is an object of n members k0..k(n-1), then "k<dup>" again
// when dup >= 0.
func manyKeys(n, dup int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, `"k%d":{"k%d":[%d]},`, i, i, i)
	}
	if dup >= 0 {
		fmt.Fprintf(&b, `"k%d":0,`, dup)
	}
	b.WriteString(`"end":true}`)
	return b.String()
}

// TestWalkJSONAgrees: walkJSON answers as walkJSONTokens does (the same
// error, the same visits) on every case.
func TestWalkJSONAgrees(t *testing.T) {
	for _, c := range walkCases {
		if err := walkAgree([]byte(c)); err != nil {
			t.Errorf("%.80q: %v", c, err)
		}
	}
	// A few must be refused as duplicates (the unescaping rule).
	for _, c := range []string{`{"a":1,"\u0061":2}`, `{"\ud800":1,"\udc00":2}`, "{\"\xff\":1,\"\\ufffd\":2}", `{"é":1,"\u00E9":2}`, manyKeys(40, 39), manyKeys(17, 0)} {
		if err := checkNoDuplicateKeys([]byte(c)); err == nil || !strings.Contains(err.Error(), "duplicate") {
			t.Errorf("checkNoDuplicateKeys(%.80q) = %v, want a duplicate key", c, err)
		}
	}
}

func walkAgree(data []byte) error {
	gotRec, got := walkRecord(walkJSON, data)
	wantRec, want := walkRecord(walkJSONTokens, data)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("walkJSON = %v, walkJSONTokens = %v", got, want)
	}
	if want != nil {
		// On an error the visits made before it are discarded by every
		// caller; they may stop at a different token.
		return nil
	}
	if strings.Join(gotRec, "\n") != strings.Join(wantRec, "\n") {
		return fmt.Errorf("walkJSON visits\n%s\nwalkJSONTokens visits\n%s", strings.Join(gotRec, "\n"), strings.Join(wantRec, "\n"))
	}
	// And without a visitor.
	if got, want := walkJSON(data, nil), walkJSONTokens(data, nil); fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("without a visitor: walkJSON = %v, walkJSONTokens = %v", got, want)
	}
	return nil
}

// FuzzWalkJSONAgrees holds the one-pass walk to the Decoder.Token walk on
// any input: the same error (text included) and, on success, the same
// visits.
func FuzzWalkJSONAgrees(f *testing.F) {
	for _, c := range walkCases {
		f.Add([]byte(c))
	}
	seedVectors(f, "dsse", "in-toto/statement", "in-toto/resource-descriptor")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := walkAgree(data); err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		if err := walkJSON(data, nil); err != nil {
			return
		}
		// Accepted: it is JSON, without a duplicate.
		if !json.Valid(data) {
			t.Fatalf("walkJSON(%q) = nil, json.Valid = false", data)
		}
	})
}

// BenchmarkCheckJSON is the duplicate-key walk of one envelope line and
// of its statement payload (with the statement's member-name visitor),
// the one pass and encoding/json's Decoder.Token walk.
func BenchmarkCheckJSON(b *testing.B) {
	env, line := testEnvelopeLine(b)
	payload, err := decodeBase64(env.Payload)
	if err != nil {
		b.Fatal(err)
	}
	for _, walk := range []struct {
		name string
		fn   func([]byte, memberVisitor) error
	}{{"one-pass", walkJSON}, {"tokens", walkJSONTokens}} {
		b.Run("line/"+walk.name, func(b *testing.B) {
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				if err := walk.fn(line, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("statement/"+walk.name, func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				var w statementWalk
				if err := walk.fn(payload, w.visit); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// jsonDecodeAgree: jsonObject, jsonArray and jsonString decode data as
// json.Unmarshal does (the same values, an error when it fails), and
// jsonObject says walked only for a document checkNoDuplicateKeys passes.
func jsonDecodeAgree(data []byte) error {
	var wantM map[string]json.RawMessage
	wantErr := json.Unmarshal(data, &wantM)
	gotM, walked, gotErr := jsonObject(data)
	if (gotErr == nil) != (wantErr == nil) || fmt.Sprintf("%q", gotM) != fmt.Sprintf("%q", wantM) || (gotM == nil) != (wantM == nil) {
		return fmt.Errorf("jsonObject = %q, %v; json.Unmarshal = %q, %v", gotM, gotErr, wantM, wantErr)
	}
	if walked && checkNoDuplicateKeys(data) != nil {
		return fmt.Errorf("jsonObject walked a document checkNoDuplicateKeys refuses: %v", checkNoDuplicateKeys(data))
	}
	var wantA []json.RawMessage
	wantErr = json.Unmarshal(data, &wantA)
	gotA, gotErr := jsonArray(data)
	if (gotErr == nil) != (wantErr == nil) || fmt.Sprintf("%q", gotA) != fmt.Sprintf("%q", wantA) || (gotA == nil) != (wantA == nil) {
		return fmt.Errorf("jsonArray = %q, %v; json.Unmarshal = %q, %v", gotA, gotErr, wantA, wantErr)
	}
	if onlyKeyIDAndSig(data) {
		if certs := refSignatureCerts(map[string]json.RawMessage{"signatures": data}); certs != nil || json.Unmarshal(data, &wantA) != nil {
			return fmt.Errorf("onlyKeyIDAndSig = true, but encoding/json reads certificates %q (or not a list)", certs)
		}
	}
	want, got := "unset", "unset"
	wantErr = json.Unmarshal(data, &want)
	gotErr = jsonString(data, &got)
	if (gotErr == nil) != (wantErr == nil) || got != want {
		return fmt.Errorf("jsonString = %q, %v; json.Unmarshal = %q, %v", got, gotErr, want, wantErr)
	}
	return nil
}

func TestJSONDecodeAgrees(t *testing.T) {
	more := []string{`"plain"`, `"esc\"aped"`, "\"\xff\"", `"\u00e9"`, `"é"`, `null`, `5`, `[]`, `[1,"a",{"b":[]}]`, ` [ 1 , 2 ] `,
		`{"payloadType":"t","payload":"aGk=","signatures":[{"keyid":"k","sig":"AQ=="}]}`, `{"a":1,"a":2}`, `[{"a":1,"a":2}]`, `"a\u0000"`, "\"a\tb\""}
	for _, c := range append(walkCases, more...) {
		if err := jsonDecodeAgree([]byte(c)); err != nil {
			t.Errorf("%.80q: %v", c, err)
		}
	}
}

// FuzzJSONDecodeAgrees holds the one-pass decoding of envelope lines
// (jsonObject, jsonArray, jsonString, onlyKeyIDAndSig) to encoding/json's
// on any input.
func FuzzJSONDecodeAgrees(f *testing.F) {
	for _, c := range walkCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(`{"payloadType":"t","payload":"aGk=","signatures":[{"keyid":"k","sig":"AQ=="}]}`))
	f.Add([]byte(`[{"keyid":"k","sig":"AQ=="},{"sig":"AQ==","keyid":null}]`))
	f.Add([]byte(`[{"keyid":"k","sig":"AQ==","Cert":"x"}]`))
	seedVectors(f, "dsse")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := jsonDecodeAgree(data); err != nil {
			t.Fatalf("%q: %v", data, err)
		}
	})
}

// refSignatureCerts is signatureCerts without the onlyKeyIDAndSig
// shortcut: the reference it must agree with.
func refSignatureCerts(probe map[string]json.RawMessage) []string {
	var sigs []struct {
		Cert string `json:"cert"`
	}
	raw, ok := probe["signatures"]
	if !ok || json.Unmarshal(raw, &sigs) != nil {
		return nil
	}
	out := make([]string, len(sigs))
	found := false
	for i, s := range sigs {
		if strings.TrimSpace(s.Cert) != "" {
			out[i], found = s.Cert, true
		}
	}
	if !found {
		return nil
	}
	return out
}

func TestSignatureCertsShortcut(t *testing.T) {
	for _, sigs := range []string{
		`[{"keyid":"k","sig":"AQ=="}]`, `[{"sig":"AQ=="},{"keyid":null,"sig":"AQ=="}]`, `[]`, `null`, `[1]`, `[{"keyid":5}]`,
		`[{"sig":"AQ==","cert":"PEM"}]`, `[{"sig":"AQ==","CERT":"PEM"}]`, `[{"sig":"AQ==","Cert":"PEM"},{"sig":"AQ=="}]`,
		`[{"sig":"AQ==","cert":5}]`, `[{"sig":"AQ==","cert":"a","cErT":"b"}]`, `[{"sig":"AQ==","\u0063ert":"PEM"}]`,
		`[{"sig":"AQ==","keyid":"k","sig2":"x"}]`, `[{"sig":"AQ==","sig":"AQ=="}]`, `{"sig":"AQ=="}`,
	} {
		probe := map[string]json.RawMessage{"signatures": json.RawMessage(sigs)}
		if got, want := signatureCerts(probe), refSignatureCerts(probe); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
			t.Errorf("signatureCerts(%s) = %q, want %q", sigs, got, want)
		}
	}
}

// TestParseEnvelopeEscapedDuplicates: the one-pass reading of a line keeps
// refusing a member given twice under two spellings of one name (escapes,
// invalid UTF-8 read as U+FFFD), at the top and in a signature, and reads
// escaped strings as encoding/json does.
func TestParseEnvelopeEscapedDuplicates(t *testing.T) {
	sig := `[{"keyid":"k","sig":"AQ=="}]`
	for _, c := range []struct{ name, line, want string }{
		{"payload twice", `{"payloadType":"t","payload":"aGk=","payl\u006fad":"aGk=","signatures":` + sig + `}`, "duplicate"},
		{"payloadType twice", `{"p\u0061yloadType":"t","payload":"aGk=","payloadType":"u","signatures":` + sig + `}`, "duplicate"},
		{"sig twice", `{"payloadType":"t","payload":"aGk=","signatures":[{"sig":"AQ==","s\u0069g":"AQ=="}]}`, "duplicate"},
		{"invalid UTF-8 twice", "{\"payloadType\":\"t\",\"payload\":\"aGk=\",\"signatures\":" + sig + ",\"\xff\":1,\"\\ufffd\":2}", "duplicate"},
		{"deep junk member", `{"payloadType":"t","payload":"aGk=","signatures":` + sig + `,"x":` + strings.Repeat("[", MaxJSONDepth+1) + strings.Repeat("]", MaxJSONDepth+1) + `}`, "deeper"},
		{"case variant", `{"payloadType":"t","Payload":"aGk=","payload":"aGk=","signatures":` + sig + `}`, "only in case"},
		{"signatures null", `{"payloadType":"t","payload":"aGk=","signatures":null}`, "no signatures"},
		{"payload a number", `{"payloadType":"t","payload":5,"signatures":` + sig + `}`, "not a string"},
		{"escaped strings", `{"payloadType":"\u0074","payload":"aG\u006b=","signatures":[{"keyid":"\u006b","sig":"AQ\u003d\u003d"}]}`, ""},
	} {
		env, err := ParseEnvelope([]byte(c.line))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: ParseEnvelope = %v", c.name, err)
		case c.want == "" && (env.PayloadType != "t" || env.Payload != "aGk=" || env.Signatures[0].KeyID != "k" || env.Signatures[0].Sig != "AQ=="):
			t.Errorf("%s: ParseEnvelope = %+v", c.name, env)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: ParseEnvelope = %+v, %v; want an error containing %q", c.name, env, err, c.want)
		}
		// ReadBundle reads the line alike.
		es, rerr := ReadBundle(strings.NewReader(c.line+"\n"), "b")
		if rerr != nil || len(es) != 1 || fmt.Sprint(es[0].Err) != fmt.Sprint(err) {
			t.Errorf("%s: ReadBundle = %v, %v; ParseEnvelope's error %v", c.name, es, rerr, err)
		}
	}
}
