package sigstore

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/digitorus/timestamp"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/regfile"
)

// The public-good Sigstore instances, the usual defaults of a keyless
// signer (the CLI's flags default to them; the library has no default).
const (
	PublicGoodFulcioURL = "https://fulcio.sigstore.dev"
	PublicGoodTSAURL    = "https://timestamp.sigstore.dev/api/v1/timestamp"
	PublicGoodRekorURL  = "https://rekor.sigstore.dev"
)

// Keyless signing errors; each wraps ErrKeyless.
var (
	// ErrKeyless: keyless signing failed; nothing was written.
	ErrKeyless = errors.New("keyless signing")
	// ErrNoToken: no OIDC identity token could be had.
	ErrNoToken = fmt.Errorf("%w: no identity token", ErrKeyless)
	// ErrTokenExpired: the identity token has expired (or is not valid
	// yet).
	ErrTokenExpired = fmt.Errorf("%w: the identity token has expired", ErrKeyless)
	// ErrCertificateAuthority: Fulcio could not be reached, or refused
	// the token.
	ErrCertificateAuthority = fmt.Errorf("%w: the certificate authority (Fulcio)", ErrKeyless)
	// ErrTimestampAuthority: a timestamp authority could not be reached,
	// or answered with a timestamp that is not over the signature.
	ErrTimestampAuthority = fmt.Errorf("%w: the timestamp authority", ErrKeyless)
	// ErrTransparencyLog: a Rekor log could not be reached or refused the
	// entry.
	ErrTransparencyLog = fmt.Errorf("%w: the transparency log (Rekor)", ErrKeyless)
	// ErrKeylessNoTime: neither a timestamp authority nor a transparency
	// log is configured, so the short-lived certificate's signature could
	// never be verified.
	ErrKeylessNoTime = fmt.Errorf("%w: no timestamp authority and no transparency log: a verifier could not tell when the short-lived certificate signed", ErrKeyless)
)

// A TokenSource gives an OIDC identity token for Fulcio (audience
// "sigstore"). It is asked once per signature; the token is sent to
// Fulcio and nowhere else, and never appears in an error.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// TokenFunc adapts a function to a TokenSource.
type TokenFunc func(ctx context.Context) (string, error)

// Token implements TokenSource.
func (f TokenFunc) Token(ctx context.Context) (string, error) { return f(ctx) }

// StaticToken is a token given as a value (GitLab's SIGSTORE_ID_TOKEN,
// read by the caller).
func StaticToken(tok string) TokenSource {
	return TokenFunc(func(context.Context) (string, error) {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			return "", fmt.Errorf("%w: the token is empty", ErrNoToken)
		}
		return tok, nil
	})
}

// MaxTokenBytes bounds an identity token read from a file or an
// endpoint.
const MaxTokenBytes = 64 << 10

// TokenFile reads the token from a file (a regular file of at most
// MaxTokenBytes, surrounding white space ignored) each time it is asked,
// so a file that a CI system refreshes is read fresh.
func TokenFile(path string) TokenSource {
	return TokenFunc(func(context.Context) (string, error) {
		b, err := regfile.ReadFile(path, MaxTokenBytes)
		if err != nil {
			return "", fmt.Errorf("%w: identity token %w", ErrNoToken, attest.FileError(err))
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" {
			return "", fmt.Errorf("%w: %s is empty", ErrNoToken, path)
		}
		return tok, nil
	})
}

// GitHubActionsToken asks GitHub Actions' token endpoint (requestURL, with
// the bearer requestToken a job with "id-token: write" is given) for a
// token with the audience. The request token and the answer are never
// put in an error.
func GitHubActionsToken(requestURL, requestToken, audience string) TokenSource {
	return TokenFunc(func(ctx context.Context) (string, error) {
		u, err := url.Parse(requestURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "", fmt.Errorf("%w: the GitHub Actions token endpoint is not an http(s) URL", ErrNoToken)
		}
		q := u.Query()
		q.Set("audience", audience)
		u.RawQuery = q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrNoToken, err)
		}
		req.Header.Set("Authorization", "bearer "+requestToken)
		req.Header.Set("Accept", "application/json")
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			return "", fmt.Errorf("%w: the GitHub Actions token endpoint (%s) did not answer", ErrNoToken, u.Host)
		}
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(io.LimitReader(resp.Body, MaxTokenBytes))
		if err != nil {
			return "", fmt.Errorf("%w: reading the GitHub Actions token: %v", ErrNoToken, err)
		}
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("%w: the GitHub Actions token endpoint answered %s (does the job have permission id-token: write?)", ErrNoToken, resp.Status)
		}
		var v struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(body, &v); err != nil || v.Value == "" {
			return "", fmt.Errorf("%w: the GitHub Actions token endpoint's answer holds no token", ErrNoToken)
		}
		return v.Value, nil
	})
}

// KeylessOption configures NewKeyless.
type KeylessOption func(*Keyless) error

// WithFulcio gets certificates from the Fulcio instance at url.
func WithFulcio(url string) KeylessOption {
	return func(k *Keyless) error {
		if err := checkServiceURL("Fulcio", url); err != nil {
			return err
		}
		k.fulcio = strings.TrimRight(url, "/")
		return nil
	}
}

// WithTimestampAuthorities gets an RFC 3161 timestamp over the signature
// from each URL (the full endpoint, e.g. …/api/v1/timestamp).
func WithTimestampAuthorities(urls ...string) KeylessOption {
	return func(k *Keyless) error {
		for _, u := range urls {
			if err := checkServiceURL("timestamp authority", u); err != nil {
				return err
			}
			k.tsas = append(k.tsas, u)
		}
		return nil
	}
}

// WithRekor records the signature in each Rekor v1 log at urls.
func WithRekor(urls ...string) KeylessOption {
	return func(k *Keyless) error {
		for _, u := range urls {
			if err := checkServiceURL("Rekor", u); err != nil {
				return err
			}
			k.rekors = append(k.rekors, rekorService{url: strings.TrimRight(u, "/"), version: 1})
		}
		return nil
	}
}

// WithSigningConfig takes Fulcio, the timestamp authorities and the Rekor
// logs from a Sigstore signing configuration, as valid now. It replaces
// what WithFulcio, WithTimestampAuthorities and WithRekor said.
func WithSigningConfig(sc *root.SigningConfig) KeylessOption {
	return func(k *Keyless) error {
		if sc == nil {
			return errors.New("nil signing configuration")
		}
		now := time.Now()
		ca, err := root.SelectService(sc.FulcioCertificateAuthorityURLs(), sign.FulcioAPIVersions, now)
		if err != nil {
			return fmt.Errorf("signing configuration: no usable certificate authority: %v", err)
		}
		k.fulcio = strings.TrimRight(ca.URL, "/")
		k.tsas, k.rekors = nil, nil
		if len(sc.TimestampAuthorityURLs()) > 0 {
			tsas, err := root.SelectServices(sc.TimestampAuthorityURLs(), sc.TimestampAuthorityURLsConfig(), sign.TimestampAuthorityAPIVersions, now)
			if err != nil {
				return fmt.Errorf("signing configuration: timestamp authorities: %v", err)
			}
			for _, s := range tsas {
				k.tsas = append(k.tsas, s.URL)
			}
		}
		if len(sc.RekorLogURLs()) > 0 {
			logs, err := root.SelectServices(sc.RekorLogURLs(), sc.RekorLogURLsConfig(), sign.RekorAPIVersions, now)
			if err != nil {
				return fmt.Errorf("signing configuration: transparency logs: %v", err)
			}
			for _, s := range logs {
				k.rekors = append(k.rekors, rekorService{url: strings.TrimRight(s.URL, "/"), version: s.MajorAPIVersion})
			}
		}
		return nil
	}
}

// MaxSigningConfigBytes bounds a signing configuration file.
const MaxSigningConfigBytes = 1 << 20

// LoadSigningConfig reads a Sigstore signing configuration (v0.2, the
// signing_config.json shape), refusing duplicate keys.
func LoadSigningConfig(path string) (*root.SigningConfig, error) {
	return loadJSONFile(path, MaxSigningConfigBytes, "a signing configuration", root.NewSigningConfigFromJSON)
}

// WithCheckTrustedMaterial verifies every bundle made against tm
// (Fulcio's chain, the timestamps, the log entries) before it is
// returned or written; several may be given, and one must verify it. Any
// identity is accepted: this checks the services, not the signer.
func WithCheckTrustedMaterial(tm root.TrustedMaterial) KeylessOption {
	return func(k *Keyless) error {
		if tm == nil {
			return errors.New("nil trusted material")
		}
		k.check = append(k.check, tm)
		return nil
	}
}

// WithServiceTimeout bounds each request to a service (default 30s).
func WithServiceTimeout(d time.Duration) KeylessOption {
	return func(k *Keyless) error {
		k.timeout = d
		return nil
	}
}

type rekorService struct {
	url     string
	version uint32
}

func checkServiceURL(what, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%s URL %q is not an http(s) URL", what, s)
	}
	return nil
}

// Keyless signs with a fresh key certified for the holder of an OIDC
// identity token: sigstore-go's sign package gets a short-lived
// certificate from Fulcio, RFC 3161 timestamps over the signature from
// the timestamp authorities, and optionally Rekor log entries, and the
// result is a Sigstore bundle v0.3. The private key lives in memory for
// one signature.
//
// Before a bundle is handed back, Keyless checks what the services
// answered: the certificate must certify the key that signed, each
// timestamp must be over this signature, and with
// WithCheckTrustedMaterial the whole bundle must verify.
type Keyless struct {
	token   TokenSource
	fulcio  string
	tsas    []string
	rekors  []rekorService
	check   []root.TrustedMaterial
	timeout time.Duration
}

// NewKeyless returns a keyless signer that gets its identity tokens from
// tokens. Fulcio (WithFulcio or WithSigningConfig) and at least one
// timestamp authority or log are required.
func NewKeyless(tokens TokenSource, opts ...KeylessOption) (*Keyless, error) {
	if tokens == nil {
		return nil, ErrNoToken
	}
	k := &Keyless{token: tokens}
	for _, opt := range opts {
		if err := opt(k); err != nil {
			return nil, err
		}
	}
	if k.fulcio == "" {
		return nil, fmt.Errorf("%w: no certificate authority (Fulcio) URL", ErrKeyless)
	}
	if len(k.tsas) == 0 && len(k.rekors) == 0 {
		return nil, ErrKeylessNoTime
	}
	return k, nil
}

// Services names where the signer goes, for messages: Fulcio, then the
// timestamp authorities and logs.
func (k *Keyless) Services() (fulcio string, tsas, rekors []string) {
	for _, r := range k.rekors {
		rekors = append(rekors, r.url)
	}
	return k.fulcio, append([]string(nil), k.tsas...), rekors
}

// SignStatement signs an in-toto statement into a Sigstore bundle v0.3
// with a DSSE envelope, a Fulcio certificate and timestamps.
func (k *Keyless) SignStatement(ctx context.Context, st *attest.Statement) ([]byte, error) {
	payload, err := attest.MarshalStatement(st)
	if err != nil {
		return nil, err
	}
	return k.sign(ctx, &sign.DSSEData{Data: payload, PayloadType: attest.PayloadType})
}

// SignArtifact signs an artifact's bytes into a Sigstore bundle v0.3
// with a message signature.
func (k *Keyless) SignArtifact(ctx context.Context, artifact []byte) ([]byte, error) {
	return k.sign(ctx, &sign.PlainData{Data: artifact})
}

func (k *Keyless) sign(ctx context.Context, content sign.Content) ([]byte, error) {
	tok, err := k.token.Token(ctx)
	if err != nil {
		if errors.Is(err, ErrKeyless) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrNoToken, err)
	}
	if err := checkTokenTime(tok, time.Now()); err != nil {
		return nil, err
	}
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyless, err)
	}
	fp := &fulcioProvider{f: sign.NewFulcio(&sign.FulcioOptions{BaseURL: k.fulcio, Timeout: k.timeout, Retries: 1}), url: k.fulcio}
	opts := sign.BundleOptions{
		Context:                    ctx,
		CertificateProvider:        fp,
		CertificateProviderOptions: &sign.CertificateProviderOptions{IDToken: tok},
	}
	for _, u := range k.tsas {
		opts.TimestampAuthorities = append(opts.TimestampAuthorities, sign.NewTimestampAuthority(&sign.TimestampAuthorityOptions{URL: u, Timeout: k.timeout, Retries: 1}))
	}
	for _, r := range k.rekors {
		opts.TransparencyLogs = append(opts.TransparencyLogs, &rekorLog{r: sign.NewRekor(&sign.RekorOptions{BaseURL: r.url, Timeout: k.timeout, Retries: 1, Version: r.version}), url: r.url})
	}
	pb, err := sign.Bundle(content, kp, opts)
	if err != nil {
		if _, ok := errors.AsType[*serviceError](err); !ok && fp.issued {
			// After the certificate come the timestamps (whose
			// client sigstore-go does not let us wrap), then the logs.
			err = &serviceError{ErrTimestampAuthority, strings.Join(k.tsas, ", "), err}
		}
		return nil, scrub(wrapKeyless(err), tok)
	}
	if err := k.checkBundle(pb, kp.GetPublicKey()); err != nil {
		return nil, err
	}
	return marshalBundle(pb)
}

// wrapKeyless gives an error from sign.Bundle its sentinel.
func wrapKeyless(err error) error {
	if errors.Is(err, ErrKeyless) {
		return err
	}
	if _, ok := errors.AsType[*serviceError](err); ok {
		return err
	}
	return fmt.Errorf("%w: %v", ErrKeyless, err)
}

// serviceError is a service's failure, with its sentinel and URL.
type serviceError struct {
	kind error
	url  string
	err  error
}

func (e *serviceError) Error() string {
	return fmt.Sprintf("%v at %s: %v", e.kind, e.url, e.err)
}

func (e *serviceError) Unwrap() []error { return []error{e.kind, e.err} }

// fulcioProvider names Fulcio and its URL in its errors.
type fulcioProvider struct {
	f      *sign.Fulcio
	url    string
	issued bool
}

func (p *fulcioProvider) GetCertificate(ctx context.Context, kp sign.Keypair, o *sign.CertificateProviderOptions) ([]byte, error) {
	der, err := p.f.GetCertificate(ctx, kp, o)
	if err != nil {
		return nil, &serviceError{ErrCertificateAuthority, p.url, err}
	}
	p.issued = true
	return der, nil
}

// rekorLog names the log and its URL in its errors.
type rekorLog struct {
	r   *sign.Rekor
	url string
}

func (l *rekorLog) GetTransparencyLogEntry(ctx context.Context, keyOrCert []byte, b *protobundle.Bundle) error {
	if err := l.r.GetTransparencyLogEntry(ctx, keyOrCert, b); err != nil {
		return &serviceError{ErrTransparencyLog, l.url, err}
	}
	return nil
}

// checkBundle checks what the services answered before the bundle is
// used: a certificate for our key, timestamps over our signature, and,
// when trusted material was given, the whole bundle.
func (k *Keyless) checkBundle(pb *protobundle.Bundle, pub crypto.PublicKey) error {
	vm := pb.GetVerificationMaterial()
	der := vm.GetCertificate().GetRawBytes()
	if der == nil {
		return fmt.Errorf("%w: the bundle holds no certificate", ErrCertificateAuthority)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("%w: the certificate does not parse: %v", ErrCertificateAuthority, err)
	}
	if eq, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(pub) {
		return fmt.Errorf("%w at %s: the certificate it issued is not for the key that signed", ErrCertificateAuthority, k.fulcio)
	}
	sig := signatureBytes(pb)
	sum := sha256.Sum256(sig)
	for i, ts := range vm.GetTimestampVerificationData().GetRfc3161Timestamps() {
		t, err := timestamp.ParseResponse(ts.GetSignedTimestamp())
		if err != nil {
			if t, err = timestamp.Parse(ts.GetSignedTimestamp()); err != nil {
				return fmt.Errorf("%w: timestamp %d does not parse: %v", ErrTimestampAuthority, i+1, err)
			}
		}
		if t.HashAlgorithm != crypto.SHA256 || !bytes.Equal(t.HashedMessage, sum[:]) {
			return fmt.Errorf("%w at %s: its timestamp is over another digest, not this signature", ErrTimestampAuthority, k.tsaName(i))
		}
	}
	if len(k.check) == 0 {
		return nil
	}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrKeyless, err)
	}
	var errs []string
	for _, tm := range k.check {
		if err := checkWithMaterial(b, tm, len(vm.GetTlogEntries()), len(vm.GetTimestampVerificationData().GetRfc3161Timestamps())); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		return nil
	}
	return fmt.Errorf("%w: the bundle made does not verify against the trusted root: %s", ErrKeyless, strings.Join(errs, "; "))
}

func (k *Keyless) tsaName(i int) string {
	if i < len(k.tsas) {
		return k.tsas[i]
	}
	return fmt.Sprintf("timestamp %d", i+1)
}

// signatureBytes is the bundle's one signature (DSSE or message).
func signatureBytes(pb *protobundle.Bundle) []byte {
	if env := pb.GetDsseEnvelope(); env != nil && len(env.GetSignatures()) > 0 {
		return env.GetSignatures()[0].GetSig()
	}
	return pb.GetMessageSignature().GetSignature()
}

// checkTokenTime reads the token's exp and nbf claims (unverified: only
// to say early and clearly that it has expired; Fulcio verifies it).
func checkTokenTime(tok string, now time.Time) error {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return fmt.Errorf("%w: the identity token is not a JWT", ErrNoToken)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return fmt.Errorf("%w: the identity token is not a JWT", ErrNoToken)
	}
	var c struct {
		Exp *float64 `json:"exp"`
		Nbf *float64 `json:"nbf"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return fmt.Errorf("%w: the identity token is not a JWT", ErrNoToken)
	}
	if c.Exp != nil {
		exp := time.Unix(int64(*c.Exp), 0).UTC()
		if !now.Before(exp) {
			return fmt.Errorf("%w (at %s)", ErrTokenExpired, exp.Format(time.RFC3339))
		}
	}
	if c.Nbf != nil {
		nbf := time.Unix(int64(*c.Nbf), 0).UTC()
		if now.Add(time.Minute).Before(nbf) {
			return fmt.Errorf("%w: it is not valid before %s", ErrTokenExpired, nbf.Format(time.RFC3339))
		}
	}
	return nil
}

// scrub removes the token from an error's message. The error returned
// wraps only the sentinels the original matched (errors.Is still
// answers), never the original, whose message holds the token.
func scrub(err error, tok string) error {
	if err == nil || tok == "" {
		return err
	}
	msg := err.Error()
	secrets := []string{tok}
	for _, part := range strings.Split(tok, ".") {
		if len(part) > 16 {
			secrets = append(secrets, part)
		}
	}
	found := false
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			found = true
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	if !found {
		return err
	}
	var kinds []error
	for _, k := range []error{ErrKeyless, ErrNoToken, ErrTokenExpired, ErrCertificateAuthority, ErrTimestampAuthority, ErrTransparencyLog} {
		if errors.Is(err, k) {
			kinds = append(kinds, k)
		}
	}
	return &scrubbed{msg: msg, kinds: kinds}
}

type scrubbed struct {
	msg   string
	kinds []error
}

func (e *scrubbed) Error() string   { return e.msg }
func (e *scrubbed) Unwrap() []error { return e.kinds }

// checkWithMaterial verifies a bundle just made against trusted material,
// with any identity: the chain to Fulcio, each timestamp, each log entry.
func checkWithMaterial(b *bundle.Bundle, tm root.TrustedMaterial, nTlog, nTSA int) error {
	var vopts []verify.VerifierOption
	if nTSA > 0 {
		vopts = append(vopts, verify.WithSignedTimestamps(nTSA))
	}
	if nTlog > 0 {
		vopts = append(vopts, verify.WithTransparencyLog(nTlog))
		if nTSA == 0 {
			vopts = append(vopts, verify.WithIntegratedTimestamps(nTlog))
		}
	}
	if len(tm.CTLogs()) > 0 {
		vopts = append(vopts, verify.WithSignedCertificateTimestamps(1))
	}
	v, err := verify.NewVerifier(tm, vopts...)
	if err != nil {
		return err
	}
	art := verify.WithoutArtifactUnsafe()
	if ms := b.GetMessageSignature(); ms != nil {
		art = verify.WithArtifactDigest(digestAlg(ms.GetMessageDigest().GetAlgorithm().String()), ms.GetMessageDigest().GetDigest())
	}
	_, err = v.Verify(b, verify.NewPolicy(art, verify.WithoutIdentitiesUnsafe()))
	return err
}
