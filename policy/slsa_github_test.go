package policy

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/policy/github"
)

const (
	ghGen   = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
	example = "github.com/slsa-framework/example-package"
)

// svCase is one slsa-verifier regression case: a provenance file, an
// artifact, flags, and the verdict slsa-verifier's tests expect.
type svCase struct {
	name       string
	bundle     string // relative to the vectors dir
	artifact   string // relative; resolved through "symlink" text files
	digests    digest.Set
	builderID  string
	sourceURI  string
	branch     string
	tag        string
	versioned  string
	identities []sigstore.Identity
	pass       bool
}

// artifactPath follows the upstream git symlinks, stored here as small
// files that hold the target's name.
func artifactPath(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if s := strings.TrimSpace(string(data)); len(data) < 100 && len(s) > 0 && !strings.ContainsAny(s, "\x00\n") {
		if target := filepath.Join(filepath.Dir(p), s); target != p {
			if _, err := os.Stat(target); err == nil {
				return target
			}
		}
	}
	return p
}

func slsaVerifierCases() []svCase {
	td := "slsa-verifier/cli/slsa-verifier/testdata/"
	var cases []svCase
	type builder struct {
		dir, ext, id string
		delegated    bool // the certificate is a delegator; builder.id is the TRW
	}
	builders := []builder{
		{dir: "gha_generic/v2.1.0", ext: ".intoto.jsonl", id: ghGen + "generator_generic_slsa3.yml"},
		{dir: "gha_container-based/v2.1.0", ext: ".intoto.build.slsa", id: ghGen + "builder_container-based_slsa3.yml"},
		{dir: "gha_delegator/v2.1.0", ext: ".build.slsa", id: "https://github.com/slsa-framework/example-trw/.github/workflows/builder_high-perms_slsa3.yml", delegated: true},
		{dir: "gha_maven/v2.1.0", ext: ".build.slsa", id: ghGen + "builder_maven_slsa3.yml", delegated: true},
		{dir: "gha_gradle/v2.1.0", ext: ".build.slsa", id: ghGen + "builder_gradle_slsa3.yml", delegated: true},
	}
	// An artifact that no provenance of the other builders names.
	other := map[string]string{
		"gha_generic/v2.1.0":         "gha_maven/v2.1.0/binary-linux-amd64-workflow_dispatch",
		"gha_container-based/v2.1.0": "gha_delegator/v2.1.0/binary-linux-amd64-workflow_dispatch",
		"gha_delegator/v2.1.0":       "gha_maven/v2.1.0/binary-linux-amd64-workflow_dispatch",
		"gha_maven/v2.1.0":           "gha_delegator/v2.1.0/binary-linux-amd64-workflow_dispatch",
		"gha_gradle/v2.1.0":          "gha_delegator/v2.1.0/binary-linux-amd64-workflow_dispatch",
	}
	for _, b := range builders {
		add := func(run, name string, c svCase) {
			c.name = b.dir + "/" + run + "/" + name
			c.bundle = td + b.dir + "/binary-linux-amd64-" + run + b.ext
			if c.artifact == "" {
				c.artifact = td + b.dir + "/binary-linux-amd64-" + run
			}
			if c.sourceURI == "" {
				c.sourceURI = example
			}
			cases = append(cases, c)
		}
		pin := b.id
		if !b.delegated || b.dir != "gha_delegator/v2.1.0" {
			// Without --builder-id: slsa-github-generator's builders
			// are trusted by default (the delegator's TRW is not).
			add("workflow_dispatch", "no-builder-id", svCase{pass: true})
		} else {
			add("workflow_dispatch", "no-builder-id", svCase{pass: false})
		}
		add("workflow_dispatch", "builder-bare", svCase{builderID: pin, pass: true})
		add("workflow_dispatch", "builder-at-v2.1.0", svCase{builderID: pin + "@v2.1.0", pass: true})
		add("workflow_dispatch", "builder-at-refs-tags", svCase{builderID: pin + "@refs/tags/v2.1.0", pass: true})
		add("workflow_dispatch", "builder-at-v2.0.0", svCase{builderID: pin + "@v2.0.0", pass: false})
		add("workflow_dispatch", "branch-main", svCase{builderID: pin, branch: "main", pass: true})
		add("workflow_dispatch", "branch-master", svCase{builderID: pin, branch: "master", pass: false})
		add("workflow_dispatch", "tag-on-branch-build", svCase{builderID: pin, tag: "v1.2.3", pass: false})
		add("workflow_dispatch", "versioned-tag-on-branch-build", svCase{builderID: pin, versioned: "v1", pass: false})
		add("workflow_dispatch", "other-source", svCase{builderID: pin, sourceURI: "github.com/laurentsimon/slsa-verifier-test-gen", pass: false})
		add("workflow_dispatch", "source-prefix", svCase{builderID: pin, sourceURI: example + "A", pass: false})
		add("workflow_dispatch", "untrusted-builder", svCase{builderID: ghGen + "not-trusted.yml", pass: false})
		add("workflow_dispatch", "other-artifact", svCase{builderID: pin, artifact: td + other[b.dir], pass: false})
		for _, tc := range []struct {
			tag, versioned string
			pass           bool
		}{
			{tag: "v13.0.30", pass: true}, {tag: "v13.0.29"}, {tag: "v13.0"}, {tag: "v13"},
			{versioned: "v13.0.30", pass: true}, {versioned: "v13.0", pass: true}, {versioned: "v13", pass: true},
			{versioned: "v2"}, {versioned: "v0"}, {versioned: "v13.1"}, {versioned: "v12.9"}, {versioned: "v13.0.29"}, {versioned: "v13.0.31"},
		} {
			add("push-v13.0.30", "tag-"+tc.tag+tc.versioned, svCase{builderID: pin, tag: tc.tag, versioned: tc.versioned, pass: tc.pass})
		}
		for _, tc := range []struct {
			v    string
			pass bool
		}{{"v14", true}, {"v14.0", true}, {"v14.1", false}, {"v13", false}, {"v15", false}, {"v13.2", false}, {"v0", false}} {
			add("push-v14", "versioned-"+tc.v, svCase{builderID: pin, versioned: tc.v, pass: tc.pass})
		}
		for _, tc := range []struct {
			v    string
			pass bool
		}{{"v14.2", true}, {"v14", true}, {"v14.2.1", false}, {"v14.2.3", false}, {"v14.1", false}, {"v14.1.1", false}, {"v14.3.1", false}, {"v13", false}, {"v15", false}, {"v15.1", false}} {
			add("push-v14.2", "versioned-"+tc.v, svCase{builderID: pin, versioned: tc.v, pass: tc.pass})
		}
	}
	cb := td + "gha_container-based/v1.7.0/binary-linux-amd64-workflow_dispatch"
	cases = append(cases,
		svCase{name: "container-based/v1.7.0/bundle-v0.1", bundle: cb + ".intoto.sigstore", artifact: cb, sourceURI: example, pass: true},
		svCase{name: "container-based/v1.7.0/branch-master", bundle: cb + ".intoto.sigstore", artifact: cb, sourceURI: example, branch: "master", pass: false},
		svCase{name: "container-based/v1.7.0/versioned-v1", bundle: cb + ".intoto.sigstore", artifact: cb, sourceURI: example, versioned: "v1", pass: false},
		svCase{name: "container-based/v1.7.0/tag-v1.2.3", bundle: cb + ".intoto.sigstore", artifact: cb, sourceURI: example, tag: "v1.2.3", pass: false},
		svCase{name: "container-based/v1.7.0/other-source", bundle: cb + ".intoto.sigstore", artifact: cb, sourceURI: example + "A", pass: false},
	)
	// Section 2: GitHub artifact attestations.
	bcr := td + "bcr/"
	rl := "github.com/aspect-build/rules_lint"
	pub := "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml"
	cases = append(cases,
		svCase{name: "bcr/MODULE.bazel", bundle: bcr + "MODULE.bazel.intoto.jsonl", artifact: bcr + "MODULE.bazel", sourceURI: rl, builderID: pub, pass: true},
		svCase{name: "bcr/MODULE.bazel/no-builder-id", bundle: bcr + "MODULE.bazel.intoto.jsonl", artifact: bcr + "MODULE.bazel", sourceURI: rl, pass: false},
		svCase{name: "bcr/MODULE.bazel/other-builder", bundle: bcr + "MODULE.bazel.intoto.jsonl", artifact: bcr + "MODULE.bazel", sourceURI: rl, builderID: "https://github.com/bazel-contrib/.github/.github/workflows/release_ruleset.yaml", pass: false},
		svCase{name: "bcr/rules_lint", bundle: bcr + "rules_lint-v1.3.1.tar.gz.intoto.jsonl", artifact: bcr + "rules_lint-v1.3.1.tar.gz", sourceURI: rl, builderID: "https://github.com/bazel-contrib/.github/.github/workflows/release_ruleset.yaml", pass: true},
		svCase{name: "bcr/MODULE-wrong-signer", bundle: bcr + "MODULE-wrong-signer.bazel.intoto.jsonl", artifact: bcr + "MODULE-wrong-signer.bazel", sourceURI: rl, builderID: pub, pass: false},
		svCase{name: "bcr/MODULE-wrong-signer/identity-of-the-signer", bundle: bcr + "MODULE-wrong-signer.bazel.intoto.jsonl", artifact: bcr + "MODULE-wrong-signer.bazel",
			identities: []sigstore.Identity{{SAN: "https://github.com/loosebazooka/aa-test/.github/workflows/malicious_attestation.yaml@refs/heads/main", Issuer: github.ActionsIssuer}}, pass: false},
	)
	// Section 3: bundle-level samples.
	bu := "slsa-verifier/bundle-unit/"
	genMain := ghGen + "generator_generic_slsa3.yml@refs/heads/main"
	hello := digest.Set{"sha256": "2892146b063a94cb4a4318c0e98d38af12dcf2b1e29237486b58463b59607bbd"}
	id := []sigstore.Identity{{SAN: genMain, Issuer: github.ActionsIssuer}}
	cases = append(cases,
		svCase{name: "bundle-unit/valid-v0.3", bundle: bu + "valid-v0.3.intoto.sigstore", digests: hello, identities: id, pass: true},
		svCase{name: "bundle-unit/valid-v0.3/not-at-a-release", bundle: bu + "valid-v0.3.intoto.sigstore", digests: hello, pass: false},
		svCase{name: "bundle-unit/valid-v0.3/other-digest", bundle: bu + "valid-v0.3.intoto.sigstore", digests: digest.Set{"sha256": strings.Repeat("0", 64)}, identities: id, pass: false},
		svCase{name: "bundle-unit/valid-empty-predicate-type", bundle: bu + "valid.intoto.sigstore", digests: hello, identities: []sigstore.Identity{{SANRegexp: ".", Issuer: github.ActionsIssuer}}, pass: false},
		svCase{name: "bundle-unit/mismatch-tlog", bundle: bu + "mismatch-tlog.intoto.sigstore", digests: hello, identities: id, pass: false},
		svCase{name: "bundle-unit/invalid-set", bundle: bu + "invalid-set.intoto.sigstore", digests: hello, identities: id, pass: false},
		svCase{name: "bundle-unit/invalid-dsse-sig", bundle: bu + "invalid-dsse-sig.intoto.sigstore", digests: hello, identities: id, pass: false},
	)
	return cases
}

// TestSLSAVerifierVectors: every case of sections 1 to 3 of
// ../shared/vectors/slsa-verifier/README.md reaches slsa-verifier's verdict,
// offline, with the public-good trusted root.
func TestSLSAVerifierVectors(t *testing.T) {
	vd := attesttest.Vectors(t)
	rootFile := filepath.Join(vd, "slsa-verifier/sigstore/trusted-root-public-good.json")
	tr, err := sigstore.LoadTrustedRoot(rootFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range slsaVerifierCases() {
		t.Run(c.name, func(t *testing.T) {
			sopts := []sigstore.Option{sigstore.WithTrustedRoot(tr)}
			for _, id := range c.identities {
				sopts = append(sopts, sigstore.WithIdentity(id))
			}
			if len(c.identities) == 0 {
				sopts = append(sopts, sigstore.WithoutIdentitiesUnsafe())
			}
			sv, err := sigstore.NewVerifier(sopts...)
			if err != nil {
				t.Fatal(err)
			}
			expect := []Expectation{WithBuilderID(c.builderID), WithSourceURI(c.sourceURI), WithSourceBranch(c.branch), WithSourceTag(c.tag), WithSourceVersionedTag(c.versioned)}
			v, err := NewVerifier(WithSigstore(sv))
			if err != nil {
				t.Fatal(err)
			}
			entries, err := ReadBundles([]string{filepath.Join(vd, c.bundle)})
			if err != nil {
				t.Fatal(err)
			}
			in := Input{Name: "artifact", Digests: c.digests}
			if c.artifact != "" {
				in.Path = artifactPath(t, filepath.Join(vd, c.artifact))
			}
			r, err := v.Verify(context.Background(), entries, []Input{in}, expect...)
			if err != nil {
				t.Fatal(err)
			}
			if r.Allowed != c.pass {
				t.Errorf("verdict = %v, want %v; reasons: %v", r.Allowed, c.pass, r.Artifacts[0].Reasons)
			}
			if !c.pass && testing.Verbose() {
				t.Logf("reasons: %v", r.Artifacts[0].Reasons)
			}
			if c.pass && r.Attestations[0].Identity() == nil {
				t.Errorf("no verified identity in the report")
			}
		})
	}
}

// TestSLSAVerifierLegacyEnvelopes: section 6, envelopes with a certificate
// and no log entry, fail with a message that says why.
func TestSLSAVerifierLegacyEnvelopes(t *testing.T) {
	vd := attesttest.Vectors(t)
	td := filepath.Join(vd, "slsa-verifier/cli/slsa-verifier/testdata")
	sv, err := sigstore.NewVerifier(sigstore.WithTrustedRootFile(filepath.Join(vd, "slsa-verifier/sigstore/trusted-root-public-good.json")), sigstore.WithoutIdentitiesUnsafe())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"annotated-tag", "workflow-inputs", "binary-linux-amd64-multi-subject-first"} {
		t.Run(name, func(t *testing.T) {
			expect := []Expectation{WithSourceURI(example)}
			v, err := NewVerifier(WithSigstore(sv))
			if err != nil {
				t.Fatal(err)
			}
			entries, err := ReadBundles([]string{filepath.Join(td, name+".intoto.jsonl")})
			if err != nil {
				t.Fatal(err)
			}
			r, err := v.Verify(context.Background(), entries, []Input{{Name: name, Path: filepath.Join(td, name)}}, expect...)
			if err != nil {
				t.Fatal(err)
			}
			if r.Allowed {
				t.Fatal("a legacy envelope without a log entry passed")
			}
			if got := r.Attestations[0].Err.Error(); !strings.Contains(got, "cannot be verified offline") {
				t.Errorf("error = %q, want it to say it cannot be verified offline", got)
			}
		})
	}
}

// TestSigstoreGoVectors: sigstore-go's real bundles, through the engine.
func TestSigstoreGoVectors(t *testing.T) {
	vd := attesttest.Vectors(t, "sigstore-go")
	gh := github.ActionsIssuer
	sigstoreJS := "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main"
	for _, c := range []struct {
		name, bundle, root string
		keys               []string
		ids                []sigstore.Identity
		digests            digest.Set
		predicateType      string
		pass               bool
	}{
		{"provenance-v0.1", "examples/bundle-provenance.json", "examples/trusted-root-public-good.json", nil,
			[]sigstore.Identity{{SAN: sigstoreJS, Issuer: gh}}, digest.Set{"sha512": "76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"}, "", true},
		{"provenance-v0.1/wrong-identity", "examples/bundle-provenance.json", "examples/trusted-root-public-good.json", nil,
			[]sigstore.Identity{{SAN: "https://github.com/sigstore/sigstore-js/.github/workflows/other.yml@refs/heads/main", Issuer: gh}}, digest.Set{"sha512": "76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"}, "", false},
		{"provenance-v0.1/no-identity", "examples/bundle-provenance.json", "examples/trusted-root-public-good.json", nil,
			nil, digest.Set{"sha512": "76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"}, "", false},
		{"publish-keyed", "examples/bundle-publish.json", "examples/trusted-root-public-good.json", []string{"examples/publish_key.pub"}, nil,
			digest.Set{"sha512": "76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"}, "https://github.com/npm/attestation/tree/main/specs/publish/v0.1", true},
		{"sigstore.js-2.0.0", "testing-data/bundles/sigstore.js@2.0.0-provenance.sigstore.json", "testing-data/trusted-roots/public-good.json", nil,
			[]sigstore.Identity{{SAN: sigstoreJS, Issuer: gh}}, digest.Set{"sha512": "46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c"}, "", true},
		{"sigstore.js-2.0.0/other-digest", "testing-data/bundles/sigstore.js@2.0.0-provenance.sigstore.json", "testing-data/trusted-roots/public-good.json", nil,
			[]sigstore.Identity{{SAN: sigstoreJS, Issuer: gh}}, digest.Set{"sha512": strings.Repeat("ab", 64)}, "", false},
		{"sigstore.js-2.0.0/identity-regexp", "testing-data/bundles/sigstore.js@2.0.0-provenance.sigstore.json", "testing-data/trusted-roots/public-good.json", nil,
			[]sigstore.Identity{{SANRegexp: "^https://github.com/sigstore/", IssuerRegexp: "githubusercontent"}}, digest.Set{"sha512": "46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c"}, "", true},
		{"dsse-email", "testing-data/bundles/dsse.sigstore.json", "testing-data/trusted-roots/public-good.json", nil,
			[]sigstore.Identity{{SAN: "brian@dehamer.com", Issuer: "https://github.com/login/oauth"}}, digest.Set{"sha512": "bbfd372fc9beeb777fe35d05bb10c0c70a9733d366a75fed7dd18866c7391de3ee7e88ba74dd47abf3e15c845e547fcf0e5c3da80854c751554224d3a6d4e55f"}, "", true},
		{"dsse-2sigs", "testing-data/bundles/dsse-2sigs.sigstore.json", "testing-data/trusted-roots/public-good.json", nil,
			[]sigstore.Identity{{SAN: "brian@dehamer.com", Issuer: "https://github.com/login/oauth"}}, digest.Set{"sha512": "bbfd372fc9beeb777fe35d05bb10c0c70a9733d366a75fed7dd18866c7391de3ee7e88ba74dd47abf3e15c845e547fcf0e5c3da80854c751554224d3a6d4e55f"}, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var sopts []sigstore.Option
			if c.root != "" {
				sopts = append(sopts, sigstore.WithTrustedRootFile(filepath.Join(vd, c.root)))
			}
			for _, k := range c.keys {
				pk, err := attest.LoadPublicKey(filepath.Join(vd, k))
				if err != nil {
					t.Fatal(err)
				}
				sopts = append(sopts, sigstore.WithKeys(pk))
			}
			for _, id := range c.ids {
				sopts = append(sopts, sigstore.WithIdentity(id))
			}
			sv, err := sigstore.NewVerifier(sopts...)
			if err != nil {
				t.Fatal(err)
			}
			var expect []Expectation
			if c.predicateType != "" {
				expect = append(expect, WithPredicateType(c.predicateType))
			}
			v, err := NewVerifier(WithSigstore(sv))
			if err != nil {
				t.Fatal(err)
			}
			entries, err := ReadBundles([]string{filepath.Join(vd, c.bundle)})
			if err != nil {
				t.Fatal(err)
			}
			r, err := v.Verify(context.Background(), entries, []Input{{Name: "pkg", Digests: c.digests}}, expect...)
			if err != nil {
				t.Fatal(err)
			}
			if r.Allowed != c.pass {
				t.Errorf("verdict = %v, want %v; reasons: %v", r.Allowed, c.pass, r.Artifacts[0].Reasons)
			}
		})
	}
}

// TestGitHubAttestationsShape: GitHub's {"attestations":[{"bundle":...}]}
// expands into one entry per bundle.
func TestGitHubAttestationsShape(t *testing.T) {
	vd := attesttest.Vectors(t)
	raw, err := os.ReadFile(filepath.Join(vd, "slsa-verifier/cli/slsa-verifier/testdata/bcr/MODULE.bazel.intoto.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte(`{"attestations":[{"bundle":` + string(bytes.TrimSpace(raw)) + `,"repository_id":1},{"bundle":` + string(bytes.TrimSpace(raw)) + `}]}`)
	p := filepath.Join(t.TempDir(), "gh.json")
	if err := os.WriteFile(p, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	sv, err := sigstore.NewVerifier(sigstore.WithTrustedRootFile(filepath.Join(vd, "slsa-verifier/sigstore/trusted-root-public-good.json")), sigstore.WithoutIdentitiesUnsafe())
	if err != nil {
		t.Fatal(err)
	}
	expect := []Expectation{WithBuilderID("https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml"), WithSourceURI("github.com/aspect-build/rules_lint")}
	v, err := NewVerifier(WithSigstore(sv))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ReadBundles([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[1].Index != 2 {
		t.Fatalf("got %d entries, want 2 numbered 1 and 2", len(entries))
	}
	r, err := v.Verify(context.Background(), entries, []Input{{Name: "MODULE.bazel", Path: filepath.Join(vd, "slsa-verifier/cli/slsa-verifier/testdata/bcr/MODULE.bazel")}}, expect...)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Allowed {
		t.Errorf("denied: %v", r.Artifacts[0].Reasons)
	}
}

// TestSigstorePolicyInput: policies see the verified certificate identity.
func TestSigstorePolicyInput(t *testing.T) {
	vd := attesttest.Vectors(t)
	sv, err := sigstore.NewVerifier(sigstore.WithTrustedRootFile(filepath.Join(vd, "slsa-verifier/sigstore/trusted-root-public-good.json")), sigstore.WithoutIdentitiesUnsafe())
	if err != nil {
		t.Fatal(err)
	}
	expect := []Expectation{WithBuilderID("https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml"), WithSourceURI("github.com/aspect-build/rules_lint")}
	v, err := NewVerifier(WithSigstore(sv))
	if err != nil {
		t.Fatal(err)
	}
	bcr := filepath.Join(vd, "slsa-verifier/cli/slsa-verifier/testdata/bcr")
	entries, err := ReadBundles([]string{filepath.Join(bcr, "MODULE.bazel.intoto.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	docs, err := v.PolicyInputs(context.Background(), entries, []Input{{Name: "MODULE.bazel", Path: filepath.Join(bcr, "MODULE.bazel")}}, expect...)
	if err != nil {
		t.Fatal(err)
	}
	atts, _ := docs[0]["attestations"].([]any)
	if len(atts) != 1 {
		t.Fatalf("attestations = %v", docs[0]["attestations"])
	}
	signers, _ := atts[0].(map[string]any)["signers"].([]any)
	if len(signers) != 1 {
		t.Fatalf("signers = %v", signers)
	}
	s := signers[0].(map[string]any)
	cert, _ := s["certificate"].(map[string]any)
	if s["identity"] != "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1" ||
		s["issuer"] != github.ActionsIssuer || cert["sourceRepositoryURI"] != "https://github.com/aspect-build/rules_lint" {
		t.Errorf("signer = %v", s)
	}
}
