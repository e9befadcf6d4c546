package kms

import (
	"os/exec"
	"strings"
	"testing"
)

// keyBackends are the modules behind PKCS#11 and KMS keys: cgo, cloud SDKs.
// The library packages must not import them, with or without -tags kms.
var keyBackends = []string{
	"github.com/provenant/provenant/attest/kms",
	"github.com/provenant/provenant/attest/pkcs11",
	"github.com/ThalesGroup/crypto11",
	"github.com/miekg/pkcs11",
	"github.com/sigstore/sigstore/pkg/signature/kms",
	"github.com/aws/",
	"cloud.google.com/",
	"google.golang.org/api",
	"github.com/Azure/",
	"github.com/hashicorp/vault",
	"github.com/jellydator/ttlcache",
}

// backendDeps returns the packages of a `go list -deps` output that belong to
// a key backend.
func backendDeps(list string) []string {
	var bad []string
	for _, pkg := range strings.Fields(list) {
		for _, m := range keyBackends {
			if pkg == m || strings.HasPrefix(pkg, strings.TrimSuffix(m, "/")+"/") {
				bad = append(bad, pkg)
				break
			}
		}
	}
	return bad
}

func TestBackendDeps(t *testing.T) {
	list := "fmt\ngithub.com/sigstore/sigstore/pkg/signature\ngithub.com/sigstore/sigstore/pkg/signature/kms/aws\ngithub.com/aws/aws-sdk-go-v2/service/kms\ngithub.com/miekg/pkcs11\ngithub.com/provenant/provenant/attest\ncloud.google.com/go/kms/apiv1\n"
	got := backendDeps(list)
	want := []string{"github.com/sigstore/sigstore/pkg/signature/kms/aws", "github.com/aws/aws-sdk-go-v2/service/kms", "github.com/miekg/pkcs11", "cloud.google.com/go/kms/apiv1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("backendDeps(%q) = %v, want %v", list, got, want)
	}
}

// TestDepcheck keeps attest, attest/digest and provenance free of cgo and
// cloud SDKs: a program that only verifies does not link them.
func TestDepcheck(t *testing.T) {
	if testing.Short() {
		t.Skip("go list in -short mode")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	pkgs := []string{
		"github.com/provenant/provenant/attest",
		"github.com/provenant/provenant/attest/digest",
		"github.com/provenant/provenant/provenance",
	}
	for _, tags := range []string{"", "kms"} {
		args := append([]string{"list", "-deps", "-tags", tags}, pkgs...)
		cmd := exec.Command(goBin, args...)
		cmd.Env = append(cmd.Environ(), "GOTOOLCHAIN=local")
		out, err := cmd.Output()
		if err != nil {
			msg := ""
			if ee, ok := err.(*exec.ExitError); ok {
				msg = string(ee.Stderr)
			}
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
		}
		for _, p := range pkgs {
			if !strings.Contains(string(out), p+"\n") {
				t.Fatalf("go %s did not list %s", strings.Join(args, " "), p)
			}
		}
		if bad := backendDeps(string(out)); len(bad) > 0 {
			t.Errorf("with -tags %q, %v import %v; keep PKCS#11 and KMS out of the library", tags, pkgs, bad)
		}
	}
}
