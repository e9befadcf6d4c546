# METADATA
# title: Step chain
# description: >-
#   For each link {from, to} of data.config.chain, the materials of step
#   `to` must include every product of step `from` (matched by sha256), so
#   that what was packaged is what was built. Steps are named by
#   `provenant run --step NAME` (predicate.buildDefinition.externalParameters.step);
#   every attestation of the bundle is searched, not only those covering the
#   artifact.
# custom:
#   config:
#     required: [chain]
package provenant.chain

import data.provenant.lib

default links := []

links := lib.config.chain

# steps(name) is every attestation of the bundle recorded for step name by
# `provenant run` (found through the step index, then read from the
# predicate as lib.step does).
steps(name) := {att |
	some att in lib.step_records(name)
	lib.step(att) == name
}

# METADATA
# title: Chain configured
# description: The policy needs at least one link to check.
# custom:
#   code: chain.config
#   severity: high
#   solution: 'List links in data.config.chain, e.g. [{from: build, to: package}].'
deny contains {"msg": "no chain links: set data.config.chain to a list of {from, to} steps"} if {
	count(links) == 0
}

# METADATA
# title: Chain step attested
# description: Every step named in a link must have an attestation in the bundle.
# custom:
#   code: chain.step
#   severity: high
#   solution: Record the step with `provenant run --step NAME` and add it to the bundle.
deny contains {"msg": msg} if {
	some link in links
	some name in [object.get(link, "from", ""), object.get(link, "to", "")]
	count(steps(name)) == 0
	msg := sprintf("no verified attestation of step %q in the bundle", [name])
}

# METADATA
# title: Chain link
# description: A step's materials must include the products of the step before it.
# custom:
#   code: chain.link
#   severity: high
#   solution: Make sure the later step consumed exactly what the earlier step produced.
deny contains result if {
	some link in links
	some to in steps(link.to)
	some from in steps(link.from)
	some s in products(from)

	# Every field read with a default: a product without a name or a
	# sha256 digest must deny, not make the rule undefined.
	name := object.get(s, "name", "")
	digest := object.get(s, ["digest", "sha256"], "")
	not consumed(digest, to)
	result := {
		"msg": link_message(link, to, from, name, digest),
		"attestation": to.id,
	}
}

# METADATA
# title: Chain link
# description: A step's materials must include the products of the step before it.
# custom:
#   code: chain.link
#   severity: high
#   solution: Make sure the later step consumed exactly what the earlier step produced.
deny contains result if {
	some link in links
	some to in steps(link.to)
	some from in steps(link.from)
	count(products(from)) == 0
	result := {
		"msg": sprintf("step %q at %s records no products: nothing links it to step %q", [link.from, from.id, link.to]),
		"attestation": from.id,
	}
}

# products(att) is the subjects of a statement, or none when it has none.
products(att) := object.get(att.statement, "subject", [])

consumed(digest, to) if {
	digest != ""
	digest in lib.materials(to)
}

link_message(link, to, from, name, "") := sprintf("step %q cannot be linked to %s produced by step %q at %s: it has no sha256 digest", [link.to, name, link.from, from.id])

link_message(link, to, from, name, digest) := sprintf("step %q did not consume %s (sha256:%s) produced by step %q at %s", [link.to, name, digest, link.from, from.id]) if {
	digest != ""
}
