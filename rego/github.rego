# METADATA
# title: GitHub Actions
# description: >-
#   The artifact must be covered by SLSA provenance v1 from GitHub Actions
#   (buildType https://actions.github.io/buildtypes/workflow/v1) whose
#   workflow ran in the trusted repository (data.config.github.repository, or
#   --source-uri), from the trusted workflow file
#   (data.config.github.workflow, optional) and an allowed ref
#   (data.config.github.refs, glob patterns where * stops at "/" and
#   ** does not, optional).
package provenant.github

import data.provenant.lib

build_type := "https://actions.github.io/buildtypes/workflow/v1"

default cfg := {}

cfg := lib.config.github

# trusted_repository is "owner/name": from the configuration, else from
# --source-uri. It is undefined when neither is given.
trusted_repository := name if {
	name := lib.repo_name(cfg.repository)
	name != ""
}

trusted_repository := name if {
	not cfg.repository
	name := lib.repo_name(object.get(input.expectations, "sourceUri", ""))
	name != ""
}

# actions is the covering provenance made by GitHub Actions.
actions contains att if {
	some att in lib.provenance
	att.statement.predicateType == lib.slsa_v1
	att.statement.predicate.buildDefinition.buildType == build_type
}

# workflow(att) is the workflow that ran, or {} when the provenance records
# none, so that the rules below deny it instead of being undefined.
workflow(att) := object.get(att.statement.predicate, ["buildDefinition", "externalParameters", "workflow"], {})

# METADATA
# title: GitHub Actions provenance present
# description: The artifact must be covered by provenance from GitHub Actions.
# custom:
#   code: github.provenance
#   severity: high
#   solution: Build the artifact in a GitHub Actions workflow that emits SLSA provenance v1.
deny contains {"msg": msg} if {
	count(actions) == 0
	msg := sprintf("no GitHub Actions provenance (buildType %s) covers %s", [build_type, input.artifact.name])
}

# METADATA
# title: GitHub trusted repository configured
# description: The policy needs a trusted repository to compare against.
# custom:
#   code: github.config
#   severity: high
#   solution: Set data.config.github.repository in the --policy-config file, or pass --source-uri.
deny contains {"msg": "no trusted repository: set data.config.github.repository or --source-uri"} if {
	not trusted_repository
}

# METADATA
# title: GitHub trusted repository
# description: The workflow must have run in the trusted repository.
# custom:
#   code: github.repository
#   severity: high
#   solution: Release only artifacts built in the trusted repository; forks are not trusted.
deny contains result if {
	some att in actions
	got := object.get(workflow(att), "repository", "")

	# `not x == v`, never `x != v`: a missing repository must fail too.
	not lib.repo_name(got) == trusted_repository
	result := {
		"msg": sprintf("workflow ran in repository %q, want %q", [got, trusted_repository]),
		"attestation": att.id,
	}
}

# METADATA
# title: GitHub trusted workflow
# description: The provenance must come from the trusted workflow file.
# custom:
#   code: github.workflow
#   severity: high
#   solution: Build releases only with the workflow named in data.config.github.workflow.
deny contains result if {
	want := cfg.workflow
	some att in actions
	got := object.get(workflow(att), "path", "")
	not got == want
	result := {
		"msg": sprintf("workflow is %q, want %q", [got, want]),
		"attestation": att.id,
	}
}

# METADATA
# title: GitHub allowed ref
# description: The workflow must have run on an allowed ref (glob patterns).
# custom:
#   code: github.ref
#   severity: high
#   solution: Release from a protected branch or tag listed in data.config.github.refs.
deny contains result if {
	patterns := cfg.refs
	some att in actions
	got := object.get(workflow(att), "ref", "")
	not ref_allowed(got, patterns)
	result := {
		"msg": sprintf("workflow ran on ref %q, allowed: %s", [got, concat(", ", patterns)]),
		"attestation": att.id,
	}
}

ref_allowed(ref, patterns) if {
	some p in patterns
	glob.match(p, ["/"], ref)
}
