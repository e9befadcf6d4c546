package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
)

// TestStatementRuleGolden: items 12 and 13 of issue 13. One statement
// acceptance rule for every command: a statement verify refuses is
// refused by verify-signature too, with the same message, whether it
// comes in a DSSE envelope or a Sigstore bundle.
func TestStatementRuleGolden(t *testing.T) {
	pkg := packageDir(t)
	dir := t.TempDir()
	t.Chdir(dir)
	content := []byte("the release\n")
	attesttest.WriteFile(t, "app.tar.gz", content, 0o644)
	sum := sha256.Sum256(content)
	h := hex.EncodeToString(sum[:])
	good := `{"name":"app.tar.gz","digest":{"sha256":"` + h + `"}}`
	const v1 = `"_type":"https://in-toto.io/Statement/v1",`
	payloads := []struct{ name, payload string }{
		{"no-type", `{"subject":[` + good + `],"predicateType":"https://example.com/p","predicate":{}}`},
		{"other-type", `{"_type":"https://example.com/Statement/v1","subject":[` + good + `],"predicateType":"https://example.com/p","predicate":{}}`},
		{"non-hex-digest", `{` + v1 + `"subject":[{"name":"app.tar.gz","digest":{"sha256":"` + h + `","gitCommit":"` + strings.Repeat("g", 40) + `"}}],"predicateType":"https://example.com/p","predicate":{}}`},
		{"uppercase-algorithm", `{` + v1 + `"subject":[{"name":"app.tar.gz","digest":{"SHA256":"` + h + `","sha256":"` + h + `"}}],"predicateType":"https://example.com/p","predicate":{}}`},
		{"predicate_type", `{` + v1 + `"subject":[` + good + `],"predicate_type":"https://example.com/p","predicate":{}}`},
		{"run_details", `{` + v1 + `"subject":[` + good + `],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://example.com/bt","externalParameters":{"a":1}},"runDetails":{"builder":{"id":"https://example.com/b"}},"run_details":{"builder":{"id":"https://evil.example.com/b"}}}}`},
	}
	// A DSSE envelope signed with the test key, and a keyed Sigstore
	// bundle signed with an ephemeral key, around each payload.
	signer, err := attest.LoadSigner(filepath.Join(pkg, "testdata", "keys", "ed25519-test-only.key"))
	if err != nil {
		t.Fatal(err)
	}
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := kp.GetPublicKeyPem()
	if err != nil {
		t.Fatal(err)
	}
	attesttest.WriteFile(t, "sigstore.pub", []byte(pem), 0o644)
	edPub := filepath.Join(pkg, "testdata", "keys", "ed25519-test-only.pub")
	line := regexp.MustCompile(`(?m)^✗ app\.tar\.gz: [^ ]+:1: (.*)$`)
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env, err := attest.SignPayload(context.Background(), attest.PayloadType, []byte(p.payload), signer)
			if err != nil {
				t.Fatal(err)
			}
			dsse, err := attest.MarshalEnvelope(env)
			if err != nil {
				t.Fatal(err)
			}
			attesttest.WriteFile(t, p.name+".intoto.jsonl", append(dsse, '\n'), 0o644)
			pb, err := sign.Bundle(&sign.DSSEData{Data: []byte(p.payload), PayloadType: attest.PayloadType}, kp, sign.BundleOptions{})
			if err != nil {
				t.Fatal(err)
			}
			raw, err := protojson.Marshal(pb)
			if err != nil {
				t.Fatal(err)
			}
			attesttest.WriteFile(t, p.name+".sigstore.json", raw, 0o644)

			var reasons []string
			for _, c := range []struct {
				cmd  string
				args []string
			}{
				{"verify", []string{"verify", "--bundle", p.name + ".intoto.jsonl", "--key", edPub, "app.tar.gz"}},
				{"verify-sigstore", []string{"verify", "--bundle", p.name + ".sigstore.json", "--key", "sigstore.pub", "app.tar.gz"}},
				{"verify-signature", []string{"verify-signature", "--bundle", p.name + ".sigstore.json", "--key", "sigstore.pub", "app.tar.gz"}},
			} {
				r := runCLI(t, "", c.args...)
				m := line.FindStringSubmatch(r.stdout)
				if m == nil {
					t.Errorf("%s: no refusal line in\n%s", c.cmd, r.stdout)
				} else {
					reasons = append(reasons, m[1])
				}
				goldenRun(t, pkg, filepath.Join("statement-rule", p.name+"-"+c.cmd+".golden"), r, 1, pkg, "PKG")
			}
			if len(reasons) != 3 {
				t.Fatalf("%d of 3 commands refused the statement", len(reasons))
			}
			// inspect shows the same refusal beside what the bundle claims.
			r := runCLI(t, "", "inspect", "--key", edPub, p.name+".intoto.jsonl")
			if want := reasons[0]; r.code != 1 || !strings.Contains(r.stdout, strings.TrimPrefix(strings.TrimPrefix(want, "statement: "), "SLSA provenance v1: ")) {
				t.Errorf("inspect exits %d and does not say %q:\n%s", r.code, want, r.stdout)
			}
			golden(t, pkg, filepath.Join("statement-rule", p.name+"-inspect.golden"), strings.NewReplacer(pkg, "PKG").Replace(r.String()))
			for _, r := range reasons[1:] {
				if r != reasons[0] {
					t.Errorf("refusals differ between commands:\n%s", strings.Join(reasons, "\n"))
					break
				}
			}
		})
	}
}

// TestStatementRuleVSAGolden: verify-vsa refuses a VSA that spells
// predicateType as the protobuf field name, with verify's message.
func TestStatementRuleVSAGolden(t *testing.T) {
	pkg := packageDir(t)
	t.Chdir(t.TempDir())
	signer, err := attest.LoadSigner(filepath.Join(pkg, "testdata", "keys", "ed25519-test-only.key"))
	if err != nil {
		t.Fatal(err)
	}
	const h = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	payload := `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":"` + h + `"}}],` +
		`"predicate_type":"https://slsa.dev/verification_summary/v1","predicate":{"verifier":{"id":"https://v"},"resourceUri":"r","verificationResult":"PASSED","verifiedLevels":["SLSA_BUILD_LEVEL_2"]}}`
	env, err := attest.SignPayload(context.Background(), attest.PayloadType, []byte(payload), signer)
	if err != nil {
		t.Fatal(err)
	}
	line, err := attest.MarshalEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	attesttest.WriteFile(t, "vsa.intoto.jsonl", append(line, '\n'), 0o644)
	r := runCLI(t, "", "verify-vsa", "--bundle", "vsa.intoto.jsonl", "--key", filepath.Join(pkg, "testdata", "keys", "ed25519-test-only.pub"),
		"--subject-digest", "sha256:"+h, "--verifier-id", "https://v", "--resource-uri", "r", "--verified-level", "SLSA_BUILD_LEVEL_2")
	goldenRun(t, pkg, filepath.Join("statement-rule", "predicate_type-verify-vsa.golden"), r, 1)
}
