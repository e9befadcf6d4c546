package provenant.slsa_test

import data.provenant.slsa

prov(id, builder) := {
	"id": id,
	"verifiedBuilder": "",
	"statement": {
		"predicateType": "https://slsa.dev/provenance/v1",
		"subject": [{"name": "app", "digest": {"sha256": "aa"}}],
		"predicate": {"runDetails": {"builder": {"id": builder}}},
	},
}

# proven(id, builder) is provenance whose signer proves the builder it claims.
proven(id, builder) := json.patch(prov(id, builder), [{"op": "replace", "path": "verifiedBuilder", "value": builder}])

gated(atts) := {
	"artifact": {"name": "app", "attestations": [i | some i, _ in atts]},
	"attestations": atts,
	"expectations": {},
}

codes(findings) := {f.msg | some f in findings}

generator := "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml"

test_local_builder_passes_level_1 if {
	count(slsa.deny) == 0 with input as gated([prov("b:1", "urn:provenant:builder:local")])
}

test_local_builder_fails_level_2 if {
	some f in slsa.deny with input as gated([prov("b:1", "urn:provenant:builder:local")])
		with data.config as {"slsa": {"level": 2}}
	f.attestation == "b:1"
	f.level == 1
}

test_proven_local_builder_fails_level_2 if {
	some f in slsa.deny with input as gated([proven("b:1", "urn:provenant:builder:local")])
		with data.config as {"slsa": {"level": 2}}
	f.level == 1
	contains(f.msg, "proven by its signer")
}

test_proven_hosted_builder_reaches_level_2 if {
	count(slsa.deny) == 0 with input as gated([proven("b:1", "https://ci.example.com/builder")])
		with data.config as {"slsa": {"level": 2}}
}

# A builder id is a claim until a signature binds it (issue 13 item 4b).
test_claimed_hosted_builder_is_level_1 if {
	some f in slsa.deny with input as gated([prov("b:1", "https://ci.example.com/builder")])
		with data.config as {"slsa": {"level": 2}}
	f.level == 1
	f.msg == "provenance claims builder \"https://ci.example.com/builder\", but no signer proves it: it reaches SLSA Build L1; L2 is required"
	f.verifiedBuilder == ""
}

test_claimed_l3_builder_is_level_1 if {
	some f in slsa.deny with input as gated([prov("b:1", concat("", [generator, "@refs/tags/v2.0.0"]))])
		with data.config as {"slsa": {"level": 3}}
	f.level == 1
	contains(f.msg, "no signer proves it")
}

test_proven_hosted_builder_fails_level_3 if {
	some f in slsa.deny with input as gated([proven("b:1", "https://ci.example.com/builder")])
		with data.config as {"slsa": {"level": 3}}
	f.level == 2
	f.msg == "provenance from builder \"https://ci.example.com/builder\", proven by its signer, reaches SLSA Build L2; L3 is required"
}

test_proven_l3_builder_with_ref if {
	count(slsa.deny) == 0 with input as gated([proven("b:1", concat("", [generator, "@refs/tags/v2.0.0"]))])
		with data.config as {"slsa": {"level": 3}}
}

# The level comes from the proven builder, whatever the predicate claims.
test_proven_l3_builder_claiming_another_is_level_3 if {
	att := json.patch(prov("b:1", "https://github.com/actions/runner/github-hosted"), [{"op": "replace", "path": "verifiedBuilder", "value": generator}])
	count(slsa.deny) == 0 with input as gated([att]) with data.config as {"slsa": {"level": 3}}
}

test_claimed_l3_proven_other_is_level_2 if {
	att := json.patch(prov("b:1", generator), [{"op": "replace", "path": "verifiedBuilder", "value": "https://ci.example.com/builder"}])
	some f in slsa.deny with input as gated([att]) with data.config as {"slsa": {"level": 3}}
	f.level == 2
}

test_configured_l3_builders if {
	count(slsa.deny) == 0 with input as gated([proven("b:1", "https://ci.example.com/hardened")])
		with data.config as {"slsa": {"level": 3, "l3_builders": ["https://ci.example.com/hardened"]}}
}

test_configured_l3_builders_claimed_only if {
	some f in slsa.deny with input as gated([prov("b:1", "https://ci.example.com/hardened")])
		with data.config as {"slsa": {"level": 3, "l3_builders": ["https://ci.example.com/hardened"]}}
	f.level == 1
}

test_missing_verified_builder_is_level_1 if {
	att := json.remove(prov("b:1", "https://ci.example.com/builder"), ["verifiedBuilder"])
	some f in slsa.deny with input as gated([att]) with data.config as {"slsa": {"level": 2}}
	f.level == 1
}

test_malformed_verified_builder_is_level_1 if {
	att := json.patch(prov("b:1", "https://ci.example.com/builder"), [{"op": "replace", "path": "verifiedBuilder", "value": ["https://ci.example.com/builder"]}])
	some f in slsa.deny with input as gated([att]) with data.config as {"slsa": {"level": 2}}
	f.level == 1
}

test_no_builder_at_all_message if {
	att := json.remove(prov("b:1", ""), ["statement/predicate/runDetails"])
	some f in slsa.deny with input as gated([att]) with data.config as {"slsa": {"level": 2}}
	startswith(f.msg, "provenance names no builder and no signer proves one")
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
	old := {"id": "b:1", "verifiedBuilder": "https://ci.example.com/builder", "statement": {
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

# reached_level is what a VSA records (issue 13 item 7).

test_reached_level_is_the_lowest if {
	atts := [proven("b:1", generator), proven("b:2", "https://ci.example.com/builder"), prov("b:3", generator)]
	slsa.reached_level == 1 with input as gated(atts)
	slsa.reached_level == 2 with input as gated([atts[0], atts[1]])
	slsa.reached_level == 3 with input as gated([atts[0]])
}

test_reached_level_without_provenance_is_0 if {
	slsa.reached_level == 0 with input as gated([])
	other := {"id": "b:1", "statement": {"predicateType": "https://example.com/test-result", "subject": []}}
	slsa.reached_level == 0 with input as gated([other])
}

test_reached_level_ignores_the_requirement if {
	slsa.reached_level == 1 with input as gated([prov("b:1", generator)]) with data.config as {"slsa": {"level": 3}}
}

test_reached_level_only_covering if {
	# b:2 reaches L3 but does not cover the artifact.
	doc := {
		"artifact": {"name": "app", "attestations": [0]},
		"attestations": [prov("b:1", "x"), proven("b:2", generator)],
		"expectations": {},
	}
	slsa.reached_level == 1 with input as doc
}

test_missing_predicate_denies_level_2 if {
	att := json.remove(prov("b:1", "https://ci.example.com/builder"), ["statement/predicate"])
	some f in slsa.deny with input as gated([att]) with data.config as {"slsa": {"level": 2}}
	f.level == 1
	f.builder == ""
}

test_missing_statement_predicate_proven_builder if {
	att := json.remove(proven("b:1", "https://ci.example.com/builder"), ["statement/predicate"])
	count(slsa.deny) == 0 with input as gated([att]) with data.config as {"slsa": {"level": 2}}
	slsa.reached_level == 2 with input as gated([att])
}
