# Written by provenant policy init. The evidence below is the policy input
# of each artifact, from the verified attestations only; each test_other_*
# and test_missing_* test changes one pinned value and expects a denial.
package pinned_test

import data.pinned

# config is what policy.yaml gives as data.config.
config := {
	"pinned": {
		"build_types": [
			"https://github.com/provenant/provenant/blob/main/docs/buildtypes/run-v1.md"
		],
		"builder_ids": [
			"https://ci.example.com/builder"
		],
		"links": [
			{
				"from": "compile",
				"to": "package"
			}
		],
		"predicate_types": [
			"https://slsa.dev/provenance/v1"
		],
		"signers": [
			{
				"keyid": "922e984f375049870df90d6d27de131a7a53fb18f832c29f45b0e9039deb2d77"
			}
		],
		"steps": [
			"compile",
			"package"
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
				"sha256": "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
			},
			"name": "bin/app",
			"reasons": [],
			"verified": true
		},
		"attestations": [
			{
				"digest": "sha256:fc13cc614446bf28cd8c7f59a773d1396377ba1a43a9dca40e0a2ea2c091d1c3",
				"id": "chain.intoto.jsonl:1",
				"predicateType": "https://slsa.dev/provenance/v1",
				"signers": [
					{
						"keyid": "922e984f375049870df90d6d27de131a7a53fb18f832c29f45b0e9039deb2d77"
					}
				],
				"source": {
					"file": "chain.intoto.jsonl",
					"line": 1
				},
				"statement": {
					"_type": "https://in-toto.io/Statement/v1",
					"predicate": {
						"buildDefinition": {
							"buildType": "https://github.com/provenant/provenant/blob/main/docs/buildtypes/run-v1.md",
							"externalParameters": {
								"step": "compile"
							},
							"resolvedDependencies": [
								{
									"digest": {
										"sha256": "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"
									},
									"name": "main.c"
								}
							]
						},
						"runDetails": {
							"builder": {
								"id": "https://ci.example.com/builder"
							}
						}
					},
					"predicateType": "https://slsa.dev/provenance/v1",
					"subject": [
						{
							"digest": {
								"sha256": "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
							},
							"name": "bin/app"
						}
					]
				},
				"step": {
					"materials": [
						{
							"digest": {
								"sha256": "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"
							},
							"name": "main.c"
						}
					],
					"name": "compile",
					"products": [
						{
							"digest": {
								"sha256": "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
							},
							"name": "bin/app"
						}
					]
				},
				"verifiedBuilder": ""
			},
			{
				"digest": "sha256:5b8186b251ec4735b49cd7f9e528fe85a212f7965799f6f63ebef5fe293bef4e",
				"id": "chain.intoto.jsonl:2",
				"predicateType": "https://slsa.dev/provenance/v1",
				"signers": [
					{
						"keyid": "922e984f375049870df90d6d27de131a7a53fb18f832c29f45b0e9039deb2d77"
					}
				],
				"source": {
					"file": "chain.intoto.jsonl",
					"line": 2
				},
				"statement": {
					"_type": "https://in-toto.io/Statement/v1",
					"predicate": {
						"buildDefinition": {
							"buildType": "https://github.com/provenant/provenant/blob/main/docs/buildtypes/run-v1.md",
							"externalParameters": {
								"step": "package"
							},
							"resolvedDependencies": [
								{
									"digest": {
										"sha256": "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
									},
									"name": "bin/app"
								}
							]
						},
						"runDetails": {
							"builder": {
								"id": "https://ci.example.com/builder"
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
						}
					]
				},
				"step": {
					"materials": [
						{
							"digest": {
								"sha256": "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
							},
							"name": "bin/app"
						}
					],
					"name": "package",
					"products": [
						{
							"digest": {
								"sha256": "f406618d666ff07cf9d4495e096098b9c095ee1f15420609a1da227d69b10958"
							},
							"name": "app.tar.gz"
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
					0,
					1
				]
			},
			"byStep": {
				"compile": [
					0
				],
				"package": [
					1
				]
			}
		},
		"schemaVersion": "https://github.com/provenant/provenant/blob/main/docs/policy-input.md#v1"
	},
	{
		"artifact": {
			"attestations": [
				1
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
				"digest": "sha256:fc13cc614446bf28cd8c7f59a773d1396377ba1a43a9dca40e0a2ea2c091d1c3",
				"id": "chain.intoto.jsonl:1",
				"predicateType": "https://slsa.dev/provenance/v1",
				"signers": [
					{
						"keyid": "922e984f375049870df90d6d27de131a7a53fb18f832c29f45b0e9039deb2d77"
					}
				],
				"source": {
					"file": "chain.intoto.jsonl",
					"line": 1
				},
				"statement": {
					"_type": "https://in-toto.io/Statement/v1",
					"predicate": {
						"buildDefinition": {
							"buildType": "https://github.com/provenant/provenant/blob/main/docs/buildtypes/run-v1.md",
							"externalParameters": {
								"step": "compile"
							},
							"resolvedDependencies": [
								{
									"digest": {
										"sha256": "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"
									},
									"name": "main.c"
								}
							]
						},
						"runDetails": {
							"builder": {
								"id": "https://ci.example.com/builder"
							}
						}
					},
					"predicateType": "https://slsa.dev/provenance/v1",
					"subject": [
						{
							"digest": {
								"sha256": "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
							},
							"name": "bin/app"
						}
					]
				},
				"step": {
					"materials": [
						{
							"digest": {
								"sha256": "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"
							},
							"name": "main.c"
						}
					],
					"name": "compile",
					"products": [
						{
							"digest": {
								"sha256": "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
							},
							"name": "bin/app"
						}
					]
				},
				"verifiedBuilder": ""
			},
			{
				"digest": "sha256:5b8186b251ec4735b49cd7f9e528fe85a212f7965799f6f63ebef5fe293bef4e",
				"id": "chain.intoto.jsonl:2",
				"predicateType": "https://slsa.dev/provenance/v1",
				"signers": [
					{
						"keyid": "922e984f375049870df90d6d27de131a7a53fb18f832c29f45b0e9039deb2d77"
					}
				],
				"source": {
					"file": "chain.intoto.jsonl",
					"line": 2
				},
				"statement": {
					"_type": "https://in-toto.io/Statement/v1",
					"predicate": {
						"buildDefinition": {
							"buildType": "https://github.com/provenant/provenant/blob/main/docs/buildtypes/run-v1.md",
							"externalParameters": {
								"step": "package"
							},
							"resolvedDependencies": [
								{
									"digest": {
										"sha256": "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
									},
									"name": "bin/app"
								}
							]
						},
						"runDetails": {
							"builder": {
								"id": "https://ci.example.com/builder"
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
						}
					]
				},
				"step": {
					"materials": [
						{
							"digest": {
								"sha256": "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
							},
							"name": "bin/app"
						}
					],
					"name": "package",
					"products": [
						{
							"digest": {
								"sha256": "f406618d666ff07cf9d4495e096098b9c095ee1f15420609a1da227d69b10958"
							},
							"name": "app.tar.gz"
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
					0,
					1
				]
			},
			"byStep": {
				"compile": [
					0
				],
				"package": [
					1
				]
			}
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

# a chain without step compile is denied.
test_missing_step_denied if {
	doc := json.patch(evidence[0], [
		{
			"op": "replace",
			"path": "/attestations/0/step/name",
			"value": "attacker-step"
		}
	])
	denials := pinned.deny with input as doc with data.config as config
	some f in denials
	contains(f.msg, "(steps)")
}

# step package consuming something step compile did not produce is denied.
test_broken_link_denied if {
	doc := json.patch(evidence[0], [
		{
			"op": "replace",
			"path": "/attestations/1/step/materials/0/digest/sha256",
			"value": "0000000000000000000000000000000000000000000000000000000000000000"
		}
	])
	denials := pinned.deny with input as doc with data.config as config
	some f in denials
	contains(f.msg, "(links)")
}
