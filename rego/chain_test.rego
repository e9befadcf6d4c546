package provenant.chain_test

import data.provenant.chain

step(id, name, materials, products) := {
	"id": id,
	"predicateType": "https://slsa.dev/provenance/v1",
	"step": {"name": name, "materials": [], "products": []},
	"statement": {
		"predicateType": "https://slsa.dev/provenance/v1",
		"subject": [{"name": n, "digest": {"sha256": d}} | some [n, d] in products],
		"predicate": {"buildDefinition": {
			"externalParameters": {"step": name},
			"resolvedDependencies": [{"name": n, "digest": {"sha256": d}} | some [n, d] in materials],
		}},
	},
}

gated(atts) := {
	"artifact": {"name": "app.tar.gz", "attestations": []},
	"attestations": atts,
	"expectations": {},
}

# indexed(atts) is gated(atts) with input.index, as provenant builds it.
indexed(atts) := object.union(gated(atts), {"index": {
	"byStep": {name: [i |
		some i, att in atts
		att.step.name == name
	] |
		some att in atts
		name := att.step.name
	},
	"byPredicateType": {},
}})

config := {"chain": [{"from": "build", "to": "package"}]}

build := step("b:1", "build", [["main.go", "11"]], [["dist/app", "22"]])

test_linked_steps_pass if {
	pkg := step("b:2", "package", [["dist/app", "22"]], [["app.tar.gz", "33"]])
	count(chain.deny) == 0 with input as gated([build, pkg]) with data.config as config
}

test_changed_product_denies if {
	pkg := step("b:2", "package", [["dist/app", "99"]], [["app.tar.gz", "33"]])
	some f in chain.deny with input as gated([build, pkg]) with data.config as config
	f.attestation == "b:2"
	contains(f.msg, "did not consume dist/app")
}

test_missing_step_denies if {
	some f in chain.deny with input as gated([build]) with data.config as config
	contains(f.msg, "step \"package\"")
}

test_no_links_denies if {
	count(chain.deny) == 1 with input as gated([build])
}

# Each rule with the field it reads missing: a missing value must deny,
# never pass (docs/policies.md, "Missing fields").

test_product_without_sha256_denies if {
	att := json.patch(build, [{"op": "replace", "path": "statement/subject/0/digest", "value": {"sha512": "ff"}}])
	pkg := step("b:2", "package", [["dist/app", "22"]], [["app.tar.gz", "33"]])
	some f in chain.deny with input as gated([att, pkg]) with data.config as config
	f.attestation == "b:2"
	contains(f.msg, "no sha256 digest")
}

test_product_without_name_denies if {
	att := json.remove(build, ["statement/subject/0/name"])
	pkg := step("b:2", "package", [["dist/app", "99"]], [["app.tar.gz", "33"]])
	some f in chain.deny with input as gated([att, pkg]) with data.config as config
	f.attestation == "b:2"
	contains(f.msg, "did not consume")
}

test_material_without_sha256_denies if {
	pkg := step("b:2", "package", [["dist/app", "22"]], [["app.tar.gz", "33"]])
	att := json.patch(pkg, [{"op": "replace", "path": "statement/predicate/buildDefinition/resolvedDependencies/0/digest", "value": {"sha512": "22"}}])
	some f in chain.deny with input as gated([build, att]) with data.config as config
	f.attestation == "b:2"
}

test_missing_materials_denies if {
	pkg := step("b:2", "package", [["dist/app", "22"]], [["app.tar.gz", "33"]])
	att := json.remove(pkg, ["statement/predicate/buildDefinition/resolvedDependencies"])
	some f in chain.deny with input as gated([build, att]) with data.config as config
	f.attestation == "b:2"
}

test_missing_step_name_denies if {
	pkg := step("b:2", "package", [["dist/app", "22"]], [["app.tar.gz", "33"]])
	att := json.remove(pkg, ["statement/predicate/buildDefinition/externalParameters/step"])
	some f in chain.deny with input as gated([build, att]) with data.config as config
	contains(f.msg, "step \"package\"")
}

test_missing_subjects_denies if {
	att := json.remove(build, ["statement/subject"])
	pkg := step("b:2", "package", [["dist/app", "22"]], [["app.tar.gz", "33"]])
	some f in chain.deny with input as gated([att, pkg]) with data.config as config
	contains(f.msg, "no products")
}

# The same verdicts through input.index as by the loop without it.
test_index_linked_steps_pass if {
	pkg := step("b:2", "package", [["dist/app", "22"]], [["app.tar.gz", "33"]])
	count(chain.deny) == 0 with input as indexed([build, pkg]) with data.config as config
}

test_index_changed_product_denies if {
	pkg := step("b:2", "package", [["dist/app", "99"]], [["app.tar.gz", "33"]])
	some f in chain.deny with input as indexed([build, pkg]) with data.config as config
	f.attestation == "b:2"
}

test_index_missing_step_denies if {
	some f in chain.deny with input as indexed([build]) with data.config as config
	contains(f.msg, "step \"package\"")
}

# An index that does not list a step's record hides it: the index is
# provenant's to build, and the policy trusts it.
test_index_is_used if {
	pkg := step("b:2", "package", [["dist/app", "22"]], [["app.tar.gz", "33"]])
	doc := object.union(gated([build, pkg]), {"index": {"byStep": {"build": [0]}, "byPredicateType": {}}})
	some f in chain.deny with input as doc with data.config as config
	contains(f.msg, "no verified attestation of step \"package\"")
}
