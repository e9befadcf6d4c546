# METADATA
# title: Tests passed on the commit the artifact was built from
# description: >-
#   An artifact is released only when a verified in-toto test result
#   (https://in-toto.io/attestation/test-result/v0.1, as provenant run
#   --test-result records it) says PASSED for the source commit its
#   verified SLSA provenance was built from. Every attestation in the
#   input is verified (signature, signer, exact members), so a test result
#   counts only when a trusted key signed it. See docs/run.md and
#   docs/policy-input.md.
package provenant.examples.tests

import rego.v1

test_result_type := "https://in-toto.io/attestation/test-result/v0.1"

# The source commits of the provenance that covers the artifact.
built_from contains commit if {
	some i in input.artifact.attestations
	some dep in input.attestations[i].statement.predicate.buildDefinition.resolvedDependencies
	commit := dep.digest.gitCommit
}

# The commits a verified test result says PASSED on.
tested contains commit if {
	some a in input.attestations
	a.predicateType == test_result_type
	a.testResult.result == "PASSED"
	some c in a.testResult.configuration
	c.name == "source"
	commit := c.digest.gitCommit
}

# METADATA
# title: the artifact's provenance names no source commit
deny contains msg if {
	count(built_from) == 0
	msg := sprintf("%s: its provenance names no source commit: no test result can be tied to it", [input.artifact.name])
}

# METADATA
# title: no passing test result on the commit built from
deny contains msg if {
	some commit in built_from
	not tested[commit]
	msg := sprintf("%s: no verified test result PASSED on commit %s", [input.artifact.name, commit])
}
