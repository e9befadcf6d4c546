package vsa

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// TestVerifyVSAVector: ../shared/vectors/slsa-vsa reaches slsa-verifier's
// verify-vsa verdicts.
func TestVerifyVSAVector(t *testing.T) {
	dir := attesttest.Vectors(t, "slsa-vsa")
	key, err := attest.LoadPublicKey(filepath.Join(dir, "vsa_signing_public_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := attest.ReadBundleFile(filepath.Join(dir, "gke-gce-pre.bcid-vsa.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	base := func() Check {
		return Check{
			Keys:           []*attest.PublicKey{key},
			KeyID:          "keystore://76574:prod:vsa_signing_public_key",
			SubjectDigests: []string{"gce_image_id:8970095005306000053"},
			VerifierID:     "https://bcid.corp.google.com/verifier/bcid_package_enforcer/v0.1",
			ResourceURI:    "gce_image://gke-node-images:gke-12615-gke1418000-cos-101-17162-463-29-c-cgpv1-pre",
			Levels:         []string{"BCID_L1", "SLSA_BUILD_LEVEL_2"},
		}
	}
	for _, c := range []struct {
		name   string
		change func(*Check)
		pass   bool
	}{
		{"as published", func(*Check) {}, true},
		{"no key id (a hint)", func(c *Check) { c.KeyID = "" }, true},
		{"lower SLSA level", func(c *Check) { c.Levels = []string{"SLSA_BUILD_LEVEL_1"} }, true},
		{"another key id", func(c *Check) { c.KeyID = "keystore://76574:prod:other" }, false},
		{"another digest", func(c *Check) { c.SubjectDigests = []string{"gce_image_id:1"} }, false},
		{"one digest of two missing", func(c *Check) { c.SubjectDigests = append(c.SubjectDigests, "sha256:00") }, false},
		{"higher SLSA level", func(c *Check) { c.Levels = []string{"SLSA_BUILD_LEVEL_3"} }, false},
		{"another level", func(c *Check) { c.Levels = []string{"BCID_L2"} }, false},
		{"another verifier", func(c *Check) { c.VerifierID = "https://example.com/v" }, false},
		{"another resource", func(c *Check) { c.ResourceURI = "gce_image://other" }, false},
		{"another key", func(c *Check) { c.Keys = []*attest.PublicKey{provenancetest.NewKey(t, attest.ECDSAP256).Public} }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			chk := base()
			c.change(&chk)
			_, ok, err := Verify(context.Background(), entries, chk)
			if err != nil {
				t.Fatal(err)
			}
			if ok != c.pass {
				t.Errorf("verdict = %v, want %v", ok, c.pass)
			}
		})
	}
	chk := base()
	chk.SubjectDigests = nil
	if _, _, err := Verify(context.Background(), entries, chk); err == nil {
		t.Error("no digest at all was accepted")
	}
}

// TestVerifyVSAStatementRule: items 12 and 13 of issue 13. verify-vsa
// reads a VSA with the statement acceptance rule of verify: a VSA that
// spells predicateType as the protobuf field name (which protojson reads
// as predicateType, the map view not at all), or carries a case variant
// of _type, is refused with verify's message.
func TestVerifyVSAStatementRule(t *testing.T) {
	k := provenancetest.SeededKeys(t, 2)[0]
	const (
		d    = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		good = `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}],` +
			`"predicateType":"https://slsa.dev/verification_summary/v1","predicate":{"verifier":{"id":"https://v"},"resourceUri":"r","verificationResult":"PASSED","verifiedLevels":["SLSA_BUILD_LEVEL_2"]}}`
	)
	chk := Check{Keys: []*attest.PublicKey{k.Public}, SubjectDigests: []string{d}, VerifierID: "https://v", ResourceURI: "r", Levels: []string{"SLSA_BUILD_LEVEL_2"}}
	for _, c := range []struct{ name, payload, want string }{
		{"as the spec spells it", good, ""},
		{"predicate_type", strings.Replace(good, `"predicateType"`, `"predicate_type"`, 1), `statement: member "predicate_type" is not in the in-toto Statement v1 spec (the spec spells it "predicateType")`},
		{"_TYPE beside _type", strings.Replace(good, `{"_type"`, `{"_TYPE":"https://in-toto.io/Statement/v0.1","_type"`, 1), `statement: member "_TYPE" is not in`},
		{"uppercase digest", strings.Replace(good, "e3b0c442", "E3B0C442", 1), `statement: subject[0]: digest sha256 "E3B0C442`},
	} {
		t.Run(c.name, func(t *testing.T) {
			outs, ok, err := Verify(context.Background(), provenancetest.Entries(t, provenancetest.Line(t, attest.PayloadType, []byte(c.payload), k)), chk)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == "" {
				if !ok {
					t.Errorf("verdict = false (%+v), want true", outs)
				}
				return
			}
			if ok || len(outs) != 1 || !strings.Contains(outs[0].Error, c.want) {
				t.Errorf("verdict = %v, %+v, want refused with %q", ok, outs, c.want)
			}
		})
	}
}

// TestVerifyVSAsRefusesCertificates: verify-vsa trusts the verifier's
// keys only; a keyless (certificate) bundle is refused with that reason,
// not with advice about a trusted root verify-vsa does not take.
func TestVerifyVSAsRefusesCertificates(t *testing.T) {
	stranger, _ := attesttest.StrangerBundle(t)
	k := provenancetest.SeededKeys(t, 2)
	es := provenancetest.Entries(t, stranger)
	out, ok, err := Verify(context.Background(), es, Check{Keys: []*attest.PublicKey{k[0].Public}, SubjectDigests: []string{"sha256:" + strings.Repeat("0", 64)},
		VerifierID: "https://v", ResourceURI: "r", Levels: []string{"SLSA_BUILD_LEVEL_1"}})
	if err != nil {
		t.Fatal(err)
	}
	if ok || len(out) != 1 || !strings.Contains(out[0].Error, "signed with a certificate (keyless); a VSA is trusted only by its verifier's keys") {
		t.Errorf("Verify(keyless bundle) = %+v, %v", out, ok)
	}
}
