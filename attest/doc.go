// Package attest signs and verifies in-toto attestations.
//
// It is the bottom layer of provenant: it loads keys (PKCS#8 and PKIX PEM,
// securesystemslib JSON keys), signs in-toto Statements into DSSE envelopes
// with go-securesystemslib, reads bundles of envelopes (JSON Lines, or one
// JSON document), and verifies envelopes against a set of trusted keys with a
// threshold of distinct signers.
//
// The order matters and is kept everywhere: an envelope's signatures are
// verified before its payload is parsed, and a payload is parsed only when a
// trusted signature covers it. Payloads whose JSON repeats an object key are
// refused, because two parsers that keep different duplicates disagree about
// what was signed.
//
// Signing keys are opened by reference with LoadSignerRef: a key file
// (plain or encrypted), or a pkcs11: or KMS URI once package attest/pkcs11
// or attest/kms is imported (they register with RegisterKeyBackend).
// Secrets come only through options (WithPassword, WithPIN); nothing is
// read from the environment. Signed statements are recorded through a
// Writer: NewDSSEWriter appends to a JSON Lines bundle (optionally with the
// key's certificate chain), sigstore.NewBundleWriter writes a Sigstore
// bundle.
//
// attest depends on no policy engine and no Sigstore client; a depcheck test
// keeps it that way so that it stays light to import as a library.
package attest
