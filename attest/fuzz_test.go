package attest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedVectors adds every JSON vector under ../shared/vectors/<sub> to f's
// corpus, when the vectors are present.
func seedVectors(f *testing.F, subs ...string) {
	for _, sub := range subs {
		dir := filepath.Join("..", "..", "shared", "vectors", sub)
		m, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, p := range m {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
}

func FuzzCheckNoDuplicateKeys(f *testing.F) {
	for _, s := range []string{``, `{}`, `[]`, `{"a":1,"a":2}`, `{"a":{"b":[1,{"c":null}]}}`, `{"a":1,"\u0061":2}`, `[1,2`, `"x" "y"`, `{"a":1}` + "\n"} {
		f.Add([]byte(s))
	}
	seedVectors(f, "dsse", "in-toto/statement", "in-toto/resource-descriptor")
	f.Fuzz(func(t *testing.T, data []byte) {
		err := checkNoDuplicateKeys(data)
		if err == nil && !json.Valid(data) {
			t.Fatalf("checkNoDuplicateKeys(%q) = nil, but json.Valid = false", data)
		}
		if !json.Valid(data) {
			return
		}
		// Valid JSON is refused only for a duplicate key or depth.
		if err != nil && !errors.Is(err, ErrDuplicateKey) && !strings.Contains(err.Error(), "deeper") {
			t.Fatalf("checkNoDuplicateKeys(%q) = %v on valid JSON", data, err)
		}
		// Re-encoding through encoding/json keeps one value per key: that
		// document has no duplicates, and the checker must accept it.
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		again, merr := json.Marshal(v)
		if merr != nil {
			return
		}
		if err := checkNoDuplicateKeys(again); err != nil && !strings.Contains(err.Error(), "deeper") {
			t.Fatalf("checkNoDuplicateKeys(%q) = %v, re-encoded from %q which has no duplicates", again, err, data)
		}
	})
}

func FuzzParseEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"payloadType":"t","payload":"aGVsbG8gd29ybGQ=","signatures":[{"sig":"AQ=="}]}`,
		`{"payloadType":"t","payload":"-_-_","signatures":[{"keyid":"k","sig":"__8"}]}`,
		`{"payloadType":"t","payload":"","signatures":[]}`,
		`{"mediaType":"x"}`,
	} {
		f.Add([]byte(s))
	}
	seedVectors(f, "dsse")
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := ParseEnvelope(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseEnvelope(%q) = %v, want ErrMalformed", data, err)
			}
			return
		}
		if env.PayloadType == "" || len(env.Signatures) == 0 {
			t.Fatalf("ParseEnvelope(%q) accepted %+v", data, env)
		}
		if _, err := decodeBase64(env.Payload); err != nil {
			t.Fatalf("ParseEnvelope(%q) accepted a payload that is not base64", data)
		}
		line, err := MarshalEnvelope(env)
		if err != nil {
			t.Fatalf("MarshalEnvelope(%+v) = %v", env, err)
		}
		back, err := ParseEnvelope(line)
		if err != nil {
			t.Fatalf("ParseEnvelope(MarshalEnvelope(ParseEnvelope(%q))) = %v", data, err)
		}
		if back.PayloadType != env.PayloadType || back.Payload != env.Payload || len(back.Signatures) != len(env.Signatures) {
			t.Fatalf("round trip of %q: %+v, then %+v", data, env, back)
		}
	})
}

func FuzzParseStatement(f *testing.F) {
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + sha256Hex + `"}}],"predicateType":"p","predicate":{}}`))
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"digest":{"sha512":"00"}}],"predicateType":"p","predicate":{"a":[1,2]}}`))
	// The variants two parsers read differently (issue 13, item 12).
	for _, s := range []string{
		`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + sha256Hex + `"}}],"predicate_type":"p","predicate":{}}`,
		`{"_TYPE":"https://in-toto.io/Statement/v1","type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + sha256Hex + `"}}],"predicateType":"p","predicate":{}}`,
		`{"_type":"https://in-toto.io/Statement/v0.1","_Type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + sha256Hex + `"}}],"predicateType":"p","predicate":{}}`,
		`{"_type":"https://in-toto.io/Statement/v1","subject":[{"Digest":{"sha256":"` + sha256Hex + `"}, "download_location":"x","mediaType":"m","content":"aGk","annotations":{"a":[1]}}],"predicateType":"p","predicate":{}}`,
		`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"\u00e9\ud800","uri":"u","digest":{"SHA256":"` + sha256Hex + `","gce_image_id":"1"}}],"predicateType":"p","predicate":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseStatement(PayloadType, data)
		if err != nil {
			if !errors.Is(err, ErrStatement) {
				t.Fatalf("ParseStatement(%q) = %v, want ErrStatement", data, err)
			}
			return
		}
		// The policy input reads the same bytes with encoding/json into a
		// map: an accepted statement must say the same thing there.
		if err := sameInMapView(data, st); err != nil {
			t.Fatalf("ParseStatement(%q) accepted a statement the map view reads differently: %v", data, err)
		}
		if err := checkNoDuplicateKeys(data); err != nil {
			t.Fatalf("ParseStatement(%q) accepted a document checkNoDuplicateKeys refuses: %v", data, err)
		}
		if st.GetType() != StatementTypeV1 && st.GetType() != StatementTypeV0_1 {
			t.Fatalf("ParseStatement(%q) accepted type %q", data, st.GetType())
		}
		if err := st.Validate(); err != nil {
			t.Fatalf("ParseStatement(%q) accepted an invalid statement: %v", data, err)
		}
		// What was accepted re-encodes canonically and parses again alike.
		again, err := MarshalStatement(st)
		if err != nil {
			t.Fatalf("MarshalStatement(ParseStatement(%q)) = %v", data, err)
		}
		st2, err := ParseStatement(PayloadType, again)
		if err != nil {
			t.Fatalf("ParseStatement(MarshalStatement(%q)) = %v", data, err)
		}
		if st2.GetPredicateType() != st.GetPredicateType() || len(st2.GetSubject()) != len(st.GetSubject()) {
			t.Fatalf("round trip of %q changed the statement", data)
		}
	})
}

// sameInMapView compares a parsed statement with the same payload decoded
// as the policy input decodes it (encoding/json into a map, numbers kept
// exact): the same "_type", "predicateType" and subjects, member by member.
func sameInMapView(payload []byte, st *Statement) error {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	for _, k := range []string{"_type", "subject", "predicateType", "predicate"} {
		if _, ok := doc[k]; !ok {
			return fmt.Errorf("the map has no %q", k)
		}
	}
	if len(doc) != 4 {
		return fmt.Errorf("the map has %d members, want 4", len(doc))
	}
	if doc["_type"] != st.GetType() || doc["predicateType"] != st.GetPredicateType() {
		return fmt.Errorf("map _type %v, predicateType %v; protobuf %q, %q", doc["_type"], doc["predicateType"], st.GetType(), st.GetPredicateType())
	}
	if _, ok := doc["predicate"].(map[string]any); !ok {
		return fmt.Errorf("map predicate %T", doc["predicate"])
	}
	subjects, ok := doc["subject"].([]any)
	if !ok || len(subjects) != len(st.GetSubject()) {
		return fmt.Errorf("map subject %v, protobuf %d subjects", doc["subject"], len(st.GetSubject()))
	}
	for i, raw := range subjects {
		m, ok := raw.(map[string]any)
		if !ok {
			return fmt.Errorf("subject[%d] is %T", i, raw)
		}
		rd := st.GetSubject()[i]
		want := map[string]string{"name": rd.GetName(), "uri": rd.GetUri(), "downloadLocation": rd.GetDownloadLocation(), "mediaType": rd.GetMediaType()}
		for k, v := range m {
			switch k {
			case "name", "uri", "downloadLocation", "mediaType":
				if v != want[k] {
					return fmt.Errorf("subject[%d].%s: map %q, protobuf %q", i, k, v, want[k])
				}
			case "digest":
				d, ok := v.(map[string]any)
				if !ok || len(d) != len(rd.GetDigest()) {
					return fmt.Errorf("subject[%d].digest: map %v, protobuf %v", i, v, rd.GetDigest())
				}
				for alg, val := range d {
					if got, ok := rd.GetDigest()[alg]; !ok || got != val {
						return fmt.Errorf("subject[%d].digest.%s: map %v, protobuf %q", i, alg, val, got)
					}
				}
			case "content":
				s, _ := v.(string)
				b, err := decodeBase64(s)
				if err != nil || !bytes.Equal(b, rd.GetContent()) {
					return fmt.Errorf("subject[%d].content: map %q, protobuf %x", i, s, rd.GetContent())
				}
			case "annotations":
				if _, ok := v.(map[string]any); !ok {
					return fmt.Errorf("subject[%d].annotations: map %T", i, v)
				}
			default:
				return fmt.Errorf("subject[%d]: member %q is in the map only", i, k)
			}
		}
		// And nothing the protobuf view has is missing from the map.
		for k, v := range want {
			if _, ok := m[k]; v != "" && !ok {
				return fmt.Errorf("subject[%d].%s: protobuf %q, absent from the map", i, k, v)
			}
		}
		if _, ok := m["digest"]; len(rd.GetDigest()) > 0 && !ok {
			return fmt.Errorf("subject[%d].digest: absent from the map", i)
		}
	}
	return nil
}

func FuzzReadBundle(f *testing.F) {
	l := testLines(f, 2)
	f.Add(append(append(bytes.Clone(l[0]), '\n'), l[1]...))
	f.Add([]byte("\n\n" + string(l[0]) + "\r\nhello\n"))
	f.Add([]byte("{\n \"payloadType\": \"t\",\n \"payload\": \"\",\n \"signatures\": [{\"sig\": \"AQ==\"}]\n}\n"))
	seedVectors(f, "dsse")
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ReadBundle(bytes.NewReader(data), "b")
		if err != nil {
			if len(bytes.TrimSpace(data)) != 0 && errors.Is(err, ErrEmptyBundle) {
				t.Fatalf("ReadBundle(%q) = %v for a bundle that is not blank", data, err)
			}
			return
		}
		if len(entries) == 0 {
			t.Fatalf("ReadBundle(%q) = no entries and no error", data)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		last := 0
		for _, e := range entries {
			if e.Envelope != nil && e.Err != nil {
				t.Fatalf("ReadBundle(%q) entry %v has envelope %v and error %v", data, e.Source, e.Envelope, e.Err)
			}
			if e.Source.Line <= last || e.Source.Line > lines {
				t.Fatalf("ReadBundle(%q) entry line %d after %d (of %d lines)", data, e.Source.Line, last, lines)
			}
			last = e.Source.Line
			if e.Err != nil && !errors.Is(e.Err, ErrMalformed) {
				t.Fatalf("ReadBundle(%q) entry error %v, want ErrMalformed", data, e.Err)
			}
		}
	})
}

func FuzzParsePublicKey(f *testing.F) {
	k := testKey(f, ECDSAP256, "a")
	f.Add(k.PublicPEM)
	f.Add(k.PrivatePEM)
	f.Add(testKey(f, Ed25519, "a").PublicPEM)
	f.Add([]byte(`{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"00"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParsePublicKey(data)
		if err != nil {
			if !errors.Is(err, ErrKey) {
				t.Fatalf("ParsePublicKey(%q) = %v, want ErrKey", data, err)
			}
			return
		}
		if k.Key == nil || k.ID == "" || k.Algorithm() == "unknown" {
			t.Fatalf("ParsePublicKey(%q) = %+v", data, k)
		}
		// A key never verifies an empty signature.
		if err := k.Verify(context.Background(), []byte("x"), nil); err == nil {
			t.Fatalf("ParsePublicKey(%q).Verify(empty signature) = nil", data)
		}
	})
}

// FuzzCheckBundleContent: what the append check accepts is still read as
// a bundle after a line is appended (every old line an entry, the new one
// a verified-shape envelope), and the check never repeats the file's
// content in its error.
func FuzzCheckBundleContent(f *testing.F) {
	l := testLines(f, 2)
	f.Add(append(append(bytes.Clone(l[0]), '\n'), l[1]...))
	f.Add([]byte(""))
	f.Add([]byte("\n \n"))
	f.Add([]byte("GITHUB_TOKEN=SECRET-VALUE\n"))
	f.Add([]byte("{\n \"payloadType\": \"t\",\n \"payload\": \"\",\n \"signatures\": [{\"sig\": \"AQ==\"}]\n}\n"))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}` + "\n"))
	f.Add([]byte(`{"attestations":[{"bundle":{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}}]}`))
	add := append(bytes.Clone(l[1]), '\n')
	want, err := ParseEnvelope(l[1])
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := checkBundleContent("b", data)
		if err != nil {
			if !errors.Is(err, ErrUnsafeDestination) {
				t.Fatalf("checkBundleContent(%q) = %v, want ErrUnsafeDestination", data, err)
			}
			if s := string(bytes.TrimSpace(data)); len(s) >= 16 && strings.Contains(err.Error(), s) {
				t.Fatalf("checkBundleContent(%q) repeats the content: %v", data, err)
			}
			return
		}
		grown := bytes.Clone(data)
		if len(grown) > 0 && grown[len(grown)-1] != '\n' {
			grown = append(grown, '\n')
		}
		grown = append(grown, add...)
		entries, err := ReadBundle(bytes.NewReader(grown), "b")
		if err != nil {
			t.Fatalf("accepted %q, but after an append ReadBundle = %v", data, err)
		}
		if last := entries[len(entries)-1]; last.Err != nil || last.Envelope == nil || last.Envelope.Payload != want.Payload {
			t.Fatalf("accepted %q, but the appended line reads as %+v", data, last)
		}
	})
}
