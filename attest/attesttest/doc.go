// Package attesttest holds helpers for provenant's tests, as
// net/http/httptest does for HTTP servers: files, directories and links
// made with their errors checked, named pipes where the system has them, a
// deadline for calls that must not block, what a path holds without
// following a link, the shared test vectors beside the checkout,
// in-toto-golang's test data in the module cache, the
// GitHub attestations shape several readers are tested on, and the prose
// of Markdown output.
//
// Every helper takes the test's testing.TB and fails (or skips) the test
// itself, so that a setup step cannot fail unnoticed. The package imports
// only the standard library: the internal tests of attest and of the
// packages attest imports can use it without an import cycle. Keys and
// signed attestations are in provenance/provenancetest.
//
// Nothing here is for production use.
package attesttest
