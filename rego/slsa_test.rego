package provenant.slsa_test

import data.provenant.slsa

prov(id, builder) := {
	"id": id,
	"statement": {
		"predicateType": "https://slsa.dev/provenance/v1",
		"subject": [{"name": "app", "digest": {"sha256": "aa"}}],
		"predicate": {"runDetails": {"builder": {"id": builder}}},
	},
}

gated(atts) := {
	"artifact": {"name": "app", "attestations": [i | some i, _ in atts]},
	"attestations": atts,
	"expectations": {},
}

codes(findings) := {f.msg | some f in findings}

test_local_builder_passes_level_1 if {
	count(slsa.deny) == 0 with input as gated([prov("b:1", "urn:provenant:builder:local")])
}

test_local_builder_fails_level_2 if {
	some f in slsa.deny with input as gated([prov("b:1", "urn:provenant:builder:local")])
		with data.config as {"slsa": {"level": 2}}
	f.attestation == "b:1"
	f.level == 1
}

test_hosted_builder_reaches_level_2 if {
	count(slsa.deny) == 0 with input as gated([prov("b:1", "https://ci.example.com/builder")])
		with data.config as {"slsa": {"level": 2}}
}

test_hosted_builder_fails_level_3 if {
	count(slsa.deny) == 1 with input as gated([prov("b:1", "https://ci.example.com/builder")])
		with data.config as {"slsa": {"level": 3}}
}

test_l3_builder_with_ref if {
	b := "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.0.0"
	count(slsa.deny) == 0 with input as gated([prov("b:1", b)])
		with data.config as {"slsa": {"level": 3}}
}

test_configured_l3_builders if {
	count(slsa.deny) == 0 with input as gated([prov("b:1", "https://ci.example.com/hardened")])
		with data.config as {"slsa": {"level": 3, "l3_builders": ["https://ci.example.com/hardened"]}}
}

test_no_provenance_denies if {
	other := {"id": "b:1", "statement": {"predicateType": "https://example.com/test-result", "subject": []}}
	some f in slsa.deny with input as gated([other])
	contains(f.msg, "no verified SLSA provenance")
}

test_no_attestation_denies if {
	count(slsa.deny) == 1 with input as gated([])
}

test_bad_level_denies if {
	some f in slsa.deny with input as gated([prov("b:1", "https://ci.example.com/builder")])
		with data.config as {"slsa": {"level": 5}}
	contains(f.msg, "must be 1, 2 or 3")
}

test_v02_warns if {
	old := {"id": "b:1", "statement": {
		"predicateType": "https://slsa.dev/provenance/v0.2",
		"predicate": {"builder": {"id": "https://ci.example.com/builder"}},
	}}
	count(slsa.deny) == 0 with input as gated([old])
		with data.config as {"slsa": {"level": 2}}
	count(slsa.warn) == 1 with input as gated([old])
}

# Each rule with the field it reads missing: a missing value must deny,
# never pass (docs/policies.md, "Missing fields").

test_missing_predicate_type_denies if {
	att := json.remove(prov("b:1", "https://ci.example.com/builder"), ["statement/predicateType"])
	some f in slsa.deny with input as gated([att])
	contains(f.msg, "no verified SLSA provenance")
}

test_missing_builder_id_reaches_level_1 if {
	att := json.remove(prov("b:1", "https://ci.example.com/builder"), ["statement/predicate/runDetails/builder/id"])
	some f in slsa.deny with input as gated([att]) with data.config as {"slsa": {"level": 2}}
	f.level == 1
}

test_missing_run_details_reaches_level_1 if {
	att := json.remove(prov("b:1", "https://ci.example.com/builder"), ["statement/predicate/runDetails"])
	some f in slsa.deny with input as gated([att]) with data.config as {"slsa": {"level": 2}}
	f.level == 1
}

test_missing_level_is_level_1 if {
	count(slsa.deny) == 0 with input as gated([prov("b:1", "urn:provenant:builder:local")]) with data.config as {"slsa": {}}
}
