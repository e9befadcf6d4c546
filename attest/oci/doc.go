// Package oci keeps attestations in OCI registries, next to the image they
// are about, in the two layouts other tools read:
//
//   - cosign's classic one: a manifest tagged sha256-<hex>.att whose layers
//     are DSSE envelopes (media type application/vnd.dsse.envelope.v1+json,
//     a predicateType annotation each), new attestations appended as
//     layers;
//   - the OCI 1.1 referrer: a manifest whose subject is the image, whose
//     artifactType is application/vnd.dev.sigstore.bundle.v0.3+json, with
//     the empty config and one layer holding a Sigstore bundle. It is
//     found through the registry's referrers API, or through the
//     sha256-<hex> fallback index tag where the registry has none.
//
// A Client resolves references (a tag becomes the manifest digest it
// names), pushes envelopes and bundles (PushEnvelope, PushBundle, Push, or
// a Writer that signs and pushes), and fetches both kinds back as
// []attest.Entry (Fetch), each with a Source that says where it came from,
// so that policy.Verifier judges them exactly as it judges a bundle file.
// Nothing fetched is trusted: Fetch only reads, within limits (manifest
// and layer sizes, the number of attestations, a timeout), and every
// manifest of a referrer is read, never judged by an index's artifactType.
//
// The package reads no environment variable and no file it is not given:
// credentials come from the Docker-format files named with
// WithCredentialFiles (their credential helpers included), CA roots from
// WithCAPool. Plain HTTP is used only for a loopback registry or when
// asked (WithPlainHTTP).
package oci
