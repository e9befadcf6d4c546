package github

import (
	"slices"
	"strings"
	"testing"
)

func TestMatchBuilderIDs(t *testing.T) {
	const wf = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml"
	for _, c := range []struct {
		id, want string
		loose    bool
	}{
		{wf + "@refs/tags/v2.1.0", wf, true},
		{wf + "@refs/tags/v2.1.0", wf + "@v2.1.0", true},
		{wf + "@refs/tags/v2.1.0", wf + "@refs/tags/v2.1.0", true},
		{wf + "@refs/tags/v2.1.0", wf + "@v2.0.0", false},
		{wf + "@refs/tags/v2.1.0", wf + "x", false},
		{wf + "@refs/tags/v2.1.0", "https://evil/x.yml", false},
	} {
		if got := matchLoose(c.id, c.want); got != c.loose {
			t.Errorf("matchLoose(%q, %q) = %v, want %v", c.id, c.want, got, c.loose)
		}
	}
	for _, c := range []struct {
		got, wf string
		full    bool
	}{
		{wf + "@refs/tags/v2.1.0", wf + "@refs/tags/v2.1.0", true},
		{wf + "@v2.1.0", wf + "@refs/tags/v2.1.0", true},
		{wf, wf + "@refs/tags/v2.1.0", false},
		{wf + "@refs/tags/v2.0.0", wf + "@refs/tags/v2.1.0", false},
	} {
		if got := matchFull(c.got, c.wf); got != c.full {
			t.Errorf("matchFull(%q, %q) = %v, want %v", c.got, c.wf, got, c.full)
		}
	}
	for ref, want := range map[string]bool{
		"refs/tags/v1.2.3": true, "refs/tags/v1.2": false, "refs/tags/v1.2.3-rc.1": false,
		"refs/tags/v01.2.3": false, "refs/heads/main": false, "v1.2.3": false,
	} {
		if got := releaseTag(ref); got != want {
			t.Errorf("releaseTag(%q) = %v, want %v", ref, got, want)
		}
	}
}

func TestVersionedTag(t *testing.T) {
	for _, c := range []struct {
		tag, want, err string
	}{
		{"v13.0.30", "v13.0", ""},
		{"v13.0.30", "v13", ""},
		{"v13.1.0", "v13.0", "does not match"},
		{"v14.0.0", "v13", "does not match"},
		{"v13.0.30", "v13.0.30", ""},
		{"v13.0.31", "v13.0.30", "does not match"},
		{"13.0.30", "v13", "not a semantic version"},
		{"v13.0.30", "13", "is not a semantic version (vMAJOR"},
	} {
		err := matchVersionedTag(c.tag, c.want)
		if (c.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("matchVersionedTag(%q, %q) = %v, want %q", c.tag, c.want, err, c.err)
		}
	}
}

// TestTrustedBuildersAsSLSAVerifier: the default trusted builders for
// artifacts are slsa-verifier's (generic generator, Go, container-based,
// and the BYOB delegators); the container generator is trusted for images
// only.
func TestTrustedBuildersAsSLSAVerifier(t *testing.T) {
	for _, b := range []string{"generator_generic_slsa3.yml", "builder_go_slsa3.yml", "builder_container-based_slsa3.yml", "delegator_generic_slsa3.yml", "delegator_lowperms-generic_slsa3.yml"} {
		if !slices.Contains(TrustedBuilders, ghWorkflows+b) {
			t.Errorf("TrustedBuilders lacks %s", b)
		}
	}
	if slices.Contains(TrustedBuilders, ghWorkflows+"generator_container_slsa3.yml") || !slices.Contains(ImageBuilders, ghWorkflows+"generator_container_slsa3.yml") {
		t.Error("the container generator must be trusted for images only")
	}
}

func TestKeylessBuilder(t *testing.T) {
	for id, want := range map[string]bool{
		ghWorkflows + "generator_generic_slsa3.yml@refs/tags/v2.1.0": true,
		"https://github.com/actions/runner":                          true,
		"https://github.com/actions/runner/github-hosted":            true,
		"https://github.com/actions/runnerX":                         false,
		"https://ci.example.com/builders/release":                    false,
		"https://github.com/org/repo/.github/workflows/release.yml":  false,
	} {
		if got := KeylessBuilder(id); got != want {
			t.Errorf("KeylessBuilder(%q) = %v, want %v", id, got, want)
		}
	}
}
