package provenant.layout_test

import data.provenant.layout

link := "https://in-toto.io/attestation/link/v0.3"

# record is a verified attestation recording step name.
record(id, name, materials, products) := {
	"id": id,
	"predicateType": link,
	"step": {
		"name": name,
		"materials": [{"name": n, "digest": {"sha256": d}} | some [n, d] in materials],
		"products": [{"name": n, "digest": {"sha256": d}} | some [n, d] in products],
	},
}

gated(atts) := {"artifact": {"name": "app.tar.gz", "attestations": []}, "attestations": atts, "expectations": {}}

config := {"layout": {"steps": [
	{
		"name": "build",
		"expected_materials": [["ALLOW", "src/*"], ["DISALLOW", "*"]],
		"expected_products": [["CREATE", "out/app"], ["ALLOW", "src/*"], ["DISALLOW", "*"]],
	},
	{
		"name": "package",
		"expected_materials": [["MATCH", "out/app", "WITH", "PRODUCTS", "FROM", "build"], ["DISALLOW", "*"]],
		"expected_products": [["CREATE", "app.tar.gz"], ["DISALLOW", "*"]],
	},
]}}

build := record("b:2", "build", [["src/main.c", "11"]], [["src/main.c", "11"], ["out/app", "22"]])

pack := record("b:4", "package", [["out/app", "22"]], [["app.tar.gz", "33"]])

test_chain_passes if {
	count(layout.deny) == 0 with input as gated([build, pack]) with data.config as config
}

test_match_digest_differs_denies if {
	bad := record("b:4", "package", [["out/app", "99"]], [["app.tar.gz", "33"]])
	some f in layout.deny with input as gated([build, bad]) with data.config as config
	f.attestation == "b:4"
	contains(f.msg, `materials "out/app" is disallowed by ["DISALLOW", "*"]`)
}

test_extra_product_denies if {
	bad := record("b:2", "build", [["src/main.c", "11"]], [["src/main.c", "11"], ["out/app", "22"], ["out/backdoor", "44"]])
	some f in layout.deny with input as gated([bad, pack]) with data.config as config
	contains(f.msg, `products "out/backdoor" is disallowed`)
}

test_create_only_new_files if {
	# out/app was a material already: CREATE does not take it, DISALLOW does.
	bad := record("b:2", "build", [["src/main.c", "11"], ["out/app", "22"]], [["src/main.c", "11"], ["out/app", "22"]])
	cfg := json.patch(config, [{"op": "replace", "path": "layout/steps/0/expected_materials", "value": [["ALLOW", "*"]]}])
	some f in layout.deny with input as gated([bad, pack]) with data.config as cfg
	contains(f.msg, `products "out/app" is disallowed`)
}

test_modify_and_delete if {
	step := record("x:1", "edit", [["a", "1"], ["b", "2"]], [["a", "9"]])
	cfg := {"layout": {"steps": [{"name": "edit", "expected_materials": [["DELETE", "b"], ["MODIFY", "a"], ["DISALLOW", "*"]], "expected_products": [["MODIFY", "a"], ["DISALLOW", "*"]]}]}}
	count(layout.deny) == 0 with input as gated([step]) with data.config as cfg
	unchanged := record("x:1", "edit", [["a", "1"], ["b", "2"]], [["a", "1"]])
	some f in layout.deny with input as gated([unchanged]) with data.config as cfg
	contains(f.msg, `"a" is disallowed`)
}

test_require if {
	cfg := {"layout": {"steps": [{"name": "build", "expected_products": [["REQUIRE", "out/app"]]}]}}
	count(layout.deny) == 0 with input as gated([build]) with data.config as cfg
	without := record("b:2", "build", [], [["out/other", "1"]])
	some f in layout.deny with input as gated([without]) with data.config as cfg
	contains(f.msg, `"out/app" is required`)
}

test_require_after_consumed_denies if {
	cfg := {"layout": {"steps": [{"name": "build", "expected_products": [["ALLOW", "*"], ["REQUIRE", "out/app"]]}]}}
	some f in layout.deny with input as gated([build]) with data.config as cfg
	contains(f.msg, "is required")
}

test_match_with_prefixes if {
	src := record("s:1", "fetch", [], [["vendor/lib.c", "5"]])
	use := record("u:1", "use", [["build/lib.c", "5"]], [])
	cfg := {"layout": {"steps": [
		{"name": "fetch"},
		{"name": "use", "expected_materials": [["MATCH", "*", "IN", "build", "WITH", "PRODUCTS", "IN", "vendor", "FROM", "fetch"], ["DISALLOW", "*"]]},
	]}}
	count(layout.deny) == 0 with input as gated([src, use]) with data.config as cfg
}

test_keywords_any_case if {
	cfg := json.patch(config, [{"op": "replace", "path": "layout/steps/1/expected_materials/0", "value": ["match", "out/app", "with", "products", "from", "build"]}])
	count(layout.deny) == 0 with input as gated([build, pack]) with data.config as cfg
}

test_missing_step_denies if {
	some f in layout.deny with input as gated([build]) with data.config as config
	contains(f.msg, `no verified attestation records step "package"`)
}

test_only_link_records_count_by_default if {
	slsa := json.patch(pack, [{"op": "replace", "path": "predicateType", "value": "https://slsa.dev/provenance/v1"}])
	some f in layout.deny with input as gated([build, slsa]) with data.config as config
	contains(f.msg, `step "package"`)
	cfg := json.patch(config, [{"op": "add", "path": "layout/predicateTypes", "value": [link, "https://slsa.dev/provenance/v1"]}])
	count(layout.deny) == 0 with input as gated([build, slsa]) with data.config as cfg
}

test_malformed_rule_denies if {
	cfg := json.patch(config, [{"op": "replace", "path": "layout/steps/1/expected_materials/0", "value": ["MATCH", "out/app", "FROM", "build"]}])
	some f in layout.deny with input as gated([build, pack]) with data.config as cfg
	contains(f.msg, "is not an in-toto artifact rule")
}

test_no_steps_denies if {
	count(layout.deny) == 1 with input as gated([build])
}

# A record with its fields missing must deny, never pass.

test_record_without_products_denies_require if {
	att := json.remove(build, ["step/products"])
	cfg := {"layout": {"steps": [{"name": "build", "expected_products": [["REQUIRE", "out/app"]]}]}}
	some f in layout.deny with input as gated([att]) with data.config as cfg
	contains(f.msg, "is required")
}

test_material_without_digest_does_not_match if {
	bad := json.remove(pack, ["step/materials/0/digest"])
	some f in layout.deny with input as gated([build, bad]) with data.config as config
	contains(f.msg, `materials "out/app" is disallowed`)
}

test_record_without_name_is_no_record if {
	bad := json.remove(pack, ["step/name"])
	some f in layout.deny with input as gated([build, bad]) with data.config as config
	contains(f.msg, `step "package"`)
}
