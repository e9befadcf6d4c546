//go:build cgo

package pkcs11_test

import (
	"errors"
	"strings"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/pkcs11"
	"github.com/provenant/provenant/attest/pkcs11/softhsmtest"
	"github.com/provenant/provenant/provenance/provenancetest"
)

const testPIN = "4321-s3cr3t"

func statement(t *testing.T) *attest.Statement {
	t.Helper()
	pred, err := structpb.NewStruct(map[string]any{"note": "signed on a token"})
	if err != nil {
		t.Fatal(err)
	}
	return &attest.Statement{
		Type: attest.StatementTypeV1,
		Subject: []*ita.ResourceDescriptor{{
			Name:   "app.tar.gz",
			Digest: map[string]string{"sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		}},
		PredicateType: "https://example.com/note/v1",
		Predicate:     pred,
	}
}

// TestSoftHSM signs with keys on a SoftHSM2 token and verifies the envelopes
// with nothing but the exported public keys, as `provenant verify` does.
func TestSoftHSM(t *testing.T) {
	tk := softhsmtest.New(t, "provenant-test", testPIN,
		softhsmtest.Key{Label: "ec256", Type: softhsmtest.ECDSAP256},
		softhsmtest.Key{Label: "ec384", Type: softhsmtest.ECDSAP384},
		softhsmtest.Key{Label: "rsa", Type: softhsmtest.RSA2048},
		softhsmtest.Key{Label: "twin", ID: []byte{1}, Type: softhsmtest.ECDSAP256},
		softhsmtest.Key{Label: "twin", ID: []byte{2}, Type: softhsmtest.ECDSAP256},
	)
	ctx := t.Context()
	tests := []struct {
		object, algorithm string
	}{
		{"ec256", "ecdsa-p256"},
		{"ec384", "ecdsa-p384"},
		{"rsa", "rsa-2048"},
	}
	for _, tt := range tests {
		uri := tk.URI(tt.object)
		s, err := pkcs11.Open(ctx, uri, withPIN(testPIN))
		if err != nil {
			t.Errorf("Open(%q): %v", uri, err)
			continue
		}
		pub, err := attest.ParsePublicKey(s.PublicKeyPEM())
		if err != nil {
			t.Fatalf("%s: exported public key: %v", tt.object, err)
		}
		if got := pub.Algorithm(); got != tt.algorithm {
			t.Errorf("%s: algorithm %s, want %s", tt.object, got, tt.algorithm)
		}
		if id, _ := s.KeyID(); id != pub.ID {
			t.Errorf("%s: KeyID() = %s, want the exported key's id %s", tt.object, id, pub.ID)
		}
		env, err := attest.SignStatement(ctx, statement(t), s)
		if err != nil {
			t.Fatalf("%s: SignStatement: %v", tt.object, err)
		}
		v, err := attest.VerifyEnvelope(ctx, env, []*attest.PublicKey{pub}, 1)
		if err != nil {
			t.Errorf("%s: VerifyEnvelope: %v", tt.object, err)
		} else if len(v.KeyIDs) != 1 || v.KeyIDs[0] != pub.ID {
			t.Errorf("%s: verified by %v, want [%s]", tt.object, v.KeyIDs, pub.ID)
		}
		// Another key must not verify it.
		otherKey := provenancetest.NewKey(t, attest.ECDSAP256).Public
		if _, err := attest.VerifyEnvelope(ctx, env, []*attest.PublicKey{otherKey}, 1); !errors.Is(err, attest.ErrSignature) {
			t.Errorf("%s: verified with an unrelated key: %v", tt.object, err)
		}
		line, _ := attest.MarshalEnvelope(env)
		if strings.Contains(string(line), testPIN) {
			t.Errorf("%s: the envelope contains the PIN", tt.object)
		}
		if strings.Contains(s.String(), testPIN) {
			t.Errorf("%s: Signer.String() contains the PIN", tt.object)
		}
		if err := s.Close(); err != nil {
			t.Errorf("%s: Close: %v", tt.object, err)
		}
	}

	// The PIN from the URI, and the id attribute.
	s, err := pkcs11.Open(ctx, "pkcs11:token=provenant-test;id=%02?module-path="+tk.Module+"&pin-value="+testPIN)
	if err != nil {
		t.Fatalf("Open by id with pin-value: %v", err)
	}
	if _, err := attest.SignStatement(ctx, statement(t), s); err != nil {
		t.Errorf("signing with the key found by id: %v", err)
	}
	attesttest.Close(t, s)
}

func TestSoftHSMErrors(t *testing.T) {
	tk := softhsmtest.New(t, "provenant-err", testPIN,
		softhsmtest.Key{Label: "k", Type: softhsmtest.ECDSAP256},
		softhsmtest.Key{Label: "twin", ID: []byte{1}, Type: softhsmtest.ECDSAP256},
		softhsmtest.Key{Label: "twin", ID: []byte{2}, Type: softhsmtest.ECDSAP256},
	)
	tests := []struct {
		uri, pin, want string
		sentinel       error
	}{
		{uri: tk.URI("k"), pin: "wrong-pin-777", want: "the token refused the PIN", sentinel: pkcs11.ErrPIN},
		{uri: tk.URI("absent"), pin: testPIN, want: `no key pair on the token matches object="absent"`, sentinel: attest.ErrKey},
		{uri: tk.URI("twin"), pin: testPIN, want: "2 key pairs match", sentinel: attest.ErrKey},
		{uri: "pkcs11:token=nope;object=k?module-path=" + tk.Module, pin: testPIN, want: `no token matches the URI (tokens present: "provenant-err")`, sentinel: attest.ErrKey},
		{uri: "pkcs11:token=provenant-err;serial=0000;object=k?module-path=" + tk.Module, pin: testPIN, want: "no token matches the URI", sentinel: attest.ErrKey},
		{uri: "pkcs11:object=k?module-path=" + tk.Module, pin: "", want: "no PIN for", sentinel: pkcs11.ErrNoPIN},
	}
	for _, tt := range tests {
		s, err := pkcs11.Open(t.Context(), tt.uri, withPIN(tt.pin))
		if err == nil {
			attesttest.Close(t, s)
			t.Errorf("Open(%q) succeeded, want an error containing %q", tt.uri, tt.want)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) || !errors.Is(err, tt.sentinel) {
			t.Errorf("Open(%q) = %q, want %v containing %q", tt.uri, msg, tt.sentinel, tt.want)
		}
		if tt.pin != "" && strings.Contains(msg, tt.pin) {
			t.Errorf("Open(%q) = %q: the error shows the PIN", tt.uri, msg)
		}
		if strings.ContainsAny(msg, "\r\n") {
			t.Errorf("Open(%q) = %q: not one line", tt.uri, msg)
		}
	}
	// While a Signer is logged in, the token's login is the process's: a
	// second Open with another PIN must still be refused.
	held, err := pkcs11.Open(t.Context(), tk.URI("k"), withPIN(testPIN))
	if err != nil {
		t.Fatalf("Open with the right PIN: %v", err)
	}
	if s, err := pkcs11.Open(t.Context(), tk.URI("k"), withPIN("wrong-pin-888")); !errors.Is(err, pkcs11.ErrPIN) || strings.Contains(err.Error(), "wrong-pin-888") {
		if s != nil {
			attesttest.Close(t, s)
		}
		t.Errorf("Open with a wrong PIN while the token is open = %v, want ErrPIN", err)
	}
	again, err := pkcs11.Open(t.Context(), tk.URI("k"), withPIN(testPIN))
	if err != nil {
		t.Errorf("a second Open with the right PIN: %v", err)
	} else {
		attesttest.Close(t, again)
	}
	attesttest.Close(t, held)
	if _, err := pkcs11.Open(t.Context(), tk.URI("k"), withPIN("wrong-pin-888")); err == nil || !strings.Contains(err.Error(), "the token refused the PIN") {
		t.Errorf("Open with a wrong PIN after Close = %v, want the token to refuse it", err)
	}

	// The PIN in the URI is not in the error either.
	_, err = pkcs11.Open(t.Context(), tk.URI("absent")+"&pin-value="+testPIN)
	if err == nil || strings.Contains(err.Error(), testPIN) || strings.Contains(err.Error(), "pin-value") {
		t.Errorf("Open with pin-value = %v, want an error without the PIN", err)
	}
}

// withPIN supplies pin, or no PIN when it is empty.
func withPIN(pin string) attest.KeyOption {
	if pin == "" {
		return nil
	}
	return attest.WithPIN(func() ([]byte, error) { return []byte(pin), nil })
}

// TestLoadSignerRefSoftHSM: importing the package makes
// attest.LoadSignerRef open pkcs11: URIs, with the PIN from attest.WithPIN
// or the URI; attest.CloseSigner logs out, so that the token itself judges
// the next PIN.
func TestLoadSignerRefSoftHSM(t *testing.T) {
	tk := softhsmtest.New(t, "provenant-ref", testPIN, softhsmtest.Key{Label: "k", Type: softhsmtest.ECDSAP256})
	ctx := t.Context()
	for _, c := range []struct {
		ref  string
		opts []attest.KeyOption
	}{
		{tk.URI("k"), []attest.KeyOption{withPIN(testPIN)}},
		{tk.URI("k") + "&pin-value=" + testPIN, nil},
		{strings.Replace(tk.URI("k"), "pkcs11:", "PKCS11:", 1), []attest.KeyOption{withPIN(testPIN)}},
	} {
		s, err := attest.LoadSignerRef(ctx, c.ref, c.opts...)
		if err != nil {
			t.Fatalf("LoadSignerRef(%s): %v", pkcs11.Redact(c.ref), err)
		}
		if _, ok := s.(*pkcs11.Signer); !ok {
			t.Errorf("LoadSignerRef(%s) = %T, want *pkcs11.Signer", pkcs11.Redact(c.ref), s)
		}
		env, err := attest.SignStatement(ctx, statement(t), s)
		if err != nil {
			t.Fatal(err)
		}
		half, err := attest.NewPublicHalf(s.Public())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := attest.VerifyEnvelope(ctx, env, []*attest.PublicKey{half.PublicKey()}, 1); err != nil {
			t.Errorf("the envelope does not verify: %v", err)
		}
		if err := attest.CloseSigner(s); err != nil {
			t.Errorf("CloseSigner: %v", err)
		}
	}
	// Closed: the token, not the process, refuses a wrong PIN.
	if _, err := attest.LoadSignerRef(ctx, tk.URI("k"), withPIN("wrong-pin-999")); err == nil || !strings.Contains(err.Error(), "the token refused the PIN") {
		t.Errorf("LoadSignerRef(wrong PIN) after CloseSigner = %v, want the token to refuse it", err)
	}
	if _, err := attest.LoadSignerRef(ctx, tk.URI("k")); !errors.Is(err, pkcs11.ErrNoPIN) {
		t.Errorf("LoadSignerRef(no PIN) = %v, want ErrNoPIN", err)
	}
	k, err := attest.LoadPublicKeyRef(ctx, tk.URI("k")+"&pin-value="+testPIN)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(k.Source, testPIN) || !strings.HasPrefix(k.Source, "pkcs11:") {
		t.Errorf("LoadPublicKeyRef Source = %q, want the URI without its PIN", k.Source)
	}
	// LoadPublicKeyRef closed its signer too.
	if _, err := attest.LoadSignerRef(ctx, tk.URI("k"), withPIN("wrong-pin-999")); err == nil || !strings.Contains(err.Error(), "the token refused the PIN") {
		t.Errorf("LoadSignerRef(wrong PIN) after LoadPublicKeyRef = %v, want the token to refuse it", err)
	}
}
