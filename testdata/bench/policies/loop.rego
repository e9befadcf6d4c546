# METADATA
# title: a release gate's natural policy, over the whole bundle
# description: >-
#   Issue 20's gate benchmark: for every artifact, every attestation of the
#   input is read and its builder id checked. Evaluated once per artifact,
#   it costs artifacts x attestations (docs/performance.md).
package gate

deny contains msg if {
	some att in input.attestations
	not startswith(att.statement.predicate.runDetails.builder.id, "https://ci.example.com/builder")
	msg := sprintf("%s: builder %s is not the release builder", [att.id, att.statement.predicate.runDetails.builder.id])
}
