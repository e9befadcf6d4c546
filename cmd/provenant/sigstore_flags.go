package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/attest/sigstore/trustroot"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/github"
)

// sigstoreFlags are the flags for Sigstore bundles and slsa-verifier's
// checks, shared by verify, verify-signature and verify-vsa.
type sigstoreFlags struct {
	trustedRoot        string
	identity           string
	identityRegexp     string
	oidcIssuer         string
	oidcIssuerRegexp   string
	branch             string
	tag                string
	versionedTag       string
	workflowInputs     []string
	artifactDigests    []string
	withSLSAGitHubOpts bool
	// caRoots (verify --ca-roots): without --trusted-root, the identity
	// flags apply to X.509-certified DSSE signatures only.
	caRoots string
	// cached are the user cache's trusted roots, used when no
	// --trusted-root is given (loadCache).
	cached      []trustroot.Root
	cacheLoaded bool
}

// loadCache reads the cached trusted roots once, when no --trusted-root
// is given (which wins).
func (s *sigstoreFlags) loadCache() error {
	if s.cacheLoaded || s.trustedRoot != "" {
		return nil
	}
	roots, err := cachedRoots()
	if err != nil {
		return err
	}
	s.cached, s.cacheLoaded = roots, true
	return nil
}

// hasRoots says whether certificate bundles can be verified: a
// --trusted-root, or cached roots.
func (s *sigstoreFlags) hasRoots() bool { return s.trustedRoot != "" || len(s.cached) > 0 }

// rootsFlag names where the roots come from, for messages.
func (s *sigstoreFlags) rootsFlag() string {
	if s.trustedRoot == "" && len(s.cached) > 0 {
		return "the cached trusted roots"
	}
	return "--trusted-root"
}

// warnStaleRoots warns about stale cached roots when they are used.
func (s *sigstoreFlags) warnStaleRoots(w io.Writer) {
	if s.trustedRoot == "" {
		warnStale(w, s.cached)
	}
}

func (s *sigstoreFlags) registerTrust(f *pflag.FlagSet) {
	f.StringVar(&s.trustedRoot, "trusted-root", "", "Sigstore trusted_root.json: verify certificate bundles (chain, log entries, timestamps) offline")
	f.StringVar(&s.identity, "certificate-identity", "", "expected certificate identity (SAN), e.g. https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/v1.0.0")
	f.StringVar(&s.identityRegexp, "certificate-identity-regexp", "", "expected certificate identity, as a regular expression")
	f.StringVar(&s.oidcIssuer, "certificate-oidc-issuer", "", "expected OIDC issuer, e.g. "+github.ActionsIssuer)
	f.StringVar(&s.oidcIssuerRegexp, "certificate-oidc-issuer-regexp", "", "expected OIDC issuer, as a regular expression")
}

func (s *sigstoreFlags) registerSLSA(f *pflag.FlagSet) {
	s.withSLSAGitHubOpts = true
	f.StringVar(&s.branch, "source-branch", "", "required source branch (slsa-verifier's --source-branch)")
	f.StringVar(&s.tag, "source-tag", "", "required source tag (slsa-verifier's --source-tag)")
	f.StringVar(&s.versionedTag, "source-versioned-tag", "", "required semantic version prefix of the source tag: v13.0 accepts v13.0.30, rejects v13.1")
	f.StringArrayVar(&s.workflowInputs, "build-workflow-input", nil, "required workflow_dispatch input NAME=VALUE (repeatable)")
}

func (s *sigstoreFlags) registerDigest(f *pflag.FlagSet) {
	f.StringArrayVar(&s.artifactDigests, "artifact-digest", nil, "verify an artifact by its digest ALG:HEX instead of a file (repeatable)")
}

func (s *sigstoreFlags) hasIdentity() bool {
	return s.identity != "" || s.identityRegexp != "" || s.oidcIssuer != "" || s.oidcIssuerRegexp != ""
}

// verifier builds the Sigstore verifier; anyIdentity lets the caller
// decide the builder from the certificate (verify's trusted builders).
func (s *sigstoreFlags) verifier(keys []*attest.PublicKey, anyIdentity bool, extra ...sigstore.Option) (*sigstore.Verifier, error) {
	opts := append([]sigstore.Option(nil), extra...)
	if err := s.loadCache(); err != nil {
		return nil, err
	}
	if s.trustedRoot != "" {
		tr, err := sigstore.LoadTrustedRoot(s.trustedRoot)
		if err != nil {
			return nil, inputError(err)
		}
		opts = append(opts, sigstore.WithTrustedRoot(tr))
	} else {
		opts = append(opts, cachedRootOptions(s.cached)...)
	}
	if len(keys) > 0 {
		opts = append(opts, sigstore.WithKeys(keys...))
	}
	switch {
	case s.caRoots != "" && s.trustedRoot == "":
		if s.oidcIssuer != "" || s.oidcIssuerRegexp != "" {
			return nil, usageError("--certificate-oidc-issuer is for Sigstore certificates (--trusted-root), not --ca-roots")
		}
	case s.hasIdentity():
		if !s.hasRoots() {
			return nil, usageError("--certificate-identity and --certificate-oidc-issuer need a trusted root: %s", hint(sigstore.ErrNoRoot))
		}
		if (s.identity == "") == (s.identityRegexp == "") {
			return nil, usageError("give one of --certificate-identity and --certificate-identity-regexp")
		}
		if (s.oidcIssuer == "") == (s.oidcIssuerRegexp == "") {
			return nil, usageError("give one of --certificate-oidc-issuer and --certificate-oidc-issuer-regexp")
		}
		opts = append(opts, sigstore.WithIdentity(sigstore.Identity{SAN: s.identity, SANRegexp: s.identityRegexp, Issuer: s.oidcIssuer, IssuerRegexp: s.oidcIssuerRegexp}))
	case anyIdentity:
		opts = append(opts, sigstore.WithoutIdentitiesUnsafe())
	}
	if !s.hasRoots() && len(keys) == 0 && len(extra) == 0 {
		return nil, nil
	}
	v, err := sigstore.NewVerifier(opts...)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return v, nil
}

// policyOptions are verify's trust material for Sigstore bundles and its
// expectations for slsa-verifier's checks.
func (s *sigstoreFlags) policyOptions(keys []*attest.PublicKey, extra ...sigstore.Option) ([]policy.Option, []policy.Expectation, error) {
	var opts []policy.Option
	v, err := s.verifier(keys, true, extra...)
	if err != nil {
		return nil, nil, err
	}
	if v != nil {
		opts = append(opts, policy.WithSigstore(v))
	}
	in, err := parseWorkflowInputs(s.workflowInputs)
	if err != nil {
		return nil, nil, usageError("%v", err)
	}
	if s.versionedTag != "" && !github.ValidVersionedTag(s.versionedTag) {
		return nil, nil, usageError("--source-versioned-tag %q is not a semantic version (vMAJOR[.MINOR[.PATCH]])", s.versionedTag)
	}
	expect := []policy.Expectation{policy.WithSourceBranch(s.branch), policy.WithSourceTag(s.tag),
		policy.WithSourceVersionedTag(s.versionedTag), policy.WithWorkflowInputs(in)}
	return opts, expect, nil
}

// digestInputs turns --artifact-digest flags into inputs.
func (s *sigstoreFlags) digestInputs() ([]policy.Input, error) {
	var out []policy.Input
	for _, d := range s.artifactDigests {
		set, err := parseDigest(d)
		if err != nil {
			return nil, err
		}
		out = append(out, policy.Input{Name: d, Digests: set})
	}
	return out, nil
}

// parseDigest reads ALG:HEX (sha256:..., sha512:...).
func parseDigest(s string) (digest.Set, error) {
	alg, hexd, ok := strings.Cut(s, ":")
	alg = strings.ToLower(alg)
	if !ok || hexd == "" {
		return nil, usageError("--artifact-digest %q is not ALG:HEX", s)
	}
	if !digest.IsSupported(alg) {
		return nil, usageError("--artifact-digest %q: unsupported algorithm %q", s, alg)
	}
	for _, c := range hexd {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return nil, usageError("--artifact-digest %q: the digest is not hex", s)
		}
	}
	return digest.Set{alg: strings.ToLower(hexd)}, nil
}

// parseWorkflowInputs reads --build-workflow-input NAME=VALUE flags.
func parseWorkflowInputs(flags []string) (map[string]string, error) {
	in := map[string]string{}
	for _, f := range flags {
		k, val, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--build-workflow-input %q is not NAME=VALUE", f)
		}
		in[k] = val
	}
	return in, nil
}

// loadKeys reads the --key files (once per command: the same keys serve
// DSSE envelopes and keyed Sigstore bundles).
func loadKeys(paths []string) ([]*attest.PublicKey, error) {
	keys := make([]*attest.PublicKey, 0, len(paths))
	for _, p := range paths {
		k, err := attest.LoadPublicKey(p)
		if err != nil {
			return nil, inputError(err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
