package inspect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// testKey is a fixed Ed25519 key: signatures, and so reports, are
// deterministic.
func testKey(t testing.TB) (attest.Signer, *attest.PublicKey) {
	t.Helper()
	k := provenancetest.SeededKey(t, 7)
	return k.Signer, k.Public
}

// step is a test step: materials and products named by their contents'
// stand-in digests.
type step struct {
	name                string
	materials, products []string
}

func hexOf(s string) string { return fmt.Sprintf("%064x", []byte(s)) }

// bundle signs each step into a JSON Lines bundle.
func bundle(t testing.TB, s attest.Signer, steps ...step) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, st := range steps {
		ext, err := structpb.NewStruct(map[string]any{"step": st.name})
		if err != nil {
			t.Fatal(err)
		}
		var deps []*ita.ResourceDescriptor
		for _, m := range st.materials {
			deps = append(deps, &ita.ResourceDescriptor{Name: m, Digest: map[string]string{"sha256": hexOf(m)[:64]}})
		}
		var arts []digest.Artifact
		for _, p := range st.products {
			arts = append(arts, digest.Artifact{Name: p, Digests: digest.Set{"sha256": hexOf(p)[:64]}})
		}
		stmt, err := provenance.NewStatement(arts, &slsa1.Provenance{
			BuildDefinition: &slsa1.BuildDefinition{BuildType: "https://example.com/bt/v1", ExternalParameters: ext, ResolvedDependencies: deps},
			RunDetails:      &slsa1.RunDetails{Builder: &slsa1.Builder{Id: "https://example.com/builder"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		env, err := attest.SignStatement(context.Background(), stmt, s)
		if err != nil {
			t.Fatal(err)
		}
		line, err := attest.MarshalEnvelope(env)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

func inspect(t testing.TB, data []byte, opts ...Option) *Report {
	t.Helper()
	in, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Read(context.Background(), bytes.NewReader(data), "b.jsonl"); err != nil {
		t.Fatal(err)
	}
	return in.Report()
}

func TestChain(t *testing.T) {
	s, pub := testKey(t)
	tests := []struct {
		name           string
		steps          []step
		keys           bool
		wantDepths     string // "name=depth ..."
		wantUnproduced int
		wantUnattested int
	}{
		{"two steps", []step{{"build", []string{"src"}, []string{"bin"}}, {"pack", []string{"bin", "doc"}, []string{"tgz"}}}, true, "build=0 pack=1", 2, 0},
		{"order does not matter", []step{{"pack", []string{"bin"}, []string{"tgz"}}, {"build", []string{"src"}, []string{"bin"}}}, true, "pack=1 build=0", 1, 0},
		{"diamond", []step{{"a", []string{"src"}, []string{"x"}}, {"b", []string{"x"}, []string{"y"}}, {"c", []string{"x", "y"}, []string{"z"}}}, true, "a=0 b=1 c=2", 1, 0},
		{"cycle is cut", []step{{"a", []string{"y"}, []string{"x"}}, {"b", []string{"x"}, []string{"y"}}}, true, "a=1 b=0", 0, 0},
		{"no keys: products unattested", []step{{"build", []string{"src"}, []string{"bin"}}}, false, "build=0", 1, 1},
		{"self loop", []step{{"a", []string{"x"}, []string{"x"}}}, true, "a=0", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []Option
			if tt.keys {
				opts = append(opts, WithKeys(pub))
			}
			r := inspect(t, bundle(t, s, tt.steps...), opts...)
			var got []string
			for _, st := range r.Chain.Steps {
				got = append(got, fmt.Sprintf("%s=%d", st.Name, st.Depth))
			}
			if strings.Join(got, " ") != tt.wantDepths {
				t.Errorf("depths = %q, want %q", strings.Join(got, " "), tt.wantDepths)
			}
			if r.Summary.UnproducedMaterials != tt.wantUnproduced || r.Summary.UnattestedProducts != tt.wantUnattested {
				t.Errorf("unproduced, unattested = %d, %d, want %d, %d", r.Summary.UnproducedMaterials, r.Summary.UnattestedProducts, tt.wantUnproduced, tt.wantUnattested)
			}
		})
	}
}

func TestStatuses(t *testing.T) {
	s, pub := testKey(t)
	other := provenancetest.SeededKey(t, 9).Public
	good := bundle(t, s, step{"a", []string{"m"}, []string{"p"}})
	tampered := bytes.Replace(good, []byte(`"payload":"`), []byte(`"payload":"e30K`), 1)
	tests := []struct {
		name       string
		data       []byte
		keys       []*attest.PublicKey
		wantStatus string
		wantSig    string
	}{
		{"no key", good, nil, StatusUnverified, StatusUnverified},
		{"right key", good, []*attest.PublicKey{pub}, StatusVerified, StatusVerified},
		{"wrong key", good, []*attest.PublicKey{other}, StatusFailed, StatusFailed},
		{"both keys", good, []*attest.PublicKey{other, pub}, StatusVerified, StatusVerified},
		{"tampered payload", tampered, []*attest.PublicKey{pub}, StatusFailed, StatusFailed},
		{"not an envelope", []byte("{\"x\":1}\n"), []*attest.PublicKey{pub}, StatusUnreadable, ""},
		{"not JSON", []byte("hello\n"), nil, StatusUnreadable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []Option
			if len(tt.keys) > 0 {
				opts = append(opts, WithKeys(tt.keys...))
			}
			r := inspect(t, tt.data, opts...)
			e := r.Envelopes[0]
			if e.Status != tt.wantStatus {
				t.Errorf("status = %s (%s), want %s", e.Status, e.Reason, tt.wantStatus)
			}
			if tt.wantSig != "" && (len(e.Signatures) != 1 || e.Signatures[0].Status != tt.wantSig) {
				t.Errorf("signatures = %+v, want one %s", e.Signatures, tt.wantSig)
			}
			if e.Status != StatusVerified && e.Reason == "" {
				t.Error("a status other than verified must say why")
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	in, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Read(context.Background(), strings.NewReader("\n \n"), "empty"); !errors.Is(err, attest.ErrEmptyBundle) {
		t.Errorf("Read(blank lines) = %v, want ErrEmptyBundle", err)
	}
	if _, err := New(WithKeys(nil)); err == nil {
		t.Error("New(WithKeys(nil)) succeeded")
	}
	if err := Render(io.Discard, in.Report(), "yaml", RenderOptions{}); err == nil {
		t.Error("Render(yaml) succeeded")
	}
}

func TestSplitRef(t *testing.T) {
	tests := []struct{ in, repo, ref string }{
		{"git+https://github.com/o/r@refs/heads/main", "git+https://github.com/o/r", "refs/heads/main"},
		{"https://github.com/o/r", "https://github.com/o/r", ""},
		{"ssh://git@host/o/r@v1", "ssh://git@host/o/r", "v1"},
		{"git@host:o/r", "git@host:o/r", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		repo, ref := splitRef(tt.in)
		if repo != tt.repo || ref != tt.ref {
			t.Errorf("splitRef(%q) = %q, %q, want %q, %q", tt.in, repo, ref, tt.repo, tt.ref)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"line\nbreak", `line\nbreak`},
		{"evil\u202egpj.exe", `evil\u202egpj.exe`},
		{"ünïcödé ✓", "ünïcödé ✓"},
	}
	for _, tt := range tests {
		if got := clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// benchBundle is a chain of n steps, each consuming the previous one's
// product.
func benchBundle(b *testing.B, n int) ([]byte, *attest.PublicKey) {
	b.Helper()
	s, pub := testKey(b)
	steps := make([]step, n)
	for i := range steps {
		steps[i] = step{fmt.Sprintf("s%d", i), []string{fmt.Sprintf("a%d", i), "shared-tool"}, []string{fmt.Sprintf("a%d", i+1)}}
	}
	return bundle(b, s, steps...), pub
}

// BenchmarkInspect10000 reads, verifies and renders as JSON a bundle of
// 10,000 envelopes.
func BenchmarkInspect10000(b *testing.B) {
	data, pub := benchBundle(b, 10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		in, err := New(WithKeys(pub))
		if err != nil {
			b.Fatal(err)
		}
		if err := in.Read(context.Background(), bytes.NewReader(data), "big.jsonl"); err != nil {
			b.Fatal(err)
		}
		r := in.Report()
		if r.Summary.Verified != 10000 {
			b.Fatalf("verified %d, want 10000", r.Summary.Verified)
		}
		if err := Render(io.Discard, r, "json", RenderOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// respelledBundle re-signs the payload of each line of a bundle with old
// replaced by new.
func respelledBundle(t *testing.T, s attest.Signer, data []byte, old, new string) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		env, err := attest.ParseEnvelope(line)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := decodeBase64(env.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(payload, []byte(old)) {
			t.Fatalf("no %s in %s", old, payload)
		}
		signed, err := attest.SignPayload(context.Background(), env.PayloadType, bytes.ReplaceAll(payload, []byte(old), []byte(new)), s)
		if err != nil {
			t.Fatal(err)
		}
		b, err := attest.MarshalEnvelope(signed)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(b)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// TestStatementRule: items 12 and 13 of issue 13. inspect judges a
// statement by the rule verify applies: an envelope whose statement verify
// refuses fails, though its signature holds; the statement is not shown
// (statementError says why), a refused predicate is shown with
// predicateError only: it is not read, so it is no step of the chain.
func TestStatementRule(t *testing.T) {
	s, pub := testKey(t)
	good := bundle(t, s, step{"build", []string{"src"}, []string{"bin"}})
	for _, c := range []struct {
		name, old, new                         string
		wantStatementError, wantPredicateError string
	}{
		{"predicate_type", `"predicateType"`, `"predicate_type"`, `member "predicate_type" is not in the in-toto Statement v1 spec (the spec spells it "predicateType")`, ""},
		{"_TYPE", `"_type"`, `"_TYPE"`, `member "_TYPE" is not in the in-toto Statement v1 spec`, ""},
		{"subject Digest", `"subject":[{"name":"bin","digest"`, `"subject":[{"name":"bin","Digest"`, `subject[0]: member "Digest"`, ""},
		{"uppercase digest", hexOf("bin")[:64], strings.ToUpper(hexOf("bin")[:64]), `subject[0]: digest sha256`, ""},
		{"run_details beside runDetails", `"runDetails":{`, `"run_details":{"builder":{"id":"https://evil"}},"runDetails":{`, "", `SLSA provenance v1: predicate: member "run_details" is not in the SLSA provenance v1 spec (the spec spells it "runDetails")`},
		{"builder ID", `"id":"https://example.com/builder"`, `"id":"https://example.com/builder","ID":"x"`, "", `predicate.runDetails.builder: member "ID"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := inspect(t, respelledBundle(t, s, good, c.old, c.new), WithKeys(pub))
			e := r.Envelopes[0]
			if e.Status != StatusFailed || !strings.Contains(e.Reason, "verify refuses its statement") || r.Summary.AllVerified() {
				t.Errorf("status = %s (%s), summary %+v, want failed", e.Status, e.Reason, r.Summary)
			}
			if len(e.Signatures) != 1 || e.Signatures[0].Status != StatusVerified {
				t.Errorf("signatures = %+v, want one verified (the signature holds)", e.Signatures)
			}
			if c.wantStatementError != "" {
				if !strings.Contains(e.StatementError, c.wantStatementError) || e.Statement != nil {
					t.Errorf("statementError = %q, statement %+v, want %q and no statement", e.StatementError, e.Statement, c.wantStatementError)
				}
				return
			}
			if e.Statement == nil || !strings.Contains(e.Statement.PredicateError, c.wantPredicateError) {
				t.Fatalf("statement = %+v, want predicateError %q", e.Statement, c.wantPredicateError)
			}
			// A refused predicate is read by no one: it is not drawn as a
			// step and attests nothing.
			if e.Statement.Provenance != nil || r.Summary.Steps != 0 || r.Summary.UnattestedProducts != 0 {
				t.Errorf("provenance %+v, %d steps, %d unattested products; want a refused predicate to be no step at all", e.Statement.Provenance, r.Summary.Steps, r.Summary.UnattestedProducts)
			}
		})
	}
	if r := inspect(t, good, WithKeys(pub)); !r.Summary.AllVerified() || r.Summary.UnattestedProducts != 0 || r.Envelopes[0].Statement.PredicateError != "" {
		t.Errorf("good bundle: %+v", r.Summary)
	}
}
