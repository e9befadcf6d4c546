# METADATA
# title: SLSA build level
# description: >-
#   Every SLSA provenance that covers the artifact must reach the SLSA Build
#   level required by data.config.slsa.level (1, 2 or 3; default 1).
#   A builder id is a claim until a signature binds it, so levels above L1
#   come from the builder a signer proves (input.attestations[].verifiedBuilder:
#   a certificate's build-signer workflow that passed the builder checks, or
#   a trust-file key mapped to a builder), never from the predicate's
#   builder.id. L1: provenance exists. L2: a signer proves a builder other
#   than provenant's local one. L3: the proven builder (without its @ref) is
#   one of data.config.slsa.l3_builders (default: the SLSA GitHub
#   generator's reusable workflows).
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

# reached_level is the SLSA Build level that the verified provenance
# covering the artifact reached: the lowest over all of it, 0 without any.
# It is what a VSA records: never the level required, and an exception,
# which waives a denial, does not raise it.
default reached_level := 0

reached_level := min({level(att) | some att in lib.provenance}) if {
	count(lib.provenance) > 0
}

# verified_builder(att) is the builder a signer of att proves, or "" when
# none does (a missing or malformed field proves nothing).
verified_builder(att) := b if {
	b := object.get(att, "verifiedBuilder", "")
	is_string(b)
} else := ""

# level(att) is the SLSA Build level one provenance attestation reaches:
# from the builder its signer proves, never from the builder it claims.
level(att) := 3 if {
	split(verified_builder(att), "@")[0] in l3_builders
} else := 2 if {
	hosted(verified_builder(att))
} else := 1

hosted(builder) if {
	builder != ""
	not split(builder, "@")[0] == local_builder
}

# level_message(att, got) says which level att reaches and why: from the
# builder its signer proves, or only the builder it claims.
level_message(att, got) := msg if {
	verified_builder(att) == ""
	lib.builder_id(att) == ""
	msg := sprintf("provenance names no builder and no signer proves one: it reaches SLSA Build L%d; L%v is required", [got, required_level])
} else := msg if {
	verified_builder(att) == ""
	msg := sprintf("provenance claims builder %q, but no signer proves it: it reaches SLSA Build L%d; L%v is required", [lib.builder_id(att), got, required_level])
} else := sprintf("provenance from builder %q, proven by its signer, reaches SLSA Build L%d; L%v is required", [verified_builder(att), got, required_level])

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
#   solution: >-
#     Build on a hosted builder whose signature proves it (L2: a certificate
#     from the builder, or a trust-file key mapped to it) or on an SLSA L3
#     builder, or lower data.config.slsa.level.
deny contains result if {
	some att in lib.provenance
	got := level(att)
	got < required_level
	result := {
		"msg": level_message(att, got),
		"attestation": att.id,
		"level": got,
		"builder": lib.builder_id(att),
		"verifiedBuilder": verified_builder(att),
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
