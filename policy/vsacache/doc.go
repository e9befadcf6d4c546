// Package vsacache makes signed Verification Summary Attestations a cache
// of verify's decisions: verify once where an artifact is built, gate many
// times. Cache.Verify looks, for each artifact, for a VSA that a trusted
// key signed for this artifact's digest, with verificationResult PASSED,
// the verifier id and levels asked for, a policy digest equal to the
// digest of this gate's criteria (trust, expectations, Rego policies,
// policy configuration) and an evidence digest equal to the digest of the
// attestations given now, not older than the maximum age. Such an
// artifact is allowed without verifying again, and its report says from
// which VSA; every other artifact goes through policy.Verifier.Verify, and
// the allowed ones get a new VSA written to the cache.
//
// A VSA is verified through policy/vsa's Checker, that is through
// policy.Verifier.VerifyEntry: there is no second notion of "verified".
// Anything unexpected about an entry (unreadable, unsigned, other
// criteria) is a miss, never a pass.
package vsacache
