package policy_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/rules"
	"github.com/provenant/provenant/provenance"
)

// bundleFor signs SLSA provenance for content as a build step would, and
// returns the bundle's entries and the key that verifies them.
func bundleFor(content string) ([]attest.Entry, *attest.PublicKey) {
	ctx := context.Background()
	privPEM, pubPEM, err := attest.GenerateKey(attest.Ed25519)
	if err != nil {
		panic(err)
	}
	signer, err := attest.ParseSigner(privPEM)
	if err != nil {
		panic(err)
	}
	pub, err := attest.ParsePublicKey(pubPEM)
	if err != nil {
		panic(err)
	}
	d, err := digest.Reader(strings.NewReader(content), digest.SHA256)
	if err != nil {
		panic(err)
	}
	st, err := provenance.NewAttestStatement([]digest.Artifact{{Name: "app.tar.gz", Digests: d}},
		provenance.AttestOptions{Source: "git+https://github.com/example/app@refs/tags/v1.0.0"})
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
	entries, err := attest.ReadBundle(strings.NewReader(string(line)+"\n"), "app.intoto.jsonl")
	if err != nil {
		panic(err)
	}
	return entries, pub
}

// Gate a release in a few lines: the verifier gets the trust material
// once (the release key), each call its expectations (the source, a Rego
// policy: here the built-in SLSA policy, at level 1).
func Example() {
	ctx := context.Background()
	entries, releaseKey := bundleFor("an app\n")

	v, err := policy.NewVerifier(policy.WithKeys(releaseKey))
	if err != nil {
		panic(err)
	}
	slsa, err := rules.LoadPolicies(ctx, []string{"builtin:slsa"},
		rules.WithPolicyData(map[string]any{"slsa": map[string]any{"level": 1}}))
	if err != nil {
		panic(err)
	}
	app, err := digest.Reader(strings.NewReader("an app\n"), digest.SHA256)
	if err != nil {
		panic(err)
	}
	r, err := v.Verify(ctx, entries, []policy.Input{{Name: "app.tar.gz", Digests: app}},
		policy.WithSourceURI("github.com/example/app"), policy.WithPolicies(slsa))
	if err != nil {
		panic(err)
	}
	a := r.Artifacts[0]
	fmt.Println(a.Name, "allowed:", r.Allowed, "SLSA build level:", *a.SLSABuildLevel)
	// Output:
	// app.tar.gz allowed: true SLSA build level: 1
}

// A denial says which attestation and which check: here the artifact is
// not the one attested, and the same verifier is asked for another source.
func ExampleVerifier_Verify_denied() {
	ctx := context.Background()
	entries, releaseKey := bundleFor("an app\n")
	v, err := policy.NewVerifier(policy.WithKeys(releaseKey))
	if err != nil {
		panic(err)
	}
	other, err := digest.Reader(strings.NewReader("another app\n"), digest.SHA256)
	if err != nil {
		panic(err)
	}
	app, err := digest.Reader(strings.NewReader("an app\n"), digest.SHA256)
	if err != nil {
		panic(err)
	}
	r, err := v.Verify(ctx, entries, []policy.Input{{Name: "other.tar.gz", Digests: other}})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Allowed, strings.Split(r.Artifacts[0].Reasons[0], " (")[0])
	r, err = v.Verify(ctx, entries, []policy.Input{{Name: "app.tar.gz", Digests: app}}, policy.WithSourceURI("github.com/example/fork"))
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Allowed, r.Artifacts[0].Reasons[0])
	// Output:
	// false no verified attestation names this artifact
	// false app.intoto.jsonl:1: source is "git+https://github.com/example/app@refs/tags/v1.0.0", want "github.com/example/fork"
}

// VerifyEntry judges one entry for one artifact; without ForArtifact it
// verifies nothing unless asked, by name, to skip the artifact.
func ExampleVerifier_VerifyEntry() {
	ctx := context.Background()
	entries, releaseKey := bundleFor("an app\n")
	v, err := policy.NewVerifier(policy.WithKeys(releaseKey))
	if err != nil {
		panic(err)
	}
	app, err := digest.Reader(strings.NewReader("an app\n"), digest.SHA256)
	if err != nil {
		panic(err)
	}
	a := v.VerifyEntry(ctx, entries[0], policy.ForArtifact(sigstore.Artifact{Digests: app}))
	fmt.Println(a.Source, a.Verified, a.Provenance.BuilderID)
	a = v.VerifyEntry(ctx, entries[0])
	fmt.Println(a.Verified, a.Err)
	// Output:
	// app.intoto.jsonl:1 true urn:provenant:builder:local
	// false no artifact to check the entry against
}
