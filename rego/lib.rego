# METADATA
# title: provenant policy library
# description: >-
#   Helpers shared by provenant's built-in policies. Every policy set that
#   provenant loads includes this package, so any policy may
#   `import data.provenant.lib`. The input document is described in
#   docs/policy-input.md.
package provenant.lib

slsa_v1 := "https://slsa.dev/provenance/v1"

slsa_v02 := "https://slsa.dev/provenance/v0.2"

# config is the `data:` section of the --policy-config file (data.config),
# or an empty object.
default config := {}

config := data.config

# covering is the set of attestations whose subjects name the artifact being
# gated (input.artifact.attestations holds their indexes).
covering contains att if {
	some i in input.artifact.attestations
	att := input.attestations[i]
}

# provenance is the covering attestations that carry SLSA provenance.
provenance contains att if {
	some att in covering
	att.statement.predicateType in {slsa_v1, slsa_v02}
}

# step_records(name) is the set of attestations that record step name
# (input.attestations[].step.name: an in-toto link, or SLSA provenance v1
# of `provenant run --step`), found through input.index.byStep: its cost
# grows with their number, not with the bundle's. A policy evaluated for
# every artifact that loops over all of input.attestations costs
# artifacts x attestations; use this, typed(t) or covering instead.
step_records(name) := {input.attestations[i] | some i in input.index.byStep[name]} if input.index

# Without input.index (an input written by hand, in a test), the same set
# by a loop.
step_records(name) := {att |
	some att in input.attestations
	object.get(att, ["step", "name"], null) == name
} if not input.index

# typed(t) is the set of attestations whose predicate type is t, found
# through input.index.byPredicateType.
typed(t) := {input.attestations[i] | some i in input.index.byPredicateType[t]} if input.index

typed(t) := {att |
	some att in input.attestations
	att.predicateType == t
} if not input.index

# builder_id(att) is the builder id an SLSA provenance attestation claims,
# or "" when it records none (no builder, or no predicate at all).
builder_id(att) := object.get(att.statement, ["predicate", "runDetails", "builder", "id"], "") if {
	att.statement.predicateType == slsa_v1
}

builder_id(att) := object.get(att.statement, ["predicate", "builder", "id"], "") if {
	att.statement.predicateType == slsa_v02
}

# step(att) is the step name recorded by `provenant run`
# (predicate.buildDefinition.externalParameters.step).
step(att) := att.statement.predicate.buildDefinition.externalParameters.step

# products(att) is the set of sha256 digests of a statement's subjects.
products(att) := {s.digest.sha256 | some s in att.statement.subject}

# materials(att) is the set of sha256 digests of an SLSA v1 statement's
# resolvedDependencies.
materials(att) := {m.digest.sha256 |
	some m in att.statement.predicate.buildDefinition.resolvedDependencies
}

# repo_name(uri) reduces a GitHub repository URI to "owner/name", lower case:
# "git+https://github.com/Org/App.git@refs/heads/main" -> "org/app".
repo_name(uri) := lower(trim_suffix(trim_suffix(bare, "/"), ".git")) if {
	no_ref := split(uri, "@")[0]
	bare := regex.replace(no_ref, `^(git\+)?([a-z]+://)?(www\.)?github\.com/`, "")
}
