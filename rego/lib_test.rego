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
