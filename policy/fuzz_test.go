package policy

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// FuzzVerify feeds arbitrary bundles to the engine. It must never panic, and
// it may allow an artifact only when every envelope of the bundle was read
// and verified, and one of them names the artifact.
func FuzzVerify(f *testing.F) {
	k := provenancetest.SeededKeys(f, 4)
	app := newArt("app")
	good := v1Line(f, provenance.AttestOptions{BuilderID: "https://b", Source: "git+https://github.com/o/r"}, []digest.Artifact{app.subject(digest.SHA256, digest.SHA512)}, k[0])
	f.Add([]byte(good + "\n"))
	f.Add([]byte(good + "\n" + good + "\n"))
	f.Add([]byte(v02Line(f, "https://b", "git+https://github.com/o/r", []digest.Artifact{app.subject(digest.SHA256)}, k[0]) + "\n"))
	f.Add([]byte(v1Line(f, provenance.AttestOptions{}, []digest.Artifact{app.subject(digest.SHA256)}, k[1]) + "\n"))
	f.Add([]byte(`{"payloadType":"x","payload":"","signatures":[{"sig":"AQ=="}]}`))
	expect := []Expectation{WithBuilderID("https://b"), WithSourceURI("github.com/o/r")}
	v, err := NewVerifier(WithKeys(k[0].Public))
	if err != nil {
		f.Fatal(err)
	}
	inputs := []Input{
		{Name: "app", Digests: digest.Set{digest.SHA256: app.sha256, digest.SHA512: app.sha512}},
		{Name: "app256", Digests: digest.Set{digest.SHA256: app.sha256}},
	}
	f.Fuzz(func(t *testing.T, bundle []byte) {
		es, err := attest.ReadBundle(bytes.NewReader(bundle), "b.jsonl")
		if err != nil {
			return
		}
		r, err := v.Verify(context.Background(), es, inputs, expect...)
		if err != nil {
			t.Fatalf("Verify(%q) = %v; inputs given by digest never fail", bundle, err)
		}
		if len(r.Artifacts) != len(inputs) {
			t.Fatalf("Verify(%q) = %d artifacts, want %d", bundle, len(r.Artifacts), len(inputs))
		}
		allowed := true
		for _, a := range r.Artifacts {
			allowed = allowed && a.Allowed
			if !a.Allowed {
				if len(a.Reasons) == 0 {
					t.Fatalf("Verify(%q): %s denied without a reason", bundle, a.Name)
				}
				continue
			}
			if len(a.Reasons) > 0 || len(a.Attestations) == 0 {
				t.Fatalf("Verify(%q): %s allowed with reasons %q, attestations %v", bundle, a.Name, a.Reasons, a.Attestations)
			}
			for _, e := range r.Attestations {
				if !e.Verified || e.Err != nil {
					t.Fatalf("Verify(%q): %s allowed although envelope %v is %v", bundle, a.Name, e.Source, e.Err)
				}
				if e.Provenance == nil || !strings.HasPrefix(e.Provenance.BuilderID, "https://b") {
					t.Fatalf("Verify(%q): %s allowed with provenance %+v", bundle, a.Name, e.Provenance)
				}
			}
		}
		if r.Allowed != allowed {
			t.Fatalf("Verify(%q).Allowed = %v, artifacts say %v", bundle, r.Allowed, allowed)
		}
	})
}
