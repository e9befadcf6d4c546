package inspect_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/policy/inspect"
	"github.com/provenant/provenant/provenance"
)

// Open a bundle as an auditor: every envelope with the verifier's verdict
// (here: one signed by the trusted key, one by a stranger), what it
// claims, and the build chain. inspect.Render writes the same report as a
// table, JSON, Markdown or HTML.
func ExampleNew() {
	ctx := context.Background()
	var bundle strings.Builder
	var trusted *attest.PublicKey
	for i, step := range []string{"build", "package"} {
		privPEM, pubPEM, err := attest.GenerateKey(attest.Ed25519)
		if err != nil {
			panic(err)
		}
		signer, err := attest.ParseSigner(privPEM)
		if err != nil {
			panic(err)
		}
		if i == 0 {
			if trusted, err = attest.ParsePublicKey(pubPEM); err != nil {
				panic(err)
			}
		}
		st, err := provenance.NewAttestStatement([]digest.Artifact{{Name: step + ".out", Digests: digest.Set{"sha256": strings.Repeat(fmt.Sprint(i), 64)}}},
			provenance.AttestOptions{ExtraParams: map[string]any{"step": step}})
		if err != nil {
			panic(err)
		}
		env, err := attest.SignStatement(ctx, st, signer)
		if err != nil {
			panic(err)
		}
		line, err := attest.MarshalEnvelope(env)
		if err != nil {
			panic(err)
		}
		bundle.Write(append(line, '\n'))
	}

	in, err := inspect.New(inspect.WithKeys(trusted))
	if err != nil {
		panic(err)
	}
	if err := in.Read(ctx, strings.NewReader(bundle.String()), "release.intoto.jsonl"); err != nil {
		panic(err)
	}
	r := in.Report()
	for _, e := range r.Envelopes {
		// The reason goes on to name the keyids signed with and trusted.
		reason, _, _ := strings.Cut(e.Reason, " (")
		fmt.Println(strings.TrimSpace(fmt.Sprintln(e.Source, e.Statement.Step, e.Status, reason)))
	}
	fmt.Printf("%d envelopes, %d verified, %d steps\n", r.Summary.Envelopes, r.Summary.Verified, r.Summary.Steps)
	// Output:
	// release.intoto.jsonl:1 build verified
	// release.intoto.jsonl:2 package failed no signature from a trusted key
	// 2 envelopes, 1 verified, 2 steps
}
