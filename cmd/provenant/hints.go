package main

import (
	"errors"
	"fmt"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/layout"
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
		return "give --trusted-root"
	case errors.Is(err, sigstore.ErrNoKey):
		return "give --key"
	case errors.Is(err, policy.ErrNoCARoots):
		return "verify a Sigstore bundle of it instead, or, for a certificate from your own CA, give --ca-roots and --certificate-identity (docs/x509.md)"
	case errors.Is(err, policy.ErrNotSignature):
		return "verify it with provenant verify --key"
	case errors.Is(err, layout.ErrInspectionsNotAllowed):
		return "read the layout's inspections (they run its commands here, in a scratch directory), then give --run-inspections with the artifacts they need as arguments"
	case errors.Is(err, layout.ErrMissingParameter):
		return "give --param NAME=VALUE for each"
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
