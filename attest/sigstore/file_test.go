package sigstore

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
)

// signedEntry signs any payload into a keyed Sigstore bundle with a DSSE
// envelope, as bundle files hold it.
func signedEntry(t *testing.T, s attest.Signer, payloadType, payload string) attest.Entry {
	t.Helper()
	raw, err := signBundle(context.Background(), s, &sign.DSSEData{Data: []byte(payload), PayloadType: payloadType})
	if err != nil {
		t.Fatal(err)
	}
	return attest.Entry{Source: attest.Source{File: "b.sigstore.json", Line: 1}, Sigstore: raw}
}

// TestVerifyEntriesStatementRule: item 13 of issue 13. verify-signature
// trusted sigstore-go's subject match alone and accepted statements that
// verify refuses. A verified DSSE payload now passes the same acceptance
// rule (attest.ParseStatement), with the same message, and names the
// artifact by the same matching rule (attest.DigestsMatch).
func TestVerifyEntriesStatementRule(t *testing.T) {
	priv, pub, err := attest.GenerateKey(attest.KeyType("ed25519"))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := attest.ParseSigner(priv)
	k, _ := attest.ParsePublicKey(pub)
	v, err := NewVerifier(WithKeys(k))
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("the release\n")
	path := filepath.Join(t.TempDir(), "app")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	s256, s512 := sha256.Sum256(content), sha512.Sum512(content)
	h256, h512 := hex.EncodeToString(s256[:]), hex.EncodeToString(s512[:])
	other512 := strings.Repeat("ab", 64)
	stmt := func(typ, subject string) string {
		return `{` + typ + `"subject":[` + subject + `],"predicateType":"https://example.com/p","predicate":{}}`
	}
	const v1 = `"_type":"https://in-toto.io/Statement/v1",`
	good := `{"name":"app","digest":{"sha256":"` + h256 + `"}}`
	cases := []struct {
		name, payloadType, payload string
		// statementError: the payload is refused by attest.ParseStatement,
		// with its message; else want is the error, "" for verified.
		statementError bool
		want           string
	}{
		{"good", attest.PayloadType, stmt(v1, good), false, ""},
		{"sha256 and sha512 agree", attest.PayloadType, stmt(v1, `{"name":"app","digest":{"sha256":"`+h256+`","sha512":"`+h512+`"}}`), false, ""},
		{"another subject names it", attest.PayloadType, stmt(v1, `{"name":"x","digest":{"sha256":"`+strings.Repeat("0", 64)+`"}},`+good), false, ""},
		{"no _type", attest.PayloadType, stmt("", good), true, ""},
		{"non-in-toto _type", attest.PayloadType, stmt(`"_type":"https://example.com/Statement/v1",`, good), true, ""},
		{"_type case variant", attest.PayloadType, stmt(`"_TYPE":"https://in-toto.io/Statement/v1",`, good), true, ""},
		{"Statement v2", attest.PayloadType, stmt(`"_type":"https://in-toto.io/Statement/v2",`, good), true, ""},
		{"non-hex digest beside a good one", attest.PayloadType, stmt(v1, `{"name":"app","digest":{"sha256":"`+h256+`","gitCommit":"not-hex-not-hex-not-hex-not-hex-not-hex!"}}`), true, ""},
		{"uppercase digest", attest.PayloadType, stmt(v1, `{"name":"app","digest":{"sha256":"`+strings.ToUpper(h256)+`"}}`), true, ""},
		{"SHA256 algorithm", attest.PayloadType, stmt(v1, `{"name":"app","digest":{"SHA256":"`+h256+`"}}`), true, ""},
		{"predicate_type", attest.PayloadType, `{` + v1 + `"subject":[` + good + `],"predicate_type":"https://example.com/p","predicate":{}}`, true, ""},
		{"subject Digest", attest.PayloadType, stmt(v1, `{"name":"app","Digest":{"sha256":"`+h256+`"},"digest":{"sha256":"`+h256+`"}}`), true, ""},
		{"not an in-toto payload type", "application/json", stmt(v1, good), true, ""},
		{"sha256 agrees, sha512 does not", attest.PayloadType, stmt(v1, `{"name":"app","digest":{"sha256":"`+h256+`","sha512":"`+other512+`"}}`), false, "no subject of the statement names this artifact"},
		{"sha512 only, another artifact", attest.PayloadType, stmt(v1, `{"name":"app","digest":{"sha512":"`+other512+`"}}`), false, "no subject of the statement names this artifact"},
	}
	for _, c := range cases {
		entry := signedEntry(t, s, c.payloadType, c.payload)
		want := c.want
		if c.statementError {
			// What verify says: sigstore-go reads the statement too (and
			// refuses what protojson cannot read, or another payload
			// type); then attest.ParseStatement judges it.
			_, err := attest.ParseStatement(c.payloadType, []byte(c.payload))
			if err == nil {
				t.Fatalf("%s: attest.ParseStatement accepts the payload", c.name)
			}
			b, perr := ParseBundle(entry.Sigstore)
			if perr != nil {
				t.Fatal(perr)
			}
			if _, verr := v.Verify(context.Background(), b, Artifact{}); verr != nil {
				err = verr
			}
			want = err.Error()
		}
		for _, art := range []Artifact{{Path: path}, {Digests: digest.Set{"sha256": h256, "sha512": h512}}} {
			checked, ok := v.VerifyEntries(context.Background(), []attest.Entry{entry}, art, nil)
			if len(checked) != 1 {
				t.Fatalf("%s: %d results", c.name, len(checked))
			}
			got := checked[0].Error
			switch {
			case want == "" && (!ok || got != ""):
				t.Errorf("%s (%+v): not verified: %s", c.name, art, got)
			case want != "" && ok:
				t.Errorf("%s (%+v): verified, want %q", c.name, art, want)
			case c.statementError && got != want:
				t.Errorf("%s (%+v): error %q, want verify's message %q", c.name, art, got, want)
			case !strings.Contains(got, want):
				t.Errorf("%s (%+v): error %q, want %q", c.name, art, got, want)
			}
			if want == "" && (checked[0].Result == nil || checked[0].Result.PayloadType != attest.PayloadType) {
				t.Errorf("%s: result %+v", c.name, checked[0].Result)
			}
		}
	}
	// The caller's parser decides (here with a subjects limit).
	l := attest.DefaultLimits()
	l.Subjects = 1
	two := signedEntry(t, s, attest.PayloadType, stmt(v1, good+`,`+good))
	if checked, ok := v.VerifyEntries(context.Background(), []attest.Entry{two}, Artifact{Path: path}, l.ParseStatement); ok || !strings.Contains(checked[0].Error, "subjects") {
		t.Errorf("VerifyEntries(2 subjects, limit 1) = %+v, %v", checked, ok)
	}
	// A message signature still needs the artifact itself.
	raw, err := SignArtifact(context.Background(), s, content)
	if err != nil {
		t.Fatal(err)
	}
	msg := attest.Entry{Source: attest.Source{File: "m.sigstore.json", Line: 1}, Sigstore: raw}
	if checked, ok := v.VerifyEntries(context.Background(), []attest.Entry{msg}, Artifact{Path: path}, nil); !ok {
		t.Errorf("VerifyEntries(message signature) = %+v", checked)
	}
	if _, ok := v.VerifyEntries(context.Background(), []attest.Entry{msg}, Artifact{Digests: digest.Set{"sha256": strings.Repeat("0", 64)}}, nil); ok {
		t.Error("a message signature verified for another digest")
	}
}
