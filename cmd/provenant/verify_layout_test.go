package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/in-toto/in-toto-golang/in_toto"

	"github.com/provenant/provenant/attest/attesttest"
)

// demoDir copies in-toto-golang's demo (layouts, links, keys,
// foo.tar.gz; read from the module cache, never committed) into a new
// directory, with the links in links/.
func demoDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	attesttest.Mkdir(t, filepath.Join(dir, "links"))
	copyFrom := func(name, to string) {
		b, err := os.ReadFile(attesttest.InTotoData(t, name))
		if err != nil {
			t.Fatal(err)
		}
		attesttest.WriteFile(t, filepath.Join(dir, to), b, 0o644)
	}
	for _, n := range []string{"demo.layout", "demo.dsse.layout", "dsse-only.root.layout", "alice.pub", "dan.pub", "foo.tar.gz"} {
		copyFrom(n, n)
	}
	for _, n := range []string{"write-code.b7d643de.link", "package.d3ffd108.link", "clone-dsse.776a00e2.link", "update-version-dsse.776a00e2.link", "package-dsse.2f89b927.link"} {
		copyFrom(n, filepath.Join("links", n))
	}
	return dir
}

func TestVerifyLayoutGolden(t *testing.T) {
	pkgDir := packageDir(t)
	base := []string{"verify-layout", "--layout=demo.layout", "--layout-key=alice.pub"}
	with := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	tests := []struct {
		name     string
		args     []string
		setup    func(t *testing.T, dir string)
		wantCode int
	}{
		{"ok", with("--link-dir=links", "--run-inspections", "foo.tar.gz"), nil, 0},
		{"ok-json", with("--link-dir=links", "--run-inspections", "foo.tar.gz", "--format=json"), nil, 0},
		{"ok-markdown", with("--link-dir=links", "--run-inspections", "foo.tar.gz", "--format=markdown"), nil, 0},
		{"ok-junit", with("--link-dir=links", "--run-inspections", "foo.tar.gz", "--format=junit"), nil, 0},
		{"ok-dsse-only", []string{"verify-layout", "--layout=dsse-only.root.layout", "--layout-key=alice.pub", "--link-dir=links"}, nil, 0},
		{"denied-wrong-key", []string{"verify-layout", "--layout=demo.layout", "--layout-key=dan.pub", "--link-dir=links", "--run-inspections", "foo.tar.gz"}, nil, 1},
		{"denied-missing-link", with("--link-dir=links", "--run-inspections", "foo.tar.gz"), func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "links", "package.d3ffd108.link")); err != nil {
				t.Fatal(err)
			}
		}, 1},
		{"denied-edited-link", with("--link-dir=links", "--run-inspections", "foo.tar.gz"), func(t *testing.T, dir string) {
			p := filepath.Join(dir, "links", "package.d3ffd108.link")
			b, _ := os.ReadFile(p)
			attesttest.WriteFile(t, p, []byte(strings.Replace(string(b), `"tar"`, `"curl"`, 1)), 0o644)
		}, 1},
		{"denied-tampered-artifact", with("--link-dir=links", "--run-inspections", "foo.tar.gz"), func(t *testing.T, dir string) {
			attesttest.TarGz(t, filepath.Join(dir, "foo.tar.gz"), "foo.py", "print('owned')\n")
		}, 1},
		{"denied-expired", with("--link-dir=links", "--run-inspections", "foo.tar.gz"), func(t *testing.T, dir string) {
			setClock(t, time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC))
		}, 1},
		{"denied-empty-link-dir", with("--link-dir=empty", "--run-inspections", "foo.tar.gz"), func(t *testing.T, dir string) {
			attesttest.Mkdir(t, filepath.Join(dir, "empty"))
		}, 1},
		{"input-inspections-not-allowed", with("--link-dir=links"), nil, 2},
		{"input-missing-parameter", with("--link-dir=links", "--run-inspections", "foo.tar.gz"), paramLayout, 2},
		{"ok-parameter", with("--link-dir=links", "--run-inspections", "foo.tar.gz", "--param", "ARCHIVE=foo.tar.gz"), paramLayout, 0},
		{"input-missing-layout", []string{"verify-layout", "--layout=missing.layout", "--layout-key=alice.pub", "--link-dir=links"}, nil, 2},
		{"input-missing-link-dir", with("--link-dir=missing"), nil, 2},
		{"input-not-a-key", []string{"verify-layout", "--layout=demo.layout", "--layout-key=foo.tar.gz", "--link-dir=links"}, nil, 2},
		{"usage-no-layout", []string{"verify-layout", "--layout-key=alice.pub", "--link-dir=links"}, nil, 2},
		{"usage-no-key", []string{"verify-layout", "--layout=demo.layout", "--link-dir=links"}, nil, 2},
		{"usage-no-links", with(), nil, 2},
		{"usage-artifacts-without-inspections", with("--link-dir=links", "foo.tar.gz"), nil, 2},
		{"usage-bad-param", with("--link-dir=links", "--param=novalue"), nil, 2},
		{"usage-bad-format", with("--link-dir=links", "--format=sarif"), nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := demoDir(t)
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			r := runCLI(t, dir, tt.args...)
			oneLineStderr(t, r)
			goldenRun(t, pkgDir, filepath.Join("verify-layout", tt.name+".golden"), r, tt.wantCode)
		})
	}
}

// paramLayout re-signs the demo layout (with alice's key, from the test
// data) with its package step's product a parameter: {ARCHIVE}.
func paramLayout(t *testing.T, dir string) {
	t.Helper()
	md, err := in_toto.LoadMetadata(filepath.Join(dir, "demo.layout"))
	if err != nil {
		t.Fatal(err)
	}
	l := md.GetPayload().(in_toto.Layout)
	l.Steps[1].ExpectedProducts = [][]string{{"ALLOW", "{ARCHIVE}"}, {"ALLOW", "foo.py"}}
	var alice in_toto.Key
	if err := alice.LoadKeyDefaults(attesttest.InTotoData(t, "alice")); err != nil {
		t.Fatal(err)
	}
	mb := &in_toto.Metablock{Signed: l, Signatures: []in_toto.Signature{}}
	if err := mb.Sign(alice); err != nil {
		t.Fatal(err)
	}
	if err := mb.Dump(filepath.Join(dir, "demo.layout")); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyLayoutJSON: the JSON result has the documented fields.
func TestVerifyLayoutJSON(t *testing.T) {
	dir := demoDir(t)
	r := runCLI(t, dir, "verify-layout", "--layout=demo.layout", "--layout-key=alice.pub", "--link-dir=links", "--run-inspections", "foo.tar.gz", "--format=json")
	var doc struct {
		SchemaVersion string `json:"schemaVersion"`
		Verified      *bool  `json:"verified"`
		Layout        struct {
			File, Form, Expires string
			Keys                []string
		} `json:"layout"`
		Checks []struct {
			ID, Item string
			Passed   *bool
		} `json:"checks"`
		Steps []struct {
			Name      string
			Threshold int
			Links     []struct {
				Source  string
				KeyID   string `json:"keyid"`
				Counted bool
			}
		} `json:"steps"`
		Inspections []struct {
			Name     string
			ExitCode *int `json:"exitCode"`
		} `json:"inspections"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != layoutSchema || doc.Verified == nil || !*doc.Verified || doc.Layout.Form != "metablock" || len(doc.Layout.Keys) != 1 {
		t.Errorf("result head = %+v", doc)
	}
	if len(doc.Checks) != 10 || len(doc.Steps) != 2 || !doc.Steps[1].Links[0].Counted || len(doc.Inspections) != 1 || *doc.Inspections[0].ExitCode != 0 {
		t.Errorf("result body = %+v", doc)
	}
}

// TestVerifyLayoutIntermediateCert: a write-code link signed with
// in-toto-golang's example.com certificate, under a layout that names no
// key for the step but the demo's certificate constraint and root CA, and
// not the intermediate: denied without it, verified with
// --intermediate-cert.
func TestVerifyLayoutIntermediateCert(t *testing.T) {
	dir := demoDir(t)
	md, err := in_toto.LoadMetadata(filepath.Join(dir, "demo.layout"))
	if err != nil {
		t.Fatal(err)
	}
	l := md.GetPayload().(in_toto.Layout)
	l.Steps[0].PubKeys = []string{}
	l.IntermediateCas = nil
	l.Inspect = []in_toto.Inspection{}
	var alice, writer in_toto.Key
	if err := alice.LoadKeyDefaults(attesttest.InTotoData(t, "alice")); err != nil {
		t.Fatal(err)
	}
	if err := writer.LoadKeyDefaults(attesttest.InTotoData(t, "example.com.write-code.key.pem")); err != nil {
		t.Fatal(err)
	}
	cert, err := os.ReadFile(attesttest.InTotoData(t, "example.com.write-code.cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	writer.KeyVal.Certificate = string(cert)
	inter, err := os.ReadFile(attesttest.InTotoData(t, "example.com.intermediate.cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	attesttest.WriteFile(t, filepath.Join(dir, "intermediate.pem"), inter, 0o644)
	signTo := func(path string, payload any, k in_toto.Key) {
		mb := &in_toto.Metablock{Signed: payload, Signatures: []in_toto.Signature{}}
		if err := mb.Sign(k); err != nil {
			t.Fatal(err)
		}
		if err := mb.Dump(path); err != nil {
			t.Fatal(err)
		}
	}
	signTo(filepath.Join(dir, "cert.layout"), l, alice)
	link, err := in_toto.LoadMetadata(filepath.Join(dir, "links", "write-code.b7d643de.link"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "links", "write-code.b7d643de.link")); err != nil {
		t.Fatal(err)
	}
	signTo(filepath.Join(dir, "links", "write-code."+writer.KeyID[:8]+".link"), link.GetPayload(), writer)
	args := []string{"verify-layout", "--layout=cert.layout", "--layout-key=alice.pub", "--link-dir=links"}
	if r := runCLI(t, dir, args...); r.code != 1 || !strings.Contains(r.stdout, "cert cannot be verified by provided roots and intermediates") {
		t.Errorf("without the intermediate: %s", r)
	}
	if r := runCLI(t, dir, append(args, "--intermediate-cert=intermediate.pem")...); r.code != 0 {
		t.Errorf("with --intermediate-cert: %s", r)
	}
	if r := runCLI(t, dir, append(args, "--intermediate-cert=missing.pem")...); r.code != 2 {
		t.Errorf("with a missing --intermediate-cert: %s", r)
	}
}
