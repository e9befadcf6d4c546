package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/in-toto/in-toto-golang/in_toto"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/provenance"
)

// inTotoGolang finds in-toto-golang's CLI (go install
// github.com/in-toto/in-toto-golang@v0.11.0; .ci/run builds it into its
// cache), or skips the test.
func inTotoGolang(t *testing.T) string {
	t.Helper()
	return peerTool(t, "in-toto-golang", "in-toto-golang-v0.11.0",
		"in-toto-golang not found on PATH, in GOPATH/bin or in the CI cache; .ci/run builds it (go install github.com/in-toto/in-toto-golang@v0.11.0)")
}

// inTotoCmd runs in-toto-golang in dir and returns its combined output.
func inTotoCmd(t *testing.T, bin, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// interopChain is a directory with provenant keys (owner signs the
// layout, bob builds, carl packages) and src/main.c, and the layout:
// build makes out/app from src/main.c, package makes app.tar.gz from
// out/app, and the untar inspection checks that app.tar.gz holds the
// out/app that build made. The layout is written unsigned (layout.json)
// and signed by in-toto-golang's sign (root.layout).
func interopChain(t *testing.T, bin string) string {
	t.Helper()
	dir := t.TempDir()
	for _, k := range []struct {
		name string
		kt   attest.KeyType
	}{{"owner", attest.Ed25519}, {"bob", attest.ECDSAP256}, {"carl", attest.Ed25519}} {
		if r := runCLI(t, dir, "keygen", "--type", string(k.kt), "--out", k.name); r.code != 0 {
			t.Fatalf("keygen: %s", r)
		}
	}
	key := func(name string) in_toto.Key {
		pub, err := attest.LoadPublicKey(filepath.Join(dir, name+".pub"))
		if err != nil {
			t.Fatal(err)
		}
		k, err := provenance.InTotoKey(pub.Key)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	bob, carl := key("bob"), key("carl")
	layout := in_toto.Layout{
		Type: "layout", Expires: time.Now().AddDate(1, 0, 0).UTC().Format(in_toto.ISO8601DateSchema), Readme: "",
		Keys: map[string]in_toto.Key{bob.KeyID: bob, carl.KeyID: carl},
		Steps: []in_toto.Step{
			{Type: "step", PubKeys: []string{bob.KeyID}, Threshold: 1, ExpectedCommand: []string{}, SupplyChainItem: in_toto.SupplyChainItem{
				Name: "build", ExpectedMaterials: [][]string{{"ALLOW", "src/*"}, {"DISALLOW", "*"}}, ExpectedProducts: [][]string{{"CREATE", "out/app"}, {"DISALLOW", "*"}}}},
			{Type: "step", PubKeys: []string{carl.KeyID}, Threshold: 1, ExpectedCommand: []string{}, SupplyChainItem: in_toto.SupplyChainItem{
				Name: "package", ExpectedMaterials: [][]string{{"MATCH", "out/app", "WITH", "PRODUCTS", "FROM", "build"}, {"DISALLOW", "*"}}, ExpectedProducts: [][]string{{"CREATE", "app.tar.gz"}, {"DISALLOW", "*"}}}},
		},
		Inspect: []in_toto.Inspection{{Type: "inspection", Run: []string{"tar", "xzf", "app.tar.gz"}, SupplyChainItem: in_toto.SupplyChainItem{
			Name: "untar", ExpectedMaterials: [][]string{{"MATCH", "app.tar.gz", "WITH", "PRODUCTS", "FROM", "package"}, {"DISALLOW", "*"}},
			ExpectedProducts: [][]string{{"MATCH", "out/app", "WITH", "PRODUCTS", "FROM", "build"}, {"ALLOW", "app.tar.gz"}, {"DISALLOW", "*"}}}}},
	}
	raw, err := json.MarshalIndent(in_toto.Metablock{Signed: layout, Signatures: []in_toto.Signature{}}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	attesttest.WriteFile(t, filepath.Join(dir, "layout.json"), raw, 0o644)
	if out, err := inTotoCmd(t, bin, dir, "sign", "-f", "layout.json", "-k", "owner.key", "-o", "root.layout"); err != nil {
		t.Fatalf("in-toto-golang sign: %v\n%s", err, out)
	}
	attesttest.WriteFile(t, filepath.Join(dir, "src", "main.c"), []byte("int main(void) { return 0; }\n"), 0o644)
	return dir
}

// inTotoVerifyIn runs in-toto-golang's verify of dir's layout with the
// links in links, in a directory of its own holding only app.tar.gz (it
// runs the inspections where it runs, and records every file there).
func inTotoVerifyIn(t *testing.T, bin, dir, links string) (string, error) {
	t.Helper()
	run := t.TempDir()
	b, err := os.ReadFile(filepath.Join(dir, "app.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	attesttest.WriteFile(t, filepath.Join(run, "app.tar.gz"), b, 0o644)
	return inTotoCmd(t, bin, run, "verify", "-l", filepath.Join(dir, "root.layout"), "-k", filepath.Join(dir, "owner.pub"), "-d", links)
}

// TestInTotoVerifiesProvenantLinks: links written by provenant run --link
// pass in-toto-golang's verify; one byte changed in one fails it.
func TestInTotoVerifiesProvenantLinks(t *testing.T) {
	bin := inTotoGolang(t)
	dir := interopChain(t, bin)
	for _, args := range [][]string{
		{"run", "--key=bob.key", "--bundle=build.intoto.jsonl", "--step=build", "--materials=src", "--products=out", "--link", "--", "sh", "-c", "mkdir -p out && cp src/main.c out/app"},
		{"run", "--key=carl.key", "--bundle=build.intoto.jsonl", "--step=package", "--materials=out/app", "--products=app.tar.gz", "--link", "--", "tar", "czf", "app.tar.gz", "out/app"},
	} {
		if r := runCLI(t, dir, args...); r.code != 0 {
			t.Fatalf("provenant %s: %s", strings.Join(args[:5], " "), r)
		}
	}
	if out, err := inTotoVerifyIn(t, bin, dir, dir); err != nil {
		t.Fatalf("in-toto-golang verify of provenant's links: %v\n%s", err, out)
	}
	// provenant verifies the same, from the link files and from the bundle.
	for _, evidence := range []string{"--link-dir=.", "--links=build.intoto.jsonl"} {
		if r := runCLI(t, dir, "verify-layout", "--layout=root.layout", "--layout-key=owner.pub", evidence, "--run-inspections", "app.tar.gz"); r.code != 0 {
			t.Errorf("provenant verify-layout %s: %s", evidence, r)
		}
	}
	links, _ := filepath.Glob(filepath.Join(dir, "build.*.link"))
	if len(links) != 1 {
		t.Fatalf("build links: %v", links)
	}
	b, _ := os.ReadFile(links[0])
	attesttest.WriteFile(t, links[0], []byte(strings.Replace(string(b), `"out/app"`, `"out/evil"`, 1)), 0o644)
	if out, err := inTotoVerifyIn(t, bin, dir, dir); err == nil {
		t.Errorf("in-toto-golang verify passed with an edited link:\n%s", out)
	}
}

// TestProvenantVerifiesInTotoLinks: links written by in-toto-golang's run
// (metablocks, and DSSE envelopes with --use-dsse) pass provenant
// verify-layout; an edited one is denied.
func TestProvenantVerifiesInTotoLinks(t *testing.T) {
	bin := inTotoGolang(t)
	for _, dsse := range []bool{false, true} {
		name := "metablock"
		if dsse {
			name = "dsse"
		}
		t.Run(name, func(t *testing.T) {
			dir := interopChain(t, bin)
			var extra []string
			if dsse {
				extra = []string{"--use-dsse"}
			}
			for _, args := range [][]string{
				append([]string{"run", "-n", "build", "-k", "bob.key", "-m", "src", "-p", "out"}, append(extra, "--", "sh", "-c", "mkdir -p out && cp src/main.c out/app")...),
				append([]string{"run", "-n", "package", "-k", "carl.key", "-m", "out/app", "-p", "app.tar.gz"}, append(extra, "--", "tar", "czf", "app.tar.gz", "out/app")...),
			} {
				if out, err := inTotoCmd(t, bin, dir, args...); err != nil {
					t.Fatalf("in-toto-golang %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
			r := runCLI(t, dir, "verify-layout", "--layout=root.layout", "--layout-key=owner.pub", "--link-dir=.", "--run-inspections", "app.tar.gz")
			if r.code != 0 {
				t.Fatalf("provenant verify-layout of in-toto-golang's links: %s", r)
			}
			links, _ := filepath.Glob(filepath.Join(dir, "package.*.link"))
			if len(links) != 1 {
				t.Fatalf("package links: %v", links)
			}
			editLink(t, links[0], dsse)
			r = runCLI(t, dir, "verify-layout", "--layout=root.layout", "--layout-key=owner.pub", "--link-dir=.", "--run-inspections", "app.tar.gz")
			if r.code != 1 || !strings.Contains(r.stdout, "does not verify") {
				t.Errorf("an edited link: %s", r)
			}
		})
	}
}

// editLink changes the command a link records, in either form.
func editLink(t *testing.T, path string, dsse bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !dsse {
		attesttest.WriteFile(t, path, []byte(strings.Replace(string(b), `"tar"`, `"curl"`, 1)), 0o644)
		return
	}
	var env attest.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		t.Fatal(err)
	}
	env.Payload = base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"tar"`, `"curl"`, 1)))
	out, err := json.Marshal(&env)
	if err != nil {
		t.Fatal(err)
	}
	attesttest.WriteFile(t, path, out, 0o644)
}
