# METADATA
# title: the same gate, through the index
# description: >-
#   loop.rego's check on the attestations that cover the artifact
#   (lib.covering, from input.artifact.attestations): linear in the gate.
package gate

import data.provenant.lib

deny contains msg if {
	some att in lib.covering
	not startswith(att.statement.predicate.runDetails.builder.id, "https://ci.example.com/builder")
	msg := sprintf("%s: builder %s is not the release builder", [att.id, att.statement.predicate.runDetails.builder.id])
}
