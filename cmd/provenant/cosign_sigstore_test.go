package main

import (
	"path/filepath"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
)

const emptyTrustedRoot = `{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`

// TestProvenantSigstoreBundlesVerifyWithCosign: cosign verify-blob and
// verify-blob-attestation --new-bundle-format accept provenant's sign and
// attest --bundle-format sigstore output, and reject a changed artifact.
func TestProvenantSigstoreBundlesVerifyWithCosign(t *testing.T) {
	cosign := cosignPath(t)
	for _, kt := range []string{"ecdsa-p256", "ed25519"} {
		t.Run(kt, func(t *testing.T) {
			dir := keygenWorkDir(t, kt)
			attesttest.WriteFile(t, "root.json", []byte(emptyTrustedRoot), 0o644)
			if r := runCLI(t, "", "sign", "--key", "k.key", "--bundle", "art.sigstore.json", "art.txt"); r.code != 0 {
				t.Fatal(r.stderr)
			}
			if r := runCLI(t, "", "attest", "--key", "k.key", "--bundle-format", "sigstore", "--bundle", "att.sigstore.json", "art.txt"); r.code != 0 {
				t.Fatal(r.stderr)
			}
			blob := []string{"verify-blob", "--new-bundle-format", "--bundle", "art.sigstore.json", "--key", "k.pub", "--trusted-root", "root.json", "--insecure-ignore-tlog", "art.txt"}
			att := []string{"verify-blob-attestation", "--new-bundle-format", "--bundle", "att.sigstore.json", "--key", "k.pub", "--trusted-root", "root.json", "--insecure-ignore-tlog", "--type", "slsaprovenance1", "art.txt"}
			if _, err := runCosign(t, cosign, dir, blob...); err != nil {
				t.Errorf("cosign verify-blob rejected provenant sign's bundle: %v", err)
			}
			if _, err := runCosign(t, cosign, dir, att...); err != nil {
				t.Errorf("cosign verify-blob-attestation rejected provenant attest's Sigstore bundle: %v", err)
			}
			attesttest.WriteFile(t, filepath.Join(dir, "art.txt"), []byte("changed\n"), 0o644)
			if _, err := runCosign(t, cosign, dir, blob...); err == nil {
				t.Error("cosign verify-blob accepted a changed artifact")
			}
			if _, err := runCosign(t, cosign, dir, att...); err == nil {
				t.Error("cosign verify-blob-attestation accepted a changed artifact")
			}
		})
	}
}

// TestCosignSigstoreBundlesVerifyWithProvenant: provenant accepts cosign's
// sign-blob and attest-blob --new-bundle-format --key output (no log entry).
func TestCosignSigstoreBundlesVerifyWithProvenant(t *testing.T) {
	cosign := cosignPath(t)
	dir := cosignWorkDir(t, cosign)
	if _, err := runCosign(t, cosign, dir, "sign-blob", "--new-bundle-format", "--key", "cosign.key", "--tlog-upload=false", "--yes", "--bundle", "sig.sigstore.json", "art.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := runCosign(t, cosign, dir, "attest-blob", "--new-bundle-format", "--key", "cosign.key", "--tlog-upload=false", "--yes",
		"--predicate", "pred.json", "--type", "slsaprovenance1", "--bundle", "att.sigstore.json", "art.txt"); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, dir, "verify-signature", "--bundle", "sig.sigstore.json", "--key", "cosign.pub", "art.txt"); r.code != 0 {
		t.Errorf("verify-signature of cosign's sign-blob bundle: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	attesttest.WriteFile(t, "trust.yaml", []byte(cosignTrust), 0o644)
	if r := runCLI(t, "", "verify", "--bundle", "att.sigstore.json", "--trust", "trust.yaml", "--builder-id", "https://example.com/builder", "art.txt"); r.code != 0 {
		t.Errorf("verify of cosign's attest-blob bundle: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	attesttest.WriteFile(t, "art.txt", []byte("changed\n"), 0o644)
	if r := runCLI(t, "", "verify-signature", "--bundle", "sig.sigstore.json", "--key", "cosign.pub", "art.txt"); r.code != 1 {
		t.Errorf("verify-signature of a changed artifact: exit %d, want 1", r.code)
	}
	if r := runCLI(t, "", "verify", "--bundle", "att.sigstore.json", "--key", "cosign.pub", "art.txt"); r.code != 1 {
		t.Errorf("verify of a changed artifact: exit %d, want 1", r.code)
	}
}
