package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/oci"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/attest/sigstore/trustroot"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/layout"
	"github.com/provenant/provenant/policy/rules"
	"github.com/provenant/provenant/provenance"
)

// hint says which flag acts on an error. The libraries' messages say what
// is wrong and never name a flag; the CLI adds how to act on it here, in
// one place, for every command (reasons in reports, inspect's statuses,
// verify-signature and verify-vsa lines, and errors that end a command).
func hint(err error) string {
	if le, ok := errors.AsType[*attest.LimitError](err); ok {
		return fmt.Sprintf("raise it with --limit %s=N", le.Name)
	}
	switch {
	case errors.Is(err, policy.ErrNoIdentityPolicy), errors.Is(err, sigstore.ErrNoIdentity):
		return "give --certificate-identity (or -regexp) and --certificate-oidc-issuer (or -regexp), or --source-uri for GitHub builders (slsa-verifier's checks)"
	case errors.Is(err, policy.ErrNoTrust):
		return "give --trusted-root (certificates) or --key (keyed bundles)"
	case errors.Is(err, sigstore.ErrNoRoot):
		return "give --trusted-root, or run provenant trust update (or trust import FILE) once"
	case errors.Is(err, sigstore.ErrNoKey):
		return "give --key"
	case errors.Is(err, policy.ErrNoCARoots):
		return "verify a Sigstore bundle of it instead, or, for a certificate from your own CA, give --ca-roots and --certificate-identity (docs/x509.md)"
	case errors.Is(err, sigstore.ErrNoToken):
		return "give --identity-token FILE; in GitHub Actions grant permissions: id-token: write; in GitLab CI declare id_tokens: SIGSTORE_ID_TOKEN with aud: sigstore (docs/keyless.md)"
	case errors.Is(err, trustroot.ErrBadName):
		return "choose another --name"
	case errors.Is(err, policy.ErrNotSignature):
		return "verify it with provenant verify --key"
	case errors.Is(err, oci.ErrUnauthorized):
		return "log in (docker login), or give the credentials in $DOCKER_CONFIG/config.json or REGISTRY_AUTH_FILE"
	case errors.Is(err, oci.ErrNeedDigest):
		return "resolve the tag once and verify that digest"
	case errors.Is(err, layout.ErrInspectionsNotAllowed):
		return "read the layout's inspections (they run its commands here, in a scratch directory), then give --run-inspections with the artifacts they need as arguments"
	case errors.Is(err, provenance.ErrBuilderIDConflict):
		return "drop --builder-id there (docs/run.md)"
	case errors.Is(err, attest.ErrPolicyInput):
		return "verify --print-input printed it from its --bundle files"
	case errors.Is(err, layout.ErrMissingParameter):
		return "give --param NAME=VALUE for each"
	case errors.Is(err, rules.ErrConfigRequired):
		return "the policy configuration is the --policy-config file (docs/policies.md#configuration-a-policy-requires)"
	}
	if msg := err.Error(); strings.Contains(msg, "server gave HTTP response to HTTPS client") {
		return "give --plain-http for a registry without TLS"
	} else if _, ok := errors.AsType[x509.UnknownAuthorityError](err); ok || strings.Contains(msg, "certificate signed by unknown authority") {
		return "give --registry-ca with the CA that signed the registry's certificate"
	}
	return ""
}

// explain is err's message followed by the hint for it.
func explain(err error) string {
	if err == nil {
		return ""
	}
	return policy.Explain(hint, err.Error(), err)
}
