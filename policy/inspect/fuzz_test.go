package inspect

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/provenant/provenant/attest"
)

// FuzzInspect: an arbitrary bundle, and an arbitrary statement validly
// signed by the trusted key, are read and rendered in every format without
// a panic, and nothing unverified is reported as verified.
func FuzzInspect(f *testing.F) {
	s, pub := testKey(f)
	two := bundle(f, s, step{"build", []string{"src/a.c"}, []string{"bin/a"}}, step{"package", []string{"bin/a"}, []string{"a.tgz"}})
	f.Add(two, []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x","digest":{"sha256":"`+hexOf("x")+`"}}],"predicateType":"https://slsa.dev/verification_summary/v1","predicate":{"verifier":{"id":"v"},"verificationResult":"PASSED","verifiedLevels":["SLSA_BUILD_LEVEL_2"]}}`))
	f.Add([]byte("{\n\"payload\": 1\n}\n"), []byte(`{}`))
	f.Fuzz(func(t *testing.T, data, payload []byte) {
		env, err := attest.SignPayload(context.Background(), attest.PayloadType, payload, s)
		if err != nil {
			t.Fatal(err)
		}
		line, _ := attest.MarshalEnvelope(env)
		for _, in := range [][]byte{data, append(append(bytes.Clone(data), '\n'), line...)} {
			in2, err := New(WithKeys(pub))
			if err != nil {
				t.Fatal(err)
			}
			if err := in2.Read(context.Background(), bytes.NewReader(in), "b.jsonl"); err != nil {
				continue
			}
			r := in2.Report()
			for _, format := range Formats() {
				if err := Render(io.Discard, r, format, RenderOptions{}); err != nil {
					t.Fatalf("Render(%s) = %v", format, err)
				}
			}
			for _, e := range r.Envelopes {
				if e.Status == StatusVerified && e.Kind == KindInvalid {
					t.Fatalf("%s: an unreadable entry is reported verified", e.Source)
				}
			}
		}
	})
}
