// Package sigstoretest runs a private Sigstore on loopback for tests: an
// OIDC issuer served by the test (discovery document and JWKS on
// httptest, tokens signed by the test), a Fulcio certificate authority
// with an ephemeral CA that trusts only that issuer, and an RFC 3161
// timestamp authority with an in-memory signer. Start returns their URLs,
// a trusted root built from their keys and a signing configuration that
// names them, as files in the test's temporary directory.
//
// Fulcio and the timestamp authority are the real servers, built from
// their Go modules at fixed versions (FulcioVersion, TSAVersion) by
// .ci/run into its cache; Start finds them on PATH or in that cache, and
// skips the test with a message saying how to get them where they are
// absent. Each call starts its own servers and stops them when the test
// ends.
//
// It also makes TUF repositories (NewTUFRepo) with go-tuf's metadata API,
// served on httptest, for the trust-root cache's tests: targets, new
// versions, key rotations, expired or frozen metadata.
//
// Helpers take a T: a *testing.T or *testing.B, or (for make demo's
// loopback Sigstore, testdata/keyless) a stand-in of the program's own.
//
// Nothing here is for production use.
package sigstoretest

// T is what the helpers need of a test: testing.TB satisfies it.
type T interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	TempDir() string
	Cleanup(func())
}
