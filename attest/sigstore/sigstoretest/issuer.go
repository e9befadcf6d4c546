package sigstoretest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Audience is the audience Fulcio expects in an identity token (its
// client id).
const Audience = "sigstore"

// Email is the identity of the tokens Token makes by default; Fulcio puts
// it in the certificate's subject alternative name.
const Email = "release@example.com"

// Issuer is an OIDC issuer on httptest: its discovery document at
// /.well-known/openid-configuration and its JWKS at /keys. Tokens are
// signed by the test with an ECDSA P-256 key that only this issuer holds.
type Issuer struct {
	URL    string
	key    *ecdsa.PrivateKey
	signer jose.Signer
}

// NewIssuer starts an issuer that serves until the test ends.
func NewIssuer(t T) *Issuer {
	t.Helper()
	key, signer := newSigner(t)
	iss := &Issuer{key: key, signer: signer}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{
			"issuer":                                iss.URL,
			"jwks_uri":                              iss.URL + "/keys",
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"ES256"},
		})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "test-1", Algorithm: "ES256", Use: "sig"}}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss.URL = srv.URL
	return iss
}

// newSigner makes an ECDSA P-256 key and a JWT signer with it, under the
// key id the issuer publishes.
func newSigner(t T) (*ecdsa.PrivateKey, jose.Signer) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "test-1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	return key, signer
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Claims are a token's claims; Token fills in what is missing.
type Claims map[string]any

// Token returns an identity token for Email, valid for ten minutes, with
// the claims given replacing the defaults (iss, aud, sub, email,
// email_verified, iat, nbf, exp; a nil value removes one).
func (i *Issuer) Token(t T, claims Claims) string {
	t.Helper()
	return i.sign(t, i.signer, claims)
}

// ForeignToken is Token signed by a key the issuer does not publish: a
// token Fulcio must refuse.
func (i *Issuer) ForeignToken(t T, claims Claims) string {
	t.Helper()
	_, signer := newSigner(t)
	return i.sign(t, signer, claims)
}

func (i *Issuer) sign(t T, signer jose.Signer, claims Claims) string {
	now := time.Now()
	all := map[string]any{
		"iss":            i.URL,
		"aud":            Audience,
		"sub":            Email,
		"email":          Email,
		"email_verified": true,
		"iat":            now.Unix(),
		"nbf":            now.Add(-time.Minute).Unix(),
		"exp":            now.Add(10 * time.Minute).Unix(),
	}
	for k, v := range claims {
		if v == nil {
			delete(all, k)
			continue
		}
		all[k] = v
	}
	tok, err := jwt.Signed(signer).Claims(all).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
