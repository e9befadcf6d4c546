package kms

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	sigkms "github.com/sigstore/sigstore/pkg/signature/kms"
	"github.com/sigstore/sigstore/pkg/signature/options"

	"github.com/provenant/provenant/attest"
)

// Errors. All wrap attest.ErrKey.
var (
	// ErrKMS: a KMS key could not be used (bad URI, no credentials, no
	// network, refused, timed out).
	ErrKMS = fmt.Errorf("%w: KMS", attest.ErrKey)
	// ErrURI: the string is not a KMS URI in the provider's format.
	ErrURI = fmt.Errorf("%w: URI", ErrKMS)
	// ErrNotCompiled: this binary was built without the KMS providers.
	ErrNotCompiled = fmt.Errorf("%w: provider not compiled in", ErrKMS)
)

// DefaultTimeout bounds each exchange with a KMS (loading the key, one
// signature) unless WithTimeout says otherwise.
const DefaultTimeout = 30 * time.Second

// A provider: its URI scheme, the format its URIs take, and a pattern that
// mirrors the provider's own check (ValidReference in sigstore v1.10.8).
type provider struct {
	scheme, name, format string
	re                   *regexp.Regexp
}

var providers = []provider{
	{"awskms://", "AWS KMS", "awskms://[ENDPOINT]/KEY-ID, awskms:///alias/NAME or awskms:///arn:aws:kms:REGION:ACCOUNT:key/KEY-ID",
		regexp.MustCompile(`^awskms://([^/]*)/((m?r?k?-?[A-Fa-f0-9]{8}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{12})|(arn:(?:aws|aws-us-gov|aws-cn):kms:[a-z0-9-]+:\d{12}:key/m?r?k?-?[A-Fa-f0-9]{8}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{12})|(alias/.*)|(arn:(?:aws|aws-us-gov|aws-cn):kms:[a-z0-9-]+:\d{12}:alias/.*))$`)},
	{"gcpkms://", "Google Cloud KMS", "gcpkms://projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY[/cryptoKeyVersions/VERSION]",
		regexp.MustCompile(`^gcpkms://projects/([^/]+)/locations/([^/]+)/keyRings/([^/]+)/cryptoKeys/([^/]+)(?:/(?:cryptoKeyVersions|versions)/([^/]+))?$`)},
	{"azurekms://", "Azure Key Vault", "azurekms://VAULT.vault.azure.net/KEY[/VERSION]",
		regexp.MustCompile(`^azurekms://([^/]+)/([^/]+)(/[a-z0-9]*)?$`)},
	{"hashivault://", "HashiCorp Vault transit", "hashivault://KEY",
		regexp.MustCompile(`^hashivault://\w(([\w-.]+)?\w)?$`)},
}

// Schemes lists the URI schemes this package recognises.
func Schemes() []string {
	s := make([]string, len(providers))
	for i, p := range providers {
		s[i] = p.scheme
	}
	return s
}

// Compiled lists the schemes whose providers are compiled into this binary
// (all of them with -tags kms, none without).
func Compiled() []string {
	var s []string
	have := sigkms.SupportedProviders()
	for _, p := range providers {
		if slices.Contains(have, p.scheme) {
			s = append(s, p.scheme)
		}
	}
	return s
}

// IsURI says whether s starts with one of the KMS schemes. It does not say
// that the rest is valid.
func IsURI(s string) bool {
	_, ok := lookup(s)
	return ok
}

func lookup(s string) (provider, bool) {
	for _, p := range providers {
		if strings.HasPrefix(s, p.scheme) {
			return p, true
		}
	}
	return provider{}, false
}

// URI is a KMS key reference.
type URI struct {
	Scheme   string // "awskms://", ...
	Provider string // "AWS KMS", ...
	Ref      string // the whole reference, as given
}

func (u *URI) String() string { return u.Ref }

// ParseURI checks that s is a key reference in its provider's format, the
// same check the provider makes, offline.
func ParseURI(s string) (*URI, error) {
	p, ok := lookup(s)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not a KMS URI (want one of %s)", ErrURI, s, strings.Join(Schemes(), ", "))
	}
	if !p.re.MatchString(s) {
		return nil, fmt.Errorf("%w: %q is not a %s key reference; the format is %s", ErrURI, s, p.name, p.format)
	}
	return &URI{Scheme: p.scheme, Provider: p.name, Ref: s}, nil
}

// Option configures Open.
type Option func(*openOptions) error

type openOptions struct {
	timeout time.Duration
}

// WithTimeout bounds each exchange with the KMS (loading the key, each
// signature). The default is DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(o *openOptions) error {
		if d <= 0 {
			return fmt.Errorf("%w: timeout must be positive, not %v", ErrKMS, d)
		}
		o.timeout = d
		return nil
	}
}

// Signer signs with a KMS key. It implements attest.Signer
// (dsse.SignerVerifier).
type Signer struct {
	attest.PublicHalf
	uri     *URI
	sv      sigkms.SignerVerifier
	timeout time.Duration
}

var _ attest.Signer = (*Signer)(nil)

// Open checks the URI, loads the provider's client (credentials from the
// provider's usual places) and fetches the public key. Every exchange is
// bounded by the timeout; an error is one line and names the URI.
func Open(ctx context.Context, uri string, opts ...Option) (*Signer, error) {
	o := openOptions{timeout: DefaultTimeout}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	u, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(Compiled(), u.Scheme) {
		return nil, fmt.Errorf("%w: %s: this provenant was built without KMS support; rebuild it with `go build -tags kms ./cmd/provenant`", ErrNotCompiled, u.Ref)
	}
	s := &Signer{uri: u, timeout: o.timeout}
	if err := s.load(ctx, crypto.SHA256); err != nil {
		return nil, err
	}
	// Providers that fix the hash when the client is made (Vault) need the
	// curve's hash for a P-384 key.
	if ec, ok := s.Public().(*ecdsa.PublicKey); ok && ec.Curve != elliptic.P256() {
		h := crypto.SHA384
		if ec.Curve == elliptic.P521() {
			h = crypto.SHA512
		}
		if err := s.load(ctx, h); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// load makes the provider's client for hash h and fetches the public key.
func (s *Signer) load(ctx context.Context, h crypto.Hash) error {
	type loaded struct {
		sv  sigkms.SignerVerifier
		pub crypto.PublicKey
	}
	res, err := bounded(ctx, s.timeout, func(ctx context.Context) (loaded, error) {
		sv, err := sigkms.Get(ctx, s.uri.Ref, h)
		if err != nil {
			return loaded{}, err
		}
		pub, err := sv.PublicKey(options.WithContext(ctx))
		return loaded{sv, pub}, err
	})
	if err != nil {
		return s.errorf("loading the key", err)
	}
	half, err := attest.NewPublicHalf(res.pub)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrKMS, s.uri, err)
	}
	s.sv, s.PublicHalf = res.sv, half
	return nil
}

// Sign implements dsse.Signer: the KMS signs data (the DSSE PAE) with the
// key's algorithm; the signature is checked against the public key before it
// is returned.
func (s *Signer) Sign(ctx context.Context, data []byte) ([]byte, error) {
	sig, err := bounded(ctx, s.timeout, func(ctx context.Context) ([]byte, error) {
		return s.sv.SignMessage(bytes.NewReader(data), options.WithContext(ctx))
	})
	if err != nil {
		return nil, s.errorf("signing", err)
	}
	if err := s.Verify(ctx, data, sig); err != nil {
		return nil, fmt.Errorf("%w: %s: the KMS signature does not verify with the key's public key; provenant accepts ECDSA P-256/SHA-256, P-384/SHA-384 and RSA with SHA-256 (PSS or PKCS#1 v1.5) keys", ErrKMS, s.uri)
	}
	return sig, nil
}

// String names the key by its URI.
func (s *Signer) String() string { return s.uri.Ref }

// errorf wraps a provider error into one line.
func (s *Signer) errorf(what string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %s: %s: no answer within %v (check the network and credentials)", ErrKMS, s.uri, what, s.timeout)
	}
	return fmt.Errorf("%w: %s: %s: %s", ErrKMS, s.uri, what, oneLine(err.Error(), 400))
}

// bounded runs f with a deadline and returns when either f does or the
// deadline passes, so a provider that ignores its context (Vault's client
// does) cannot hang the caller.
func bounded[T any](ctx context.Context, d time.Duration, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				ch <- result{err: fmt.Errorf("the provider panicked: %v", r)}
			}
		}()
		v, err := f(ctx)
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// oneLine folds whitespace (Azure's errors span many lines) and caps the
// length.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}
