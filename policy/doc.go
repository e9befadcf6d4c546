// Package policy is provenant's verification engine: it decides whether
// artifacts may ship.
//
// Verify reads bundles, verifies every envelope's signatures against the
// trusted keys (with a threshold of distinct signers) before parsing
// anything inside it, parses the verified statements, matches artifacts to
// subjects by digest, and checks each covering statement against the
// expectations (predicate type, builder id, source). The result is a Report
// that says, per artifact, whether it is allowed and, when it is not, every
// reason why, each naming the envelope (file and line) and the check.
//
// The engine fails closed: an envelope that cannot be read, or whose
// signatures do not verify, denies every artifact, because nothing about
// what it covers can be trusted.
package policy
