package provenance

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"
	"github.com/in-toto/in-toto-golang/in_toto"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
)

// linkStatement is a link predicate v0.3 statement with predicate and
// subjects as given.
func linkStatement(t *testing.T, predicate string, subjects ...*ita.ResourceDescriptor) *attest.Statement {
	t.Helper()
	st := statementWith(t, PredicateLink, predicate)
	if subjects != nil {
		st.Subject = subjects
	}
	return st
}

func TestReadLink(t *testing.T) {
	good := `{"name":"package","command":["tar","czf","app.tar.gz","app"],"materials":[{"name":"app","digest":{"sha256":"` + hashB + `"}}],"byproducts":{"return-value":0},"environment":{}}`
	st := linkStatement(t, good)
	l, err := ReadLink(st)
	if err != nil {
		t.Fatal(err)
	}
	want := &Link{
		Name: "package", Command: []string{"tar", "czf", "app.tar.gz", "app"},
		Materials:  []Resource{{Name: "app", Digest: map[string]string{"sha256": hashB}}},
		Products:   []Resource{{Name: "a", Digest: map[string]string{"sha256": hashA}}},
		Byproducts: map[string]any{"return-value": float64(0)}, Environment: map[string]any{},
	}
	if !reflect.DeepEqual(l, want) {
		t.Errorf("ReadLink = %+v, want %+v", l, want)
	}
	classic := l.InToto()
	if classic.Type != "link" || classic.Name != "package" || classic.Products["a"]["sha256"] != hashA || classic.Materials["app"]["sha256"] != hashB {
		t.Errorf("InToto() = %+v", classic)
	}
	if back := LinkFromInToto(classic); !reflect.DeepEqual(back, l) {
		t.Errorf("LinkFromInToto(InToto()) = %+v, want %+v", back, l)
	}
}

func TestReadLinkRefuses(t *testing.T) {
	d := `{"sha256":"` + hashB + `"}`
	two := []*ita.ResourceDescriptor{{Name: "a", Digest: map[string]string{"sha256": hashA}}, {Name: "a", Digest: map[string]string{"sha256": hashB}}}
	for _, c := range []struct {
		name, predicate string
		subjects        []*ita.ResourceDescriptor
		want            string
	}{
		{"no name", `{"command":[]}`, nil, "predicate.name (the step) is missing"},
		{"empty name", `{"name":""}`, nil, "predicate.name (the step) is missing"},
		{"unknown member", `{"name":"s","products":{}}`, nil, `member "products" is not in the in-toto link predicate v0.3 spec`},
		{"case variant", `{"name":"s","Materials":[]}`, nil, `(the spec spells it "materials")`},
		{"protobuf spelling in a material", `{"name":"s","materials":[{"name":"m","digest":` + d + `,"media_type":"x"}]}`, nil, `the spec spells it "mediaType"`},
		{"material without digest", `{"name":"s","materials":[{"name":"m"}]}`, nil, `predicate.materials[0] ("m") has no digest`},
		{"material without name", `{"name":"s","materials":[{"uri":"https://x","digest":` + d + `}]}`, nil, "predicate.materials[0] has no name"},
		{"material twice", `{"name":"s","materials":[{"name":"m","digest":` + d + `},{"name":"m","digest":` + d + `}]}`, nil, `name "m" is listed twice`},
		{"bad material digest", `{"name":"s","materials":[{"name":"m","digest":{"SHA256":"` + hashB + `"}}]}`, nil, `the spec spells it "sha256"`},
		{"command not strings", `{"name":"s","command":[1]}`, nil, "in-toto link"},
		{"subject twice", `{"name":"s"}`, two, `subject[1]: name "a" is listed twice`},
		{"subject without name", `{"name":"s"}`, []*ita.ResourceDescriptor{{Digest: map[string]string{"sha256": hashA}}}, "subject[0] has no name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadLink(linkStatement(t, c.predicate, c.subjects...))
			if err == nil || !errors.Is(err, ErrLink) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ReadLink(%s) = %v, want an ErrLink saying %q", c.predicate, err, c.want)
			}
		})
	}
	if _, err := ReadLink(statementWith(t, PredicateSLSAv1, `{}`)); !errors.Is(err, ErrLink) {
		t.Errorf("ReadLink(SLSA provenance) = %v, want ErrLink", err)
	}
}

func TestLinkStatementRoundTrip(t *testing.T) {
	entries := func(names ...string) []digest.Entry {
		var out []digest.Entry
		for _, n := range names {
			out = append(out, digest.Entry{Artifact: digest.Artifact{Name: n, Digests: digest.Set{"sha256": hashA, "sha512": strings.Repeat("0", 128)}}})
		}
		return out
	}
	l := RunLink("build", []string{"make", "all"}, 0, entries("src/b.c", "src/a.c"), entries("out/app"))
	if l.Materials[0].Name != "src/a.c" || len(l.Materials[0].Digest) != 1 {
		t.Errorf("RunLink materials = %v, want sorted, sha256 only", l.Materials)
	}
	st, err := l.Statement()
	if err != nil {
		t.Fatal(err)
	}
	payload, err := attest.MarshalStatement(st)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := attest.ParseStatement(attest.PayloadType, payload)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadLink(parsed)
	if err != nil {
		t.Fatal(err)
	}
	l.Byproducts = map[string]any{"return-value": float64(0)} // JSON numbers
	if !reflect.DeepEqual(back, l) {
		t.Errorf("ReadLink(Statement()) = %+v, want %+v", back, l)
	}
	if _, err := RunLink("empty", nil, 0, nil, nil).Statement(); !errors.Is(err, ErrLink) {
		t.Errorf("Statement() of a link without products = %v, want ErrLink", err)
	}
}

// TestLinkWriterInTotoVerifies: the link file of every key type provenant
// makes is read and verified by in-toto-golang itself.
func TestLinkWriterInTotoVerifies(t *testing.T) {
	for _, kt := range attest.KeyTypes() {
		t.Run(string(kt), func(t *testing.T) {
			dir := t.TempDir()
			priv, pub, err := attest.GenerateKey(kt)
			if err != nil {
				t.Fatal(err)
			}
			s, err := attest.ParseSigner(priv)
			if err != nil {
				t.Fatal(err)
			}
			w, err := NewLinkWriter(dir, s)
			if err != nil {
				t.Fatal(err)
			}
			l := RunLink("build", []string{"make"}, 0, nil, []digest.Entry{{Artifact: digest.Artifact{Name: "app", Digests: digest.Set{"sha256": hashA}}}})
			if err := w.Check("build"); err != nil {
				t.Fatal(err)
			}
			path, err := w.Write(context.Background(), l)
			if err != nil {
				t.Fatal(err)
			}
			id, _ := s.KeyID()
			if want := filepath.Join(dir, "build."+id[:8]+".link"); path != want {
				t.Errorf("link file = %s, want %s", path, want)
			}
			md, err := in_toto.LoadMetadata(path)
			if err != nil {
				t.Fatal(err)
			}
			var key in_toto.Key
			if err := key.LoadKeyReaderDefaults(bytes.NewReader(pub)); err != nil {
				t.Fatal(err)
			}
			if err := md.VerifySignature(key); err != nil {
				t.Errorf("in-toto-golang does not verify the link: %v", err)
			}
			got, ok := md.GetPayload().(in_toto.Link)
			if !ok || got.Name != "build" || got.Products["app"]["sha256"] != hashA {
				t.Errorf("in-toto-golang reads %+v", md.GetPayload())
			}
		})
	}
}

func TestLinkWriterRefuses(t *testing.T) {
	dir := t.TempDir()
	s, _ := testKeys(t)
	w, err := NewLinkWriter(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	attesttest.Symlink(t, filepath.Join(dir, "secret"), w.Path("build"))
	if err := w.Check("build"); !errors.Is(err, attest.ErrUnsafeDestination) {
		t.Errorf("Check over a symbolic link = %v, want ErrUnsafeDestination", err)
	}
	l := RunLink("build", nil, 0, nil, nil)
	if _, err := w.Write(context.Background(), l); !errors.Is(err, attest.ErrUnsafeDestination) {
		t.Errorf("Write over a symbolic link = %v, want ErrUnsafeDestination", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "secret")); !os.IsNotExist(err) {
		t.Errorf("the link's target was written: %v", err)
	}
	missing, err := NewLinkWriter(filepath.Join(dir, "nope"), s)
	if err != nil {
		t.Fatal(err)
	}
	if err := missing.Check("build"); err == nil {
		t.Error("Check with a missing link directory succeeded")
	}
	if _, err := NewLinkWriter(dir, nil); !errors.Is(err, attest.ErrKey) {
		t.Errorf("NewLinkWriter(nil signer) = %v, want ErrKey", err)
	}
}

// TestRunLink: run with a LinkWriter appends the SLSA provenance and the
// link statement, and writes the link file; the link's products are all
// the files under the product paths, not only the changed ones, and not
// the bundle or the link file.
func TestRunLink(t *testing.T) {
	t.Chdir(t.TempDir())
	signer, pub := testKeys(t)
	write(t, "src/main.c", "int main;\n")
	write(t, "out/old.txt", "from before\n")
	req := baseRequest(signer, "build", "sh", "-c", "cat src/main.c > out/app")
	req.Materials = []string{"src"}
	req.Products = []string{"out", "."}
	w, err := NewLinkWriter(".", signer)
	if err != nil {
		t.Fatal(err)
	}
	req.Link = w
	res, err := Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	sts, _ := readStatements(t, "build.intoto.jsonl", pub)
	if len(sts) != 2 || sts[0].GetPredicateType() != PredicateSLSAv1 || sts[1].GetPredicateType() != PredicateLink {
		t.Fatalf("bundle holds %d statements, want SLSA provenance then a link", len(sts))
	}
	l, err := ReadLink(sts[1])
	if err != nil {
		t.Fatal(err)
	}
	var products []string
	for _, p := range l.Products {
		products = append(products, p.Name)
	}
	if want := []string{"out/app", "out/old.txt", "src/main.c"}; !reflect.DeepEqual(products, want) {
		t.Errorf("link products = %v, want %v (everything but the bundle and the link file)", products, want)
	}
	if len(res.Products) != 1 || res.Products[0].Name != "out/app" {
		t.Errorf("SLSA subjects = %v, want the changed file only", res.Products)
	}
	if res.LinkFile != w.Path("build") || res.Link == nil {
		t.Errorf("result link file = %q, want %q", res.LinkFile, w.Path("build"))
	}
	md, err := in_toto.LoadMetadata(res.LinkFile)
	if err != nil {
		t.Fatal(err)
	}
	classic := md.GetPayload().(in_toto.Link)
	if !reflect.DeepEqual(classic.Products, l.InToto().Products) || !reflect.DeepEqual(classic.Command, []string{"sh", "-c", "cat src/main.c > out/app"}) {
		t.Errorf("link file %+v disagrees with the link statement %+v", classic, l.InToto())
	}
}

// TestRunLinkCheckedFirst: a link destination that would be refused stops
// run before the command runs.
func TestRunLinkCheckedFirst(t *testing.T) {
	t.Chdir(t.TempDir())
	signer, _ := testKeys(t)
	w, err := NewLinkWriter("links", signer)
	if err != nil {
		t.Fatal(err)
	}
	req := baseRequest(signer, "build", "sh", "-c", "mkdir -p out && touch out/ran")
	req.Products = []string{"out"}
	req.Link = w
	if _, err := Run(context.Background(), req); !errors.Is(err, ErrInput) {
		t.Errorf("Run with a missing link directory = %v, want ErrInput", err)
	}
	if _, err := os.Stat("out/ran"); !os.IsNotExist(err) {
		t.Error("the command ran although the link could not be written")
	}
}
