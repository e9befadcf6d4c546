package provenancetest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/provenance"
)

// Attestation describes a statement to sign, as the cases of
// testdata/cases write one.
type Attestation struct {
	Subjects      []string       `yaml:"subjects"` // artifact names; see ArtifactDigests
	PredicateType string         `yaml:"predicateType"`
	Builder       string         `yaml:"builder"`
	Predicate     map[string]any `yaml:"predicate"`
	// Untrusted asks the test to sign with a key the verifier does not
	// trust; Statement does not look at it.
	Untrusted bool `yaml:"untrusted"`
}

// ArtifactDigests is the digest set of the test artifact name, a file
// holding its name and a newline.
func ArtifactDigests(name string) digest.Set {
	d, _ := digest.Reader(strings.NewReader(name+"\n"), digest.SHA256)
	return d
}

// Statement builds the statement a describes: about its subjects (with
// ArtifactDigests), of its predicate type (SLSA provenance v1 when
// empty), with its predicate or else SLSA provenance v1 whose builder is
// a.Builder (https://ci.example.com/builder when empty).
func Statement(t testing.TB, a Attestation) *attest.Statement {
	t.Helper()
	arts := make([]digest.Artifact, len(a.Subjects))
	for i, s := range a.Subjects {
		arts[i] = digest.Artifact{Name: s, Digests: ArtifactDigests(s)}
	}
	pt := a.PredicateType
	if pt == "" {
		pt = provenance.PredicateSLSAv1
	}
	pred := a.Predicate
	if pred == nil {
		builder := a.Builder
		if builder == "" {
			builder = "https://ci.example.com/builder"
		}
		pred = map[string]any{
			"buildDefinition": map[string]any{
				"buildType":          "https://example.com/buildtype/v1",
				"externalParameters": map[string]any{"source": "git+https://github.com/example/app@refs/heads/main"},
			},
			"runDetails": map[string]any{"builder": map[string]any{"id": builder}},
		}
	}
	data, err := json.Marshal(pred)
	if err != nil {
		t.Fatal(err)
	}
	st, err := provenance.NewGenericStatement(arts, pt, data)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
