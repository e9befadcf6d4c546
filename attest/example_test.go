package attest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
)

// Sign an in-toto statement with a new key, write it as a bundle line, read
// the bundle back and verify it: signatures first, the payload after.
func Example() {
	ctx := context.Background()
	privPEM, pubPEM, err := attest.GenerateKey(attest.Ed25519)
	if err != nil {
		panic(err)
	}
	signer, _ := attest.ParseSigner(privPEM)
	trusted, _ := attest.ParsePublicKey(pubPEM)

	pred, _ := structpb.NewStruct(map[string]any{"note": "example"})
	st := &attest.Statement{
		Type: attest.StatementTypeV1,
		Subject: []*ita.ResourceDescriptor{{
			Name:   "app.tar.gz",
			Digest: map[string]string{"sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		}},
		PredicateType: "https://example.com/note/v1",
		Predicate:     pred,
	}
	env, err := attest.SignStatement(ctx, st, signer)
	if err != nil {
		panic(err)
	}
	line, _ := attest.MarshalEnvelope(env)

	entries, err := attest.ReadBundle(strings.NewReader(string(line)+"\n"), "app.intoto.jsonl")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		v, err := attest.VerifyEnvelope(ctx, e.Envelope, []*attest.PublicKey{trusted}, 1)
		if err != nil {
			fmt.Println(e.Source, err)
			continue
		}
		got, err := attest.ParseStatement(v.PayloadType, v.Payload)
		if err != nil {
			fmt.Println(e.Source, err)
			continue
		}
		fmt.Println(e.Source, "signed by", len(v.KeyIDs), "trusted key")
		fmt.Println(got.GetSubject()[0].GetName(), got.GetPredicateType())
	}
	// Output:
	// app.intoto.jsonl:1 signed by 1 trusted key
	// app.tar.gz https://example.com/note/v1
}

// A signature from a key that is not trusted does not count.
func ExampleVerifyEnvelope_untrusted() {
	ctx := context.Background()
	privPEM, _, _ := attest.GenerateKey(attest.ECDSAP256)
	_, otherPub, _ := attest.GenerateKey(attest.ECDSAP256)
	signer, _ := attest.ParseSigner(privPEM)
	other, _ := attest.ParsePublicKey(otherPub)

	env, _ := attest.SignPayload(ctx, attest.PayloadType, []byte("{}"), signer)
	_, err := attest.VerifyEnvelope(ctx, env, []*attest.PublicKey{other}, 1)
	fmt.Println(strings.SplitN(err.Error(), " (", 2)[0])
	// The error says which keyids the envelope carries and which keys
	// were trusted.
	te, _ := errors.AsType[*attest.ErrThreshold](err)
	fmt.Println(te.Got, len(te.KeyIDs), te.Trusted[0] == other.ID, strings.Contains(err.Error(), "trusted: "+other.ID))
	// Output:
	// no signature from a trusted key
	// 0 1 true true
}

// Bad input is a one-line error that says what is wrong.
func ExampleParseEnvelope() {
	for _, doc := range []string{
		`{"payloadType":"t","payload":"aGk=","signatures":[]}`,
		`{"payloadType":"t","payload":"aGk=","payload":"aGk=","signatures":[{"sig":"AQ=="}]}`,
		`{"payloadType":"t","payload":"aGk`,
	} {
		_, err := attest.ParseEnvelope([]byte(doc))
		fmt.Println(err)
	}
	// Output:
	// malformed envelope: envelope has no signatures
	// malformed envelope: duplicate JSON key "payload"
	// malformed envelope: truncated JSON
}
