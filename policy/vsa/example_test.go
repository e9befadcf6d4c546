package vsa_test

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/vsa"
)

// A release gate signs a VSA for each artifact of an allowed report; a
// deployer later checks the VSA alone, as slsa-verifier's verify-vsa does.
func ExampleEnvelopes() {
	ctx := context.Background()
	privPEM, pubPEM, err := attest.GenerateKey(attest.Ed25519)
	if err != nil {
		panic(err)
	}
	gate, err := attest.ParseSigner(privPEM)
	if err != nil {
		panic(err)
	}
	gateKey, err := attest.ParsePublicKey(pubPEM)
	if err != nil {
		panic(err)
	}
	const sha = "a4c6e70b90fd263c324cc0f892345b9f3b003c95d06117d23bffeb3049fbac88"
	// The report of an allowed policy.Verifier.Verify call, whose
	// builtin:slsa policy found SLSA Build L2.
	level := 2
	r := &policy.Report{Allowed: true, Artifacts: []policy.Artifact{{Name: "app.tar.gz", Allowed: true, Digests: map[string]string{"sha256": sha}, SLSABuildLevel: &level}}}
	envs, err := vsa.Envelopes(ctx, r, vsa.Request{Signer: gate, VerifierID: "https://ci.example.com/gate", Time: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		panic(err)
	}
	var bundle bytes.Buffer
	for _, e := range envs {
		line, err := attest.MarshalEnvelope(e)
		if err != nil {
			panic(err)
		}
		bundle.Write(append(line, '\n'))
	}

	entries, err := attest.ReadBundle(&bundle, "app.vsa.jsonl")
	if err != nil {
		panic(err)
	}
	out, ok, err := vsa.Verify(ctx, entries, vsa.Check{
		Keys:           []*attest.PublicKey{gateKey},
		SubjectDigests: []string{"sha256:" + sha},
		VerifierID:     "https://ci.example.com/gate",
		ResourceURI:    "app.tar.gz",
		Levels:         []string{"SLSA_BUILD_LEVEL_2"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(out[0].Source, "verified:", ok, out[0].Error)
	// Output:
	// app.vsa.jsonl:1 verified: true
}
