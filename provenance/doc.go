// Package provenance builds and reads SLSA provenance predicates.
//
// New builds the in-toto Statement v1 that provenant signs: the artifacts
// as subjects and an SLSA provenance v1 predicate
// (https://slsa.dev/provenance/v1) that validates with the in-toto bindings'
// own Validate. Summarize reads SLSA provenance v1 and v0.2 into one view
// (builder, build type, source) so that checks do not care which version
// they are looking at.
package provenance
