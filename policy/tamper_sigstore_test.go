package policy_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/vsa"
)

// The tamper matrix for Sigstore bundles: every string of the bundle's JSON
// (base64 fields byte by byte, sampled), and every member removed, on a
// keyed bundle made here and on a real keyless one (certificate, log entry
// with inclusion proof and checkpoint, DSSE envelope). A mutation may be
// allowed only when it touches what the bundle format leaves
// unauthenticated, listed in unauthenticated below with the reason.

// unauthenticated are the JSON paths whose change (or removal) does not
// alter what is verified.
var unauthenticated = map[string]string{
	"verificationMaterial.publicKey.hint":                    "a key hint selects nothing: every trusted key is tried",
	"dsseEnvelope.signatures.0.keyid":                        "a keyid is a hint (here: removed)",
	"verificationMaterial.timestampVerificationData":         "removing an empty list of timestamps",
	"verificationMaterial.tlogEntries.0.inclusionProof":      "removing the proof leaves the signed inclusion promise, which is verified",
	"verificationMaterial.tlogEntries.0.kindVersion.kind":    "informational: the entry's kind is read from the verified canonicalized body",
	"verificationMaterial.tlogEntries.0.kindVersion.version": "informational: the version is read from the verified canonicalized body",
}

type jsonMutation struct {
	path string
	doc  []byte
}

// mutateJSON returns one mutation per string leaf change (base64 strings
// flipped byte by byte, at most 48 positions each) and per member removed.
func mutateJSON(t *testing.T, doc []byte) []jsonMutation {
	t.Helper()
	var root any
	if err := json.Unmarshal(doc, &root); err != nil {
		t.Fatal(err)
	}
	var out []jsonMutation
	emit := func(path string) {
		b, err := json.Marshal(root)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, jsonMutation{path, b})
	}
	var walk func(v any, path string, set func(any))
	walk = func(v any, path string, set func(any)) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				child := x[k]
				delete(x, k)
				emit(strings.TrimPrefix(path+"."+k, "."))
				x[k] = child
				walk(child, strings.TrimPrefix(path+"."+k, "."), func(nv any) { x[k] = nv })
			}
		case []any:
			for i := range x {
				walk(x[i], fmt.Sprintf("%s.%d", path, i), func(nv any) { x[i] = nv })
			}
		case string:
			if raw, err := base64.StdEncoding.DecodeString(x); err == nil && len(raw) > 0 {
				step := max(1, len(raw)/48)
				for i := 0; i < len(raw); i += step {
					m := bytes.Clone(raw)
					m[i] ^= 0x01
					set(base64.StdEncoding.EncodeToString(m))
					emit(path)
				}
			} else {
				set(x + "x")
				emit(path)
			}
			set(x)
		}
	}
	walk(root, "", func(any) {})
	return out
}

func allowedPath(path string) bool {
	_, ok := unauthenticated[path]
	return ok
}

func runSigstoreMatrix(t *testing.T, bundle []byte, v *policy.Verifier, input policy.Input, expect ...policy.Expectation) int {
	t.Helper()
	check := func(doc []byte) bool {
		entries, err := attest.ReadBundle(bytes.NewReader(append(bytes.Clone(doc), '\n')), "b.sigstore.json")
		if err != nil {
			return false
		}
		r, err := v.Verify(context.Background(), entries, []policy.Input{input}, expect...)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		return r.Allowed
	}
	if !check(bundle) {
		t.Fatal("the valid bundle is denied")
	}
	ms := mutateJSON(t, bundle)
	for _, m := range ms {
		if check(m.doc) && !allowedPath(m.path) {
			t.Errorf("mutation of %s was allowed", m.path)
		}
	}
	return len(ms)
}

func TestTamperMatrixSigstoreKeyed(t *testing.T) {
	keys := keysForTamper(t)
	artifact := []byte("the release artifact\n")
	ad, _ := digest.Reader(bytes.NewReader(artifact), digest.SHA256)
	total := 0
	for _, kt := range []attest.KeyType{attest.Ed25519, attest.ECDSAP256, attest.ECDSAP384} {
		k := keys[kt]
		b, err := sigstore.SignStatement(context.Background(), k.Signer, tamperStatement(t, ad[digest.SHA256]))
		if err != nil {
			t.Fatal(err)
		}
		sv, err := sigstore.NewVerifier(sigstore.WithKeys(k.Public))
		if err != nil {
			t.Fatal(err)
		}
		expect := []policy.Expectation{policy.WithBuilderID("https://ci.example.com/builder")}
		v, err := policy.NewVerifier(policy.WithKeys(k.Public), builderTrust(k.Public, "https://ci.example.com/builder"), policy.WithSigstore(sv))
		if err != nil {
			t.Fatal(err)
		}
		total += runSigstoreMatrix(t, b, v, policy.Input{Name: "app.tar.gz", Digests: ad}, expect...)
	}
	t.Logf("keyed Sigstore bundles: %d mutations", total)
}

func TestTamperMatrixSigstoreKeyless(t *testing.T) {
	dir := attesttest.Vectors(t, "sigstore-go")
	bundle, err := os.ReadFile(filepath.Join(dir, "testing-data", "bundles", "sigstore.js@2.0.0-provenance.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	sv, err := sigstore.NewVerifier(
		sigstore.WithTrustedRootFile(filepath.Join(dir, "examples", "trusted-root-public-good.json")),
		sigstore.WithIdentity(sigstore.Identity{
			SAN:    "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
			Issuer: "https://token.actions.githubusercontent.com",
		}))
	if err != nil {
		t.Fatal(err)
	}
	v, err := policy.NewVerifier(policy.WithSigstore(sv))
	if err != nil {
		t.Fatal(err)
	}
	input := policy.Input{Name: "pkg:npm/sigstore@2.0.0", Digests: digest.Set{digest.SHA512: "46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c"}}
	n := runSigstoreMatrix(t, bundle, v, input)
	t.Logf("keyless Sigstore bundle: %d mutations", n)
}

// TestTamperMatrixVSA: the real VSA of ../shared/vectors/slsa-vsa (ECDSA,
// raw r||s signature), every string of its envelope mutated and every
// member removed: each is denied, except the keyid hint when no --key-id is
// asked for.
func TestTamperMatrixVSA(t *testing.T) {
	dir := attesttest.Vectors(t, "slsa-vsa")
	line, err := os.ReadFile(filepath.Join(dir, "gke-gce-pre.bcid-vsa.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := attest.LoadPublicKey(filepath.Join(dir, "vsa_signing_public_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	c := vsa.Check{
		Keys:           []*attest.PublicKey{key},
		KeyID:          "keystore://76574:prod:vsa_signing_public_key",
		SubjectDigests: []string{"gce_image_id:8970095005306000053"},
		VerifierID:     "https://bcid.corp.google.com/verifier/bcid_package_enforcer/v0.1",
		ResourceURI:    "gce_image://gke-node-images:gke-12615-gke1418000-cos-101-17162-463-29-c-cgpv1-pre",
		Levels:         []string{"BCID_L1", "SLSA_BUILD_LEVEL_2"},
	}
	check := func(doc []byte) bool {
		entries, err := attest.ReadBundle(bytes.NewReader(append(bytes.TrimSpace(bytes.Clone(doc)), '\n')), "vsa.jsonl")
		if err != nil {
			return false
		}
		_, ok, err := vsa.Verify(context.Background(), entries, c)
		return err == nil && ok
	}
	if !check(line) {
		t.Fatal("the valid VSA is denied")
	}
	ms := mutateJSON(t, bytes.TrimSpace(line))
	for _, m := range ms {
		if check(m.doc) {
			t.Errorf("mutation of %s was allowed", m.path)
		}
	}
	t.Logf("VSA: %d mutations denied", len(ms))
}
