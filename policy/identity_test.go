package policy

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/policy/github"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// TestCertificateSignerNeedsIdentityPolicy: a certificate that chains to
// the trusted root is not enough. Without an identity policy (explicit
// identities, or --source-uri for slsa-verifier's builder checks) a
// keyless entry is not verified: it denies the bundle and never reaches
// the policy input (issue 13, item 1).
func TestCertificateSignerNeedsIdentityPolicy(t *testing.T) {
	stranger, root := attesttest.StrangerBundle(t)
	k := provenancetest.SeededKeys(t, 4)
	app := newArt("app")
	own := v1Line(t, provenance.AttestOptions{BuilderID: "https://ci.example.com/b"}, []digest.Artifact{app.subject(digest.SHA256)}, k[0])
	es := provenancetest.Entries(t, own, stranger)

	sv := func(opts ...sigstore.Option) *sigstore.Verifier {
		t.Helper()
		v, err := sigstore.NewVerifier(append([]sigstore.Option{sigstore.WithTrustedRootFile(root)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name    string
		opts    setup
		allowed bool
		reason  string // a substring of the reasons
	}{
		{"no identity policy", with(setup{}, WithSigstore(sv(sigstore.WithoutIdentitiesUnsafe()))), false,
			`b.jsonl:2: signer not accepted: the certificate was issued to brian@dehamer.com (issuer https://github.com/login/oauth), but no identity was required`},
		{"builder id alone is no identity policy", with(setup{}, WithSigstore(sv(sigstore.WithoutIdentitiesUnsafe())), WithBuilderID("https://ci.example.com/b")), false,
			`b.jsonl:2: signer not accepted: the certificate was issued to brian@dehamer.com`},
		{"source uri: not a GitHub Actions certificate", with(setup{}, WithSigstore(sv(sigstore.WithoutIdentitiesUnsafe())), WithSourceURI("github.com/org/app")), false,
			`b.jsonl:2: signer not accepted: certificate issuer is "https://github.com/login/oauth", not GitHub Actions`},
		{"another identity required", with(setup{}, WithSigstore(sv(sigstore.WithIdentity(sigstore.Identity{SAN: "alice@example.com", Issuer: "https://github.com/login/oauth"})))), false,
			`b.jsonl:2: signature: signer identity`},
		{"the stranger's identity required", with(setup{}, WithSigstore(sv(sigstore.WithIdentity(sigstore.Identity{SAN: "brian@dehamer.com", Issuer: "https://github.com/login/oauth"})))), true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts = with(tt.opts, WithKeys(k[0].Public), WithPredicateType(provenance.PredicateSLSAv1))
			v, err := NewVerifier(tt.opts.opts...)
			if err != nil {
				t.Fatal(err)
			}
			r, err := v.Verify(context.Background(), es, []Input{app.input()}, tt.opts.expect...)
			if err != nil {
				t.Fatal(err)
			}
			reasons := strings.Join(r.Artifacts[0].Reasons, "\n")
			if r.Allowed != tt.allowed || !strings.Contains(reasons, tt.reason) {
				t.Errorf("Verify: allowed = %v, reasons %q; want allowed = %v with %q", r.Allowed, reasons, tt.allowed, tt.reason)
			}
			if r.Attestations[1].Verified != tt.allowed {
				t.Errorf("the stranger's entry: verified = %v, want %v", r.Attestations[1].Verified, tt.allowed)
			}
			docs, err := v.PolicyInputs(context.Background(), es, []Input{app.input()})
			if err != nil {
				t.Fatal(err)
			}
			atts, _ := docs[0]["attestations"].([]any)
			if want := map[bool]int{false: 1, true: 2}[tt.allowed]; len(atts) != want {
				t.Errorf("input.attestations has %d entries, want %d (an unaccepted signer never reaches a policy)", len(atts), want)
			}
		})
	}
}

// TestGitHubProvenanceNeedsSource: slsa-verifier's builder checks accept
// a GitHub Actions certificate only for the source repository asked for;
// without --source-uri (or an explicit identity), no repository that runs
// a trusted builder gets a pass (issue 13, item 2).
func TestGitHubProvenanceNeedsSource(t *testing.T) {
	vd := attesttest.Vectors(t)
	bcr := filepath.Join(vd, "slsa-verifier/cli/slsa-verifier/testdata/bcr")
	es, err := ReadBundles([]string{filepath.Join(bcr, "MODULE.bazel.intoto.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	const builder = "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml"
	root := sigstore.WithTrustedRootFile(filepath.Join(vd, "slsa-verifier/sigstore/trusted-root-public-good.json"))
	tests := []struct {
		name    string
		sopts   []sigstore.Option
		opts    setup
		allowed bool
		reason  string
	}{
		{"builder id, no source", []sigstore.Option{sigstore.WithoutIdentitiesUnsafe()}, with(setup{}, WithBuilderID(builder)), false,
			"but no identity was required"},
		{"nothing", []sigstore.Option{sigstore.WithoutIdentitiesUnsafe()}, setup{}, false, "no identity was required"},
		{"another source", []sigstore.Option{sigstore.WithoutIdentitiesUnsafe()}, with(setup{}, WithBuilderID(builder), WithSourceURI("github.com/evil/fork")), false,
			"source repository is aspect-build/rules_lint (certificate), want github.com/evil/fork"},
		{"builder id and source", []sigstore.Option{sigstore.WithoutIdentitiesUnsafe()}, with(setup{}, WithBuilderID(builder), WithSourceURI("github.com/aspect-build/rules_lint")), true, ""},
		{"explicit identity", []sigstore.Option{sigstore.WithIdentity(sigstore.Identity{SANRegexp: "^" + builder + "@", Issuer: github.ActionsIssuer})}, setup{}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sv, err := sigstore.NewVerifier(append([]sigstore.Option{root}, tt.sopts...)...)
			if err != nil {
				t.Fatal(err)
			}
			v, err := NewVerifier(append([]Option{WithSigstore(sv)}, tt.opts.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			r, err := v.Verify(context.Background(), es, []Input{{Name: "MODULE.bazel", Path: filepath.Join(bcr, "MODULE.bazel")}}, tt.opts.expect...)
			if err != nil {
				t.Fatal(err)
			}
			reasons := strings.Join(r.Artifacts[0].Reasons, "\n")
			if r.Allowed != tt.allowed || !strings.Contains(reasons, tt.reason) {
				t.Errorf("Verify: allowed = %v, reasons %q; want allowed = %v with %q", r.Allowed, reasons, tt.allowed, tt.reason)
			}
			if tt.allowed && r.Attestations[0].VerifiedBuilder == "" {
				t.Errorf("verified builder is empty; the certificate proves %s", builder)
			}
		})
	}
}
