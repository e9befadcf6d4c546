package github_test

import (
	"fmt"

	"github.com/provenant/provenant/policy/github"
)

// Which builders only a Sigstore certificate can prove: a key-signed
// statement that names one is a claim, never proof.
func ExampleKeylessBuilder() {
	for _, id := range []string{
		"https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0",
		"https://github.com/actions/runner/github-hosted",
		"https://ci.example.com/builders/release",
	} {
		fmt.Println(github.KeylessBuilder(id))
	}
	// Output:
	// true
	// true
	// false
}

// slsa-verifier's --source-versioned-tag takes a semantic version prefix.
func ExampleValidVersionedTag() {
	for _, tag := range []string{"v1", "v13.0", "v1.2.3", "1.2.3", "v1.x"} {
		fmt.Println(tag, github.ValidVersionedTag(tag))
	}
	// Output:
	// v1 true
	// v13.0 true
	// v1.2.3 true
	// 1.2.3 false
	// v1.x false
}
