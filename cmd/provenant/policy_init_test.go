package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/provenance"
)

// policyInitFixture adds a two-step chain (compile, then package) to the
// verify fixture: compile makes bin/app from main.c, package consumes
// bin/app and makes app.tar.gz.
func policyInitFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	signer, err := attest.LoadSigner(filepath.Join(f.dir, "ed25519-test-only.key"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(arts []digest.Artifact, name string, materials ...any) *attest.Envelope {
		t.Helper()
		return f.signSLSA(t, signer, arts, runPredicate(name, materials))
	}
	bin := strings.Repeat("b1", 32)
	compile := run([]digest.Artifact{{Name: "bin/app", Digests: digest.Set{"sha256": bin}}}, "compile",
		map[string]any{"name": "main.c", "digest": map[string]any{"sha256": strings.Repeat("c0", 32)}})
	pkg := run(f.hash(t, "app.tar.gz"), "package", map[string]any{"name": "bin/app", "digest": map[string]any{"sha256": bin}})
	f.writeLines(t, "chain.intoto.jsonl", compile, pkg)
	// The package step re-run on a bin/app made outside the chain.
	rogue := run(f.hash(t, "app.tar.gz"), "package", map[string]any{"name": "bin/app", "digest": map[string]any{"sha256": strings.Repeat("ee", 32)}})
	f.writeLines(t, "rogue.intoto.jsonl", compile, rogue)
	return f
}

// TestPolicyInitGolden: policy init's output and the files it writes,
// from a release bundle (builder, source, tag) and a two-step chain; the
// round trip (policy test, verify with the result, a rogue bundle denied);
// and its refusals.
func TestPolicyInitGolden(t *testing.T) {
	const key = "--key=ed25519-test-only.pub"
	f := policyInitFixture(t)
	t.Chdir(f.dir)
	if err := os.Symlink(t.TempDir(), "linked"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir("taken", 0o755); err != nil {
		t.Fatal(err)
	}
	f.write(t, "taken/policy.yaml", "mine\n")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		files    string // the directory whose files are goldens too
	}{
		{"release", []string{"policy", "init", "--from=good.intoto.jsonl", key, "--out=release", "app.tar.gz"}, 0, "release"},
		{"release-test", []string{"policy", "test", "-v", "release"}, 0, ""},
		{"release-gate", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=release", "--policy-config=release/policy.yaml", "app.tar.gz"}, 0, ""},
		{"release-gate-no-config", []string{"verify", "--bundle=good.intoto.jsonl", key, "--policy=release", "app.tar.gz"}, 2, ""},
		{"chain", []string{"policy", "init", "--from=chain.intoto.jsonl", key, "--out=chain"}, 0, "chain"},
		{"chain-gate", []string{"verify", "--bundle=chain.intoto.jsonl", key, "--policy=chain", "--policy-config=chain/policy.yaml", "app.tar.gz"}, 0, ""},
		{"chain-gate-rogue", []string{"verify", "--bundle=rogue.intoto.jsonl", key, "--policy=chain", "--policy-config=chain/policy.yaml", "app.tar.gz"}, 1, ""},
		{"json", []string{"policy", "init", "--from=good.intoto.jsonl", key, "--out=release", "--force", "--format=json", "app.tar.gz"}, 0, ""},
		{"exists", []string{"policy", "init", "--from=good.intoto.jsonl", key, "--out=taken", "app.tar.gz"}, 2, ""},
		{"symlink-out", []string{"policy", "init", "--from=good.intoto.jsonl", key, "--out=linked", "app.tar.gz"}, 2, ""},
		{"untrusted-key", []string{"policy", "init", "--from=good.intoto.jsonl", "--key=other-ed25519-test-only.pub", "--out=other", "app.tar.gz"}, 1, ""},
		{"tampered-artifact", []string{"policy", "init", "--from=good.intoto.jsonl", key, "--out=other", "tampered.tar.gz"}, 1, ""},
		{"no-trust", []string{"policy", "init", "--from=good.intoto.jsonl", "--out=other"}, 2, ""},
		{"no-out", []string{"policy", "init", "--from=good.intoto.jsonl", key}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.args...)
			goldenRun(t, f.pkgDir, filepath.Join("policy-init", tt.name+".golden"), r, tt.wantCode)
			if tt.files == "" {
				return
			}
			for _, n := range []string{"policy.rego", "policy_test.rego", "policy.yaml"} {
				b, err := os.ReadFile(filepath.Join(tt.files, n))
				if err != nil {
					t.Fatal(err)
				}
				golden(t, f.pkgDir, filepath.Join("policy-init", tt.files, n), string(b))
			}
		})
	}
	// Nothing was written where it was refused.
	if b, err := os.ReadFile("taken/policy.yaml"); err != nil || string(b) != "mine\n" {
		t.Errorf("taken/policy.yaml = %q, %v; want it untouched", b, err)
	}
	for _, dir := range []string{"other", "taken/policy.rego"} {
		if _, err := os.Lstat(dir); err == nil {
			t.Errorf("%s was written", dir)
		}
	}
	if entries, _ := os.ReadDir("linked"); len(entries) > 0 {
		t.Errorf("files were written through the link: %v", entries)
	}
}

// signSLSA signs an SLSA provenance v1 statement of pred for arts.
func (f *fixture) signSLSA(t *testing.T, signer attest.Signer, arts []digest.Artifact, pred map[string]any) *attest.Envelope {
	t.Helper()
	b, err := json.Marshal(pred)
	if err != nil {
		t.Fatal(err)
	}
	st, err := provenance.NewGenericStatement(arts, provenance.PredicateSLSAv1, b)
	if err != nil {
		t.Fatal(err)
	}
	return f.sign(t, signer, st)
}

// runPredicate is the predicate provenant run writes for step name, with
// its materials (resolvedDependencies).
func runPredicate(name string, materials []any) map[string]any {
	return map[string]any{
		"buildDefinition": map[string]any{
			"buildType":            "https://github.com/provenant/provenant/blob/main/docs/buildtypes/run-v1.md",
			"externalParameters":   map[string]any{"step": name},
			"resolvedDependencies": materials,
		},
		"runDetails": map[string]any{"builder": map[string]any{"id": "https://ci.example.com/builder"}},
	}
}
