package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
)

// cosignPath finds a cosign binary on PATH, in GOPATH/bin (where
// `make interop` installs it) or in .ci/run's cache, or skips the test.
func cosignPath(t *testing.T) string {
	t.Helper()
	return peerTool(t, "cosign", "cosign-v2.6.2",
		"cosign not found on PATH, in GOPATH/bin or in the CI cache; run `make interop` to install cosign v2.6.2 and run this test")
}

// cosignPredicate is the SLSA provenance cosign attests in these tests:
// built by https://example.com/builder from github.com/example/app.
const cosignPredicate = `{"buildDefinition":{"buildType":"https://example.com/bt","externalParameters":{"source":"git+https://github.com/example/app@refs/heads/main"}},"runDetails":{"builder":{"id":"https://example.com/builder@v1"}}}`

// cosignTrust says cosign's key signs for that builder: a builder id is
// only a claim otherwise.
const cosignTrust = "keys:\n  - id: cosign\n    path: cosign.pub\n    builders: [https://example.com/builder]\n"

// cosignWorkDir makes a directory with a key pair from cosign
// generate-key-pair (cosign.key, cosign.pub; an empty password), an
// artifact, art.txt, and cosignPredicate as pred.json.
func cosignWorkDir(t *testing.T, cosign string) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := runCosign(t, cosign, dir, "generate-key-pair"); err != nil {
		t.Fatal(err)
	}
	attesttest.WriteFile(t, filepath.Join(dir, "art.txt"), []byte("an artifact\n"), 0o644)
	attesttest.WriteFile(t, filepath.Join(dir, "pred.json"), []byte(cosignPredicate), 0o644)
	return dir
}

// keygenWorkDir makes a directory with a key of type kt from provenant
// keygen (k.key, k.pub) and an artifact, art.txt, and changes into it.
func keygenWorkDir(t *testing.T, kt string) string {
	t.Helper()
	dir := t.TempDir()
	if r := runCLI(t, dir, "keygen", "--type", kt, "--out", "k"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	attesttest.WriteFile(t, "art.txt", []byte("an artifact for "+kt+"\n"), 0o644)
	return dir
}

func runCosign(t *testing.T, cosign, dir string, args ...string) (stdout string, err error) {
	t.Helper()
	cmd := exec.Command(cosign, args...)
	cmd.Dir = dir
	// An empty password for cosign's own encrypted key; no TUF lookups.
	cmd.Env = append(os.Environ(), "COSIGN_PASSWORD=", "TUF_ROOT="+filepath.Join(dir, ".sigstore"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Logf("cosign %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		return out.String(), err
	}
	return out.String(), nil
}

// TestCosignAttestationVerifiesWithProvenant: cosign attest-blob --key ...
// --tlog-upload=false writes a Statement v0.1 signed with an ECDSA P-256 key;
// provenant verifies it with cosign.pub.
func TestCosignAttestationVerifiesWithProvenant(t *testing.T) {
	cosign := cosignPath(t)
	dir := cosignWorkDir(t, cosign)
	env, err := runCosign(t, cosign, dir, "attest-blob", "--key", "cosign.key", "--tlog-upload=false", "--yes",
		"--predicate", "pred.json", "--type", "slsaprovenance1", "art.txt")
	if err != nil {
		t.Fatal(err)
	}
	attesttest.WriteFile(t, filepath.Join(dir, "att.intoto.jsonl"), []byte(env), 0o644)
	// cosign's key signs for the builder: a trust file says so (a builder
	// id is only a claim otherwise).
	attesttest.WriteFile(t, filepath.Join(dir, "trust.yaml"), []byte(cosignTrust), 0o644)
	r := runCLI(t, dir, "verify", "--bundle", "att.intoto.jsonl", "--trust", "trust.yaml",
		"--builder-id", "https://example.com/builder", "--source-uri", "github.com/example/app", "art.txt")
	if r.code != 0 {
		t.Fatalf("provenant verify of cosign's attestation: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	attesttest.WriteFile(t, "art.txt", []byte("changed\n"), 0o644)
	if r := runCLI(t, "", "verify", "--bundle", "att.intoto.jsonl", "--key", "cosign.pub", "art.txt"); r.code != 1 {
		t.Errorf("provenant verify of a changed artifact: exit %d, want 1", r.code)
	}
}

// TestProvenantAttestationVerifiesWithCosign: cosign verify-blob-attestation
// --key ... --insecure-ignore-tlog --type slsaprovenance1 accepts provenant's
// envelopes, for ECDSA and Ed25519 keys. (provenant signs with RSA-PSS, the
// securesystemslib scheme; cosign verifies RSA keys with PKCS#1 v1.5 only, so
// RSA envelopes do not cross over: see docs/interop.md.)
func TestProvenantAttestationVerifiesWithCosign(t *testing.T) {
	cosign := cosignPath(t)
	for _, kt := range []string{"ecdsa-p256", "ed25519"} {
		t.Run(kt, func(t *testing.T) {
			dir := keygenWorkDir(t, kt)
			if r := runCLI(t, "", "attest", "--key", "k.key", "--bundle", "b.intoto.jsonl", "art.txt"); r.code != 0 {
				t.Fatal(r.stderr)
			}
			if _, err := runCosign(t, cosign, dir, "verify-blob-attestation", "--key", "k.pub", "--insecure-ignore-tlog",
				"--type", "slsaprovenance1", "--signature", "b.intoto.jsonl", "art.txt"); err != nil {
				t.Fatalf("cosign rejected provenant's %s envelope: %v", kt, err)
			}
			attesttest.WriteFile(t, "art.txt", []byte("changed\n"), 0o644)
			if _, err := runCosign(t, cosign, dir, "verify-blob-attestation", "--key", "k.pub", "--insecure-ignore-tlog",
				"--type", "slsaprovenance1", "--signature", "b.intoto.jsonl", "art.txt"); err == nil {
				t.Errorf("cosign accepted a changed artifact")
			}
		})
	}
}

// TestCosignKeysWorkBothWays: a cosign.key (cosign's encrypted format) signs
// with provenant given its password, and a key from `provenant keygen` with
// PROVENANT_KEY_PASSWORD signs with cosign.
func TestCosignKeysWorkBothWays(t *testing.T) {
	cosign := cosignPath(t)
	dir := t.TempDir()
	cmd := exec.Command(cosign, "generate-key-pair")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "COSIGN_PASSWORD=cosign-pw")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cosign generate-key-pair: %v\n%s", err, out)
	}
	attesttest.WriteFile(t, filepath.Join(dir, "art.txt"), []byte("art\n"), 0o644)
	t.Setenv(passwordEnv, "cosign-pw")
	if r := runCLI(t, dir, "attest", "--key", "cosign.key", "--bundle", "b.intoto.jsonl", "art.txt"); r.code != 0 {
		t.Fatalf("provenant attest with cosign.key: exit %d: %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", "verify", "--bundle", "b.intoto.jsonl", "--key", "cosign.pub", "art.txt"); r.code != 0 {
		t.Fatalf("verify with cosign.pub: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}

	t.Setenv(passwordEnv, "provenant-pw")
	if r := runCLI(t, "", "keygen", "--type", "ecdsa-p256", "--out", "pv"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	attesttest.WriteFile(t, "pred.json", []byte(`{"buildDefinition":{"buildType":"https://example.com/bt","externalParameters":{"x":"y"}},"runDetails":{"builder":{"id":"https://example.com/b"}}}`), 0o644)
	cmd = exec.Command(cosign, "attest-blob", "--key", "pv.key", "--tlog-upload=false", "--yes", "--predicate", "pred.json", "--type", "slsaprovenance1", "art.txt")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "COSIGN_PASSWORD=provenant-pw")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cosign attest-blob with provenant's encrypted key: %v", err)
	}
	attesttest.WriteFile(t, "c.intoto.jsonl", out, 0o644)
	if r := runCLI(t, "", "verify", "--bundle", "c.intoto.jsonl", "--key", "pv.pub", "art.txt"); r.code != 0 {
		t.Fatalf("verify cosign's attestation made with provenant's key: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
}
