// Package provenancetest makes keys and signed attestations for
// provenant's tests: Ed25519 keys from fixed seeds (the same seed, the same
// signatures, so outputs that show them do not change between runs), fresh
// keys of any type, statements, DSSE envelopes as bundle lines, bundle
// entries read back from them, and trust files naming the keys.
//
// It imports attest and provenance, so the internal tests of those two
// packages cannot use it; attest/attesttest holds the helpers that need
// only the standard library.
//
// Nothing here is for production use.
package provenancetest
