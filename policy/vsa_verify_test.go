package policy

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/provenant/provenant/attest"
)

// TestVerifyVSAVector: ../shared/vectors/slsa-vsa reaches slsa-verifier's
// verify-vsa verdicts.
func TestVerifyVSAVector(t *testing.T) {
	dir := filepath.Join(vectorsDir(t), "slsa-vsa")
	key, err := attest.LoadPublicKey(filepath.Join(dir, "vsa_signing_public_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := attest.ReadBundleFile(filepath.Join(dir, "gke-gce-pre.bcid-vsa.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	base := func() VSACheck {
		return VSACheck{
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
		change func(*VSACheck)
		pass   bool
	}{
		{"as published", func(*VSACheck) {}, true},
		{"no key id (a hint)", func(c *VSACheck) { c.KeyID = "" }, true},
		{"lower SLSA level", func(c *VSACheck) { c.Levels = []string{"SLSA_BUILD_LEVEL_1"} }, true},
		{"another key id", func(c *VSACheck) { c.KeyID = "keystore://76574:prod:other" }, false},
		{"another digest", func(c *VSACheck) { c.SubjectDigests = []string{"gce_image_id:1"} }, false},
		{"one digest of two missing", func(c *VSACheck) { c.SubjectDigests = append(c.SubjectDigests, "sha256:00") }, false},
		{"higher SLSA level", func(c *VSACheck) { c.Levels = []string{"SLSA_BUILD_LEVEL_3"} }, false},
		{"another level", func(c *VSACheck) { c.Levels = []string{"BCID_L2"} }, false},
		{"another verifier", func(c *VSACheck) { c.VerifierID = "https://example.com/v" }, false},
		{"another resource", func(c *VSACheck) { c.ResourceURI = "gce_image://other" }, false},
		{"another key", func(c *VSACheck) { c.Keys = []*attest.PublicKey{otherTestKey(t)} }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			chk := base()
			c.change(&chk)
			_, ok, err := VerifyVSAs(context.Background(), entries, chk)
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
	if _, _, err := VerifyVSAs(context.Background(), entries, chk); err == nil {
		t.Error("no digest at all was accepted")
	}
}

func otherTestKey(t *testing.T) *attest.PublicKey {
	t.Helper()
	_, pub, err := attest.GenerateKey(attest.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	k, err := attest.ParsePublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
