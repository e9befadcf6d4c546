# METADATA
# title: in-toto layout rules
# description: >-
#   A classic in-toto layout's artifact rules, stated over the bundle's
#   verified attestations: for each step of data.config.layout.steps, at
#   least one verified attestation records the step
#   (input.attestations[].step: an in-toto link predicate by default, see
#   predicateTypes), and the materials and products of every such
#   attestation pass the step's expected_materials and expected_products
#   rules, written as in a layout: MATCH, ALLOW, DISALLOW, CREATE, DELETE,
#   MODIFY, REQUIRE, applied in order, each artifact consumed by the first
#   rule that takes it. Who may sign each step is the trust file's business
#   (steps:, docs/trust.md); provenant verify-layout checks a signed layout
#   itself. docs/in-toto.md.
# custom:
#   config:
#     required: [layout]
package provenant.layout

import data.provenant.lib

link_v03 := "https://in-toto.io/attestation/link/v0.3"

default cfg := {}

cfg := lib.config.layout

default steps := []

steps := cfg.steps

# predicate_types are the attestations that count as a step's record.
default predicate_types := {"https://in-toto.io/attestation/link/v0.3"}

predicate_types := {t | some t in cfg.predicateTypes} if count(cfg.predicateTypes) > 0

# records(name) is every verified attestation recording step name.
records(name) := [att |
	some att in lib.step_records(name)
	att.predicateType in predicate_types
]

# artifacts(att, kind) maps the names of a record's materials or products
# to their digests.
artifacts(att, kind) := {object.get(a, "name", ""): object.get(a, "digest", {}) |
	some a in object.get(att, ["step", kind], [])
}

rules_of(step, "materials") := object.get(step, "expected_materials", [])

rules_of(step, "products") := object.get(step, "expected_products", [])

# METADATA
# title: Layout configured
# description: The policy needs the layout's steps.
# custom:
#   code: layout.config
#   severity: high
#   solution: 'List the steps in data.config.layout.steps, each {name, expected_materials, expected_products}.'
deny contains {"msg": "no layout steps: set data.config.layout.steps"} if {
	count(steps) == 0
}

# METADATA
# title: Layout step recorded
# description: Every step of the layout has a verified attestation recording it.
# custom:
#   code: layout.step
#   severity: high
#   solution: Record the step with `provenant run --link --step NAME` and add it to the bundle.
deny contains {"msg": msg} if {
	some step in steps
	count(records(step.name)) == 0
	msg := sprintf("no verified attestation records step %q (predicate types %v)", [step.name, sort([t | some t in predicate_types])])
}

# METADATA
# title: Layout rule well-formed
# description: Every rule is an in-toto artifact rule; one provenant cannot read denies.
# custom:
#   code: layout.rule
#   severity: high
#   solution: 'Write rules as in a layout, e.g. ["MATCH", "app", "WITH", "PRODUCTS", "FROM", "build"].'
deny contains {"msg": msg} if {
	some step in steps
	some kind in ["materials", "products"]
	some i, rule in rules_of(step, kind)
	not parse(rule)
	msg := sprintf("step %q: expected_%s[%d] %v is not an in-toto artifact rule", [step.name, kind, i, rule])
}

# METADATA
# title: Layout artifact rules
# description: A DISALLOW rule matched an artifact no earlier rule consumed.
# custom:
#   code: layout.disallow
#   severity: high
#   solution: The step made or used something the layout does not allow; find out why before shipping.
deny contains result if {
	some step in steps
	some att in records(step.name)
	some kind in ["materials", "products"]
	rules := rules_of(step, kind)
	some i, rule in rules
	r := parse(rule)
	r.type == "disallow"
	some name, _ in artifacts(att, kind)
	glob.match(r.pattern, null, name)
	not consumed_before(att, kind, rules, name, i)
	result := {
		"msg": sprintf("step %q: %s %q is disallowed by %v (%s)", [step.name, kind, name, rule, att.id]),
		"attestation": att.id,
	}
}

# METADATA
# title: Layout artifact rules
# description: A REQUIRE rule names an artifact that is not there (or was consumed before it).
# custom:
#   code: layout.require
#   severity: high
#   solution: The step did not record an artifact the layout requires.
deny contains result if {
	some step in steps
	some att in records(step.name)
	some kind in ["materials", "products"]
	rules := rules_of(step, kind)
	some i, rule in rules
	r := parse(rule)
	r.type == "require"
	not queued(att, kind, rules, r.pattern, i)
	result := {
		"msg": sprintf("step %q: %s %q is required by %v and is not there (%s)", [step.name, kind, r.pattern, rule, att.id]),
		"attestation": att.id,
	}
}

queued(att, kind, rules, name, i) if {
	artifacts(att, kind)[name]
	not consumed_before(att, kind, rules, name, i)
}

# consumed_before: a rule before rule i consumes the artifact. Whether a
# rule consumes an artifact does not depend on the rules before it, only
# that the artifact is still there: the first rule that takes it does.
consumed_before(att, kind, rules, name, i) if {
	some j, rule in rules
	j < i
	consumes(att, kind, parse(rule), name)
}

consumes(att, kind, r, name) if {
	r.type == "allow"
	glob.match(r.pattern, null, name)
}

consumes(att, kind, r, name) if {
	r.type == "create"
	glob.match(r.pattern, null, name)
	artifacts(att, "products")[name]
	not artifacts(att, "materials")[name]
}

consumes(att, kind, r, name) if {
	r.type == "delete"
	glob.match(r.pattern, null, name)
	artifacts(att, "materials")[name]
	not artifacts(att, "products")[name]
}

consumes(att, kind, r, name) if {
	r.type == "modify"
	glob.match(r.pattern, null, name)
	before := artifacts(att, "materials")[name]
	after := artifacts(att, "products")[name]
	before != after
}

# MATCH: the artifact (its source prefix removed) matches the pattern, and
# a verified record of the step named has the same name (under its
# destination prefix) among its materials or products, with the same
# digests.
consumes(att, kind, r, name) if {
	r.type == "match"
	startswith(name, r.src_prefix)
	base := trim_prefix(name, r.src_prefix)
	glob.match(r.pattern, null, base)
	digest := artifacts(att, kind)[name]
	some other in records(r.step)
	artifacts(other, r.dst_type)[concat("", [r.dst_prefix, base])] == digest
}

# parse reads an in-toto rule (keywords in any case), with its prefixes
# ending in "/".
parse(rule) := {"type": lower(rule[0]), "pattern": rule[1]} if {
	count(rule) == 2
	lower(rule[0]) in {"allow", "disallow", "create", "delete", "modify", "require"}
	is_string(rule[1])
}

parse(rule) := match_rule(rule[1], "", rule[3], "", rule[5]) if {
	count(rule) == 6
	keywords(rule, {0: "match", 2: "with", 4: "from"})
}

parse(rule) := match_rule(rule[1], rule[3], rule[5], "", rule[7]) if {
	count(rule) == 8
	keywords(rule, {0: "match", 2: "in", 4: "with", 6: "from"})
}

parse(rule) := match_rule(rule[1], "", rule[3], rule[5], rule[7]) if {
	count(rule) == 8
	keywords(rule, {0: "match", 2: "with", 4: "in", 6: "from"})
}

parse(rule) := match_rule(rule[1], rule[3], rule[5], rule[7], rule[9]) if {
	count(rule) == 10
	keywords(rule, {0: "match", 2: "in", 4: "with", 6: "in", 8: "from"})
}

keywords(rule, want) if {
	every i, w in want {
		lower(rule[i]) == w
	}
}

match_rule(pattern, src, dst_type, dst, step) := {
	"type": "match",
	"pattern": pattern,
	"src_prefix": prefix(src),
	"dst_type": lower(dst_type),
	"dst_prefix": prefix(dst),
	"step": step,
} if {
	lower(dst_type) in {"materials", "products"}
}

prefix("") := ""

prefix(p) := concat("", [trim_suffix(p, "/"), "/"]) if p != ""
