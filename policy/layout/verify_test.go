package layout

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/in-toto/in-toto-golang/in_toto"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
)

// TestDemoLayoutsPass: in-toto-golang's own demo supply chains verify,
// with their links read from its test data and, for demo.layout, its
// inspection run on a copy of foo.tar.gz.
func TestDemoLayoutsPass(t *testing.T) {
	v := verifier(t, WithLayoutKeys(pubKey(t, data(t, "alice.pub"))))
	for _, c := range []struct {
		layout, form string
		steps        []string
		inspections  int
	}{
		{"demo.layout", FormMetablock, []string{"write-code", "package"}, 1},
		{"demo.dsse.layout", FormDSSE, []string{"write-code", "package"}, 1},
		{"dsse-only.root.layout", FormDSSE, []string{"clone-dsse", "update-version-dsse", "package-dsse"}, 0},
	} {
		t.Run(c.layout, func(t *testing.T) {
			t.Chdir(t.TempDir())
			r := verify(t, v, data(t, c.layout), WithLinkDir(data(t)), WithInspections(data(t, "foo.tar.gz")))
			wantAllowed(t, r)
			if r.Layout.Form != c.form {
				t.Errorf("form = %q, want %q", r.Layout.Form, c.form)
			}
			if len(r.Steps) != len(c.steps) || len(r.Inspections) != c.inspections {
				t.Fatalf("steps %d, inspections %d; want %d, %d", len(r.Steps), len(r.Inspections), len(c.steps), c.inspections)
			}
			for i, s := range r.Steps {
				if s.Name != c.steps[i] || len(s.Links) != 1 || !s.Links[0].Counted || s.Links[0].Link == nil {
					t.Errorf("step %d = %+v, want %s with one counted link", i, s, c.steps[i])
				}
			}
			// Inspections ran in a scratch directory, not here.
			if left, _ := os.ReadDir("."); len(left) != 0 {
				t.Errorf("the current directory holds %v after verification", left)
			}
		})
	}
}

// TestDemoDenials: in-toto-golang's demo with one thing wrong, each denied
// by the check that finds it and saying why.
func TestDemoDenials(t *testing.T) {
	alice := pubKey(t, data(t, "alice.pub"))
	demoFiles := []string{"demo.layout", "demo.dsse.layout", "write-code.b7d643de.link", "package.d3ffd108.link", "foo.tar.gz"}
	for _, c := range []struct {
		name   string
		keys   []string
		layout string
		setup  func(t *testing.T, dir string) []Evidence
		now    time.Time
		id     string
		want   string
	}{
		{name: "wrong layout key", keys: []string{"dan.pub"}, id: "layout-signature", want: "no signature by layout key b7d643dec0a0"},
		{name: "wrong layout key, DSSE", keys: []string{"dan.pub"}, layout: "demo.dsse.layout", id: "layout-signature", want: "not signed by every layout key (b7d643dec0a0)"},
		{name: "a second layout key did not sign", keys: []string{"alice.pub", "carol.pub"}, id: "layout-signature", want: "no signature by layout key be6371bc6273"},
		{name: "missing link", setup: func(t *testing.T, dir string) []Evidence {
			remove(t, dir, "package.d3ffd108.link")
			return nil
		}, id: "step-links", want: `step "package" needs links from 1 functionary(ies) (d3ffd1086938), found no link`},
		{name: "edited link", setup: func(t *testing.T, dir string) []Evidence {
			editJSON(t, filepath.Join(dir, "package.d3ffd108.link"), func(m map[string]any) {
				m["signed"].(map[string]any)["products"].(map[string]any)["foo.tar.gz"] = map[string]any{"sha256": strings.Repeat("0", 64)}
			})
			return nil
		}, id: "step-links", want: "package.d3ffd108.link: the signature by d3ffd1086938 does not verify: the link was changed after it was signed"},
		{name: "edited link with a certificate", setup: func(t *testing.T, dir string) []Evidence {
			editJSON(t, filepath.Join(dir, "write-code.b7d643de.link"), func(m map[string]any) {
				m["signed"].(map[string]any)["command"] = []any{"evil"}
			})
			return nil
		}, id: "step-links", want: "write-code.b7d643de.link: the signature by b7d643dec0a0 does not verify"},
		{name: "tampered foo.tar.gz", setup: func(t *testing.T, dir string) []Evidence {
			attesttest.TarGz(t, filepath.Join(dir, "foo.tar.gz"), "foo.py", "print('owned')\n")
			return nil
		}, id: "inspection-rules", want: "artifact verification failed for Inspection 'untar', materials [foo.tar.gz] disallowed by rule [DISALLOW foo.tar.gz]"},
		{name: "foo.tar.gz replaced by junk", setup: func(t *testing.T, dir string) []Evidence {
			attesttest.WriteFile(t, filepath.Join(dir, "foo.tar.gz"), []byte("not a tarball"), 0o644)
			return nil
		}, id: "inspection", want: `inspection "untar" (tar xfz foo.tar.gz) exited with status`},
		{name: "expired layout", now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), id: "layout-expiry", want: "the layout expired on 2030-11-18T16:06:36Z"},
		{name: "expired layout, DSSE", layout: "demo.dsse.layout", now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), id: "layout-expiry", want: "expired on 2030-11-18T16:06:36Z"},
		{name: "empty link directory", setup: func(t *testing.T, dir string) []Evidence {
			return []Evidence{WithLinkDir(t.TempDir())}
		}, id: "step-links", want: `step "write-code" needs links from 1 functionary(ies) (b7d643dec0a0), found no link`},
		{name: "a functionary's link under another step's name", setup: func(t *testing.T, dir string) []Evidence {
			b, _ := os.ReadFile(filepath.Join(dir, "write-code.b7d643de.link"))
			attesttest.WriteFile(t, filepath.Join(dir, "package.b7d643de.link"), b, 0o644)
			return nil
		}, id: "step-links", want: `package.b7d643de.link: signed by b7d643dec0a0, who is not a functionary of step "package"`},
		{name: "a link file named for a key that did not sign it", setup: func(t *testing.T, dir string) []Evidence {
			b, _ := os.ReadFile(filepath.Join(dir, "package.d3ffd108.link"))
			attesttest.WriteFile(t, filepath.Join(dir, "package.00000000.link"), b, 0o644)
			return nil
		}, id: "step-links", want: `package.00000000.link: no signature by a key whose id starts with "00000000"`},
		{name: "junk in a link file", setup: func(t *testing.T, dir string) []Evidence {
			attesttest.WriteFile(t, filepath.Join(dir, "package.d3ffd109.link"), []byte(`{"signed":{},"signed":{}}`), 0o644)
			return nil
		}, id: "step-links", want: `package.d3ffd109.link: in-toto metadata: duplicate JSON key "signed"`},
		{name: "a named pipe for a link", setup: func(t *testing.T, dir string) []Evidence {
			attesttest.Mkfifo(t, filepath.Join(dir, "package.d3ffd10a.link"))
			return nil
		}, id: "step-links", want: "package.d3ffd10a.link: a named pipe, not a regular file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := copyData(t, demoFiles...)
			keys := []*attest.PublicKey{alice}
			if c.keys != nil {
				keys = nil
				for _, k := range c.keys {
					keys = append(keys, pubKey(t, data(t, k)))
				}
			}
			opts := []Option{WithLayoutKeys(keys...)}
			if !c.now.IsZero() {
				opts = append(opts, WithClock(func() time.Time { return c.now }))
			}
			ev := []Evidence{WithLinkDir(dir), WithInspections(filepath.Join(dir, "foo.tar.gz"))}
			if c.setup != nil {
				if extra := c.setup(t, dir); extra != nil {
					ev = append(extra, WithInspections(filepath.Join(dir, "foo.tar.gz")))
				}
			}
			layout := c.layout
			if layout == "" {
				layout = "demo.layout"
			}
			attesttest.Within(t, 30*time.Second, "verify", func() bool {
				wantDenied(t, verify(t, verifier(t, opts...), filepath.Join(dir, layout), ev...), c.id, c.want)
				return true
			})
		})
	}
}

func remove(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// editJSON rewrites a JSON file through edit.
func editJSON(t *testing.T, path string, edit func(map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	attesttest.WriteFile(t, path, out, 0o644)
}

// TestDSSELinkEdited: a DSSE link whose payload was changed does not count.
func TestDSSELinkEdited(t *testing.T) {
	dir := copyData(t, "dsse-only.root.layout", "clone-dsse.776a00e2.link", "update-version-dsse.776a00e2.link", "package-dsse.2f89b927.link")
	editJSON(t, filepath.Join(dir, "clone-dsse.776a00e2.link"), func(m map[string]any) {
		p, _ := base64.StdEncoding.DecodeString(m["payload"].(string))
		p = []byte(strings.Replace(string(p), `"git"`, `"curl"`, 1))
		m["payload"] = base64.StdEncoding.EncodeToString(p)
	})
	r := verify(t, verifier(t, WithLayoutKeys(pubKey(t, data(t, "alice.pub")))), filepath.Join(dir, "dsse-only.root.layout"), WithLinkDir(dir))
	wantDenied(t, r, "step-links", "clone-dsse.776a00e2.link: the signature by 776a00e29f35 does not verify")
}

// TestInputErrors: what the caller must fix is an error, not a report.
func TestInputErrors(t *testing.T) {
	alice := pubKey(t, data(t, "alice.pub"))
	v := verifier(t, WithLayoutKeys(alice))
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		layout string
		ev     []Evidence
		want   error
		text   string
	}{
		{"inspections not allowed", "demo.layout", []Evidence{WithLinkDir(data(t))}, ErrInspectionsNotAllowed, ""},
		{"no evidence", "demo.layout", nil, ErrNoEvidence, ""},
		{"missing link directory", "demo.layout", []Evidence{WithLinkDir(filepath.Join(t.TempDir(), "nope"))}, os.ErrNotExist, ""},
		{"missing layout", "nope.layout", []Evidence{WithLinkDir(data(t))}, os.ErrNotExist, ""},
		{"bad parameter name", "demo.layout", []Evidence{WithLinkDir(data(t)), WithParameters(map[string]string{"a b": "x"})}, ErrBadParameter, ""},
		{"artifact missing", "demo.layout", []Evidence{WithLinkDir(data(t)), WithInspections("/nonexistent/foo.tar.gz")}, ErrArtifact, "/nonexistent/foo.tar.gz"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := data(t, c.layout)
			if c.layout == "nope.layout" {
				path = filepath.Join(t.TempDir(), c.layout)
			}
			r, err := v.Verify(ctx, path, c.ev...)
			if !errors.Is(err, c.want) || !strings.Contains(errString(err), c.text) {
				t.Errorf("Verify = %v, %v; want %v", r, err, c.want)
			}
		})
	}
	if _, err := NewVerifier(); err == nil {
		t.Error("NewVerifier without a layout key succeeded")
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// chain is a two-step supply chain with keys made for the test: build
// (bob) makes app from src.c; package (carl) makes app.tar.gz from app.
type chain struct {
	dir                string
	owner, bob, carl   in_toto.Key
	ownerPub, bobPub   *attest.PublicKey
	layout             in_toto.Layout
	build, pack        in_toto.Link
	layoutPath         string
	appHash, srcHash   string
	tarHash, otherHash string
}

// newChain makes the chain; bob's key is ECDSA unless bobType says
// otherwise (in-toto-golang's DSSE payloads are its canonical JSON, which
// writes the line breaks of a PEM key raw: not JSON, which it refuses to
// read back itself, and provenant too).
func newChain(t *testing.T, bobType ...attest.KeyType) *chain {
	t.Helper()
	c := &chain{dir: t.TempDir()}
	var carlPub *attest.PublicKey
	kt := attest.ECDSAP256
	if len(bobType) > 0 {
		kt = bobType[0]
	}
	c.owner, c.ownerPub = newKeyFiles(t, c.dir, "owner", attest.Ed25519)
	c.bob, c.bobPub = newKeyFiles(t, c.dir, "bob", kt)
	c.carl, carlPub = newKeyFiles(t, c.dir, "carl", attest.Ed25519)
	_ = carlPub
	c.srcHash, c.appHash, c.tarHash, c.otherHash = strings.Repeat("1", 64), strings.Repeat("2", 64), strings.Repeat("3", 64), strings.Repeat("4", 64)
	c.layout = in_toto.Layout{
		Type: "layout", Expires: future(),
		Keys: map[string]in_toto.Key{c.bob.KeyID: publicOf(c.bob), c.carl.KeyID: publicOf(c.carl)},
		Steps: []in_toto.Step{
			{Type: "step", PubKeys: []string{c.bob.KeyID}, Threshold: 1, ExpectedCommand: []string{"make"}, SupplyChainItem: in_toto.SupplyChainItem{
				Name: "build", ExpectedMaterials: [][]string{{"ALLOW", "src.c"}, {"DISALLOW", "*"}}, ExpectedProducts: [][]string{{"CREATE", "app"}, {"DISALLOW", "*"}}}},
			{Type: "step", PubKeys: []string{c.carl.KeyID}, Threshold: 1, ExpectedCommand: []string{"tar"}, SupplyChainItem: in_toto.SupplyChainItem{
				Name: "package", ExpectedMaterials: [][]string{{"MATCH", "app", "WITH", "PRODUCTS", "FROM", "build"}, {"DISALLOW", "*"}}, ExpectedProducts: [][]string{{"CREATE", "app.tar.gz"}, {"DISALLOW", "*"}}}},
		},
		Inspect: []in_toto.Inspection{},
	}
	c.build = in_toto.Link{Type: "link", Name: "build", Command: []string{"make"},
		Materials: map[string]in_toto.HashObj{"src.c": {"sha256": c.srcHash}}, Products: map[string]in_toto.HashObj{"app": {"sha256": c.appHash}},
		ByProducts: map[string]any{}, Environment: map[string]any{}}
	c.pack = in_toto.Link{Type: "link", Name: "package", Command: []string{"tar"},
		Materials: map[string]in_toto.HashObj{"app": {"sha256": c.appHash}}, Products: map[string]in_toto.HashObj{"app.tar.gz": {"sha256": c.tarHash}},
		ByProducts: map[string]any{}, Environment: map[string]any{}}
	return c
}

// write signs the layout and the links (as metablocks, or DSSE).
func (c *chain) write(t *testing.T, dsse bool) {
	t.Helper()
	c.layoutPath = sign(t, filepath.Join(c.dir, "root.layout"), c.layout, dsse, c.owner)
	sign(t, filepath.Join(c.dir, linkName("build", c.bob)), c.build, dsse, c.bob)
	sign(t, filepath.Join(c.dir, linkName("package", c.carl)), c.pack, dsse, c.carl)
}

func (c *chain) verify(t *testing.T, ev ...Evidence) *Report {
	t.Helper()
	if ev == nil {
		ev = []Evidence{WithLinkDir(c.dir)}
	}
	return verify(t, verifier(t, WithLayoutKeys(c.ownerPub)), c.layoutPath, ev...)
}

func TestChain(t *testing.T) {
	for _, kt := range attest.KeyTypes() {
		t.Run(string(kt), func(t *testing.T) {
			c := newChain(t, kt)
			c.write(t, false)
			wantAllowed(t, c.verify(t))
		})
	}
	t.Run("DSSE", func(t *testing.T) {
		c := newChain(t, attest.Ed25519)
		c.write(t, true)
		wantAllowed(t, c.verify(t))
	})
}

// TestChainDenials: artifact rules, thresholds and the layout's own form.
func TestChainDenials(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *chain)
		id   string
		want string
	}{
		{"a product the rules disallow", func(c *chain) { c.build.Products["backdoor.so"] = in_toto.HashObj{"sha256": c.otherHash} },
			"step-rules", "artifact verification failed for Step 'build', products [backdoor.so] disallowed by rule [DISALLOW *]"},
		{"package used something build did not make", func(c *chain) { c.pack.Materials["app"] = in_toto.HashObj{"sha256": c.otherHash} },
			"step-rules", "materials [app] disallowed by rule [DISALLOW *]"},
		{"the link names another step", func(c *chain) { c.build.Name = "package" },
			"step-links", `the link records step "package", not "build"`},
		{"threshold 2, one link", func(c *chain) {
			c.layout.Steps[0].Threshold = 2
			c.layout.Steps[0].PubKeys = append(c.layout.Steps[0].PubKeys, c.carl.KeyID)
		},
			"step-links", `step "build" needs links from 2 functionary(ies)`},
		{"threshold 0", func(c *chain) { c.layout.Steps[0].Threshold = 0 },
			"layout-format", `step "build": threshold 0: at least one link is needed`},
		{"an empty rule", func(c *chain) { c.layout.Steps[0].ExpectedProducts = [][]string{{}} },
			"layout-format", `step "build" has an empty artifact rule`},
		{"a malformed pattern", func(c *chain) { c.layout.Steps[0].ExpectedProducts = [][]string{{"CREATE", "app"}, {"DISALLOW", "[*"}} },
			"layout-rules", `step "build": expected_products[1] [DISALLOW [*]: pattern "[*": malformed pattern`},
		{"a pattern that path.Clean makes malformed", func(c *chain) {
			c.layout.Steps[0].ExpectedProducts = [][]string{{"CREATE", "app"}, {"DISALLOW", `app\/`}}
		},
			"layout-rules", "it ends with an escape"},
		{"MATCH from no step", func(c *chain) { c.layout.Steps[1].ExpectedMaterials[0][5] = "biuld" },
			"layout-rules", `names "biuld", which is no step or inspection of the layout`},
		{"no steps", func(c *chain) { c.layout.Steps = nil },
			"layout-format", "the layout has no steps"},
		{"a functionary key under a wrong id", func(c *chain) {
			k := c.layout.Keys[c.bob.KeyID]
			k.KeyIDHashAlgorithms = []string{"sha512"}
			c.layout.Keys[c.bob.KeyID] = k
		}, "layout-format", "its id is not the key's"},
		{"a private key in the layout", func(c *chain) { c.layout.Keys[c.bob.KeyID] = c.bob },
			"layout-format", "the given key is not a public key"},
		{"expired", func(c *chain) { c.layout.Expires = "2020-01-01T00:00:00Z" },
			"layout-expiry", "the layout expired on 2020-01-01T00:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t)
			tc.edit(c)
			c.write(t, false)
			wantDenied(t, c.verify(t), tc.id, tc.want)
		})
	}
}

// TestOneKeyTwoIDs: a key listed under two ids (in-toto's id depends on
// its hash algorithms list) is one functionary: it cannot meet a
// threshold of two alone.
func TestOneKeyTwoIDs(t *testing.T) {
	c := newChain(t)
	alias := publicOf(c.bob)
	alias.KeyIDHashAlgorithms = []string{"sha256"}
	id, err := inTotoKeyID(alias)
	if err != nil {
		t.Fatal(err)
	}
	alias.KeyID = id
	c.layout.Keys[id] = alias
	c.layout.Steps[0].PubKeys = []string{c.bob.KeyID, id}
	c.layout.Steps[0].Threshold = 2
	c.write(t, false)
	aliasSigner := c.bob
	aliasSigner.KeyID = id
	sign(t, filepath.Join(c.dir, linkName("build", aliasSigner)), c.build, false, aliasSigner)
	r := c.verify(t)
	wantDenied(t, r, "step-links", "2 link(s), 1 from distinct functionaries that verified")
}

// TestLinksDisagree: two functionaries of one step who record different
// artifacts deny, naming both links.
func TestLinksDisagree(t *testing.T) {
	c := newChain(t)
	c.layout.Steps[0].PubKeys = []string{c.bob.KeyID, c.carl.KeyID}
	c.layout.Steps[0].Threshold = 2
	c.write(t, false)
	other := c.build
	other.Products = map[string]in_toto.HashObj{"app": {"sha256": c.otherHash}}
	sign(t, filepath.Join(c.dir, linkName("build", c.carl)), other, false, c.carl)
	wantDenied(t, c.verify(t), "step-links", "record different materials or products for step \"build\"")
}

// TestParameters: {NAME} is substituted; a parameter without a value is
// an input error naming it; an unused one is a warning.
func TestParameters(t *testing.T) {
	c := newChain(t)
	c.layout.Steps[0].ExpectedProducts = [][]string{{"CREATE", "{ARTIFACT}"}, {"DISALLOW", "*"}}
	c.write(t, false)
	v := verifier(t, WithLayoutKeys(c.ownerPub))
	_, err := v.Verify(context.Background(), c.layoutPath, WithLinkDir(c.dir))
	if !errors.Is(err, ErrMissingParameter) || !strings.Contains(err.Error(), "ARTIFACT") {
		t.Errorf("Verify without the parameter = %v, want ErrMissingParameter naming ARTIFACT", err)
	}
	r := verify(t, v, c.layoutPath, WithLinkDir(c.dir), WithParameters(map[string]string{"ARTIFACT": "app", "UNUSED": "x"}))
	wantAllowed(t, r)
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "UNUSED") {
		t.Errorf("warnings = %v, want one about UNUSED", r.Warnings)
	}
	r = verify(t, v, c.layoutPath, WithLinkDir(c.dir), WithParameters(map[string]string{"ARTIFACT": "other"}))
	wantDenied(t, r, "step-rules", "products [app] disallowed by rule [DISALLOW *]")
}

// TestSublayout: in-toto-golang's super.layout, signed anew, whose one
// step is the demo layout as a sublayout, verified with the links in its
// own directory.
func TestSublayout(t *testing.T) {
	dir := copyData(t, "sub_layout.70ca5750.link", "foo.tar.gz")
	sub := filepath.Join(dir, "sub_layout.70ca5750")
	attesttest.Mkdir(t, sub)
	for _, n := range []string{"write-code.b7d643de.link", "package.d3ffd108.link"} {
		b, _ := os.ReadFile(data(t, n))
		attesttest.WriteFile(t, filepath.Join(sub, n), b, 0o644)
	}
	super := loadLayout(t, "super.layout")
	super.Expires = future()
	path := sign(t, filepath.Join(dir, "super.layout"), super, false, privKey(t, data(t, "alice")))
	v := verifier(t, WithLayoutKeys(pubKey(t, data(t, "alice.pub"))))
	r := verify(t, v, path, WithLinkDir(dir), WithInspections(filepath.Join(dir, "foo.tar.gz")))
	wantAllowed(t, r)
	var items []string
	for _, c := range r.Checks {
		items = append(items, c.ID+":"+c.Item)
	}
	if !strings.Contains(strings.Join(items, " "), "step-rules:sub_layout/package") || !strings.Contains(strings.Join(items, " "), "sublayout:sub_layout") {
		t.Errorf("checks %v do not show the sublayout's", items)
	}

	// Its links gone: the sublayout, and so the root, is denied.
	remove(t, sub, "package.d3ffd108.link")
	r = verify(t, v, path, WithLinkDir(dir), WithInspections(filepath.Join(dir, "foo.tar.gz")))
	wantDenied(t, r, "step-links", `step "package" needs links`)

	// A sublayout whose link directory is the directory itself, and whose
	// step is itself: the nesting is bounded.
	loop := t.TempDir()
	path = sign(t, filepath.Join(loop, "super.layout"), super, false, privKey(t, data(t, "alice")))
	b, _ := os.ReadFile(path)
	attesttest.WriteFile(t, filepath.Join(loop, "sub_layout.70ca5750.link"), b, 0o644)
	attesttest.Symlink(t, ".", filepath.Join(loop, "sub_layout.70ca5750"))
	r = verify(t, v, path, WithLinkDir(loop))
	if r.Allowed || !strings.Contains(strings.Join(allReasons(r), " "), "sublayouts nest deeper than 8 levels") {
		t.Errorf("a sublayout loop: allowed %v, reasons %v", r.Allowed, allReasons(r))
	}
}

func allReasons(r *Report) []string {
	var out []string
	for _, c := range r.Checks {
		out = append(out, c.Reasons...)
	}
	return out
}

// TestLayoutKeyIDIsAHint: the layout key is known by its material. A
// signature under another id for it (an in-toto key file with another
// scheme gives another id) verifies; a securesystemslib JSON key reads
// as the PEM key; an edited layout does not verify.
func TestLayoutKeyIDIsAHint(t *testing.T) {
	dir := copyData(t, "write-code.b7d643de.link", "package.d3ffd108.link", "foo.tar.gz")
	l := loadLayout(t, "demo.layout")
	alice := privKey(t, data(t, "alice"))
	alice.KeyID = strings.Repeat("ab", 32)
	path := sign(t, filepath.Join(dir, "other-id.layout"), l, false, alice)
	ev := []Evidence{WithLinkDir(dir), WithInspections(filepath.Join(dir, "foo.tar.gz"))}
	wantAllowed(t, verify(t, verifier(t, WithLayoutKeys(pubKey(t, data(t, "alice.pub")))), path, ev...))

	pub := pubKey(t, data(t, "alice.pub"))
	pem, err := pub.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	jsonKey, err := json.Marshal(map[string]any{"keytype": "rsa", "scheme": "rsassa-pss-sha256", "keyid_hash_algorithms": []string{"sha256", "sha512"}, "keyval": map[string]string{"public": string(pem)}})
	if err != nil {
		t.Fatal(err)
	}
	attesttest.WriteFile(t, filepath.Join(dir, "alice.json"), jsonKey, 0o644)
	wantAllowed(t, verify(t, verifier(t, WithLayoutKeys(pubKey(t, filepath.Join(dir, "alice.json")))), data(t, "demo.layout"), ev...))

	b, err := os.ReadFile(data(t, "demo.layout"))
	if err != nil {
		t.Fatal(err)
	}
	attesttest.WriteFile(t, filepath.Join(dir, "edited.layout"), []byte(strings.Replace(string(b), `"readme": ""`, `"readme": "edited"`, 1)), 0o644)
	r := verify(t, verifier(t, WithLayoutKeys(pub)), filepath.Join(dir, "edited.layout"), ev...)
	wantDenied(t, r, "layout-signature", "the signature by layout key 70ca5750c2ed")
}

// TestConcurrentVerify: one Verifier serves concurrent verifications,
// inspections included (clean under -race).
func TestConcurrentVerify(t *testing.T) {
	v := verifier(t, WithLayoutKeys(pubKey(t, data(t, "alice.pub"))))
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for range 4 {
		wg.Go(func() {
			r, err := v.Verify(context.Background(), data(t, "demo.layout"), WithLinkDir(data(t)), WithInspections(data(t, "foo.tar.gz")))
			if err != nil || !r.Allowed {
				id, reasons := failed(r)
				errs <- fmt.Sprintf("%v %s %s", err, id, reasons)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
