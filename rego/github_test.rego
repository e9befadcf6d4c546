package provenant.github_test

import data.provenant.github

gha(id, repo, path, ref) := {
	"id": id,
	"statement": {
		"predicateType": "https://slsa.dev/provenance/v1",
		"subject": [{"name": "app", "digest": {"sha256": "aa"}}],
		"predicate": {
			"buildDefinition": {
				"buildType": "https://actions.github.io/buildtypes/workflow/v1",
				"externalParameters": {"workflow": {"repository": repo, "path": path, "ref": ref}},
			},
			"runDetails": {"builder": {"id": "https://github.com/actions/runner/github-hosted"}},
		},
	},
}

gated(atts, source) := {
	"artifact": {"name": "app", "attestations": [i | some i, _ in atts]},
	"attestations": atts,
	"expectations": {"sourceUri": source},
}

config := {"github": {
	"repository": "octo-org/app",
	"workflow": ".github/workflows/release.yml",
	"refs": ["refs/heads/main", "refs/tags/v*"],
}}

good := gha("b:1", "https://github.com/octo-org/app", ".github/workflows/release.yml", "refs/tags/v1.2.0")

test_trusted_workflow_passes if {
	count(github.deny) == 0 with input as gated([good], "") with data.config as config
}

test_source_uri_stands_in_for_config if {
	count(github.deny) == 0 with input as gated([good], "git+https://github.com/Octo-Org/app.git@refs/tags/v1.2.0")
}

test_no_repository_configured_denies if {
	some f in github.deny with input as gated([good], "")
	contains(f.msg, "no trusted repository")
}

test_fork_denies if {
	fork := gha("b:1", "https://github.com/evil/app", ".github/workflows/release.yml", "refs/tags/v1.2.0")
	some f in github.deny with input as gated([fork], "") with data.config as config
	f.attestation == "b:1"
	contains(f.msg, "evil/app")
}

test_missing_repository_denies if {
	att := json.remove(good, ["statement/predicate/buildDefinition/externalParameters/workflow/repository"])
	count(github.deny) == 1 with input as gated([att], "") with data.config as config
}

test_other_workflow_denies if {
	att := gha("b:1", "https://github.com/octo-org/app", ".github/workflows/ci.yml", "refs/tags/v1.2.0")
	count(github.deny) == 1 with input as gated([att], "") with data.config as config
}

test_branch_not_allowed_denies if {
	att := gha("b:1", "https://github.com/octo-org/app", ".github/workflows/release.yml", "refs/heads/feature")
	some f in github.deny with input as gated([att], "") with data.config as config
	contains(f.msg, "refs/heads/feature")
}

test_not_github_denies if {
	att := json.patch(good, [{"op": "replace", "path": "statement/predicate/buildDefinition/buildType", "value": "https://example.com/other"}])
	some f in github.deny with input as gated([att], "") with data.config as config
	contains(f.msg, "no GitHub Actions provenance")
}

# Each rule with the field it reads missing: a missing value must deny,
# never pass (docs/policies.md, "Missing fields").

test_missing_workflow_denies if {
	att := json.remove(good, ["statement/predicate/buildDefinition/externalParameters/workflow"])
	some f in github.deny with input as gated([att], "") with data.config as config
	f.attestation == "b:1"
	contains(f.msg, "workflow ran in repository \"\"")
}

test_missing_external_parameters_denies if {
	att := json.remove(good, ["statement/predicate/buildDefinition/externalParameters"])
	count({f | some f in github.deny; f.attestation == "b:1"}) == 3 with input as gated([att], "") with data.config as config
}

test_missing_workflow_path_denies if {
	att := json.remove(good, ["statement/predicate/buildDefinition/externalParameters/workflow/path"])
	some f in github.deny with input as gated([att], "") with data.config as config
	contains(f.msg, "workflow is \"\"")
}

test_missing_ref_denies if {
	att := json.remove(good, ["statement/predicate/buildDefinition/externalParameters/workflow/ref"])
	some f in github.deny with input as gated([att], "") with data.config as config
	contains(f.msg, "workflow ran on ref \"\"")
}

test_missing_build_type_denies if {
	att := json.remove(good, ["statement/predicate/buildDefinition/buildType"])
	some f in github.deny with input as gated([att], "") with data.config as config
	contains(f.msg, "no GitHub Actions provenance")
}

test_missing_source_uri_denies if {
	some f in github.deny with input as json.remove(gated([good], ""), ["expectations/sourceUri"])
	contains(f.msg, "no trusted repository")
}

test_empty_repository_configured_denies if {
	att := json.remove(good, ["statement/predicate/buildDefinition/externalParameters/workflow/repository"])
	some f in github.deny with input as gated([att], "") with data.config as {"github": {"repository": ""}}
	contains(f.msg, "no trusted repository")
}
