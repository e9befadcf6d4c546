package sigstore

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	ita "github.com/in-toto/attestation/go/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/oauthflow"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/sigstore/sigstoretest"
)

func keylessStatement(t *testing.T, data []byte) *attest.Statement {
	t.Helper()
	sum := sha256.Sum256(data)
	pred, err := structpb.NewStruct(map[string]any{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	return &attest.Statement{
		Type:          attest.StatementTypeV1,
		Subject:       []*ita.ResourceDescriptor{{Name: "app", Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}}},
		PredicateType: "https://example.com/predicate/v1",
		Predicate:     pred,
	}
}

func newKeylessT(t *testing.T, tok TokenSource, opts ...KeylessOption) *Keyless {
	t.Helper()
	k, err := NewKeyless(tok, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keylessVerifier(t *testing.T, s *sigstoretest.Sigstore, id Identity) *Verifier {
	t.Helper()
	v, err := NewVerifier(WithTrustedRootFile(s.TrustedRoot), WithIdentity(id))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestKeylessRoundTrip signs keyless against Fulcio and a timestamp
// authority on loopback and verifies the bundle offline with a trusted
// root built from their keys: a DSSE statement, a message signature, and
// a JSON Lines bundle of two.
func TestKeylessRoundTrip(t *testing.T) {
	s := sigstoretest.Start(t)
	ctx := context.Background()
	tok := s.Issuer.Token(t, nil)
	k := newKeylessT(t, StaticToken(tok), WithFulcio(s.FulcioURL), WithTimestampAuthorities(s.TSAURL),
		WithCheckTrustedMaterial(mustRoot(t, s.TrustedRoot)))
	right := Identity{SAN: sigstoretest.Email, Issuer: s.Issuer.URL}
	data := []byte("hello keyless\n")
	art := filepath.Join(t.TempDir(), "app")
	if err := os.WriteFile(art, data, 0o644); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	one := filepath.Join(dir, "app.sigstore.json")
	w, err := NewKeylessBundleWriter(one, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, keylessStatement(t, data)); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(one)
	if err != nil {
		t.Fatal(err)
	}
	if sigstoretest.Contains(raw, tok) {
		t.Fatal("the identity token is in the bundle")
	}
	b, err := ParseBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.GetMediaType(); got != "application/vnd.dev.sigstore.bundle.v0.3+json" {
		t.Errorf("media type %q", got)
	}
	res, err := keylessVerifier(t, s, right).Verify(ctx, b, Artifact{Path: art})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.Signer.Certificate == nil || res.Signer.Certificate.SubjectAlternativeName != sigstoretest.Email {
		t.Errorf("signer %+v", res.Signer)
	}
	if len(res.Timestamps) != 1 || res.Timestamps[0].Kind != "TimestampAuthority" {
		t.Errorf("timestamps %+v", res.Timestamps)
	}
	// Another identity, or another issuer: refused.
	for _, id := range []Identity{
		{SAN: "someone@example.com", Issuer: s.Issuer.URL},
		{SAN: sigstoretest.Email, Issuer: "https://accounts.example.com"},
	} {
		if _, err := keylessVerifier(t, s, id).Verify(ctx, b, Artifact{Path: art}); !errors.Is(err, ErrIdentity) {
			t.Errorf("identity %v: err %v, want ErrIdentity", id, err)
		}
	}

	// A message signature over the artifact.
	sig := filepath.Join(dir, "sig.sigstore.json")
	w, err = NewKeylessBundleWriter(sig, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteArtifactSignature(ctx, art); err != nil {
		t.Fatal(err)
	}
	mb, err := LoadBundle(sig)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keylessVerifier(t, s, right).Verify(ctx, mb, Artifact{Path: art}); err != nil {
		t.Errorf("message signature: %v", err)
	}
	other := filepath.Join(dir, "other")
	if err := os.WriteFile(other, []byte("other"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := keylessVerifier(t, s, right).Verify(ctx, mb, Artifact{Path: other}); !errors.Is(err, ErrVerify) {
		t.Errorf("message signature over another file: %v, want ErrVerify", err)
	}

	// Two statements appended to a JSON Lines bundle.
	lines := filepath.Join(dir, "app.intoto.jsonl")
	lw, err := NewKeylessLineWriter(lines, k)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := lw.Write(ctx, keylessStatement(t, data)); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := attest.ReadBundleFile(lines)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("%d entries, want 2", len(entries))
	}
	for _, e := range entries {
		if e.Kind() != attest.EntrySigstore {
			t.Fatalf("entry kind %v", e.Kind())
		}
		eb, err := ParseBundle(e.Sigstore)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := keylessVerifier(t, s, right).Verify(ctx, eb, Artifact{Path: art}); err != nil {
			t.Errorf("%s: %v", e.Source, err)
		}
	}
}

func mustRoot(t *testing.T, path string) *root.TrustedRoot {
	t.Helper()
	tr, err := LoadTrustedRoot(path)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestKeylessRefusals: what the services answer wrongly, or a token they
// refuse, is a clear error, and nothing is written.
func TestKeylessRefusals(t *testing.T) {
	s := sigstoretest.Start(t)
	ctx := context.Background()
	good := s.Issuer.Token(t, nil)
	closed := "http://127.0.0.1:" + sigstoretest.FreePort(t)
	wrongRoot := filepath.Join(t.TempDir(), "wrong_root.json")
	// A root with the timestamp authority but another Fulcio CA.
	other := sigstoretest.Start(t)
	if err := os.WriteFile(wrongRoot, s.TrustedRootWith(t, other.FulcioRoot, s.TSAChain), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		token string
		opts  []KeylessOption
		want  error
		msg   string
	}{
		{"Fulcio unreachable", good, []KeylessOption{WithFulcio(closed), WithTimestampAuthorities(s.TSAURL)}, ErrCertificateAuthority, closed},
		{"token signed by a key the issuer does not publish", s.Issuer.ForeignToken(t, nil), []KeylessOption{WithFulcio(s.FulcioURL), WithTimestampAuthorities(s.TSAURL)}, ErrCertificateAuthority, "Fulcio"},
		{"token for another audience", s.Issuer.Token(t, sigstoretest.Claims{"aud": "someone-else"}), []KeylessOption{WithFulcio(s.FulcioURL), WithTimestampAuthorities(s.TSAURL)}, ErrCertificateAuthority, "Fulcio"},
		{"expired token", s.Issuer.Token(t, sigstoretest.Claims{"exp": time.Now().Add(-time.Minute).Unix(), "iat": time.Now().Add(-time.Hour).Unix()}), []KeylessOption{WithFulcio(s.FulcioURL), WithTimestampAuthorities(s.TSAURL)}, ErrTokenExpired, "expired"},
		{"not a JWT", "not-a-token", []KeylessOption{WithFulcio(s.FulcioURL), WithTimestampAuthorities(s.TSAURL)}, ErrNoToken, "not a JWT"},
		{"timestamp authority unreachable", good, []KeylessOption{WithFulcio(s.FulcioURL), WithTimestampAuthorities(closed + "/api/v1/timestamp")}, ErrTimestampAuthority, "timestamp"},
		{"timestamp over another digest", good, []KeylessOption{WithFulcio(s.FulcioURL), WithTimestampAuthorities(otherDigestTSA(t, s.TSAURL))}, ErrTimestampAuthority, "another digest"},
		{"certificate for another key", good, []KeylessOption{WithFulcio(otherKeyFulcio(t, s.FulcioURL)), WithTimestampAuthorities(s.TSAURL)}, ErrCertificateAuthority, "not for the key that signed"},
		{"bundle not verified by the trusted root", good, []KeylessOption{WithFulcio(s.FulcioURL), WithTimestampAuthorities(s.TSAURL), WithCheckTrustedMaterial(mustRoot(t, wrongRoot))}, ErrKeyless, "does not verify against the trusted root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newKeylessT(t, StaticToken(tc.token), append(tc.opts, WithServiceTimeout(10*time.Second))...)
			out := filepath.Join(t.TempDir(), "b.sigstore.json")
			w, err := NewKeylessBundleWriter(out, k)
			if err != nil {
				t.Fatal(err)
			}
			err = w.Write(ctx, keylessStatement(t, []byte("x")))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			t.Logf("%v", err)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want it to say %q", err, tc.msg)
			}
			if sigstoretest.Contains([]byte(err.Error()), tc.token) && len(tc.token) > 20 {
				t.Errorf("the token is in the error: %v", err)
			}
			if _, serr := os.Lstat(out); !os.IsNotExist(serr) {
				t.Errorf("%s was written", out)
			}
		})
	}
}

// otherDigestTSA is a timestamp authority in front of the real one that
// asks it to timestamp another digest than the one requested.
func otherDigestTSA(t *testing.T, tsaURL string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sum := sha256.Sum256([]byte("another signature"))
		req.HashedMessage = sum[:]
		nb, err := req.Marshal()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		resp, err := http.Post(tsaURL, "application/timestamp-query", bytes.NewReader(nb))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer func() { _ = resp.Body.Close() }()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api/v1/timestamp"
}

// otherKeyFulcio is a Fulcio in front of the real one that asks for a
// certificate for its own key instead of the signer's.
func otherKeyFulcio(t *testing.T, fulcioURL string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pemKey, err := cryptoutils.MarshalPublicKeyToPEM(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	target, err := url.Parse(fulcioURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req map[string]map[string]any
		_ = json.Unmarshal(body, &req)
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		parts := strings.Split(tok, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		subject, err := oauthflow.SubjectFromUnverifiedToken(payload)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sum := sha256.Sum256([]byte(subject))
		pop, _ := ecdsa.SignASN1(rand.Reader, key, sum[:])
		req["publicKeyRequest"]["publicKey"] = map[string]string{"algorithm": "ECDSA", "content": string(pemKey)}
		req["publicKeyRequest"]["proofOfPossession"] = base64.StdEncoding.EncodeToString(pop)
		nb, _ := json.Marshal(req)
		r.Body = io.NopCloser(bytes.NewReader(nb))
		r.ContentLength = int64(len(nb))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestKeylessOptions: what NewKeyless refuses before any network call.
func TestKeylessOptions(t *testing.T) {
	tok := StaticToken("a.b.c")
	for _, tc := range []struct {
		name string
		opts []KeylessOption
		want string
	}{
		{"no Fulcio", []KeylessOption{WithTimestampAuthorities("http://127.0.0.1:1/t")}, "no certificate authority"},
		{"no time", []KeylessOption{WithFulcio("http://127.0.0.1:1")}, "no timestamp authority and no transparency log"},
		{"Fulcio not a URL", []KeylessOption{WithFulcio("fulcio.example.com")}, "not an http(s) URL"},
		{"TSA not a URL", []KeylessOption{WithFulcio("http://127.0.0.1:1"), WithTimestampAuthorities("file:///etc/passwd")}, "not an http(s) URL"},
		{"Rekor not a URL", []KeylessOption{WithFulcio("http://127.0.0.1:1"), WithRekor("")}, "not an http(s) URL"},
	} {
		if _, err := NewKeyless(tok, tc.opts...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := NewKeyless(nil, WithFulcio("http://127.0.0.1:1")); !errors.Is(err, ErrNoToken) {
		t.Errorf("nil token source: %v", err)
	}
}

// TestCheckTokenTime reads exp and nbf only to say early that a token is
// expired; what it cannot read is not a JWT.
func TestCheckTokenTime(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	jwt := func(claims string) string {
		return "e30." + base64.RawURLEncoding.EncodeToString([]byte(claims)) + ".c2ln"
	}
	for _, tc := range []struct {
		tok  string
		want error
	}{
		{jwt(`{"exp":1800000600}`), nil},
		{jwt(`{}`), nil},
		{jwt(`{"exp":1799999999}`), ErrTokenExpired},
		{jwt(`{"exp":1800000000}`), ErrTokenExpired},
		{jwt(`{"nbf":1800003600,"exp":1800007200}`), ErrTokenExpired},
		{jwt(`{"exp":"tomorrow"}`), ErrNoToken},
		{"a.b", ErrNoToken},
		{"e30.!!!.c2ln", ErrNoToken},
	} {
		if err := checkTokenTime(tc.tok, now); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("checkTokenTime(%q) = %v, want %v", tc.tok, err, tc.want)
		}
	}
}

// FuzzCheckTokenTime: any token is read without a panic, and the error
// never holds the token.
func FuzzCheckTokenTime(f *testing.F) {
	f.Add("e30.eyJleHAiOjF9.c2ln")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, tok string) {
		err := checkTokenTime(tok, time.Now())
		if err != nil && len(tok) > 8 && strings.Contains(err.Error(), tok) {
			t.Fatalf("the token is in the error: %v", err)
		}
	})
}

// TestKeylessRekorV2: with a Rekor v2 log (rekor-tiles) on loopback,
// named by a signing configuration, the bundle carries a log entry whose
// inclusion proof and checkpoint verify against the trusted root, and
// the timestamp gives its time.
func TestKeylessRekorV2(t *testing.T) {
	s := sigstoretest.StartWithRekor(t)
	sc, err := LoadSigningConfig(s.SigningConfig)
	if err != nil {
		t.Fatal(err)
	}
	k := newKeylessT(t, StaticToken(s.Issuer.Token(t, nil)), WithSigningConfig(sc), WithCheckTrustedMaterial(mustRoot(t, s.TrustedRoot)))
	if _, _, rekors := k.Services(); len(rekors) != 1 || rekors[0] != s.RekorURL {
		t.Fatalf("logs %v, want %s", rekors, s.RekorURL)
	}
	raw, err := k.SignStatement(context.Background(), keylessStatement(t, []byte("x")))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	res, err := keylessVerifier(t, s, Identity{SAN: sigstoretest.Email, Issuer: s.Issuer.URL}).Verify(context.Background(), b, Artifact{})
	if err != nil {
		t.Fatal(err)
	}
	if res.TlogEntries != 1 {
		t.Errorf("%d log entries, want 1", res.TlogEntries)
	}
	// A trusted root without the log refuses the entry.
	noLog := filepath.Join(t.TempDir(), "root.json")
	if err := os.WriteFile(noLog, (&sigstoretest.Sigstore{FulcioURL: s.FulcioURL, TSAURL: s.TSAURL}).TrustedRootWith(t, s.FulcioRoot, s.TSAChain), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(WithTrustedRootFile(noLog), WithIdentity(Identity{SAN: sigstoretest.Email, Issuer: s.Issuer.URL}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), b, Artifact{}); !errors.Is(err, ErrVerify) {
		t.Errorf("without the log in the root: %v, want ErrVerify", err)
	}
}

// TestNamedRootsAreNotMixed: named trusted roots are tried one at a
// time. A root with Fulcio's CA but not the timestamp authority, and one
// with the timestamp authority but not the CA, each fail alone, so
// together they verify nothing, where one collection of both would have
// passed; the root that verifies is named in the result.
func TestNamedRootsAreNotMixed(t *testing.T) {
	s := sigstoretest.Start(t)
	ctx := context.Background()
	k := newKeylessT(t, StaticToken(s.Issuer.Token(t, nil)), WithFulcio(s.FulcioURL), WithTimestampAuthorities(s.TSAURL))
	raw, err := k.SignStatement(ctx, keylessStatement(t, []byte("x")))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	parse := func(js []byte) *root.TrustedRoot {
		tr, err := root.NewTrustedRootFromJSON(js)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	caOnly := parse(s.TrustedRootWith(t, s.FulcioRoot, nil))
	tsaOnly := parse(s.TrustedRootWith(t, nil, s.TSAChain))
	whole := parse(s.TrustedRootJSON)
	id := WithIdentity(Identity{SAN: sigstoretest.Email, Issuer: s.Issuer.URL})

	v, err := NewVerifier(WithNamedTrustedRoot("cache:ca", caOnly), WithNamedTrustedRoot("cache:tsa", tsaOnly), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, b, Artifact{}); !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), "no trusted root verifies") {
		t.Errorf("two half roots: %v, want ErrVerify", err)
	}
	mixed, err := NewVerifier(WithTrustedMaterial(root.TrustedMaterialCollection{caOnly, tsaOnly}), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mixed.Verify(ctx, b, Artifact{}); err != nil {
		t.Fatalf("the same roots as one collection (the control): %v", err)
	}
	v, err = NewVerifier(WithNamedTrustedRoot("cache:ca", caOnly), WithNamedTrustedRoot("cache:whole", whole), id)
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Verify(ctx, b, Artifact{})
	if err != nil || res.TrustedRoot != "cache:whole" {
		t.Errorf("Verify = %+v, %v; want it verified by cache:whole", res, err)
	}
}

// BenchmarkKeylessSign: one keyless signature (a fresh key, a Fulcio
// certificate, a timestamp, the checks and the bundle) against the
// loopback servers.
func BenchmarkKeylessSign(b *testing.B) {
	s := sigstoretest.Start(b)
	tok := s.Issuer.Token(b, sigstoretest.Claims{"exp": time.Now().Add(time.Hour).Unix()})
	tr, err := LoadTrustedRoot(s.TrustedRoot)
	if err != nil {
		b.Fatal(err)
	}
	k, err := NewKeyless(StaticToken(tok), WithFulcio(s.FulcioURL), WithTimestampAuthorities(s.TSAURL), WithCheckTrustedMaterial(tr))
	if err != nil {
		b.Fatal(err)
	}
	pred, err := structpb.NewStruct(map[string]any{"k": "v"})
	if err != nil {
		b.Fatal(err)
	}
	st := &attest.Statement{Type: attest.StatementTypeV1, PredicateType: "https://example.com/p", Predicate: pred,
		Subject: []*ita.ResourceDescriptor{{Name: "a", Digest: map[string]string{"sha256": strings.Repeat("ab", 32)}}}}
	for b.Loop() {
		if _, err := k.SignStatement(context.Background(), st); err != nil {
			b.Fatal(err)
		}
	}
}
