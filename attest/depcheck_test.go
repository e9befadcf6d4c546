package attest

import (
	"os/exec"
	"strings"
	"testing"
)

// heavyModules must stay out of the library packages: OPA adds about 18 MiB
// and sigstore-go about 19 MiB to anything that imports them.
var heavyModules = []string{
	"github.com/open-policy-agent/opa",
	"github.com/sigstore/sigstore-go",
}

// forbiddenDeps returns the packages of a `go list -deps` output that belong
// to a heavy module.
func forbiddenDeps(list string) []string {
	var bad []string
	for _, pkg := range strings.Fields(list) {
		for _, m := range heavyModules {
			if pkg == m || strings.HasPrefix(pkg, m+"/") {
				bad = append(bad, pkg)
			}
		}
	}
	return bad
}

func TestForbiddenDeps(t *testing.T) {
	list := "fmt\ngithub.com/open-policy-agent/opa/v1/rego\ngithub.com/open-policy-agent/opa-envoy\ngithub.com/sigstore/sigstore-go/pkg/verify\ngithub.com/sigstore/sigstore/pkg/signature\n"
	got := forbiddenDeps(list)
	want := []string{"github.com/open-policy-agent/opa/v1/rego", "github.com/sigstore/sigstore-go/pkg/verify"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("forbiddenDeps(%q) = %v, want %v", list, got, want)
	}
}

// TestDepcheck keeps attest, attest/digest and provenance light to import as
// a library (like go-containerregistry's cmd/crane/depcheck_test.go).
func TestDepcheck(t *testing.T) {
	if testing.Short() {
		t.Skip("go list in -short mode")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	for _, pkg := range []string{
		"github.com/provenant/provenant/attest",
		"github.com/provenant/provenant/attest/digest",
		"github.com/provenant/provenant/provenance",
	} {
		cmd := exec.Command(goBin, "list", "-deps", pkg)
		cmd.Env = append(cmd.Environ(), "GOTOOLCHAIN=local")
		out, err := cmd.Output()
		if err != nil {
			msg := ""
			if ee, ok := err.(*exec.ExitError); ok {
				msg = string(ee.Stderr)
			}
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, msg)
		}
		if !strings.Contains(string(out), pkg) {
			t.Fatalf("go list -deps %s did not list the package itself", pkg)
		}
		if bad := forbiddenDeps(string(out)); len(bad) > 0 {
			t.Errorf("%s imports %v; keep OPA and sigstore-go out of the library", pkg, bad)
		}
	}
}
