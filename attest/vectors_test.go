package attest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/provenant/provenant/attest/attesttest"
)

func readVector(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVectorsDSSE(t *testing.T) {
	ctx := context.Background()
	dir := attesttest.Vectors(t, "dsse")
	pub, err := LoadPublicKey(filepath.Join(dir, "hello-world.pub.pem"))
	if err != nil {
		t.Fatalf("LoadPublicKey(hello-world.pub.pem) = %v", err)
	}
	keys := []*PublicKey{pub}
	for _, name := range []string{"hello-world.envelope.json", "hello-world.envelope.urlsafe-b64.json", "hello-world.envelope.keyid.json"} {
		entries, err := ReadBundleFile(filepath.Join(dir, name))
		if err != nil || len(entries) != 1 || entries[0].Err != nil {
			t.Errorf("ReadBundleFile(%s) = %+v, %v, want one envelope", name, entries, err)
			continue
		}
		v, err := VerifyEnvelope(ctx, entries[0].Envelope, keys, 1)
		if err != nil {
			t.Errorf("VerifyEnvelope(%s) = %v, want valid", name, err)
			continue
		}
		if v.PayloadType != "http://example.com/HelloWorld" || string(v.Payload) != "hello world" {
			t.Errorf("VerifyEnvelope(%s) = %q %q, want HelloWorld / hello world", name, v.PayloadType, v.Payload)
		}
		if len(v.KeyIDs) != 1 || v.KeyIDs[0] != pub.ID {
			t.Errorf("VerifyEnvelope(%s) signers = %v, want [%s] (a keyid hint proves nothing)", name, v.KeyIDs, pub.ID)
		}
		// Not an in-toto statement: ParseStatement refuses its type.
		if _, err := ParseStatement(v.PayloadType, v.Payload); !errors.Is(err, ErrPayloadType) {
			t.Errorf("ParseStatement(%s) = %v, want ErrPayloadType", name, err)
		}
	}

	// The same signature checked by hand: raw r||s, and its DER form.
	env, _ := ParseEnvelope(readVector(t, dir, "hello-world.envelope.json"))
	raw, _ := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
	if len(raw) != 64 {
		t.Errorf("hello-world signature is %d bytes, want 64 (raw r||s)", len(raw))
	}
	var vec struct {
		PAE []struct {
			PayloadType string `json:"payloadType"`
			PayloadB64  string `json:"payload_b64"`
			PAEUTF8     string `json:"pae_utf8"`
			PAEHex      string `json:"pae_hex"`
			SHA256      string `json:"sha256_pae_hex"`
		} `json:"pae_vectors"`
		Sig struct {
			DER string `json:"sig_der_b64_equivalent"`
		} `json:"signature_vector"`
	}
	if err := json.Unmarshal(readVector(t, dir, "vectors.json"), &vec); err != nil {
		t.Fatal(err)
	}
	der, _ := base64.StdEncoding.DecodeString(vec.Sig.DER)
	pae := dsse.PAE("http://example.com/HelloWorld", []byte("hello world"))
	for name, sig := range map[string][]byte{"raw": raw, "DER": der} {
		if err := pub.Verify(ctx, pae, sig); err != nil {
			t.Errorf("Verify(hello world, %s signature) = %v", name, err)
		}
	}

	// Invalid envelopes.
	for _, name := range []string{"NEG.hello-world.tampered-payloadType.json", "NEG.hello-world.tampered-payload.json"} {
		e, err := ParseEnvelope(readVector(t, dir, name))
		if err != nil {
			t.Errorf("ParseEnvelope(%s) = %v; it is well-formed", name, err)
			continue
		}
		if _, err := VerifyEnvelope(ctx, e, keys, 1); !errors.Is(err, ErrSignature) {
			t.Errorf("VerifyEnvelope(%s) = %v, want ErrSignature", name, err)
		}
	}
	name := "NEG.hello-world.no-signatures.json"
	if _, err := ParseEnvelope(readVector(t, dir, name)); !errors.Is(err, ErrMalformed) {
		t.Errorf("ParseEnvelope(%s) = %v, want ErrMalformed", name, err)
	}
	if _, err := VerifyEnvelope(ctx, &Envelope{PayloadType: "http://example.com/HelloWorld", Payload: "aGVsbG8gd29ybGQ="}, keys, 1); err == nil {
		t.Errorf("VerifyEnvelope(%s) = nil, want an error", name)
	}

	// PAE vectors.
	if got := readVector(t, dir, "hello-world.pae.bin"); !bytes.Equal(pae, got) {
		t.Errorf("PAE(hello world) = %q, want %q", pae, got)
	}
	if len(vec.PAE) == 0 {
		t.Fatal("vectors.json has no PAE vectors")
	}
	for _, c := range vec.PAE {
		body, err := base64.StdEncoding.DecodeString(c.PayloadB64)
		if err != nil {
			t.Fatal(err)
		}
		got := dsse.PAE(c.PayloadType, body)
		sum := sha256.Sum256(got)
		if string(got) != c.PAEUTF8 || hex.EncodeToString(got) != c.PAEHex || hex.EncodeToString(sum[:]) != c.SHA256 {
			t.Errorf("PAE(%q, %q) = %q, want %q", c.PayloadType, body, got, c.PAEUTF8)
		}
	}

	// The published private key signs envelopes that the public key verifies.
	s, err := LoadSigner(filepath.Join(dir, "hello-world.priv.pem"))
	if err != nil {
		t.Fatalf("LoadSigner(hello-world.priv.pem) = %v", err)
	}
	signed, err := SignPayload(ctx, "http://example.com/HelloWorld", []byte("hello world"), s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyEnvelope(ctx, signed, keys, 1); err != nil {
		t.Errorf("VerifyEnvelope(signed with hello-world.priv.pem) = %v", err)
	}
}

// vectorCase splits "invalid.<case>.<ErrName>.json" into its error name.
func vectorError(name string) (valid bool, errName string) {
	if strings.HasPrefix(name, "valid.") {
		return true, ""
	}
	parts := strings.Split(strings.TrimSuffix(name, ".json"), ".")
	return false, parts[len(parts)-1]
}

var intotoErrors = map[string]error{
	"ErrInvalidStatementType":    ita.ErrInvalidStatementType,
	"ErrSubjectRequired":         ita.ErrSubjectRequired,
	"ErrDigestRequired":          ita.ErrDigestRequired,
	"ErrPredicateTypeRequired":   ita.ErrPredicateTypeRequired,
	"ErrPredicateRequired":       ita.ErrPredicateRequired,
	"ErrRDRequiredField":         ita.ErrRDRequiredField,
	"ErrIncorrectDigestLength":   ita.ErrIncorrectDigestLength,
	"ErrInvalidDigestEncoding":   ita.ErrInvalidDigestEncoding,
	"ErrBuilderRequired":         slsa1.ErrBuilderRequired,
	"ErrBuilderIdRequired":       slsa1.ErrBuilderIdRequired,
	"ErrBuildDefinitionRequired": slsa1.ErrBuildDefinitionRequired,
	"ErrBuildTypeRequired":       slsa1.ErrBuildTypeRequired,
	"ErrExternalParamsRequired":  slsa1.ErrExternalParamsRequired,
	"ErrRunDetailsRequired":      slsa1.ErrRunDetailsRequired,
}

func vectorFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no vectors in %s", dir)
	}
	return m
}

func TestVectorsInTotoStatement(t *testing.T) {
	dir := attesttest.Vectors(t, filepath.Join("in-toto", "statement"))
	files := append(vectorFiles(t, dir), filepath.Join(dir, "..", "spec-examples", "test-result-v0.1.statement.json"))
	for _, path := range files {
		name := filepath.Base(path)
		valid, errName := vectorError(name)
		if strings.HasSuffix(name, ".statement.json") {
			valid = true
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		st, err := ParseStatement(PayloadType, data)
		if valid {
			if err != nil {
				t.Errorf("ParseStatement(%s) = %v, want valid", name, err)
			} else if st.GetPredicateType() == "" {
				t.Errorf("ParseStatement(%s) has no predicate type", name)
			}
			continue
		}
		want, ok := intotoErrors[errName]
		if !ok {
			t.Fatalf("%s: unknown error name %s", name, errName)
		}
		if !errors.Is(err, ErrStatement) {
			t.Errorf("ParseStatement(%s) = %v, want ErrStatement", name, err)
		}
		// ParseStatement refuses unknown statement types itself, before the
		// bindings see them; every other case carries the bindings' error.
		if want == ita.ErrInvalidStatementType {
			if err == nil || !strings.Contains(err.Error(), "unknown statement type") {
				t.Errorf("ParseStatement(%s) = %v, want unknown statement type", name, err)
			}
		} else if !errors.Is(err, want) {
			t.Errorf("ParseStatement(%s) = %v, want %s", name, err, errName)
		}
		// And the bindings agree on the named error.
		var raw ita.Statement
		if err := protojson.Unmarshal(data, &raw); err != nil {
			t.Errorf("protojson.Unmarshal(%s) = %v", name, err)
		} else if err := raw.Validate(); !errors.Is(err, want) {
			t.Errorf("Statement.Validate(%s) = %v, want %s", name, err, errName)
		}
	}
}

func TestVectorsInTotoResourceDescriptor(t *testing.T) {
	dir := attesttest.Vectors(t, filepath.Join("in-toto", "resource-descriptor"))
	for _, path := range vectorFiles(t, dir) {
		name := filepath.Base(path)
		valid, errName := vectorError(name)
		if name == "valid.gitCommit-sha256.json" {
			// Accepted by the specification's main branch, rejected by
			// the released binding v1.2.0 (see the vectors README).
			valid, errName = false, "ErrIncorrectDigestLength"
		}
		var rd ita.ResourceDescriptor
		if err := protojson.Unmarshal(readVector(t, dir, name), &rd); err != nil {
			t.Fatalf("protojson.Unmarshal(%s) = %v", name, err)
		}
		err := rd.Validate()
		// The same descriptor as the subject of a statement.
		stJSON := `{"_type":"https://in-toto.io/Statement/v1","subject":[` + string(bytes.TrimSpace(readVector(t, dir, name))) + `],"predicateType":"p","predicate":{}}`
		_, stErr := ParseStatement(PayloadType, []byte(stJSON))
		if valid {
			if err != nil {
				t.Errorf("ResourceDescriptor.Validate(%s) = %v, want valid", name, err)
			}
			if stErr != nil && !errors.Is(stErr, ita.ErrDigestRequired) {
				t.Errorf("ParseStatement(subject %s) = %v", name, stErr)
			}
			continue
		}
		want := intotoErrors[errName]
		if !errors.Is(err, want) {
			t.Errorf("ResourceDescriptor.Validate(%s) = %v, want %s", name, err, errName)
		}
		if !errors.Is(stErr, ErrStatement) {
			t.Errorf("ParseStatement(subject %s) = %v, want ErrStatement", name, stErr)
		}
	}
}

func TestVectorsSLSAProvenanceV1Predicate(t *testing.T) {
	dir := attesttest.Vectors(t, filepath.Join("in-toto", "slsa-provenance-v1-predicate"))
	for _, path := range vectorFiles(t, dir) {
		name := filepath.Base(path)
		valid, errName := vectorError(name)
		if err := checkNoDuplicateKeys(readVector(t, dir, name)); err != nil {
			t.Errorf("checkNoDuplicateKeys(%s) = %v", name, err)
		}
		var p slsa1.Provenance
		if err := protojson.Unmarshal(readVector(t, dir, name), &p); err != nil {
			t.Fatalf("protojson.Unmarshal(%s) = %v", name, err)
		}
		err := p.Validate()
		if valid {
			if err != nil {
				t.Errorf("Provenance.Validate(%s) = %v, want valid", name, err)
			}
			continue
		}
		if want := intotoErrors[errName]; !errors.Is(err, want) {
			t.Errorf("Provenance.Validate(%s) = %v, want %s", name, err, errName)
		}
	}
}
