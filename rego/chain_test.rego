package provenant.chain_test

import data.provenant.chain

step(id, name, materials, products) := {
	"id": id,
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
