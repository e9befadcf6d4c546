package provenant.lib_test

import data.provenant.lib

test_repo_name if {
	lib.repo_name("git+https://github.com/Octo-Org/App.git@refs/heads/main") == "octo-org/app"
	lib.repo_name("https://github.com/octo-org/app") == "octo-org/app"
	lib.repo_name("github.com/octo-org/app/") == "octo-org/app"
	lib.repo_name("octo-org/app") == "octo-org/app"
}

test_covering if {
	atts := [{"id": "a"}, {"id": "b"}, {"id": "c"}]
	ids := {att.id | some att in lib.covering} with input as {"artifact": {"attestations": [0, 2]}, "attestations": atts}
	ids == {"a", "c"}
}

test_builder_id_missing_fields if {
	lib.builder_id({"statement": {"predicateType": "https://slsa.dev/provenance/v1"}}) == ""
	lib.builder_id({"statement": {"predicateType": "https://slsa.dev/provenance/v1", "predicate": {}}}) == ""
	lib.builder_id({"statement": {"predicateType": "https://slsa.dev/provenance/v0.2"}}) == ""
	lib.builder_id({"statement": {"predicateType": "https://slsa.dev/provenance/v0.2", "predicate": {"builder": {"id": "b"}}}}) == "b"
}

# step_records and typed give the same sets through input.index as by the
# loop without it.
index_atts := [
	{"id": "b:1", "predicateType": "https://in-toto.io/attestation/link/v0.3", "step": {"name": "build"}},
	{"id": "b:2", "predicateType": "https://slsa.dev/provenance/v1", "step": {"name": "package"}},
	{"id": "b:3", "predicateType": "https://slsa.dev/provenance/v1"},
]

index_doc := {"attestations": index_atts, "index": {
	"byStep": {"build": [0], "package": [1]},
	"byPredicateType": {"https://in-toto.io/attestation/link/v0.3": [0], "https://slsa.dev/provenance/v1": [1, 2]},
}}

test_step_records if {
	{att.id | some att in lib.step_records("build")} == {"b:1"} with input as index_doc
	{att.id | some att in lib.step_records("build")} == {"b:1"} with input as {"attestations": index_atts}
	count(lib.step_records("test")) == 0 with input as index_doc
	count(lib.step_records("test")) == 0 with input as {"attestations": index_atts}
}

test_typed if {
	{att.id | some att in lib.typed(lib.slsa_v1)} == {"b:2", "b:3"} with input as index_doc
	{att.id | some att in lib.typed(lib.slsa_v1)} == {"b:2", "b:3"} with input as {"attestations": index_atts}
	count(lib.typed("x")) == 0 with input as index_doc
}
