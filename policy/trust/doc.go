// Package trust reads the trust material a verifier is given besides
// bare keys: trust files (docs/trust.md: keys with validity windows and
// revocations, the builders each key signs for, a global threshold and
// per-step rules), and X.509 CA roots for certificate-carrying DSSE
// signatures (docs/x509.md). Every error about a file names it and the
// line; package policy applies what these say.
package trust
