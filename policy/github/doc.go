// Package github holds slsa-verifier's checks for provenance signed with a
// GitHub Actions certificate (a Sigstore keyless signature whose issuer is
// GitHub's OIDC issuer): the certificate, not the predicate, says which
// workflow built the artifact (its Build Signer URI, or SAN), and the
// predicate must agree with it about the builder, the repository and the
// ref; the user's expectations (source repository, builder, branch, tag,
// versioned tag, workflow inputs) are matched against both.
//
// Builder ids and versioned tags are matched with slsa-verifier's own
// verifiers/utils, and its test data's verdicts are the oracle of this
// package's tests (in package policy, through the verifier).
package github
