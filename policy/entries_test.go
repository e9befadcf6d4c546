package policy

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// TestReadBundlesCountsEntries: one line of Sigstore bundles in GitHub's
// shape counts each bundle against the envelopes limit, and a bundle file
// past the limit becomes one denial naming the file, the line and the
// limit, with nothing in it left to verify.
func TestReadBundlesCountsEntries(t *testing.T) {
	k := provenancetest.SeededKeys(t, 4)
	app := newArt("app")
	good := v1Line(t, provenance.AttestOptions{BuilderID: "https://ci.example.com/b"}, []digest.Artifact{app.subject(digest.SHA256)}, k[0])
	p := filepath.Join(t.TempDir(), "b.json")
	attesttest.WriteFile(t, p, []byte(good+"\n"+attesttest.GitHubLine(3)+"\n"), 0o644)
	es, err := ReadBundlesLimited([]string{p}, attest.Limits{Envelopes: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Err == nil || es[0].Source.Line != 2 {
		t.Fatalf("entries = %+v, want one error at line 2", es)
	}
	want := "bundle has more than 3 entries: this line holds 3 Sigstore bundles, each an entry (the envelopes limit)"
	if es[0].Err.Error() != want {
		t.Errorf("error %q, want %q", es[0].Err, want)
	}
	v, err := NewVerifier(WithKeys(k[0].Public))
	if err != nil {
		t.Fatal(err)
	}
	r, err := v.Verify(context.Background(), es, []Input{app.input()})
	if err != nil {
		t.Fatal(err)
	}
	if r.Allowed || !strings.Contains(strings.Join(r.Artifacts[0].Reasons, "\n"), p+":2: "+want) {
		t.Errorf("allowed %v, reasons %q; want denied naming %s:2 and the limit", r.Allowed, r.Artifacts[0].Reasons, p)
	}
	if es, _ := ReadBundlesLimited([]string{p}, attest.Limits{Envelopes: 4}); len(es) != 4 {
		t.Errorf("limit 4: %d entries, want 4", len(es))
	}
}
