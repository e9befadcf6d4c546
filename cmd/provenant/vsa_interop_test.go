package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/provenant/provenant/attest"
)

// slsaVerifierPath finds slsa-verifier v2.7.1, or skips the test.
func slsaVerifierPath(t *testing.T) string {
	t.Helper()
	return peerTool(t, "slsa-verifier", "slsa-verifier-v2.7.1",
		"slsa-verifier not found on PATH, in GOPATH/bin or in the CI cache; .ci/run and `make interop` build v2.7.1")
}

// TestSLSAVerifierAcceptsProvenantVSA (issue 19, item 17): slsa-verifier
// v2.7.1's verify-vsa, without --public-key-id, accepts the VSAs provenant
// verify writes, for each key type it verifies as provenant signs; and
// provenant verify-vsa accepts both keyid forms slsa-verifier accepts (the
// default fingerprint provenant now writes, and none, as cosign writes),
// as well as the securesystemslib keyid older provenant VSAs carry, which
// slsa-verifier skips.
func TestSLSAVerifierAcceptsProvenantVSA(t *testing.T) {
	slsaVerifier := slsaVerifierPath(t)
	f := policyFixture(t)
	t.Chdir(f.dir)
	digest := "sha256:" + f.hash(t, "app.tar.gz")[0].Digests["sha256"]
	const verifier = "https://ci.example.com/gate"
	slsa := func(bundle, pub string, extra ...string) error {
		args := append([]string{"verify-vsa", "--attestation-path", bundle, "--public-key-path", pub, "--subject-digest", digest,
			"--verifier-id", verifier, "--resource-uri", "app.tar.gz", "--verified-level", "SLSA_BUILD_LEVEL_1"}, extra...)
		out, err := exec.Command(slsaVerifier, args...).CombinedOutput()
		if err != nil {
			t.Logf("slsa-verifier %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return err
	}
	provenant := func(bundle, pub string) int {
		r := runCLI(t, "", "verify-vsa", "--bundle", bundle, "--key", pub, "--subject-digest", digest,
			"--verifier-id", verifier, "--resource-uri", "app.tar.gz", "--verified-level", "SLSA_BUILD_LEVEL_1")
		if r.code != 0 {
			t.Logf("provenant verify-vsa %s: exit %d\n%s%s", bundle, r.code, r.stdout, r.stderr)
		}
		return r.code
	}
	// RSA: slsa-verifier checks PKCS#1 v1.5, provenant signs RSA-PSS.
	t.Run("rsa-3072", func(t *testing.T) {
		if r := runCLI(t, "", "keygen", "--type", "rsa-3072", "--out", "vsa-rsa"); r.code != 0 {
			t.Fatal(r.stderr)
		}
		if r := runCLI(t, "", "verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "--vsa-out=vsa-rsa.vsa.jsonl", "--vsa-key=vsa-rsa.key",
			"--verifier-id="+verifier, "app.tar.gz"); r.code != 0 {
			t.Fatalf("verify --vsa-out: exit %d: %s", r.code, r.stderr)
		}
		if err := slsa("vsa-rsa.vsa.jsonl", "vsa-rsa.pub"); err == nil {
			t.Error("slsa-verifier accepted an RSA-PSS VSA: update docs/verify-vsa.md and docs/interop.md")
		}
		if code := provenant("vsa-rsa.vsa.jsonl", "vsa-rsa.pub"); code != 0 {
			t.Errorf("provenant verify-vsa of its RSA VSA: exit %d", code)
		}
	})
	for _, kt := range []attest.KeyType{attest.Ed25519, attest.ECDSAP256, attest.ECDSAP384} {
		t.Run(string(kt), func(t *testing.T) {
			prefix := "vsa-" + string(kt)
			if r := runCLI(t, "", "keygen", "--type", string(kt), "--out", prefix); r.code != 0 {
				t.Fatal(r.stderr)
			}
			key, pub, bundle := prefix+".key", prefix+".pub", prefix+".vsa.jsonl"
			if r := runCLI(t, "", "verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "--vsa-out="+bundle, "--vsa-key="+key,
				"--verifier-id="+verifier, "app.tar.gz"); r.code != 0 {
				t.Fatalf("verify --vsa-out: exit %d: %s", r.code, r.stderr)
			}
			env := readEnvelope(t, bundle)
			pk, err := attest.LoadPublicKey(pub)
			if err != nil {
				t.Fatal(err)
			}
			fingerprint, err := dsse.SHA256KeyID(pk.Key)
			if err != nil {
				t.Fatal(err)
			}
			if got := env.Signatures[0].KeyID; got != fingerprint {
				t.Errorf("the VSA's keyid is %q, want the SSH SHA256 fingerprint %q", got, fingerprint)
			}
			// The three keyid forms: as written, none, the securesystemslib id.
			forms := map[string]string{"fingerprint": bundle, "none": prefix + ".nokeyid.jsonl", "securesystemslib": prefix + ".sslib.jsonl"}
			writeEnvelopeWithKeyID(t, env, "", forms["none"])
			writeEnvelopeWithKeyID(t, env, pk.ID, forms["securesystemslib"])
			for form, b := range forms {
				if code := provenant(b, pub); code != 0 {
					t.Errorf("provenant verify-vsa with keyid %s: exit %d, want 0", form, code)
				}
			}
			if err := slsa(forms["fingerprint"], pub); err != nil {
				t.Errorf("slsa-verifier refused provenant's VSA without --public-key-id: %v", err)
			}
			if err := slsa(forms["none"], pub); err != nil {
				t.Errorf("slsa-verifier refused the VSA without a keyid: %v", err)
			}
			// What the issue reported: the securesystemslib keyid needs
			// --public-key-id.
			if err := slsa(forms["securesystemslib"], pub); err == nil {
				t.Errorf("slsa-verifier accepted a keyid other than its default without --public-key-id: the test no longer shows what changed")
			}
			if err := slsa(forms["securesystemslib"], pub, "--public-key-id", pk.ID); err != nil {
				t.Errorf("slsa-verifier refused the securesystemslib keyid given --public-key-id: %v", err)
			}
			// Negative: another key, another digest.
			if err := slsa(forms["fingerprint"], "other-ed25519-test-only.pub"); err == nil {
				t.Error("slsa-verifier accepted the VSA with another key")
			}
			if code := provenant(forms["none"], "other-ed25519-test-only.pub"); code != 1 {
				t.Errorf("provenant verify-vsa with another key: exit %d, want 1", code)
			}
		})
	}
}

// TestVSAKeyIDGolden: what provenant verify-vsa says of a VSA with the
// fingerprint keyid, given --key-id (slsa-verifier's --public-key-id)
// with the fingerprint and with the securesystemslib id.
func TestVSAKeyIDGolden(t *testing.T) {
	f := policyFixture(t)
	t.Chdir(f.dir)
	digest := "sha256:" + f.hash(t, "app.tar.gz")[0].Digests["sha256"]
	if r := runCLI(t, "", "verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "--vsa-out=app.vsa.jsonl", "--vsa-key=other-ed25519-test-only.key",
		"--verifier-id=https://ci.example.com/gate", "app.tar.gz"); r.code != 0 {
		t.Fatalf("verify --vsa-out: exit %d: %s", r.code, r.stderr)
	}
	pk, err := attest.LoadPublicKey("other-ed25519-test-only.pub")
	if err != nil {
		t.Fatal(err)
	}
	fingerprint, err := dsse.SHA256KeyID(pk.Key)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"verify-vsa", "--bundle=app.vsa.jsonl", "--key=other-ed25519-test-only.pub", "--subject-digest=" + digest,
		"--verifier-id=https://ci.example.com/gate", "--resource-uri=app.tar.gz", "--verified-level=SLSA_BUILD_LEVEL_1"}
	for name, tt := range map[string]struct {
		keyID string
		code  int
	}{"key-id-fingerprint": {fingerprint, 0}, "key-id-securesystemslib": {pk.ID, 1}} {
		r := runCLI(t, "", append(args, "--key-id="+tt.keyID)...)
		goldenRun(t, f.pkgDir, filepath.Join("verify-vsa", name+".golden"), r, tt.code)
	}
}

func readEnvelope(t *testing.T, path string) *attest.Envelope {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var env attest.Envelope
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(b))), &env); err != nil || len(env.Signatures) != 1 {
		t.Fatalf("%s: %v, %d signatures, want one envelope with one signature", path, err, len(env.Signatures))
	}
	return &env
}

// writeEnvelopeWithKeyID writes env with its signature's keyid replaced
// (a keyid is not signed).
func writeEnvelopeWithKeyID(t *testing.T, env *attest.Envelope, keyID, path string) {
	t.Helper()
	c := *env
	c.Signatures = []dsse.Signature{{KeyID: keyID, Sig: env.Signatures[0].Sig}}
	b, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
