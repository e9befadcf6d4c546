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
