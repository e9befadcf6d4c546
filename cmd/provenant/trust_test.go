package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// trustFixture adds step statements and trust files to the verify
// fixture. Windows are in 2019-2020 (always past) and 2099 (always
// future), so the goldens do not depend on the clock.
func trustFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	load := func(name string) attest.Signer {
		s, err := attest.LoadSigner(filepath.Join(f.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ed, other, ec := load("ed25519-test-only.key"), load("other-ed25519-test-only.key"), load("ecdsa-p256-test-only.key")
	arts := f.hash(t, "app.tar.gz")
	stepStatement := func(step string) *attest.Statement {
		ext, err := structpb.NewStruct(map[string]any{"step": step, "source": "git+https://github.com/example/app@refs/tags/v1.0.0"})
		if err != nil {
			t.Fatal(err)
		}
		st, err := provenance.NewStatement(arts, &slsa1.Provenance{
			BuildDefinition: &slsa1.BuildDefinition{BuildType: provenance.BuildTypeAttest, ExternalParameters: ext},
			RunDetails:      &slsa1.RunDetails{Builder: &slsa1.Builder{Id: "https://ci.example.com/builders/release@v1"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	multi := func(st *attest.Statement, ss ...attest.Signer) *attest.Envelope {
		env, err := attest.SignStatement(context.Background(), st, ss...)
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	f.writeLines(t, "by-other.intoto.jsonl", f.sign(t, other, stepStatement("package")))
	f.writeLines(t, "release-two.intoto.jsonl", multi(stepStatement("release"), ed, ec))
	f.writeLines(t, "release-one.intoto.jsonl", multi(stepStatement("release"), ed))
	if err := os.Mkdir(filepath.Join(f.dir, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"ed25519-test-only.pub", "other-ed25519-test-only.pub", "ecdsa-p256-test-only.pub"} {
		f.write(t, "keys/"+k, readFile(t, filepath.Join(f.dir, k)))
	}
	f.write(t, "trust.yaml", `keys:
  - id: current
    path: keys/ed25519-test-only.pub
    validFrom: 2025-01-01T00:00:00Z
  - id: retired
    path: keys/other-ed25519-test-only.pub
    validFrom: 2019-01-01T00:00:00Z
    validUntil: 2020-01-01T00:00:00Z
threshold: 1
`)
	f.write(t, "revoked.yaml", `keys:
  - id: current
    path: keys/ed25519-test-only.pub
    revoked: true
  - id: spare
    path: keys/ecdsa-p256-test-only.pub
`)
	f.write(t, "future.yaml", `keys:
  - id: next
    path: keys/ed25519-test-only.pub
    validFrom: 2099-01-01T00:00:00Z
`)
	f.write(t, "steps.yaml", `keys:
  - id: alice
    path: keys/ed25519-test-only.pub
  - id: bob
    path: keys/other-ed25519-test-only.pub
  - id: carol
    path: keys/ecdsa-p256-test-only.pub
steps:
  release:
    keys: [alice, carol, bob]
    threshold: 2
  package:
    keys: [alice]
`)
	f.write(t, "unknown-field.yaml", "keys:\n  - id: a\n    path: keys/ed25519-test-only.pub\n    expires: 2020-01-01T00:00:00Z\n")
	f.write(t, "bad-date.yaml", "keys:\n  - id: a\n    path: keys/ed25519-test-only.pub\n    validUntil: 2020-02-30T00:00:00Z\n")
	// Keys whose securesystemslib JSON form claims a keyid that is not
	// theirs (issue 13, item 3): the attacker's key claims alice's id, and
	// alice's revoked key claims another one.
	alice, err := attest.LoadPublicKey(filepath.Join(f.dir, "ed25519-test-only.pub"))
	if err != nil {
		t.Fatal(err)
	}
	attacker, err := attest.LoadPublicKey(filepath.Join(f.dir, "other-ed25519-test-only.pub"))
	if err != nil {
		t.Fatal(err)
	}
	f.write(t, "attacker-claims-alice.json", string(provenancetest.SSLibKey(t, attacker, alice.ID)))
	f.write(t, "alice-other-keyid.json", string(provenancetest.SSLibKey(t, alice, strings.Repeat("ab", 32))))
	f.write(t, "missing-key.yaml", "keys:\n  - id: a\n    path: keys/ed25519-test-only.pub\n  - id: gone\n    path: keys/gone.pub\n")
	return f
}

func TestVerifyTrustGolden(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"ok", []string{"--trust=trust.yaml", "--bundle=good.intoto.jsonl"}, 0},
		{"ok-json", []string{"--format=json", "--trust=trust.yaml", "--bundle=good.intoto.jsonl"}, 0},
		{"denied-expired", []string{"--trust=trust.yaml", "--bundle=by-other.intoto.jsonl"}, 1},
		{"denied-revoked", []string{"--trust=revoked.yaml", "--bundle=good.intoto.jsonl"}, 1},
		{"denied-revoked-with-key", []string{"--trust=revoked.yaml", "--key=ed25519-test-only.pub", "--bundle=good.intoto.jsonl"}, 1},
		{"denied-not-yet-valid", []string{"--trust=future.yaml", "--bundle=good.intoto.jsonl"}, 1},
		{"ok-expired-but-key-flag", []string{"--trust=trust.yaml", "--key=other-ed25519-test-only.pub", "--bundle=by-other.intoto.jsonl"}, 0},
		{"ok-step-two-of-three", []string{"--trust=steps.yaml", "--bundle=release-two.intoto.jsonl"}, 0},
		{"denied-step-one-of-three", []string{"--trust=steps.yaml", "--bundle=release-one.intoto.jsonl"}, 1},
		{"denied-step-wrong-signer", []string{"--trust=steps.yaml", "--bundle=by-other.intoto.jsonl"}, 1},
		{"ok-sigstore-current", []string{"--trust=trust.yaml", "--bundle=current.sigstore.json"}, 0},
		{"denied-sigstore-expired", []string{"--trust=trust.yaml", "--bundle=retired.sigstore.json"}, 1},
		{"usage-threshold-conflict", []string{"--trust=trust.yaml", "--threshold=2", "--bundle=good.intoto.jsonl"}, 2},
		{"denied-step-keyid-claimed", []string{"--trust=steps.yaml", "--key=attacker-claims-alice.json", "--bundle=by-other.intoto.jsonl"}, 1},
		{"denied-revoked-under-another-keyid", []string{"--trust=revoked.yaml", "--key=alice-other-keyid.json", "--bundle=good.intoto.jsonl"}, 1},
		{"input-unknown-field", []string{"--trust=unknown-field.yaml", "--bundle=good.intoto.jsonl"}, 2},
		{"input-bad-date", []string{"--trust=bad-date.yaml", "--bundle=good.intoto.jsonl"}, 2},
		{"input-missing-key-file", []string{"--trust=missing-key.yaml", "--bundle=good.intoto.jsonl"}, 2},
		{"input-missing-trust-file", []string{"--trust=nope.yaml", "--bundle=good.intoto.jsonl"}, 2},
	}
	f := trustFixture(t)
	t.Chdir(f.dir)
	setClock(t, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	// Keyed Sigstore bundles without a log entry or timestamp: judged at
	// verification time too.
	for _, sb := range []struct{ key, out string }{{"ed25519-test-only.key", "current.sigstore.json"}, {"other-ed25519-test-only.key", "retired.sigstore.json"}} {
		if r := runCLI(t, "", "attest", "--key="+sb.key, "--bundle-format=sigstore", "--bundle="+sb.out, "app.tar.gz"); r.code != 0 {
			t.Fatalf("attest --bundle-format sigstore: %s", r.stderr)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", append(append([]string{"verify"}, tt.args...), "app.tar.gz")...)
			if strings.Contains(r.stderr, "panic") {
				t.Errorf("stderr has a panic:\n%s", r.stderr)
			}
			oneLineStderr(t, r)
			goldenRun(t, f.pkgDir, filepath.Join("trust", tt.name+".golden"), r, tt.wantCode)
		})
	}
}

// setClock fixes verify's clock for one test.
func setClock(t *testing.T, at time.Time) {
	t.Helper()
	old := verifyNow
	verifyNow = func() time.Time { return at }
	t.Cleanup(func() { verifyNow = old })
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
