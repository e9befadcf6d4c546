package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
)

// TestSigstoreCommandsGolden: sign, verify-signature and verify on
// Sigstore bundles, with the text a user sees. Cases on the shared
// vectors are skipped without ../shared.
func TestSigstoreCommandsGolden(t *testing.T) {
	pkg := packageDir(t)
	keys := filepath.Join(pkg, "testdata", "keys")
	vectors, _ := filepath.Abs(filepath.Join(pkg, "..", "..", "..", "shared", "vectors"))
	sv := filepath.Join(vectors, "slsa-verifier")
	td := filepath.Join(sv, "cli", "slsa-verifier", "testdata")
	root := filepath.Join(sv, "sigstore", "trusted-root-public-good.json")
	dir := t.TempDir()
	t.Chdir(dir)
	attesttest.WriteFile(t, "app.tar.gz", []byte("an app\n"), 0o644)
	attesttest.WriteFile(t, "other.tar.gz", []byte("another app\n"), 0o644)
	attesttest.WriteFile(t, "empty-root.json", []byte(emptyTrustedRoot), 0o644)
	ecKey := filepath.Join(keys, "ecdsa-p256-test-only.key")
	ecPub := filepath.Join(keys, "ecdsa-p256-test-only.pub")
	edPub := filepath.Join(keys, "ed25519-test-only.pub")
	if r := runCLI(t, "", "sign", "--key", ecKey, "--bundle", "app.sigstore.json", "app.tar.gz"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := runCLI(t, "", "attest", "--key", ecKey, "--bundle", "mixed.intoto.jsonl", "app.tar.gz"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if stranger, err := os.ReadFile(filepath.Join(vectors, "sigstore-go", "testing-data", "bundles", "dsse.sigstore.json")); err == nil {
		f, err := os.OpenFile("mixed.intoto.jsonl", os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(append(bytes.ReplaceAll(stranger, []byte("\n"), nil), '\n')); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		args     []string
		vectors  bool
		wantCode int
	}{
		{"sign/ok", []string{"sign", "--key", ecKey, "--bundle", "again.sigstore.json", "app.tar.gz"}, false, 0},
		{"sign/missing-artifact", []string{"sign", "--key", ecKey, "--bundle", "x.sigstore.json", "missing"}, false, 2},
		{"sign/no-key", []string{"sign", "--bundle", "x.sigstore.json", "app.tar.gz"}, false, 2},
		{"verify-signature/keyed", []string{"verify-signature", "--bundle", "app.sigstore.json", "--key", ecPub, "app.tar.gz"}, false, 0},
		{"verify-signature/keyed-digest", []string{"verify-signature", "--bundle", "app.sigstore.json", "--key", ecPub, "--artifact-digest", "sha256:a4c6e70b90fd263c324cc0f892345b9f3b003c95d06117d23bffeb3049fbac88"}, false, 0},
		{"verify-signature/other-artifact", []string{"verify-signature", "--bundle", "app.sigstore.json", "--key", ecPub, "other.tar.gz"}, false, 1},
		{"verify-signature/wrong-key", []string{"verify-signature", "--bundle", "app.sigstore.json", "--key", edPub, "app.tar.gz"}, false, 1},
		{"verify-signature/no-trust", []string{"verify-signature", "--bundle", "app.sigstore.json", "app.tar.gz"}, false, 2},
		{"verify-signature/identity-without-root", []string{"verify-signature", "--bundle", "app.sigstore.json", "--key", ecPub, "--certificate-identity", "x", "--certificate-oidc-issuer", "y", "app.tar.gz"}, false, 2},
		{"verify-signature/certificate-no-identity", []string{"verify-signature", "--bundle", filepath.Join(td, "bcr", "MODULE.bazel.intoto.jsonl"), "--trusted-root", root, filepath.Join(td, "bcr", "MODULE.bazel")}, true, 1},
		{"verify/sigstore-generic", []string{"verify", "--bundle", filepath.Join(td, "gha_generic", "v2.1.0", "binary-linux-amd64-push-v13.0.30.intoto.jsonl"), "--trusted-root", root,
			"--source-uri", "github.com/slsa-framework/example-package", "--source-versioned-tag", "v13.0", "--artifact-digest", "sha256:376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa"}, true, 0},
		{"verify/sigstore-delegator", []string{"verify", "--bundle", filepath.Join(td, "gha_delegator", "v2.1.0", "binary-linux-amd64-workflow_dispatch.build.slsa"), "--trusted-root", root,
			"--source-uri", "github.com/slsa-framework/example-package", "--source-branch", "main",
			"--builder-id", "https://github.com/slsa-framework/example-trw/.github/workflows/builder_high-perms_slsa3.yml@v2.1.0", filepath.Join(td, "gha_delegator", "v2.1.0", "binary-linux-amd64-workflow_dispatch")}, true, 0},
		{"verify/sigstore-forged-builder", []string{"verify", "--bundle", filepath.Join(td, "bcr", "MODULE-wrong-signer.bazel.intoto.jsonl"), "--trusted-root", root,
			"--certificate-identity-regexp", "^https://github.com/", "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com", filepath.Join(td, "bcr", "MODULE-wrong-signer.bazel")}, true, 1},
		{"verify/sigstore-legacy-envelope", []string{"verify", "--bundle", filepath.Join(td, "workflow-inputs.intoto.jsonl"), "--trusted-root", root, "--source-uri", "github.com/slsa-framework/example-package", filepath.Join(td, "workflow-inputs")}, true, 1},
		{"verify-vsa/ok", append(vsaArgs(vectors), "--key-id", "keystore://76574:prod:vsa_signing_public_key"), true, 0},
		{"verify-vsa/other-key-id", append(vsaArgs(vectors), "--key-id", "keystore://76574:prod:other"), true, 1},
		{"verify-vsa/no-digest", []string{"verify-vsa", "--bundle", "x", "--key", ecPub, "--verifier-id", "v", "--resource-uri", "r", "--verified-level", "SLSA_BUILD_LEVEL_1"}, false, 2},
		// Issue 13, items 1 and 2: a certificate signer needs an identity
		// policy; a stranger's real keyless bundle mixed into a bundle
		// denies it, and GitHub provenance needs the source.
		{"verify/sigstore-no-identity-policy", []string{"verify", "--bundle", filepath.Join(td, "bcr", "MODULE.bazel.intoto.jsonl"), "--trusted-root", root,
			"--builder-id", "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml", filepath.Join(td, "bcr", "MODULE.bazel")}, true, 2},
		{"verify/sigstore-no-source", []string{"verify", "--bundle", filepath.Join(td, "bcr", "MODULE.bazel.intoto.jsonl"), "--trusted-root", root, "--key", ecPub,
			"--builder-id", "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml", filepath.Join(td, "bcr", "MODULE.bazel")}, true, 1},
		{"verify/sigstore-stranger-mixed-in", []string{"verify", "--bundle", "mixed.intoto.jsonl", "--key", ecPub, "--trusted-root", filepath.Join(vectors, "sigstore-go", "examples", "trusted-root-public-good.json"), "app.tar.gz"}, true, 1},
		{"verify/sigstore-no-root", []string{"verify", "--bundle", filepath.Join(td, "bcr", "MODULE.bazel.intoto.jsonl"), "--key", ecPub, filepath.Join(td, "bcr", "MODULE.bazel")}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.vectors {
				if _, err := os.Stat(vectors); err != nil {
					attesttest.SkipVectors(t, "../shared/vectors is absent")
				}
			}
			r := runCLI(t, "", tt.args...)
			oneLineStderr(t, r)
			goldenRun(t, pkg, tt.name+".golden", r, tt.wantCode, vectors, "VECTORS", keys, "KEYS")
		})
	}
}

func vsaArgs(vectors string) []string {
	d := filepath.Join(vectors, "slsa-vsa")
	return []string{"verify-vsa", "--bundle", filepath.Join(d, "gke-gce-pre.bcid-vsa.jsonl"), "--key", filepath.Join(d, "vsa_signing_public_key.pem"),
		"--subject-digest", "gce_image_id:8970095005306000053", "--verifier-id", "https://bcid.corp.google.com/verifier/bcid_package_enforcer/v0.1",
		"--resource-uri", "gce_image://gke-node-images:gke-12615-gke1418000-cos-101-17162-463-29-c-cgpv1-pre", "--verified-level", "BCID_L1", "--verified-level", "SLSA_BUILD_LEVEL_2"}
}
