# METADATA
# title: SLSA build level
# description: >-
#   Every SLSA provenance that covers the artifact must reach the SLSA Build
#   level required by data.config.slsa.level (1, 2 or 3; default 1).
#   L1: provenance exists. L2: it was made by a hosted builder (any builder id
#   but provenant's local one) and signed, which verify has already checked.
#   L3: the builder is one of data.config.slsa.l3_builders (default: the
#   SLSA GitHub generator's reusable workflows).
package provenant.slsa

import data.provenant.lib

local_builder := "urn:provenant:builder:local"

default required_level := 1

required_level := lib.config.slsa.level

default_l3_builders := {
	"https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml",
	"https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml",
	"https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_go_slsa3.yml",
	"https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_nodejs_slsa3.yml",
}

l3_builders := {b | some b in lib.config.slsa.l3_builders} if {
	lib.config.slsa.l3_builders
} else := default_l3_builders

# level(att) is the SLSA Build level one provenance attestation reaches.
level(att) := 3 if {
	split(lib.builder_id(att), "@")[0] in l3_builders
} else := 2 if {
	hosted(att)
} else := 1

hosted(att) if {
	id := lib.builder_id(att)
	id != ""
	not id == local_builder
}

# METADATA
# title: SLSA provenance present
# description: The artifact must be covered by verified SLSA provenance.
# custom:
#   code: slsa.provenance
#   severity: high
#   solution: Attest the artifact with `provenant attest` or `provenant run`, or build it with an SLSA builder.
deny contains {"msg": msg} if {
	count(lib.provenance) == 0
	msg := sprintf("no verified SLSA provenance covers %s", [input.artifact.name])
}

# METADATA
# title: SLSA build level
# description: Each covering provenance must reach the required SLSA Build level.
# custom:
#   code: slsa.level
#   severity: high
#   solution: Build on a hosted builder (L2) or an SLSA L3 builder, or lower data.config.slsa.level.
deny contains result if {
	some att in lib.provenance
	got := level(att)
	got < required_level
	result := {
		"msg": sprintf("provenance from builder %q reaches SLSA Build L%d; L%d is required", [lib.builder_id(att), got, required_level]),
		"attestation": att.id,
		"level": got,
	}
}

# METADATA
# title: SLSA level configuration
# description: data.config.slsa.level must be 1, 2 or 3.
# custom:
#   code: slsa.config
#   severity: high
deny contains {"msg": msg} if {
	not required_level in {1, 2, 3}
	msg := sprintf("data.config.slsa.level must be 1, 2 or 3, not %v", [required_level])
}

# METADATA
# title: SLSA provenance v0.2
# description: SLSA provenance v0.2 is accepted but superseded by v1.
# custom:
#   code: slsa.v02
#   severity: low
#   solution: Move the builder to SLSA provenance v1.
warn contains result if {
	some att in lib.provenance
	att.statement.predicateType == lib.slsa_v02
	result := {"msg": "provenance uses SLSA v0.2; v1 is current", "attestation": att.id}
}
