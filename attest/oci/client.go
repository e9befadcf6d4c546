package oci

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/provenant/provenant/attest"
)

// Errors about the registry, for callers that tell the user what to do.
var (
	// ErrRegistry: the registry could not be reached or answered with an
	// error.
	ErrRegistry = errors.New("registry")
	// ErrUnauthorized: the registry refused the credentials, or wants
	// some and none were found.
	ErrUnauthorized = errors.New("registry authentication failed")
	// ErrPlainHTTP: plain HTTP to a registry that is not on this
	// machine, which is used only when asked for.
	ErrPlainHTTP = errors.New("plain HTTP")
)

// DefaultTimeout bounds one HTTP request to a registry, body included.
const DefaultTimeout = 60 * time.Second

// Option configures a Client (NewClient).
type Option func(*options) error

type options struct {
	credFiles   []string
	store       credentials.Store
	roots       *x509.CertPool
	plainHTTP   bool
	timeout     time.Duration
	limits      attest.Limits
	transport   http.RoundTripper
	attRepo     *Reference
	now         func() time.Time
	userAgent   string
	maxReferrer int
}

// WithCredentialFiles reads credentials from Docker-format configuration
// files (Docker's config.json, the containers auth.json), in the order
// given: the first that has credentials for a registry is used, and its
// credential helpers ("credsStore", "credHelpers") are run as Docker runs
// them. A file that does not exist holds no credentials.
func WithCredentialFiles(paths ...string) Option {
	return func(o *options) error { o.credFiles = append(o.credFiles, paths...); return nil }
}

// WithCredentialStore uses an oras-go credential store (tests, programs
// with their own).
func WithCredentialStore(s credentials.Store) Option {
	return func(o *options) error {
		if s == nil {
			return errors.New("nil credential store")
		}
		o.store = s
		return nil
	}
}

// WithCAPool trusts these roots for the registry's TLS certificate instead
// of the system's. A client with roots never uses plain HTTP.
func WithCAPool(p *x509.CertPool) Option {
	return func(o *options) error {
		if p == nil {
			return errors.New("nil CA pool")
		}
		o.roots = p
		return nil
	}
}

// WithPlainHTTP talks plain HTTP to every registry, not only to one on
// this machine (a loopback registry is spoken to in plain HTTP unless CA
// roots are given).
func WithPlainHTTP(yes bool) Option {
	return func(o *options) error { o.plainHTTP = yes; return nil }
}

// WithTimeout bounds each HTTP request, body included (DefaultTimeout).
func WithTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("timeout must be positive, not %v", d)
		}
		o.timeout = d
		return nil
	}
}

// WithLimits bounds what Fetch reads: ManifestBytes for a manifest or an
// index, LineBytes for a layer (one envelope or bundle), Envelopes for
// the number of attestations of an image.
func WithLimits(l attest.Limits) Option {
	return func(o *options) error { o.limits = l; return nil }
}

// WithTransport sends requests through rt (a test counting requests, a
// proxy); TLS settings are then rt's own.
func WithTransport(rt http.RoundTripper) Option {
	return func(o *options) error {
		if rt == nil {
			return errors.New("nil transport")
		}
		o.transport = rt
		return nil
	}
}

// WithAttestationRepository keeps attestations in another repository
// (REGISTRY/REPOSITORY), as cosign's COSIGN_REPOSITORY and
// slsa-verifier's --provenance-repository do: the .att tags and the
// referrers are pushed there and fetched from there.
func WithAttestationRepository(repo string) Option {
	return func(o *options) error {
		r, err := ParseReference(repo + ":x")
		if err != nil {
			return fmt.Errorf("attestation repository: %w", err)
		}
		r.Tag = ""
		o.attRepo = &r
		return nil
	}
}

// WithClock sets the time recorded in a referrer's
// org.opencontainers.image.created annotation.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("nil clock")
		}
		o.now = now
		return nil
	}
}

// WithUserAgent sets the User-Agent of every request.
func WithUserAgent(ua string) Option {
	return func(o *options) error { o.userAgent = ua; return nil }
}

// Client talks to registries. It is safe for concurrent use.
type Client struct {
	o    options
	auth *auth.Client
}

// NewClient builds a client from its options.
func NewClient(opts ...Option) (*Client, error) {
	o := options{timeout: DefaultTimeout, now: time.Now, userAgent: "provenant"}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.plainHTTP && o.roots != nil {
		return nil, fmt.Errorf("%w and CA roots do not go together", ErrPlainHTTP)
	}
	o.limits = o.limits.OrDefaults()
	o.maxReferrer = o.limits.Envelopes
	rt := o.transport
	if rt == nil {
		rt = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:       &tls.Config{RootCAs: o.roots, MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: o.timeout,
			MaxIdleConnsPerHost:   8,
			ForceAttemptHTTP2:     true,
		}
	}
	store := o.store
	if store == nil {
		var stores []credentials.Store
		for _, p := range o.credFiles {
			s, err := credentials.NewStore(p, credentials.StoreOptions{})
			if err != nil {
				return nil, fmt.Errorf("credentials: %s: %w", p, err)
			}
			stores = append(stores, s)
		}
		if len(stores) > 0 {
			store = credentials.NewStoreWithFallbacks(stores[0], stores[1:]...)
		}
	}
	ac := &auth.Client{
		Client: &http.Client{Transport: rt, Timeout: o.timeout, CheckRedirect: sameSchemeRedirects},
		Cache:  auth.NewCache(),
	}
	if store != nil {
		ac.Credential = credentials.Credential(store)
	}
	ac.SetUserAgent(o.userAgent)
	return &Client{o: o, auth: ac}, nil
}

// sameSchemeRedirects refuses a redirect from HTTPS to plain HTTP (blob
// storage often redirects; a downgrade is never followed) and long chains.
func sameSchemeRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("refusing a redirect from HTTPS to %s", req.URL.Scheme)
	}
	return nil
}

// repository returns an oras-go repository for REGISTRY/REPOSITORY.
func (c *Client) repository(ref Reference) (*remote.Repository, error) {
	loop := isLoopback(ref.Registry)
	plain := c.o.plainHTTP || (loop && c.o.roots == nil)
	repo, err := remote.NewRepository(ref.Repo())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrReference, err)
	}
	repo.Client = c.auth
	repo.PlainHTTP = plain
	repo.MaxMetadataBytes = int64(c.o.limits.ManifestBytes)
	repo.ReferrerListMaxPages = 100
	// No delete of the old fallback index after an update: pushing needs
	// no delete permission, and a registry without delete (the default
	// of many) works the same.
	repo.SkipReferrersGC = true
	return repo, nil
}

// attestationRepo is where the attestations of img are kept.
func (c *Client) attestationRepo(img Reference) Reference {
	if c.o.attRepo != nil {
		r := *c.o.attRepo
		r.Digest = img.Digest
		return r
	}
	return Reference{Registry: img.Registry, Repository: img.Repository, Digest: img.Digest}
}

// registryError says what went wrong with a request in one line, and
// which kind it was: ErrUnauthorized for 401 and 403, ErrRegistry
// otherwise. Credentials are never part of it (oras-go's errors carry
// none).
func registryError(what string, ref Reference, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %s %s: timed out: %v", ErrRegistry, what, ref.Repo(), err)
	}
	if errors.Is(err, auth.ErrBasicCredentialNotFound) {
		return fmt.Errorf("%w: %s %s: the registry wants credentials, and none were found for %s", ErrUnauthorized, what, ref.Repo(), ref.Registry)
	}
	var er *errcode.ErrorResponse
	if errors.As(err, &er) {
		switch er.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("%w: %s %s: the registry answered %d %s", ErrUnauthorized, what, ref.Repo(), er.StatusCode, http.StatusText(er.StatusCode))
		}
		return fmt.Errorf("%w: %s %s: the registry answered %d %s%s", ErrRegistry, what, ref.Repo(), er.StatusCode, http.StatusText(er.StatusCode), errDetail(er))
	}
	if errors.Is(err, errdef.ErrSizeExceedsLimit) {
		return &attest.LimitError{Name: "manifest-bytes", What: fmt.Sprintf("%s %s: %v", what, ref.Repo(), err)}
	}
	return fmt.Errorf("%w: %s %s: %v", ErrRegistry, what, ref.Repo(), err)
}

func errDetail(er *errcode.ErrorResponse) string {
	if len(er.Errors) == 0 {
		return ""
	}
	return ": " + er.Errors[0].Message
}
