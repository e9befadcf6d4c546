// Package sigstore reads, verifies and writes Sigstore bundles (v0.1, v0.2
// and v0.3, with a DSSE envelope or a message signature) through
// sigstore-go, fully offline: trust comes from a trusted_root.json file
// (Fulcio certificate authorities, Rekor and CT log keys, timestamp
// authorities) or from public keys, never from the network.
//
// A Verifier checks, in this order, the transparency-log entries (inclusion
// proof or promise, checkpoint), the timestamps, the certificate chain at
// those times, the signed certificate timestamps, the signature, and the
// signer's identity. Only then is the signed content handed back: the DSSE
// payload as signed (to be parsed with attest.ParseStatement), or the
// verified digest of a message signature, with the signer (a key id, or
// the certificate's identity and its GitHub workflow claims) and the
// verified timestamps.
//
// Keyed bundles without a log entry or a timestamp carry no trusted time:
// they verify with the key alone (WithNoObserverTimestamps), so the key
// must be trusted for every time it may have signed. A certificate bundle
// with neither cannot be verified offline at all, because its short-lived
// certificate was valid only for minutes and nothing says when it signed.
//
// BundleWriter writes keyed bundles v0.3 offline with a long-lived key: a
// DSSE envelope for a statement (it is an attest.Writer) or a message
// signature over an artifact.
//
// Packages attest and provenance do not import this package (nor
// sigstore-go), so that they stay light to import.
package sigstore
