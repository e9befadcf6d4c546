package attest

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"
)

// BenchmarkVerifyEnvelope is one envelope's signature check per key type:
// the per-envelope cost of a release gate, paid once per envelope however
// many artifacts it covers.
func BenchmarkVerifyEnvelope(b *testing.B) {
	ctx := context.Background()
	for _, kt := range KeyTypes() {
		b.Run(string(kt), func(b *testing.B) {
			k := testKey(b, kt, "bench")
			env, err := SignStatement(ctx, testStatement(b), k.Signer)
			if err != nil {
				b.Fatal(err)
			}
			keys := []*PublicKey{k.Public}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := VerifyEnvelope(ctx, env, keys, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseStatement is the payload parse after a signature holds:
// the duplicate-key check, protojson and the bindings' validation.
func BenchmarkParseStatement(b *testing.B) {
	benchmarkParseStatement(b, testStatement(b))
}

// benchmarkParseStatement measures ParseStatement on st's payload.
func benchmarkParseStatement(b *testing.B, st *Statement) {
	b.Helper()
	payload, err := MarshalStatement(st)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseStatement(PayloadType, payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadBundle1000 reads and parses a bundle of 1,000 envelopes
// (every line's JSON and base64 checked), without verifying signatures.
func BenchmarkReadBundle1000(b *testing.B) {
	ctx := context.Background()
	k := testKey(b, Ed25519, "bench")
	env, err := SignStatement(ctx, testStatement(b), k.Signer)
	if err != nil {
		b.Fatal(err)
	}
	line, err := MarshalEnvelope(env)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	for range 1000 {
		buf.Write(line)
		buf.WriteByte('\n')
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		es, err := ReadBundle(bytes.NewReader(data), "b.intoto.jsonl")
		if err != nil {
			b.Fatal(err)
		}
		if len(es) != 1000 {
			b.Fatalf("%d entries, want 1000", len(es))
		}
	}
}

// BenchmarkParseStatement10kSubjects is the parse of a statement with
// 10,000 subjects (two digests each): the member and digest rule is paid
// per subject.
func BenchmarkParseStatement10kSubjects(b *testing.B) {
	st := testStatement(b)
	st.Subject = nil
	for i := range 10000 {
		st.Subject = append(st.Subject, &ita.ResourceDescriptor{Name: fmt.Sprintf("dist/file-%d", i), Digest: map[string]string{"sha256": sha256Hex, "sha512": sha256Hex + sha256Hex}})
	}
	benchmarkParseStatement(b, st)
}

// BenchmarkVerifyJunkBundle is the denial-of-service case of issue 13:
// a bundle of 2,000 envelopes, each with 16 well-formed signatures by
// attacker keys and no keyid, verified against 4 trusted keys (none
// verifies). One op is the whole bundle: every envelope read and denied.
// Without a bound this is 2,000 × 16 × 4 = 128,000 public-key operations;
// the signature-checks limit makes it 2,000 × 16.
func BenchmarkVerifyJunkBundle(b *testing.B) {
	ctx := context.Background()
	for _, kt := range []KeyType{Ed25519, ECDSAP256} {
		b.Run(string(kt), func(b *testing.B) {
			var attackers []Signer
			for i := range 16 {
				attackers = append(attackers, testKey(b, kt, "attacker-"+string(rune('a'+i))).Signer)
			}
			env, err := SignPayload(ctx, PayloadType, []byte(`{"_type":"https://in-toto.io/Statement/v1"}`), attackers...)
			if err != nil {
				b.Fatal(err)
			}
			for i := range env.Signatures {
				env.Signatures[i].KeyID = ""
			}
			line, err := MarshalEnvelope(env)
			if err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			for range 2000 {
				buf.Write(line)
				buf.WriteByte('\n')
			}
			var keys []*PublicKey
			for i := range 4 {
				keys = append(keys, testKey(b, kt, "trusted-"+string(rune('a'+i))).Public)
			}
			b.ReportAllocs()
			for b.Loop() {
				es, err := ReadBundle(bytes.NewReader(buf.Bytes()), "junk.intoto.jsonl")
				if err != nil {
					b.Fatal(err)
				}
				for _, e := range es {
					if _, err := VerifyEnvelope(ctx, e.Envelope, keys, 1); err == nil {
						b.Fatal("a junk envelope verified")
					}
				}
			}
		})
	}
}
