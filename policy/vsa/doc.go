// Package vsa writes and checks SLSA Verification Summary Attestations v1
// (https://slsa.dev/spec/v1.0/verification_summary), through the in-toto
// attestation module's predicates/vsa/v1 binding: Envelopes signs one VSA
// per artifact of an allowed verify report (its level is the level the
// verified provenance reached, never a configured one), and Verify checks
// VSAs as slsa-verifier's verify-vsa does, each entry verified by the one
// verification path (policy.Verifier.VerifyEntry).
package vsa
