package policy

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/policy/trust"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// linkLine is an in-toto link statement of step, about app, signed.
func linkLine(t *testing.T, step string, app art, by ...provenancetest.Key) string {
	t.Helper()
	src := digest.Entry{Artifact: digest.Artifact{Name: "src/main.c", Digests: digest.Set{digest.SHA256: strings.Repeat("1", 64)}}}
	out := digest.Entry{Artifact: digest.Artifact{Name: app.name, Digests: digest.Set{digest.SHA256: app.sha256}}}
	st, err := provenance.RunLink(step, []string{"make"}, 0, []digest.Entry{src}, []digest.Entry{out}).Statement()
	if err != nil {
		t.Fatal(err)
	}
	return provenancetest.StatementLine(t, st, by...)
}

// TestVerifyEntryLink: a verified link statement carries its link; one
// whose predicate the link specification does not allow is not verified.
func TestVerifyEntryLink(t *testing.T) {
	k := provenancetest.SeededKeys(t, 1)
	v, err := NewVerifier(WithKeys(k[0].Public))
	if err != nil {
		t.Fatal(err)
	}
	app := newArt("app")
	a := v.VerifyEntry(context.Background(), provenancetest.Entries(t, linkLine(t, "build", app, k[0]))[0], WithoutArtifactUnsafe())
	if !a.Verified || a.Link == nil || a.Link.Name != "build" || len(a.Link.Products) != 1 || a.Link.Products[0].Name != "app" {
		t.Fatalf("VerifyEntry(link) = verified %v, link %+v, err %v", a.Verified, a.Link, a.Err)
	}
	st, err := provenance.NewGenericStatement([]digest.Artifact{app.subject(digest.SHA256)}, provenance.PredicateLink, []byte(`{"name":"build","Materials":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	a = v.VerifyEntry(context.Background(), provenancetest.Entries(t, provenancetest.StatementLine(t, st, k[0]))[0], WithoutArtifactUnsafe())
	if a.Verified || a.Link != nil || a.Err == nil || !strings.Contains(a.Err.Error(), `in-toto link: predicate: member "Materials"`) {
		t.Errorf("VerifyEntry(misspelt link) = verified %v, err %v", a.Verified, a.Err)
	}
}

// TestTrustStepRuleForLinks: a trust file's rule for a step holds for
// link statements of the step too.
func TestTrustStepRuleForLinks(t *testing.T) {
	k := provenancetest.SeededKeys(t, 2)
	path := provenancetest.TrustDir(t, "keys:\n  - id: ci\n    path: k0.pub\n  - id: dev\n    path: k1.pub\nsteps:\n  build:\n    keys: [ci]\n", provenancetest.Publics(k...)...)
	tf, err := trust.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(WithTrust(tf), WithClock(func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }))
	if err != nil {
		t.Fatal(err)
	}
	app := newArt("app")
	for _, c := range []struct {
		by   provenancetest.Key
		step string
		want string
	}{
		{k[0], "build", ""},
		{k[1], "build", `step "build" needs 1 of its key(s) ci`},
		{k[1], "test", ""},
	} {
		a := v.VerifyEntry(context.Background(), provenancetest.Entries(t, linkLine(t, c.step, app, c.by))[0], WithoutArtifactUnsafe())
		if (c.want == "") != a.Verified || (c.want != "" && !strings.Contains(a.Err.Error(), c.want)) {
			t.Errorf("link of %s: verified %v, err %v; want %q", c.step, a.Verified, a.Err, c.want)
		}
	}
}

// TestPolicyInputStep: the input shows the step of a link and of SLSA
// provenance that names one, with materials and products; other
// attestations have none.
func TestPolicyInputStep(t *testing.T) {
	k := provenancetest.SeededKeys(t, 1)
	v, err := NewVerifier(WithKeys(k[0].Public))
	if err != nil {
		t.Fatal(err)
	}
	app := newArt("app")
	lines := []string{
		linkLine(t, "package", app, k[0]),
		v1Line(t, provenance.AttestOptions{BuilderID: "https://b", ExtraParams: map[string]any{"step": "build"}}, []digest.Artifact{app.subject(digest.SHA256)}, k[0]),
		v1Line(t, provenance.AttestOptions{BuilderID: "https://b"}, []digest.Artifact{app.subject(digest.SHA256)}, k[0]),
	}
	docs, err := v.PolicyInputs(context.Background(), provenancetest.Entries(t, lines...), []Input{app.input()}, WithPredicateType(provenance.PredicateLink))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(docs[0]["attestations"])
	if err != nil {
		t.Fatal(err)
	}
	var atts []struct {
		Step *struct {
			Name                string
			Materials, Products []struct {
				Name   string
				Digest map[string]string
			}
		}
	}
	if err := json.Unmarshal(b, &atts); err != nil {
		t.Fatal(err)
	}
	if len(atts) != 3 {
		t.Fatalf("%d attestations in the input, want 3", len(atts))
	}
	if s := atts[0].Step; s == nil || s.Name != "package" || len(s.Materials) != 1 || s.Materials[0].Name != "src/main.c" || len(s.Products) != 1 || s.Products[0].Digest["sha256"] != app.sha256 {
		t.Errorf("the link's step = %+v", s)
	}
	if s := atts[1].Step; s == nil || s.Name != "build" || len(s.Products) != 1 || s.Products[0].Name != "app" {
		t.Errorf("the provenance's step = %+v", s)
	}
	if atts[2].Step != nil {
		t.Errorf("provenance without a step has step %+v", atts[2].Step)
	}
}
