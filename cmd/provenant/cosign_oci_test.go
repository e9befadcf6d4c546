package main

import (
	"path/filepath"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/oci/ocitest"
)

// cosignRegistry is the loopback registry for the interop tests: Debian's
// docker-registry (the fallback tag) when installed, else the in-process
// one.
func cosignRegistry(t *testing.T) *ocitest.Registry {
	t.Helper()
	if ocitest.DistributionBinary() != "" {
		return ocitest.Distribution(t, "", "")
	}
	return ocitest.InProcess(t)
}

// cosignRegistryFlags let cosign talk plain HTTP to the loopback registry.
var cosignRegistryFlags = []string{"--allow-http-registry", "--allow-insecure-registry"}

// TestCosignVerifiesPushedAttestations: what provenant pushes, cosign
// v2.6.2 accepts: the classic .att layer with verify-attestation --key
// --insecure-ignore-tlog, the referrer with --new-bundle-format
// --trusted-root.
func TestCosignVerifiesPushedAttestations(t *testing.T) {
	cosign := cosignPath(t)
	reg := cosignRegistry(t)
	dir, _ := ociWorkDir(t, reg)
	if r := runCLI(t, "", "keygen", "--type", "ecdsa-p256", "--out", "e"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	attesttest.WriteFile(t, "root.json", []byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`), 0o644)
	for _, tc := range []struct {
		storage string
		cosign  []string
	}{
		{"att", nil},
		{"referrer", []string{"--new-bundle-format", "--trusted-root", "root.json"}},
	} {
		t.Run(tc.storage, func(t *testing.T) {
			repo := reg.Repo("app-" + tc.storage)
			d := reg.PushImage(t, "app-"+tc.storage, "v1")
			img := repo + "@" + d
			if r := runCLI(t, dir, "attest", "--key", "e.key", "--image", img, "--push", "--oci-storage", tc.storage); r.code != 0 {
				t.Fatal(r.stderr)
			}
			args := append([]string{"verify-attestation", "--key", "e.pub", "--insecure-ignore-tlog", "--type", "slsaprovenance1"}, cosignRegistryFlags...)
			args = append(append(args, tc.cosign...), img)
			if _, err := runCosign(t, cosign, dir, args...); err != nil {
				t.Errorf("cosign verify-attestation of provenant's %s push: %v", tc.storage, err)
			}
		})
	}

}

// TestProvenantVerifiesCosignAttestations: what cosign v2.6.2 pushes
// (attest, attest --new-bundle-format, attach attestation), provenant
// verifies from the registry, and denies with another key.
func TestProvenantVerifiesCosignAttestations(t *testing.T) {
	cosign := cosignPath(t)
	reg := cosignRegistry(t)
	dir := cosignWorkDir(t, cosign)
	t.Chdir(dir)
	t.Setenv("DOCKER_CONFIG", filepath.Join(dir, "docker"))
	attesttest.WriteFile(t, "trust.yaml", []byte(cosignTrust), 0o644)
	if r := runCLI(t, "", "keygen", "--out", "s"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	for _, tc := range []struct {
		name string
		push func(img string) error
	}{
		{"attest", func(img string) error {
			_, err := runCosign(t, cosign, dir, append(append([]string{"attest", "--key", "cosign.key", "--predicate", "pred.json", "--type", "slsaprovenance1", "--tlog-upload=false", "--yes"}, cosignRegistryFlags...), img)...)
			return err
		}},
		{"attest-new-bundle-format", func(img string) error {
			_, err := runCosign(t, cosign, dir, append(append([]string{"attest", "--key", "cosign.key", "--predicate", "pred.json", "--type", "slsaprovenance1", "--tlog-upload=false", "--yes", "--new-bundle-format"}, cosignRegistryFlags...), img)...)
			return err
		}},
		{"attach-attestation", func(img string) error {
			env, err := runCosign(t, cosign, dir, "attest-blob", "--key", "cosign.key", "--tlog-upload=false", "--yes",
				"--predicate", "pred.json", "--type", "slsaprovenance1", "--hash", img[len(img)-64:], "art.txt")
			if err != nil {
				return err
			}
			attesttest.WriteFile(t, filepath.Join(dir, "env.json"), []byte(env), 0o644)
			_, err = runCosign(t, cosign, dir, append(append([]string{"attach", "attestation", "--attestation", "env.json"}, cosignRegistryFlags...), img)...)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := reg.PushImage(t, "cosign-"+tc.name, "v1")
			img := reg.Repo("cosign-"+tc.name) + "@" + d
			if err := tc.push(img); err != nil {
				t.Fatal(err)
			}
			r := runCLI(t, "", "verify", "--trust", "trust.yaml", "--builder-id", "https://example.com/builder", "oci://"+img)
			if r.code != 0 {
				t.Errorf("provenant verify of cosign's %s: exit %d\n%s%s", tc.name, r.code, r.stdout, r.stderr)
			}
			if r := runCLI(t, "", "verify", "--key", "s.pub", "oci://"+img); r.code != 1 {
				t.Errorf("provenant verify of cosign's %s with another key: exit %d, want 1", tc.name, r.code)
			}
		})
	}

}
