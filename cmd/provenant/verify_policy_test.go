package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/provenant/provenant/provenance"
)

const releasePolicy = `# METADATA
# title: Release policy
package release

import data.provenant.lib

# METADATA
# title: Release builder
# description: Releases are built by the release builder.
# custom:
#   code: release.builder
#   severity: high
#   solution: Build the release on https://ci.example.com/builders/release.
deny contains {"msg": sprintf("%s was built by %s", [input.artifact.name, lib.builder_id(att)]), "attestation": att.id} if {
	some att in lib.provenance
	not startswith(lib.builder_id(att), data.config.builder)
}

# METADATA
# title: Library artifacts
# custom:
#   code: release.library
#   severity: low
warn contains sprintf("%s is a library", [input.artifact.name]) if {
	startswith(input.artifact.name, "lib")
}
`

// policyFixture adds a policy and configurations to the verify fixture.
func policyFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	if err := os.Mkdir(filepath.Join(f.dir, "policies"), 0o755); err != nil {
		t.Fatal(err)
	}
	f.write(t, "policies/release.rego", releasePolicy)
	f.write(t, "policies/release_test.rego", "package release_test\n\nimport data.release\n\ntest_lib_warns if {\n\trelease.warn == {\"lib.tar.gz is a library\"} with input as {\"artifact\": {\"name\": \"lib.tar.gz\", \"attestations\": []}, \"attestations\": []}\n}\n")
	f.write(t, "ok.yaml", "data:\n  builder: https://ci.example.com/builders/release\n")
	f.write(t, "strict.yaml", "data:\n  builder: https://ci.example.com/builders/other\n")
	f.write(t, "excepted.yaml", "data:\n  builder: https://ci.example.com/builders/other\nexceptions:\n  - code: release.builder\n    artifacts: [lib.tar.gz]\n    reason: the library ships from the old builder until Q3\n    expires: 2999-12-31\n  - code: release.library\n    reason: expired long ago\n    expires: 2000-01-01\n")
	f.write(t, "chain-typo.yaml", "data:\n  chian:\n    - {from: compile, to: package}\n")
	f.write(t, "top-level.yaml", "slsa:\n  level: 2\n")
	f.write(t, "exception-key.yaml", "exceptions:\n  - code: slsa.level\n    reson: waived\n")
	f.write(t, "broken.rego", "package broken\n\ndeny contains msg if {\n\tmsg := input.nope +\n}\n")
	return f
}

func TestVerifyPolicyGolden(t *testing.T) {
	const key = "--key=ed25519-test-only.pub"
	base := []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=policies"}
	with := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"allowed-with-warning", with("--policy-config=ok.yaml", "app.tar.gz", "lib.tar.gz"), 0},
		{"denied", with("--policy-config=strict.yaml", "app.tar.gz", "lib.tar.gz"), 1},
		{"denied-fail-on-warn", with("--policy-config=ok.yaml", "--fail-on=warn", "app.tar.gz", "lib.tar.gz"), 1},
		{"exceptions", with("--policy-config=excepted.yaml", "app.tar.gz", "lib.tar.gz"), 1},
		{"json", with("--policy-config=strict.yaml", "--format=json", "lib.tar.gz"), 1},
		{"sarif", with("--policy-config=excepted.yaml", "--format=sarif", "app.tar.gz", "lib.tar.gz"), 1},
		{"junit", with("--policy-config=excepted.yaml", "--format=junit", "app.tar.gz", "lib.tar.gz"), 1},
		{"markdown", with("--policy-config=excepted.yaml", "--format=markdown", "app.tar.gz", "lib.tar.gz"), 1},
		{"builtin-slsa", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=builtin:slsa", "app.tar.gz"}, 0},
		{"tampered-and-policy", with("--policy-config=ok.yaml", "app.tar.gz", "tampered.tar.gz"), 1},
		{"print-input", []string{"verify", "--bundle=good.intoto.jsonl", key, "--print-input", "app.tar.gz"}, 0},
		{"policy-parse-error", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=broken.rego", "app.tar.gz"}, 2},
		{"policy-missing", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=missing.rego", "app.tar.gz"}, 2},
		{"policy-unknown-builtin", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=builtin:nope", "app.tar.gz"}, 2},
		{"usage-fail-on", with("--fail-on=error", "app.tar.gz"), 2},
		{"usage-vsa-flags", with("--vsa-out=x.jsonl", "app.tar.gz"), 2},
		{"usage-sarif-for-keygen", []string{"keygen", "--format=sarif", "--out=k"}, 2},
		{"policy-test", []string{"policy", "test", "-v", "policies"}, 0},
		{"config-required-missing", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=builtin:chain", "app.tar.gz"}, 2},
		{"config-required-typo", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=builtin:chain", "--policy-config=chain-typo.yaml", "app.tar.gz"}, 2},
		{"config-top-level-section", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=builtin:slsa", "--policy-config=top-level.yaml", "app.tar.gz"}, 2},
		{"config-exception-key", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=builtin:slsa", "--policy-config=exception-key.yaml", "app.tar.gz"}, 2},
	}
	f := policyFixture(t)
	t.Chdir(f.dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.args...)
			oneLineStderr(t, r)
			goldenRun(t, f.pkgDir, filepath.Join("verify-policy", tt.name+".golden"), r, tt.wantCode)
		})
	}
}

// TestPrintInputMatchesSchema validates --print-input output against the
// committed JSON Schema with OPA's json.match_schema.
func TestPrintInputMatchesSchema(t *testing.T) {
	f := policyFixture(t)
	schema, err := os.ReadFile(filepath.Join(f.pkgDir, "..", "..", "docs", "policy-input.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, f.dir, "verify", "--bundle=tampered.intoto.jsonl", "--key=ed25519-test-only.pub", "--print-input", "app.tar.gz", "tampered.tar.gz")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	docs := 0
	for dec.More() {
		var doc any
		if err := dec.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		docs++
		ok, errs := matchSchema(t, doc, string(schema))
		if !ok {
			t.Errorf("document %d does not match docs/policy-input.schema.json: %v", docs, errs)
		}
	}
	if docs != 2 {
		t.Errorf("printed %d documents, want 2", docs)
	}
	// The check can fail: a document without schemaVersion does not match.
	if ok, _ := matchSchema(t, map[string]any{"artifact": map[string]any{}}, string(schema)); ok {
		t.Error("an incomplete document matched the schema")
	}
}

func matchSchema(t *testing.T, doc any, schema string) (bool, any) {
	t.Helper()
	rs, err := rego.New(
		rego.Query("[ok, errs] := json.match_schema(input.doc, input.schema)"),
		rego.Input(map[string]any{"doc": doc, "schema": schema}),
	).Eval(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatalf("json.match_schema: %v", err)
	}
	ok, _ := rs[0].Bindings["ok"].(bool)
	return ok, rs[0].Bindings["errs"]
}

// TestBuiltinPolicyTests runs the built-in library's *_test.rego through
// `provenant policy test`, as a policy author would.
func TestBuiltinPolicyTests(t *testing.T) {
	dir := filepath.Join(packageDir(t), "..", "..", "rego")
	r := runCLI(t, "", "policy", "test", dir)
	if r.code != 0 || !strings.HasPrefix(lastLine(r.stdout), "PASS: ") {
		t.Fatalf("policy test rego/: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A failing test fails the command.
	tmp := t.TempDir()
	if err := os.WriteFile(filepath.Join(tmp, "x_test.rego"), []byte("package x_test\n\ntest_fails if {\n\t1 == 2\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "", "policy", "test", tmp)
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL x_test.test_fails") || !strings.HasPrefix(lastLine(r.stdout), "FAIL: 0/1 passed, 1 failed") {
		t.Errorf("failing test: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestVSAEndToEnd writes a VSA for an allowed release and verifies it with
// provenant's own verify.
func TestVSAEndToEnd(t *testing.T) {
	f := policyFixture(t)
	r := runCLI(t, f.dir, "verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "--policy=builtin:slsa",
		"--vsa-out=app.vsa.jsonl", "--vsa-key=other-ed25519-test-only.key", "--verifier-id=https://ci.example.com/gate", "app.tar.gz")
	if r.code != 0 {
		t.Fatalf("verify with --vsa-out: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", "verify", "--bundle=app.vsa.jsonl", "--key=other-ed25519-test-only.pub", "--predicate-type="+provenance.PredicateVSAv1, "--format=json", "app.tar.gz")
	if r.code != 0 {
		t.Fatalf("verifying the VSA: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Not with the release key: the VSA is signed by the gate's key.
	if r := runCLI(t, "", "verify", "--bundle=app.vsa.jsonl", "--key=ed25519-test-only.pub", "--predicate-type="+provenance.PredicateVSAv1, "app.tar.gz"); r.code != 1 {
		t.Errorf("VSA verified with the wrong key: exit %d", r.code)
	}
	r = runCLI(t, "", "verify", "--bundle=app.vsa.jsonl", "--key=other-ed25519-test-only.pub", "--predicate-type="+provenance.PredicateVSAv1, "--print-input", "app.tar.gz")
	var doc struct {
		Attestations []struct {
			Statement struct {
				Subject []struct {
					Digest map[string]string `json:"digest"`
				} `json:"subject"`
				Predicate struct {
					Verifier           struct{ ID string }                  `json:"verifier"`
					TimeVerified       string                               `json:"timeVerified"`
					ResourceURI        string                               `json:"resourceUri"`
					Policy             struct{ URI string }                 `json:"policy"`
					InputAttestations  []struct{ Digest map[string]string } `json:"inputAttestations"`
					VerificationResult string                               `json:"verificationResult"`
					VerifiedLevels     []string                             `json:"verifiedLevels"`
				} `json:"predicate"`
			} `json:"statement"`
		} `json:"attestations"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Attestations) != 1 {
		t.Fatalf("print-input of the VSA: %v\n%s", err, r.stdout)
	}
	p := doc.Attestations[0].Statement.Predicate
	if p.Verifier.ID != "https://ci.example.com/gate" || p.VerificationResult != "PASSED" || p.ResourceURI != "app.tar.gz" ||
		p.Policy.URI != "builtin:slsa" || len(p.InputAttestations) != 1 || len(p.VerifiedLevels) != 1 || p.VerifiedLevels[0] != "SLSA_BUILD_LEVEL_1" || p.TimeVerified == "" {
		t.Errorf("VSA predicate = %+v", p)
	}
	// A denied release writes no VSA.
	r = runCLI(t, "", "verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "--policy=policies", "--policy-config=strict.yaml",
		"--vsa-out=denied.vsa.jsonl", "--vsa-key=other-ed25519-test-only.key", "--verifier-id=https://ci.example.com/gate", "app.tar.gz")
	if _, err := os.Stat("denied.vsa.jsonl"); r.code != 1 || err == nil {
		t.Errorf("denied release: exit %d, VSA written: %v", r.code, err == nil)
	}
}

// TestSARIFAndJUnitShape checks the machine formats parse and count one
// result per finding.
func TestSARIFAndJUnitShape(t *testing.T) {
	f := policyFixture(t)
	args := []string{"verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "--policy=policies", "--policy-config=strict.yaml", "app.tar.gz", "lib.tar.gz"}
	r := runCLI(t, f.dir, append(args, "--format=sarif")...)
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &log); err != nil || log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("SARIF: %v\n%s", err, r.stdout)
	}
	// app: 1 deny; lib: 1 deny + 1 warn.
	if got := len(log.Runs[0].Results); got != 3 {
		t.Errorf("SARIF has %d results, want 3", got)
	}
	for _, res := range log.Runs[0].Results {
		rules := log.Runs[0].Tool.Driver.Rules
		if res.RuleIndex >= len(rules) || rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result ruleIndex %d does not point at rule %s", res.RuleIndex, res.RuleID)
		}
	}
	r = runCLI(t, "", append(args, "--format=junit")...)
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(r.stdout), &suites); err != nil {
		t.Fatalf("JUnit: %v\n%s", err, r.stdout)
	}
	// Per artifact: the built-in checks and the two rules.
	if suites.Tests != 6 || suites.Failures != 2 || len(suites.Suites) != 2 {
		t.Errorf("JUnit: tests %d failures %d suites %d, want 6, 2, 2", suites.Tests, suites.Failures, len(suites.Suites))
	}
}

// TestVerifyVSAFailedGolden: a signed VSA that says FAILED is not evidence
// that the release passed (issue 13, item 8).
func TestVerifyVSAFailedGolden(t *testing.T) {
	f := policyFixture(t)
	pred := `{"verifier":{"id":"https://ci.example.com/gate"},"timeVerified":"2026-01-01T00:00:00Z","resourceUri":"app.tar.gz",` +
		`"policy":{"uri":"builtin:slsa"},"verificationResult":"FAILED","verifiedLevels":["SLSA_BUILD_LEVEL_3"]}`
	if err := os.WriteFile(filepath.Join(f.dir, "failed-vsa.json"), []byte(pred), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, f.dir, "attest", "--key=other-ed25519-test-only.key", "--bundle=failed.vsa.jsonl", "--predicate=failed-vsa.json",
		"--predicate-type="+provenance.PredicateVSAv1, "app.tar.gz"); r.code != 0 {
		t.Fatalf("attest the VSA: exit %d\n%s", r.code, r.stderr)
	}
	r := runCLI(t, "", "verify", "--bundle=failed.vsa.jsonl", "--key=other-ed25519-test-only.pub", "--predicate-type="+provenance.PredicateVSAv1, "app.tar.gz")
	goldenRun(t, f.pkgDir, filepath.Join("verify-policy", "vsa-failed.golden"), r, 1)
}
