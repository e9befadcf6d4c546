package layout

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/in-toto/in-toto-golang/in_toto"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/x509test"
	"github.com/provenant/provenant/provenance"
)

// bundleLine signs the link as a link predicate statement with the key
// file name (NAME.key in dir) and returns the bundle line.
func bundleLine(t *testing.T, dir, keyName string, l in_toto.Link) string {
	t.Helper()
	s, err := attest.LoadSigner(filepath.Join(dir, keyName+".key"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := provenance.LinkFromInToto(l).Statement()
	if err != nil {
		t.Fatal(err)
	}
	env, err := attest.SignStatement(context.Background(), st, s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := attest.MarshalEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// entries reads bundle lines as a bundle file.
func entries(t *testing.T, dir string, lines ...string) []attest.Entry {
	t.Helper()
	path := filepath.Join(dir, "links.intoto.jsonl")
	attesttest.WriteFile(t, path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	es, err := attest.ReadBundleFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// TestBundleLinks: link statements in a bundle stand in for link files,
// verified against the layout's functionary keys first.
func TestBundleLinks(t *testing.T) {
	slsa := func(t *testing.T, c *chain) string {
		s, err := attest.LoadSigner(filepath.Join(c.dir, "bob.key"))
		if err != nil {
			t.Fatal(err)
		}
		st, err := provenance.NewAttestStatement([]digest.Artifact{{Name: "app", Digests: digest.Set{"sha256": c.appHash}}}, provenance.AttestOptions{})
		if err != nil {
			t.Fatal(err)
		}
		env, err := attest.SignStatement(context.Background(), st, s)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := attest.MarshalEnvelope(env)
		return string(b)
	}
	for _, tc := range []struct {
		name    string
		lines   func(t *testing.T, c *chain) []string
		dir     bool // link files too
		id      string
		want    string
		warning string
	}{
		{name: "both steps from the bundle", lines: func(t *testing.T, c *chain) []string {
			return []string{bundleLine(t, c.dir, "bob", c.build), bundleLine(t, c.dir, "carl", c.pack)}
		}},
		{name: "provenance beside the links is set aside", lines: func(t *testing.T, c *chain) []string {
			return []string{slsa(t, c), bundleLine(t, c.dir, "bob", c.build), bundleLine(t, c.dir, "carl", c.pack)}
		}, warning: "1 verified attestation(s) in the bundles are not in-toto links"},
		{name: "a link for a step the layout does not have", lines: func(t *testing.T, c *chain) []string {
			other := c.build
			other.Name = "test"
			return []string{bundleLine(t, c.dir, "bob", c.build), bundleLine(t, c.dir, "carl", c.pack), bundleLine(t, c.dir, "bob", other)}
		}, warning: `a link for step "test", which the layout does not have`},
		{name: "the same link as a file and in the bundle counts once", dir: true, lines: func(t *testing.T, c *chain) []string {
			return []string{bundleLine(t, c.dir, "bob", c.build)}
		}},
		{name: "a file and a bundle entry that disagree", dir: true, lines: func(t *testing.T, c *chain) []string {
			other := c.build
			other.Products = map[string]in_toto.HashObj{"app": {"sha256": c.otherHash}}
			return []string{bundleLine(t, c.dir, "bob", other)}
		}, id: "step-links", want: "record different materials or products"},
		{name: "a link signed by another step's functionary", lines: func(t *testing.T, c *chain) []string {
			return []string{bundleLine(t, c.dir, "carl", c.build), bundleLine(t, c.dir, "carl", c.pack)}
		}, id: "step-links", want: `links.intoto.jsonl:1: signed by `},
		{name: "a link signed by a stranger", lines: func(t *testing.T, c *chain) []string {
			return []string{bundleLine(t, c.dir, "owner", c.build), bundleLine(t, c.dir, "carl", c.pack)}
		}, id: "link-bundle", want: "links.intoto.jsonl:1: not verified with the layout's keys"},
		{name: "a line that is not an envelope", lines: func(t *testing.T, c *chain) []string {
			return []string{bundleLine(t, c.dir, "bob", c.build), bundleLine(t, c.dir, "carl", c.pack), `{"hello":"world"}`}
		}, id: "link-bundle", want: "links.intoto.jsonl:3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t)
			c.write(t, false)
			es := entries(t, c.dir, tc.lines(t, c)...)
			ev := []Evidence{WithLinkEntries(es...)}
			if tc.dir {
				ev = append(ev, WithLinkDir(c.dir))
			} else {
				for _, n := range []string{linkName("build", c.bob), linkName("package", c.carl)} {
					remove(t, c.dir, n)
				}
			}
			r := c.verify(t, ev...)
			if tc.id == "" {
				wantAllowed(t, r)
			} else {
				wantDenied(t, r, tc.id, tc.want)
			}
			if tc.warning != "" && !strings.Contains(strings.Join(r.Warnings, "\n"), tc.warning) {
				t.Errorf("warnings %v, want one saying %q", r.Warnings, tc.warning)
			}
		})
	}
}

// TestParseMetadataRefuses: what the reader refuses before anything is
// verified, each with why.
func TestParseMetadataRefuses(t *testing.T) {
	link := `{"_type":"link","name":"a","materials":{},"products":{},"byproducts":{},"command":[],"environment":{}}`
	sig := `{"keyid":"ab","sig":"00"}`
	many := strings.Repeat(sig+",", 16) + sig
	for _, c := range []struct {
		name, in, want string
	}{
		{"not JSON", `{`, "in-toto metadata"},
		{"two values", `{} {}`, "more than one JSON value"},
		{"a repeated key", `{"signed":` + link + `,"signed":` + link + `,"signatures":[]}`, `duplicate JSON key "signed"`},
		{"a case variant of signed", `{"Signed":` + link + `,"signatures":[]}`, `member "Signed" is not in the in-toto metadata spec (the spec spells it "signed")`},
		{"an unknown wrapper member", `{"signed":` + link + `,"signatures":[],"note":"x"}`, `member "note"`},
		{"no signatures member", `{"signed":` + link + `}`, `member "signatures" is missing`},
		{"a case variant in the link", `{"signed":` + strings.Replace(link, `"products"`, `"Products"`, 1) + `,"signatures":[]}`, `(the spec spells it "products")`},
		{"a member missing from the link", `{"signed":` + strings.Replace(link, `"command":[],`, ``, 1) + `,"signatures":[]}`, `member "command" is missing`},
		{"an unknown type", `{"signed":{"_type":"links"},"signatures":[]}`, `_type is "links"`},
		{"a signature's unknown member", `{"signed":` + link + `,"signatures":[{"keyid":"ab","sig":"00","Cert":"x"}]}`, `signatures[0]: member "Cert"`},
		{"too many signatures", `{"signed":` + link + `,"signatures":[` + many + `]}`, "more than 16"},
		{"a DSSE envelope of another type", `{"payloadType":"application/json","payload":"e30=","signatures":[{"keyid":"","sig":"AA=="}]}`, `DSSE payload type "application/json"`},
		{"deep nesting", `{"signed":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `,"signatures":[]}`, "nested deeper than 128"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseMetadata("f", []byte(c.in), attest.DefaultLimits())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("parseMetadata(%.60s) = %v, want an error saying %q", c.in, err, c.want)
			}
		})
	}
	if _, err := parseMetadata("f", []byte(`{"signed":`+link+`,"signatures":[`+sig+`]}`), attest.DefaultLimits()); err != nil {
		t.Errorf("a well-formed link: %v", err)
	}
}

// TestLimits: a link directory of more link files than the envelopes
// limit, and a link file past line-bytes, deny with the limit named.
func TestLimits(t *testing.T) {
	c := newChain(t)
	c.write(t, false)
	for i := range 3 {
		attesttest.WriteFile(t, filepath.Join(c.dir, "build.0000000"+string(rune('a'+i))+".link"), []byte("{}"), 0o644)
	}
	r := verify(t, verifier(t, WithLayoutKeys(c.ownerPub), WithLimits(attest.Limits{Envelopes: 2})), c.layoutPath, WithLinkDir(c.dir))
	wantDenied(t, r, "step-links", "more than 2 link files")
	r = verify(t, verifier(t, WithLayoutKeys(c.ownerPub), WithLimits(attest.Limits{LineBytes: 100})), c.layoutPath, WithLinkDir(c.dir))
	wantDenied(t, r, "layout-format", "larger than 100 bytes")
}

// TestInspectionArtifacts: only regular files and directories are copied
// for inspections; the scratch directory is gone afterwards; the caller's
// directory is untouched.
func TestInspectionArtifacts(t *testing.T) {
	c := newChain(t)
	c.layout.Inspect = []in_toto.Inspection{{Type: "inspection", Run: []string{"sh", "-c", "ls -R > listing && pwd > where"},
		SupplyChainItem: in_toto.SupplyChainItem{Name: "look", ExpectedMaterials: [][]string{}, ExpectedProducts: [][]string{}}}}
	c.write(t, false)
	art := t.TempDir()
	attesttest.WriteFile(t, filepath.Join(art, "app.tar.gz"), []byte("x"), 0o644)
	attesttest.WriteFile(t, filepath.Join(art, "tree", "a.txt"), []byte("a"), 0o644)
	t.Chdir(t.TempDir())
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "provenant-inspect-*"))
	r := c.verify(t, WithLinkDir(c.dir), WithInspections(filepath.Join(art, "app.tar.gz"), filepath.Join(art, "tree")))
	wantAllowed(t, r)
	got := map[string]bool{}
	for _, p := range r.Inspections[0].Link.Products {
		got[p.Name] = true
	}
	if !got["app.tar.gz"] || !got["a.txt"] || !got["listing"] || !got["where"] || len(got) != 4 {
		t.Errorf("the inspection saw %v, want app.tar.gz, a.txt and what it wrote", got)
	}
	if left, _ := os.ReadDir("."); len(left) != 0 {
		t.Errorf("the current directory holds %v", left)
	}
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "provenant-inspect-*"))
	if len(after) > len(before) {
		t.Errorf("scratch directories left behind: %v (before: %v)", after, before)
	}

	attesttest.Symlink(t, "/etc/passwd", filepath.Join(art, "tree", "passwd"))
	_, err := verifier(t, WithLayoutKeys(c.ownerPub)).Verify(context.Background(), c.layoutPath, WithLinkDir(c.dir), WithInspections(filepath.Join(art, "tree")))
	if err == nil || !strings.Contains(err.Error(), "a symbolic link") {
		t.Errorf("a link among the artifacts: %v, want an ErrArtifact", err)
	}
	attesttest.Mkfifo(t, filepath.Join(art, "fifo"))
	_, err = verifier(t, WithLayoutKeys(c.ownerPub)).Verify(context.Background(), c.layoutPath, WithLinkDir(c.dir), WithInspections(filepath.Join(art, "fifo")))
	if err == nil || !strings.Contains(err.Error(), "a named pipe") {
		t.Errorf("a FIFO artifact: %v, want an ErrArtifact", err)
	}
}

// TestReportJSON: the report marshals, and a verified
// link's record in it is what the link says.
func TestReportJSON(t *testing.T) {
	c := newChain(t)
	c.write(t, false)
	r := c.verify(t)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"products":[{"name":"app.tar.gz","digest":{"sha256":"`+c.tarHash+`"}}]`) {
		t.Errorf("report JSON = %s", b)
	}
}

// TestCertificateFunctionary: the demo's write-code link signed anew with
// in-toto-golang's example.com write-code certificate and its key; a
// layout whose write-code step names no key, only the demo's certificate
// constraint, accepts it through the layout's intermediate and root CA.
// A constraint that does not list every root of the layout is not met
// (in-toto-golang compares the constraint's roots with all the layout's).
func TestCertificateFunctionary(t *testing.T) {
	base := loadLayout(t, "demo.layout")
	base.Steps[0].PubKeys = []string{}
	base.Inspect = []in_toto.Inspection{}
	other := x509test.NewRoot(t, "another root")
	var otherKey in_toto.Key
	if err := otherKey.LoadKeyReaderDefaults(bytes.NewReader(x509test.PEM(other.Cert))); err != nil {
		t.Fatal(err)
	}
	otherKey.KeyVal.Public = ""
	for _, c := range []struct {
		name  string
		edit  func(l *in_toto.Layout)
		want  string
		inter bool
	}{
		{"accepted", func(*in_toto.Layout) {}, "", false},
		{"the constraint names another root of the layout", func(l *in_toto.Layout) {
			l.RootCas[otherKey.KeyID] = otherKey
			l.Steps[0].CertificateConstraints[0].Roots = []string{otherKey.KeyID}
		}, "cert has an unexpected root da6360ef", false},
		{"the constraint wants another URI", func(l *in_toto.Layout) {
			l.Steps[0].CertificateConstraints[0].URIs = []string{"spiffe://example.com/evil"}
		}, `is not a functionary of step "write-code"`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := base
			l.Steps = append([]in_toto.Step(nil), base.Steps...)
			l.Steps[0].CertificateConstraints = append([]in_toto.CertificateConstraint(nil), base.Steps[0].CertificateConstraints...)
			l.RootCas = maps.Clone(base.RootCas)
			l.Expires = future()
			c.edit(&l)
			dir := copyData(t, "package.d3ffd108.link")
			path := sign(t, filepath.Join(dir, "root.layout"), l, false, privKey(t, data(t, "alice")))
			key := privKey(t, data(t, "example.com.write-code.key.pem"))
			cert, err := os.ReadFile(data(t, "example.com.write-code.cert.pem"))
			if err != nil {
				t.Fatal(err)
			}
			key.KeyVal.Certificate = string(cert)
			md, err := in_toto.LoadMetadata(data(t, "write-code.b7d643de.link"))
			if err != nil {
				t.Fatal(err)
			}
			sign(t, filepath.Join(dir, linkName("write-code", key)), md.GetPayload(), false, key)
			r := verify(t, verifier(t, WithLayoutKeys(pubKey(t, data(t, "alice.pub")))), path, WithLinkDir(dir))
			if c.want == "" {
				wantAllowed(t, r)
				return
			}
			wantDenied(t, r, "step-links", c.want)
		})
	}
}
