# Written by provenant policy init. The evidence below is the policy input
# of each artifact, from the verified attestations only; each test_other_*
# and test_missing_* test changes one pinned value and expects a denial.
package pinned_test

import data.pinned

# config is what policy.yaml gives as data.config.
config := {
	"pinned": {
		"build_types": [
			"https://github.com/provenant/provenant/blob/main/docs/buildtypes/attest-v1.md"
		],
		"builder_ids": [
			"https://ci.example.com/builders/release@v1"
		],
		"predicate_types": [
			"https://slsa.dev/provenance/v1"
		],
		"refs": [
			"refs/tags/*"
		],
		"signers": [
			{
				"keyid": "922e984f375049870df90d6d27de131a7a53fb18f832c29f45b0e9039deb2d77"
			}
		],
		"sources": [
			"git+https://github.com/example/app"
		]
	}
}

evidence := [
	{
		"artifact": {
			"attestations": [
				0
			],
			"digests": {
				"sha256": "f406618d666ff07cf9d4495e096098b9c095ee1f15420609a1da227d69b10958"
			},
			"name": "app.tar.gz",
			"reasons": [],
			"verified": true
		},
		"attestations": [
			{
				"digest": "sha256:8647daf08ef352cd0637753e5f990179fdfa933dc769d98e21ff5ef79c60351f",
				"id": "good.intoto.jsonl:1",
				"predicateType": "https://slsa.dev/provenance/v1",
				"signers": [
					{
						"keyid": "922e984f375049870df90d6d27de131a7a53fb18f832c29f45b0e9039deb2d77"
					}
				],
				"source": {
					"file": "good.intoto.jsonl",
					"line": 1
				},
				"statement": {
					"_type": "https://in-toto.io/Statement/v1",
					"predicate": {
						"buildDefinition": {
							"buildType": "https://github.com/provenant/provenant/blob/main/docs/buildtypes/attest-v1.md",
							"externalParameters": {
								"source": "git+https://github.com/example/app@refs/tags/v1.0.0"
							}
						},
						"runDetails": {
							"builder": {
								"id": "https://ci.example.com/builders/release@v1"
							}
						}
					},
					"predicateType": "https://slsa.dev/provenance/v1",
					"subject": [
						{
							"digest": {
								"sha256": "f406618d666ff07cf9d4495e096098b9c095ee1f15420609a1da227d69b10958"
							},
							"name": "app.tar.gz"
						},
						{
							"digest": {
								"sha256": "7648f2a9cab0a0bd20bee710f2bbdb30c3990031c0c745986097645b6fabfccd"
							},
							"name": "lib.tar.gz"
						}
					]
				},
				"verifiedBuilder": ""
			}
		],
		"expectations": {
			"builderId": "",
			"keys": [
				"922e984f375049870df90d6d27de131a7a53fb18f832c29f45b0e9039deb2d77"
			],
			"predicateTypes": [
				"https://slsa.dev/provenance/v1",
				"https://slsa.dev/provenance/v0.2"
			],
			"sourceUri": "",
			"threshold": 1
		},
		"index": {
			"byPredicateType": {
				"https://slsa.dev/provenance/v1": [
					0
				]
			},
			"byStep": {}
		},
		"schemaVersion": "https://github.com/provenant/provenant/blob/main/docs/policy-input.md#v1"
	}
]

test_evidence_allowed if {
	every doc in evidence {
		count(pinned.deny) == 0 with input as doc with data.config as config
	}
}

# an attestation of another predicate type is denied.
test_other_predicate_type_denied if {
	doc := json.patch(evidence[0], [
		{
			"op": "replace",
			"path": "/attestations/0/predicateType",
			"value": "https://attacker.invalid/predicate/v1"
		}
	])
	denials := pinned.deny with input as doc with data.config as config
	some f in denials
	contains(f.msg, "(predicate_types)")
}

# an attestation signed by another key is denied.
test_other_signer_denied if {
	doc := json.patch(evidence[0], [
		{
			"op": "replace",
			"path": "/attestations/0/signers",
			"value": [
				{
					"keyid": "attacker"
				}
			]
		}
	])
	denials := pinned.deny with input as doc with data.config as config
	some f in denials
	contains(f.msg, "(signers)")
}

# provenance from another builder is denied.
test_other_builder_denied if {
	doc := json.patch(evidence[0], [
		{
			"op": "replace",
			"path": "/attestations/0/statement/predicate/runDetails/builder/id",
			"value": "https://attacker.invalid/builder"
		}
	])
	denials := pinned.deny with input as doc with data.config as config
	some f in denials
	contains(f.msg, "(builder_ids)")
}

# provenance of another build type is denied.
test_other_build_type_denied if {
	doc := json.patch(evidence[0], [
		{
			"op": "replace",
			"path": "/attestations/0/statement/predicate/buildDefinition/buildType",
			"value": "https://attacker.invalid/buildtype/v1"
		}
	])
	denials := pinned.deny with input as doc with data.config as config
	some f in denials
	contains(f.msg, "(build_types)")
}

# provenance from another repository is denied.
test_other_source_denied if {
	doc := json.patch(evidence[0], [
		{
			"op": "replace",
			"path": "/attestations/0/statement/predicate/buildDefinition/externalParameters/source",
			"value": "git+https://attacker.invalid/fork@refs/tags/v1.0.0"
		}
	])
	denials := pinned.deny with input as doc with data.config as config
	some f in denials
	contains(f.msg, "(sources)")
}

# provenance from another ref is denied.
test_other_ref_denied if {
	doc := json.patch(evidence[0], [
		{
			"op": "replace",
			"path": "/attestations/0/statement/predicate/buildDefinition/externalParameters/source",
			"value": "git+https://github.com/example/app@refs/heads/provenant-init-mutated"
		}
	])
	denials := pinned.deny with input as doc with data.config as config
	some f in denials
	contains(f.msg, "(refs)")
}
