# METADATA
# title: Pinned from evidence
# description: >-
#   Written by provenant policy init from verified attestations. It pins
#   what they showed: the predicate types, builders, build types, sources
#   and refs, signers, and the steps of the chain and their order. The
#   values are in policy.yaml (data.config.pinned): edit them there, not
#   here. A key the evidence did not show is not required; when present it
#   is checked all the same.
# scope: package
# custom:
#   config:
#     required: [pinned]
#     properties:
#       pinned:
#         required: [predicate_types, builder_ids, build_types, signers, steps, links]
#         properties:
#           predicate_types: {type: array, minItems: 1, items: {type: string, minLength: 1}}
#           builder_ids: {type: array, minItems: 1, items: {type: string}}
#           build_types: {type: array, minItems: 1, items: {type: string}}
#           sources: {type: array, minItems: 1, items: {type: string, minLength: 1}}
#           refs: {type: array, minItems: 1, items: {type: string, minLength: 1}}
#           signers:
#             type: array
#             minItems: 1
#             items:
#               type: object
#               minProperties: 1
#               properties:
#                 keyid: {type: string, minLength: 1}
#                 identity: {type: string, minLength: 1}
#                 issuer: {type: string}
#           steps: {type: array, minItems: 1, items: {type: string, minLength: 1}}
#           links:
#             type: array
#             minItems: 1
#             items:
#               type: object
#               required: [from, to]
#               properties:
#                 from: {type: string, minLength: 1}
#                 to: {type: string, minLength: 1}
package pinned

import data.provenant.lib

cfg := data.config.pinned

# METADATA
# title: Attested
# description: At least one verified attestation names the artifact.
# custom:
#   code: pinned.attested
#   severity: high
#   solution: Gate only artifacts the bundle attests.
deny contains {"msg": sprintf("no verified attestation names %s", [input.artifact.name])} if {
	count(lib.covering) == 0
}

# METADATA
# title: Pinned predicate type
# description: Every attestation that names the artifact has a pinned predicate type.
# custom:
#   code: pinned.predicate-type
#   severity: high
#   solution: Add the predicate type to predicate_types in policy.yaml if it is expected.
deny contains {"msg": sprintf("predicate type %q is not pinned (predicate_types)", [att.predicateType]), "attestation": att.id} if {
	want := cfg.predicate_types
	some att in lib.covering
	not att.predicateType in want
}

# METADATA
# title: Pinned builder
# description: Every SLSA provenance that names the artifact comes from a pinned builder (builder.id, as the provenance claims it; signers are pinned apart).
# custom:
#   code: pinned.builder
#   severity: high
#   solution: Build on a pinned builder, or add its id to builder_ids in policy.yaml.
deny contains {"msg": sprintf("builder %q is not pinned (builder_ids)", [lib.builder_id(att)]), "attestation": att.id} if {
	want := cfg.builder_ids
	some att in lib.provenance
	not lib.builder_id(att) in want
}

# METADATA
# title: Pinned build type
# description: Every SLSA provenance that names the artifact has a pinned buildType.
# custom:
#   code: pinned.build-type
#   severity: high
#   solution: Add the build type to build_types in policy.yaml if it is expected.
deny contains {"msg": sprintf("build type %q is not pinned (build_types)", [build_type(att)]), "attestation": att.id} if {
	want := cfg.build_types
	some att in lib.provenance
	not build_type(att) in want
}

# METADATA
# title: Pinned source
# description: Every SLSA provenance that names the artifact was built from a pinned source repository.
# custom:
#   code: pinned.source
#   severity: high
#   solution: Build from a pinned repository, or add it to sources in policy.yaml.
deny contains {"msg": sprintf("source %q is not pinned (sources)", [source(att).repo]), "attestation": att.id} if {
	want := cfg.sources
	some att in lib.provenance
	not source(att).repo in want
}

# METADATA
# title: Pinned ref
# description: Every SLSA provenance that names the artifact was built from a ref that a pinned pattern matches (glob, * stops at /).
# custom:
#   code: pinned.ref
#   severity: high
#   solution: Build from a pinned ref, or add a pattern to refs in policy.yaml.
deny contains {"msg": sprintf("ref %q matches no pinned pattern (refs)", [source(att).ref]), "attestation": att.id} if {
	patterns := cfg.refs
	some att in lib.provenance
	not ref_allowed(source(att).ref, patterns)
}

# METADATA
# title: Pinned signer
# description: Every attestation that names the artifact is signed by a pinned signer (key id, or certificate identity and issuer).
# custom:
#   code: pinned.signer
#   severity: high
#   solution: Sign with a pinned key or identity, or add it to signers in policy.yaml.
deny contains {"msg": "signed by none of the pinned signers (signers)", "attestation": att.id} if {
	want := cfg.signers
	some att in lib.covering
	not signed_by(att, want)
}

# METADATA
# title: Pinned step
# description: Every pinned step has a verified attestation that records it.
# custom:
#   code: pinned.step
#   severity: high
#   solution: Record the step (provenant run --step NAME) and add its attestation to the bundle.
deny contains {"msg": sprintf("no verified attestation records step %q (steps)", [name])} if {
	some name in cfg.steps
	not recorded(name)
}

# METADATA
# title: Pinned step order
# description: For each pinned link, the later step consumed something the earlier one produced (by sha256), and nothing of the same name with another digest.
# custom:
#   code: pinned.link
#   severity: high
#   solution: Run the steps in order, each consuming the products of the one before.
deny contains {"msg": sprintf("step %q did not consume anything step %q produced (links)", [link.to, link.from])} if {
	some link in cfg.links
	not linked(link.from, link.to)
}

# METADATA
# title: Pinned step products
# description: For each pinned link, what the later step consumed under the name of a product of the earlier step has that product's digest.
# custom:
#   code: pinned.link-digest
#   severity: high
#   solution: Do not change a product between the steps; rebuild it in the earlier step.
deny contains {"msg": sprintf("step %q consumed %q with a digest step %q did not produce (links)", [link.to, m.name, link.from]), "attestation": b.id} if {
	some link in cfg.links
	some a in steps(link.from)
	some b in steps(link.to)
	some p in a.step.products
	some m in b.step.materials
	p.name == m.name
	not m.digest.sha256 == p.digest.sha256
}

# build_type(att) is an SLSA provenance's buildType, or "".
build_type(att) := object.get(att.statement.predicate, ["buildDefinition", "buildType"], "") if {
	att.statement.predicateType == lib.slsa_v1
} else := object.get(att.statement.predicate, "buildType", "") if {
	att.statement.predicateType == lib.slsa_v02
} else := ""

# source(att) is where an SLSA provenance says its source is, as
# {"repo", "ref"}: the first of v1 externalParameters.source (a string),
# externalParameters.source.uri, externalParameters.workflow.repository
# (and .ref), resolvedDependencies[0].uri; v0.2 invocation.configSource.uri,
# materials[0].uri. A "repo@ref" string is split where ref is refs/... or a
# commit. {"repo": "", "ref": ""} when it says none.
source(att) := split_source(s) if {
	att.statement.predicateType == lib.slsa_v1
	s := object.get(att.statement.predicate, ["buildDefinition", "externalParameters", "source"], "")
	non_empty(s)
} else := split_source(s) if {
	att.statement.predicateType == lib.slsa_v1
	s := object.get(object.get(att.statement.predicate, ["buildDefinition", "externalParameters", "source"], {}), "uri", "")
	non_empty(s)
} else := {"repo": r, "ref": ref} if {
	att.statement.predicateType == lib.slsa_v1
	wf := object.get(att.statement.predicate, ["buildDefinition", "externalParameters", "workflow"], {})
	r := object.get(wf, "repository", "")
	non_empty(r)
	ref := string_or_empty(object.get(wf, "ref", ""))
} else := split_source(s) if {
	att.statement.predicateType == lib.slsa_v1
	deps := object.get(att.statement.predicate, ["buildDefinition", "resolvedDependencies"], [])
	s := object.get(deps[0], "uri", "")
	non_empty(s)
} else := split_source(s) if {
	att.statement.predicateType == lib.slsa_v02
	s := object.get(att.statement.predicate, ["invocation", "configSource", "uri"], "")
	non_empty(s)
} else := split_source(s) if {
	att.statement.predicateType == lib.slsa_v02
	materials := object.get(att.statement.predicate, "materials", [])
	s := object.get(materials[0], "uri", "")
	non_empty(s)
} else := {"repo": "", "ref": ""}

split_source(s) := {"repo": m[1], "ref": m[2]} if {
	[m] := regex.find_all_string_submatch_n(`^(.+)@(refs/.+|[0-9a-f]{7,64})$`, s, 1)
} else := {"repo": s, "ref": ""}

non_empty(s) if {
	is_string(s)
	s != ""
}

string_or_empty(s) := s if {
	is_string(s)
} else := ""

ref_allowed(ref, patterns) if {
	some p in patterns
	glob.match(p, ["/"], ref)
}

# signed_by(att, want): a signer of att is one of want, by key id, or by
# certificate identity and issuer.
signed_by(att, want) if {
	some s in att.signers
	some w in want
	non_empty(object.get(w, "keyid", ""))
	object.get(s, "keyid", "") == w.keyid
}

signed_by(att, want) if {
	some s in att.signers
	some w in want
	non_empty(object.get(w, "identity", ""))
	object.get(s, "identity", "") == w.identity
	object.get(s, "issuer", "") == object.get(w, "issuer", "")
}

steps(name) := {att |
	some att in input.attestations
	att.step.name == name
}

recorded(name) if count(steps(name)) > 0

linked(from, to) if {
	some a in steps(from)
	some b in steps(to)
	some p in a.step.products
	some m in b.step.materials
	non_empty(object.get(p, ["digest", "sha256"], ""))
	m.digest.sha256 == p.digest.sha256
}
