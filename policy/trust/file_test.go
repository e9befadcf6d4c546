package trust

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// testKeys returns four Ed25519 public keys.
func testKeys(t testing.TB) []*attest.PublicKey {
	t.Helper()
	return provenancetest.Publics(provenancetest.SeededKeys(t, 4)...)
}

// trustDir writes the test keys as k0.pub .. k3.pub and the trust file,
// and returns the trust file's path.
func trustDir(t *testing.T, yaml string) string {
	t.Helper()
	return provenancetest.TrustDir(t, yaml, testKeys(t)...)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown top-level field", "keys:\n  - id: a\n    path: k0.pub\nthresold: 1\n", `trust.yaml:4: trust file: unknown field "thresold"`},
		{"unknown key field", "keys:\n  - id: a\n    path: k0.pub\n    validFor: 3\n", `trust.yaml:4: keys[0]: unknown field "validFor"`},
		{"bad date", "keys:\n  - id: a\n    path: k0.pub\n    validFrom: 2025-13-01\n", `trust.yaml:4: keys[0].validFrom "2025-13-01" is not an RFC 3339 time`},
		{"date without time", "keys:\n  - id: a\n    path: k0.pub\n    validUntil: 2025-01-01\n", `trust.yaml:4: keys[0].validUntil "2025-01-01" is not an RFC 3339 time`},
		{"missing key file", "keys:\n  - id: a\n    path: k0.pub\n  - id: b\n    path: nope.pub\n", `trust.yaml:4: key "b": `},
		{"no id", "keys:\n  - path: k0.pub\n", `trust.yaml:2: keys[0] has no id`},
		{"no path", "keys:\n  - id: a\n", `trust.yaml:2: key "a" has no path`},
		{"duplicate id", "keys:\n  - id: a\n    path: k0.pub\n  - id: a\n    path: k1.pub\n", `trust.yaml:4: key "a" is listed twice (first at `},
		{"same key twice", "keys:\n  - id: a\n    path: k0.pub\n  - id: b\n    path: k0.pub\n", `trust.yaml:4: key "b" is the same key as "a"`},
		{"window backwards", "keys:\n  - id: a\n    path: k0.pub\n    validFrom: 2025-01-01T00:00:00Z\n    validUntil: 2024-01-01T00:00:00Z\n", `trust.yaml:2: key "a": validFrom 2025-01-01T00:00:00Z is not before validUntil`},
		{"revoked not bool", "keys:\n  - id: a\n    path: k0.pub\n    revoked: maybe\n", `trust.yaml:4: keys[0].revoked must be true or false`},
		{"threshold zero", "keys:\n  - id: a\n    path: k0.pub\nthreshold: 0\n", `trust.yaml:4: threshold must be a whole number of at least 1`},
		{"threshold too high", "keys:\n  - id: a\n    path: k0.pub\n  - id: b\n    path: k1.pub\n    revoked: true\nthreshold: 2\n", `trust.yaml:1: threshold 2 is more than the 1 key(s) that are not revoked`},
		{"no keys", "threshold: 1\n", `trust.yaml:1: no keys`},
		{"empty", "", `trust.yaml:1: empty trust file`},
		{"not yaml", "keys: [\n", `trust.yaml:1: did not find expected node content`},
		{"step unknown key", "keys:\n  - id: a\n    path: k0.pub\nsteps:\n  build:\n    keys: [a, ci]\n", `trust.yaml:6: step "build": no key with id "ci" in keys`},
		{"step threshold too high", "keys:\n  - id: a\n    path: k0.pub\nsteps:\n  build:\n    keys: [a]\n    threshold: 2\n", `trust.yaml:6: step "build": threshold 2 is more than its 1 key(s)`},
		{"step unknown field", "keys:\n  - id: a\n    path: k0.pub\nsteps:\n  build:\n    key: [a]\n", `trust.yaml:6: step "build": unknown field "key"`},
		{"step no keys", "keys:\n  - id: a\n    path: k0.pub\nsteps:\n  build:\n    threshold: 1\n", `trust.yaml:6: step "build" has no keys`},
		{"builder that signs only keyless", "keys:\n  - id: a\n    path: k0.pub\n    builders: [https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml]\n", `trust.yaml:4: keys[0].builders: https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml signs only with Sigstore certificates`},
		{"GitHub runner as a key's builder", "keys:\n  - id: a\n    path: k0.pub\n    builders: [https://github.com/actions/runner/github-hosted]\n", `trust.yaml:4: keys[0].builders: https://github.com/actions/runner/github-hosted signs only with Sigstore certificates`},
		{"builders empty", "keys:\n  - id: a\n    path: k0.pub\n    builders: []\n", `trust.yaml:4: keys[0].builders must be a non-empty list of builder ids`},
		{"builder twice", "keys:\n  - id: a\n    path: k0.pub\n    builders: [https://b, https://b]\n", `trust.yaml:4: keys[0].builders: "https://b" is listed twice`},
		{"duplicate field", "keys:\n  - id: a\n    path: k0.pub\n    path: k1.pub\n", `trust.yaml:4: `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := trustDir(t, tt.yaml)
			_, err := Load(path)
			if err == nil {
				t.Fatalf("LoadTrust = nil error, want %q", tt.want)
			}
			if !errors.Is(err, ErrFile) {
				t.Errorf("LoadTrust error %v does not wrap ErrFile", err)
			}
			got := strings.ReplaceAll(err.Error(), filepath.Dir(path)+string(filepath.Separator), "")
			got = strings.TrimPrefix(got, "trust file: ")
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("LoadTrust error = %q, want prefix %q", got, tt.want)
			}
			if strings.Contains(got, "\n") {
				t.Errorf("LoadTrust error has more than one line: %q", got)
			}
		})
	}
}

func TestParse(t *testing.T) {
	path := trustDir(t, `keys:
  - id: current
    path: k0.pub
    validFrom: 2025-01-01T00:00:00Z
  - id: retired
    path: k1.pub
    validFrom: 2019-01-01T00:00:00Z
    validUntil: 2020-01-01T00:00:00Z
  - id: revoked
    path: k2.pub
    revoked: true
threshold: 1
steps:
  release:
    keys: [current, retired]
    threshold: 2
`)
	tr, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	k := testKeys(t)
	if len(tr.Keys) != 3 || tr.Keys[0].Name != "current" || tr.Keys[0].KeyID != k[0].ID {
		t.Fatalf("keys = %+v, want current, retired, revoked with the computed key ids", tr.Keys)
	}
	if got, want := tr.Keys[1].ValidUntil, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("retired validUntil = %v, want %v", got, want)
	}
	if !tr.Keys[2].Revoked || tr.Keys[0].Revoked {
		t.Errorf("revoked flags = %v %v, want false true", tr.Keys[0].Revoked, tr.Keys[2].Revoked)
	}
	if r := tr.Steps["release"]; r == nil || r.Threshold != 2 || len(r.KeyIDs) != 2 || r.Source != path+":14" {
		t.Errorf("release rule = %+v, want 2 of current, retired at %s:14", r, path)
	}
}
