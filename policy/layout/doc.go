// Package layout verifies a software supply chain described by a classic
// in-toto root layout (https://github.com/in-toto/docs/blob/master/in-toto-spec.md):
// the steps, who may perform each (functionaries, thresholds), the
// artifact rules that tie the steps together, and inspections run at
// verification time.
//
// It drives in-toto-golang's exported step functions (the layout and link
// types, their validation, parameter substitution, certificate
// constraints, metablock signature checks, artifact rules, InTotoRun for
// inspections) rather than its InTotoVerify, so that provenant decides
// how keys and files are read (bounded, never a FIFO, exact member names),
// what counts as a functionary (key material, never a key id alone), how
// errors read, and where inspections run: in a scratch directory holding
// copies of the artifacts, only when the caller allows them, never in the
// current directory, whose files in-toto-golang would record and overwrite.
//
// The order is in-toto's: the layout's signatures (each layout key must
// have signed), its expiry, parameter substitution, the links of each step
// (signatures by authorized functionaries, thresholds), sublayouts, the
// artifact rules of every step, the inspections, and their artifact rules.
// Evidence comes from link files (both forms in-toto-golang reads: the
// signed "metablock" and DSSE envelopes) and from in-toto link predicate
// v0.3 statements in provenant bundles, which the policy package's
// verifier checks first (policy.Verifier.VerifyEntry) before they count.
//
// Anything that cannot be read, verified or applied denies; a link that
// does not verify denies even when the threshold is met by others, and a
// layout with inspections is refused unless they are allowed (an input
// error: the caller decides whether to run the layout's commands).
package layout
