package vsacache_test

import (
	"context"
	"fmt"
	"os"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/vsacache"
	"github.com/provenant/provenant/provenance"
)

// key makes a fresh Ed25519 key pair.
func key() (attest.Signer, *attest.PublicKey) {
	privPEM, pubPEM, err := attest.GenerateKey(attest.Ed25519)
	if err != nil {
		panic(err)
	}
	s, err := attest.ParseSigner(privPEM)
	if err != nil {
		panic(err)
	}
	p, err := attest.ParsePublicKey(pubPEM)
	if err != nil {
		panic(err)
	}
	return s, p
}

// Verify a release twice through a cache in a directory: the first run
// verifies and writes a VSA per artifact, the second uses them.
func Example() {
	ctx := context.Background()
	releaseSigner, releaseKey := key()
	gateSigner, gateKey := key()
	const predicateType = "https://example.com/tested/v1"
	app := digest.Artifact{Name: "app", Digests: digest.Set{"sha256": "a4c6e70b90fd263c324cc0f892345b9f3b003c95d06117d23bffeb3049fbac88"}}
	st, err := provenance.NewGenericStatement([]digest.Artifact{app}, predicateType, []byte(`{"tests":"passed"}`))
	if err != nil {
		panic(err)
	}
	env, err := attest.SignStatement(ctx, st, releaseSigner)
	if err != nil {
		panic(err)
	}
	line, err := attest.MarshalEnvelope(env)
	if err != nil {
		panic(err)
	}
	entries := attest.DefaultLimits().ParseLine(attest.Source{File: "app.intoto.jsonl", Line: 1}, line)
	v, err := policy.NewVerifier(policy.WithKeys(releaseKey))
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "vsa-cache")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	cache, err := vsacache.New(vsacache.Dir(dir, attest.Limits{}), []*attest.PublicKey{gateKey}, "https://ci.example.com/gate", vsacache.WithSigner(gateSigner))
	if err != nil {
		panic(err)
	}
	for _, run := range []string{"cold", "warm"} {
		r, st, err := cache.Verify(ctx, v, entries, []policy.Input{{Name: app.Name, Digests: app.Digests}}, policy.WithPredicateType(predicateType))
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: allowed %v, %d hit(s), %d miss(es), %d written, from cache: %v\n", run, r.Allowed, st.Hits, st.Misses, st.Written, r.Artifacts[0].Cache != nil)
	}
	// Output:
	// cold: allowed true, 0 hit(s), 1 miss(es), 1 written, from cache: false
	// warm: allowed true, 1 hit(s), 0 miss(es), 0 written, from cache: true
}
