package rules_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/provenant/provenant/policy/rules"
)

// Load a policy directory as verify does (every .rego file; its tests are
// for RunPolicyTests) and list the rules it will evaluate.
func ExampleLoadPolicies() {
	dir, err := os.MkdirTemp("", "policies")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	policy := `package release

# METADATA
# title: the release builder built it
deny contains msg if {
	some a in input.attestations
	a.verifiedBuilder != "https://ci.example.com/release"
	msg := sprintf("%s: built by %q, not the release builder", [input.artifact.name, a.verifiedBuilder])
}
`
	test := `package release_test

import data.release

test_claimed_builder_denied if {
	count(release.deny) == 1 with input as {"artifact": {"name": "app"}, "attestations": [{"verifiedBuilder": ""}]}
}

test_release_builder_allowed if {
	count(release.deny) == 0 with input as {"artifact": {"name": "app"}, "attestations": [{"verifiedBuilder": "https://ci.example.com/release"}]}
}
`
	if err := os.WriteFile(filepath.Join(dir, "release.rego"), []byte(policy), 0o644); err != nil {
		panic(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "release_test.rego"), []byte(test), 0o644); err != nil {
		panic(err)
	}
	ctx := context.Background()
	ps, err := rules.LoadPolicies(ctx, []string{dir})
	if err != nil {
		panic(err)
	}
	for _, r := range ps.Rules() {
		fmt.Println(r.ID())
	}
	results, err := rules.RunPolicyTests(ctx, []string{dir}, 0, nil)
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Println(r.Name, r.Outcome)
	}
	// Output:
	// release.deny/the-release-builder-built-it
	// test_claimed_builder_denied PASS
	// test_release_builder_allowed PASS
}
