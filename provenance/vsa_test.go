package provenance

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/provenant/provenant/attest"
)

// vsaPayload is a statement whose predicate is pred (JSON), as signed.
func vsaPayload(pred string) []byte {
	return []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + strings.Repeat("ab", 32) + `"}}],"predicateType":"` + PredicateVSAv1 + `","predicate":` + pred + `}`)
}

const cacheVSA = `{"inputAttestations":[{"digest":{"sha256":"8c43d52465712ebffb7f5312c8e41ecf8817761d1828fe70e2091323f5c84f4f"},"uri":"gate.intoto.jsonl:285"}],` +
	`"policy":{"digest":{"sha256":"23dd47865815f36099fe587eebc74f95629f2b40b60ff76570985aadc743f837"},"uri":"builtin:slsa"},"resourceUri":"app",` +
	`"slsaVersion":"1.0","timeVerified":"2026-12-01T02:18:23Z","verificationResult":"PASSED","verifiedLevels":["SLSA_BUILD_LEVEL_1"],` +
	`"verifier":{"id":"https://ci.example.com/gate","version":{"provenant":"devel"}},"dependencyLevels":{"SLSA_BUILD_LEVEL_1":3}}`

func TestReadVSAPayload(t *testing.T) {
	cases := []struct {
		name, pred string
		want       string // "" for no error, else a substring of it
	}{
		{"a cache VSA", cacheVSA, ""},
		{"empty", `{}`, ""},
		{"escaped", `{"resourceUri":"\u0061pp","verificationResult":"PASS\u0045D"}`, ""},
		{"nested unknown members", `{"policy":{"uri":"p","name":"n","annotations":{"a":[1,{"b":null}]}}}`, ""},
		{"protobuf name", `{"verification_result":"PASSED"}`, "not in the SLSA VSA v1 specification"},
		{"unknown member", `{"verificationResult":"PASSED","extra":1}`, `"extra"`},
		{"wrong type", `{"verifiedLevels":"SLSA_BUILD_LEVEL_3"}`, "verification summary"},
		{"bad time", `{"timeVerified":"yesterday"}`, "verification summary"},
		{"a number for a string", `{"resourceUri":5}`, "verification summary"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			payload := vsaPayload(c.pred)
			st, err := attest.ParseStatement(attest.PayloadType, payload)
			if err != nil {
				t.Fatalf("ParseStatement = %v", err)
			}
			got, gotErr := ReadVSAPayload(st, payload)
			want, wantErr := ReadVSA(st)
			switch {
			case c.want == "" && gotErr != nil:
				t.Fatalf("ReadVSAPayload = %v, want nil", gotErr)
			case c.want != "" && (gotErr == nil || !strings.Contains(gotErr.Error(), c.want) || !errors.Is(gotErr, ErrVSA)):
				t.Fatalf("ReadVSAPayload = %v, want an ErrVSA containing %q", gotErr, c.want)
			case (gotErr == nil) != (wantErr == nil):
				t.Fatalf("ReadVSAPayload = %v, ReadVSA = %v", gotErr, wantErr)
			case gotErr == nil && !proto.Equal(got, want):
				t.Fatalf("ReadVSAPayload = %v, ReadVSA = %v", got, want)
			}
		})
	}
	// The statement and the payload must go together: a payload without
	// the predicate is refused, never read as an empty VSA.
	st, err := attest.ParseStatement(attest.PayloadType, vsaPayload(cacheVSA))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{`{"_type":"x"}`, `[]`, `{"predicate":{},"predicate":{}}`, `not json`, ``} {
		if v, err := ReadVSAPayload(st, []byte(p)); err == nil || !errors.Is(err, ErrVSA) {
			t.Errorf("ReadVSAPayload(st, %q) = %v, %v; want an ErrVSA", p, v, err)
		}
	}
}

// FuzzReadVSAPayload holds ReadVSAPayload (the predicate's bytes) to
// ReadVSA (the predicate re-encoded from its Struct): the same VSA, or an
// error from both. The one place they may differ is a dependencyLevels
// count of 2^53 or more, which the Struct's float64 rounds (and ReadVSA
// then reads rounded, or refuses past 2^64) where the bytes are exact.
func FuzzReadVSAPayload(f *testing.F) {
	for _, p := range []string{cacheVSA, `{}`, `{"dependencyLevels":{"a":18446744073709551615}}`, `{"dependencyLevels":{"a":1e2,"b":1.0}}`,
		`{"timeVerified":"2026-12-01T02:18:23.5+01:00","verifier":{"id":"\u00e9"}}`, `{"verifiedLevels":null,"policy":null}`} {
		f.Add([]byte(p))
	}
	f.Fuzz(func(t *testing.T, pred []byte) {
		payload := vsaPayload(string(pred))
		st, err := attest.ParseStatement(attest.PayloadType, payload)
		if err != nil {
			return
		}
		got, gotErr := ReadVSAPayload(st, payload)
		want, wantErr := ReadVSA(st)
		if bigDependencyLevel(pred) {
			return
		}
		if (gotErr == nil) != (wantErr == nil) || gotErr == nil && !proto.Equal(got, want) {
			t.Fatalf("predicate %q: ReadVSAPayload = %v, %v; ReadVSA = %v, %v", pred, got, gotErr, want, wantErr)
		}
	})
}

// bigDependencyLevel: pred has a dependencyLevels value that a float64
// does not hold exactly (2^53 or more).
func bigDependencyLevel(pred []byte) bool {
	var p struct {
		DependencyLevels map[string]json.Number `json:"dependencyLevels"`
	}
	d := json.NewDecoder(strings.NewReader(string(pred)))
	d.UseNumber()
	if d.Decode(&p) != nil {
		return true // not what ParseStatement accepts; nothing to compare
	}
	for _, n := range p.DependencyLevels {
		if f, err := n.Float64(); err != nil || math.Abs(f) >= 1<<53 {
			return true
		}
	}
	return false
}
