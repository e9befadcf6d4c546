package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
)

// gateFixture adds bundles for the Rego gate's goldens to the verify
// fixture: statements with hand-written predicates, signed with the
// trusted test key.
func gateFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	signer, err := attest.LoadSigner(filepath.Join(f.dir, "ed25519-test-only.key"))
	if err != nil {
		t.Fatal(err)
	}
	sign := func(arts []digest.Artifact, pred map[string]any) *attest.Envelope {
		t.Helper()
		return f.signSLSA(t, signer, arts, pred)
	}
	step := runPredicate
	app := f.hash(t, "app.tar.gz")

	// builtin:chain: the build step's product has a sha512 digest only, so
	// nothing can show that the package step consumed it.
	build := sign([]digest.Artifact{{Name: "bin/app", Digests: digest.Set{"sha512": strings.Repeat("ab", 64)}}}, step("build", []any{}))
	pkg := sign(app, step("package", []any{map[string]any{"name": "bin/app", "digest": map[string]any{"sha256": strings.Repeat("cd", 32)}}}))
	f.writeLines(t, "chain-nosha256.intoto.jsonl", build, pkg)
	f.write(t, "chain.yaml", "data:\n  chain:\n    - {from: build, to: package}\n")

	// builtin:github: GitHub's build type, but no workflow recorded.
	gha := sign(app, map[string]any{
		"buildDefinition": map[string]any{
			"buildType":          "https://actions.github.io/buildtypes/workflow/v1",
			"externalParameters": map[string]any{"inputs": map[string]any{}},
		},
		"runDetails": map[string]any{"builder": map[string]any{"id": "https://github.com/actions/runner/github-hosted"}},
	})
	f.writeLines(t, "github-noworkflow.intoto.jsonl", gha)
	f.write(t, "github.yaml", "data:\n  github:\n    repository: octo-org/app\n")

	// Rules named deny in other head forms, and Rego v0.
	f.write(t, "refhead.rego", "package release\n\n# METADATA\n# title: Release tag\ndeny[msg] if {\n\tmsg := sprintf(\"%s is not a tagged release\", [input.artifact.name])\n}\n")
	f.write(t, "v0.rego", "package main\n\ndeny[msg] {\n\tinput.artifact.name == \"app.tar.gz\"\n\tmsg := \"v0 says no\"\n}\n")
	f.write(t, "v0_test.rego", "package main\n\ntest_denies {\n\tdeny[\"v0 says no\"] with input as {\"artifact\": {\"name\": \"app.tar.gz\"}}\n}\n")
	f.write(t, "function.rego", "package release\n\ndeny(x) := x\n")

	// builtin:slsa: a statement signed with a trusted key that merely
	// claims slsa-github-generator's builder id.
	claimed := sign(app, map[string]any{
		"buildDefinition": map[string]any{
			"buildType":          "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
			"externalParameters": map[string]any{"workflow": map[string]any{"repository": "https://github.com/octo-org/app"}},
		},
		"runDetails": map[string]any{"builder": map[string]any{"id": "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.0.0"}},
	})
	f.writeLines(t, "claimed-l3.intoto.jsonl", claimed)
	f.write(t, "l3.yaml", "data:\n  slsa:\n    level: 3\n")
	f.write(t, "l3-waived.yaml", "data:\n  slsa:\n    level: 3\nexceptions:\n  - code: slsa.level\n    reason: the release builder does not sign yet, OPS-7\n")

	// Configuration mistakes of the built-in policies.
	f.write(t, "levle.yaml", "data:\n  slsa:\n    levle: 3\n")
	f.write(t, "level-string.yaml", "data:\n  slsa:\n    level: \"3\"\n")
	f.write(t, "slas.yaml", "data:\n  slas:\n    level: 3\n")

	// Exceptions are scoped to the rule they name.
	f.write(t, "freeze.rego", "package release\n\ndeny contains {\"msg\": \"release freeze\", \"code\": \"slsa.level\"} if true\n")
	f.write(t, "reuse.rego", "package release\n\n# METADATA\n# custom:\n#   code: slsa.level\ndeny contains \"release freeze\" if true\n")
	f.write(t, "waive-slsa.yaml", "data:\n  slsa:\n    level: 2\nexceptions:\n  - code: slsa.level\n    reason: legacy builder, OPS-123\n")

	// A conftest policy written for a bare statement.
	f.write(t, "bare.rego", "package main\n\ndeny contains msg if {\n\tnot startswith(input.predicate.runDetails.builder.id, \"https://github.com/\")\n\tmsg := \"not built on GitHub\"\n}\n")
	return f
}

// TestGateGolden pins what a user sees from the Rego gate (issue 13):
// built-in rules over missing fields, rules named deny in any head form,
// Rego v0, the input schema, builder ids that are only claimed, the level
// a VSA records, the configuration of the built-ins, exceptions.
func TestGateGolden(t *testing.T) {
	const key = "--key=ed25519-test-only.pub"
	f := gateFixture(t)
	appDigest := "--subject-digest=sha256:" + f.hash(t, "app.tar.gz")[0].Digests["sha256"]
	vsa := func(level string) []string {
		return []string{"verify-vsa", "--bundle=app.vsa.jsonl", "--key=other-ed25519-test-only.pub", appDigest,
			"--verifier-id=https://ci.example.com/gate", "--resource-uri=app.tar.gz", "--verified-level=" + level}
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"chain-missing-sha256", []string{"verify", "--bundle=chain-nosha256.intoto.jsonl", key, "--policy=builtin:chain", "--policy-config=chain.yaml", "app.tar.gz"}, 1},
		{"github-missing-workflow", []string{"verify", "--bundle=github-noworkflow.intoto.jsonl", key, "--policy=builtin:github", "--policy-config=github.yaml", "app.tar.gz"}, 1},
		{"ref-head-deny", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=builtin:slsa", "--policy=refhead.rego", "app.tar.gz"}, 1},
		{"rego-v0-hint", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=v0.rego", "app.tar.gz"}, 2},
		{"rego-v0-flag", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=v0.rego", "--rego-version=v0", "app.tar.gz"}, 1},
		{"rego-v1-as-v0", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=refhead.rego", "--rego-version=v0", "app.tar.gz"}, 2},
		{"rego-version-usage", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=v0.rego", "--rego-version=0", "app.tar.gz"}, 2},
		{"policy-test-v0", []string{"policy", "test", "--rego-version=v0", "v0.rego", "v0_test.rego"}, 0},
		{"deny-function", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=function.rego", "app.tar.gz"}, 2},
		{"slsa-claimed-builder", []string{"verify", "--bundle=claimed-l3.intoto.jsonl", key, "--policy=builtin:slsa", "--policy-config=l3.yaml", "app.tar.gz"}, 1},
		// The VSA records the level reached (L1: the builder is only
		// claimed), not the level required, which an exception waived.
		{"vsa-level-waived", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=builtin:slsa", "--policy-config=l3-waived.yaml",
			"--vsa-out=app.vsa.jsonl", "--vsa-key=other-ed25519-test-only.key", "--verifier-id=https://ci.example.com/gate", "app.tar.gz"}, 0},
		{"slsa-level-json", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=builtin:slsa", "--policy-config=l3-waived.yaml", "--format=json", "app.tar.gz"}, 0},
		{"vsa-level-waived-l2", vsa("SLSA_BUILD_LEVEL_2"), 1},
		{"vsa-level-waived-l1", vsa("SLSA_BUILD_LEVEL_1"), 0},
		{"vsa-level-strict", vsa("SLSA_BUILD_LEVEL_+1"), 2},
		{"config-unknown-key", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=builtin:slsa", "--policy-config=levle.yaml", "app.tar.gz"}, 2},
		{"config-wrong-type", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=builtin:slsa", "--policy-config=level-string.yaml", "app.tar.gz"}, 2},
		{"config-section-typo", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=builtin:slsa", "--policy-config=slas.yaml", "app.tar.gz"}, 2},
		{"config-policy-test", []string{"policy", "test", "--policy-config=levle.yaml", "builtin:slsa"}, 2},
		{"exception-code-scoped", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=builtin:slsa", "--policy=freeze.rego", "--policy-config=waive-slsa.yaml", "app.tar.gz"}, 1},
		{"exception-code-declared-twice", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=builtin:slsa", "--policy=reuse.rego", "--policy-config=waive-slsa.yaml", "app.tar.gz"}, 2},
		{"input-schema-bare-statement", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=bare.rego", "app.tar.gz"}, 2},
		{"input-schema-policy-test", []string{"policy", "test", "bare.rego"}, 2},
	}
	t.Chdir(f.dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.args...)
			goldenRun(t, f.pkgDir, filepath.Join("gate", tt.name+".golden"), r, tt.wantCode)
		})
	}
}
