// Package scaffold writes a starting Rego policy from evidence: the policy
// input documents of verified attestations (policy.Verifier.PolicyInputs).
// The policy pins what the evidence shows (predicate types, builders,
// build types, sources and refs, signers, the steps of a chain and their
// order); the values go to policy.yaml, which the policy declares as
// required configuration (METADATA custom.config), and a test file holds
// the evidence as Rego data with one test that it passes and one test per
// pinned value that a changed copy is denied. `provenant policy init` is
// its command; docs/policy-init.md describes the files.
//
// The policy's text is fixed: nothing from the evidence is written into it.
// Evidence goes into policy.yaml (YAML, read back and compared) and the
// test file (JSON literals, parsed back and compared).
package scaffold
