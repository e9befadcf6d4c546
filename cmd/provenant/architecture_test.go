package main

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/provenant/provenant"

// layerRow is a row of docs/architecture.md's package table:
// "| 7 | `policy` | what it is |"; what a test-support package is starts
// with "test support".
var layerRow = regexp.MustCompile("^\\| (\\d+) \\| `([a-z0-9/]+)` \\| (test support)?")

// testSupport marks a test-support package in the layer map: its layer
// plus testSupport.
const testSupport = 1000

// readLayers reads the package map from docs/architecture.md.
func readLayers(t *testing.T) map[string]int {
	t.Helper()
	f, err := os.Open("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	layers := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := layerRow.FindStringSubmatch(sc.Text()); m != nil {
			n, _ := strconv.Atoi(m[1])
			if _, dup := layers[m[2]]; dup {
				t.Errorf("docs/architecture.md lists %s twice", m[2])
			}
			if m[3] != "" {
				n += testSupport
			}
			layers[m[2]] = n
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(layers) == 0 {
		t.Fatal("docs/architecture.md has no package table")
	}
	return layers
}

// goList runs go list in the module and returns its output.
func goList(t *testing.T, args ...string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH: cannot list the packages")
	}
	cmd := exec.Command(goBin, append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	cmd.Env = append(cmd.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return string(out)
}

// packageImports maps each package of the module (short name) to its
// non-test imports.
func packageImports(t *testing.T) map[string][]string {
	out := goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...")
	pkgs := map[string][]string{}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		pkgs[strings.TrimPrefix(f[0], module+"/")] = f[1:]
	}
	return pkgs
}

// layerViolations applies the import rule: a package imports only the
// module's packages of lower layers, only cmd imports cobra or pflag, and
// test-support packages are imported by tests only.
func layerViolations(layers map[string]int, pkgs map[string][]string) []string {
	var bad []string
	for pkg, imports := range pkgs {
		for _, imp := range imports {
			switch {
			case strings.HasPrefix(imp, module+"/"):
				dep := strings.TrimPrefix(imp, module+"/")
				if layers[dep] >= testSupport {
					bad = append(bad, pkg+" imports the test-support package "+dep)
				} else if layers[dep] >= layers[pkg] {
					bad = append(bad, pkg+" (layer "+strconv.Itoa(layers[pkg])+") imports "+dep+" (layer "+strconv.Itoa(layers[dep])+")")
				}
			case imp == "github.com/spf13/cobra" || imp == "github.com/spf13/pflag":
				if !strings.HasPrefix(pkg, "cmd/") {
					bad = append(bad, pkg+" imports "+imp+": only cmd parses flags")
				}
			}
		}
	}
	sort.Strings(bad)
	return bad
}

// TestArchitecture holds the code to docs/architecture.md: every package
// is on the map, every package on the map exists, and imports go down the
// layers only.
func TestArchitecture(t *testing.T) {
	if testing.Short() {
		t.Skip("go list in -short mode")
	}
	layers := readLayers(t)
	pkgs := packageImports(t)
	for pkg := range pkgs {
		if _, ok := layers[pkg]; !ok {
			t.Errorf("package %s is not on the map in docs/architecture.md", pkg)
		}
	}
	for pkg := range layers {
		if _, ok := pkgs[pkg]; !ok {
			t.Errorf("docs/architecture.md maps %s, which does not exist", pkg)
		}
	}
	for _, v := range layerViolations(layers, pkgs) {
		t.Error(v)
	}
}

// TestLayerViolations: the rule catches an upward import, a same-layer
// import, flags outside cmd and a test-support import.
func TestLayerViolations(t *testing.T) {
	layers := map[string]int{"attest": 2, "attest/sigstore": 3, "attest/kms": 3, "policy": 7, "attest/x509test": testSupport}
	pkgs := map[string][]string{
		"attest":          {"fmt", module + "/policy"},
		"attest/sigstore": {module + "/attest", module + "/attest/kms"},
		"policy":          {module + "/attest", "github.com/spf13/pflag", module + "/attest/x509test"},
	}
	got := layerViolations(layers, pkgs)
	want := []string{
		"attest (layer 2) imports policy (layer 7)",
		"attest/sigstore (layer 3) imports attest/kms (layer 3)",
		"policy imports github.com/spf13/pflag: only cmd parses flags",
		"policy imports the test-support package attest/x509test",
	}
	if !slices.Equal(got, want) {
		t.Errorf("layerViolations =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// heavyDeps are what the light library packages (attest, attest/digest,
// provenance) must not link: OPA (~18 MiB) and sigstore-go (~19 MiB), and
// the key backends (cgo's PKCS#11, cloud SDKs), with or without -tags kms.
var heavyDeps = []string{
	"github.com/open-policy-agent/opa/",
	"github.com/sigstore/sigstore-go/",
	module + "/attest/kms",
	module + "/attest/pkcs11",
	"github.com/ThalesGroup/crypto11",
	"github.com/miekg/pkcs11",
	"github.com/sigstore/sigstore/pkg/signature/kms",
	"github.com/aws/",
	"cloud.google.com/",
	"google.golang.org/api/",
	"github.com/Azure/",
	"github.com/hashicorp/vault/",
	"github.com/jellydator/ttlcache/",
}

// heavy returns the packages of a `go list -deps` output that are heavy.
func heavy(list string) []string {
	var bad []string
	for _, pkg := range strings.Fields(list) {
		for _, h := range heavyDeps {
			if pkg == strings.TrimSuffix(h, "/") || strings.HasPrefix(pkg, strings.TrimSuffix(h, "/")+"/") {
				bad = append(bad, pkg)
				break
			}
		}
	}
	return bad
}

func TestHeavy(t *testing.T) {
	list := "fmt\ngithub.com/open-policy-agent/opa/v1/rego\ngithub.com/open-policy-agent/opa-envoy\ngithub.com/sigstore/sigstore-go/pkg/verify\ngithub.com/sigstore/sigstore/pkg/signature\ngithub.com/sigstore/sigstore/pkg/signature/kms/aws\ngithub.com/miekg/pkcs11\n" + module + "/attest\n" + module + "/attest/kms\ncloud.google.com/go/kms/apiv1\n"
	want := []string{"github.com/open-policy-agent/opa/v1/rego", "github.com/sigstore/sigstore-go/pkg/verify", "github.com/sigstore/sigstore/pkg/signature/kms/aws", "github.com/miekg/pkcs11", module + "/attest/kms", "cloud.google.com/go/kms/apiv1"}
	if got := heavy(list); !slices.Equal(got, want) {
		t.Errorf("heavy = %v, want %v", got, want)
	}
}

// TestLightLibrary keeps attest, attest/digest and provenance light to
// embed (like go-containerregistry's depcheck): a program that only signs
// or reads provenance links neither OPA, sigstore-go, cgo nor a cloud SDK.
func TestLightLibrary(t *testing.T) {
	if testing.Short() {
		t.Skip("go list in -short mode")
	}
	light := []string{module + "/attest", module + "/attest/digest", module + "/provenance"}
	for _, tags := range []string{"", "kms"} {
		out := goList(t, append([]string{"-deps", "-tags", tags}, light...)...)
		for _, p := range light {
			if !strings.Contains(out, p+"\n") {
				t.Fatalf("go list -deps -tags %q did not list %s", tags, p)
			}
		}
		if bad := heavy(out); len(bad) > 0 {
			t.Errorf("with -tags %q, %v link %v; keep them light", tags, light, bad)
		}
	}
}
