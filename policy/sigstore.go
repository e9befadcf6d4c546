package policy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"

	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/policy/github"
	"github.com/provenant/provenant/provenance"
)

// sigstoreOpts are the options for Sigstore bundles and slsa-verifier's
// checks.
type sigstoreOpts struct {
	verifier     *sigstore.Verifier
	branch       string
	tag          string
	versionedTag string
	inputs       map[string]string
}

// WithSigstore verifies Sigstore bundles (and only them) with v: a trusted
// root and certificate identities, or keys. Without identities, the
// builder must be one of TrustedBuilders, or match --builder-id (see
// docs/sigstore.md).
func WithSigstore(v *sigstore.Verifier) Option {
	return func(o *options) error {
		if v == nil {
			return errors.New("nil Sigstore verifier")
		}
		o.sig.verifier = v
		return nil
	}
}

// WithSourceBranch requires the build to have run for this branch
// (slsa-verifier's --source-branch).
func WithSourceBranch(b string) Expectation {
	return func(o *options) error { o.sig.branch = b; return nil }
}

// WithSourceTag requires the build to have run for this tag.
func WithSourceTag(t string) Expectation {
	return func(o *options) error { o.sig.tag = t; return nil }
}

// WithSourceVersionedTag requires the build's tag to match a semantic
// version prefix: "v13.0" accepts v13.0.30 and rejects v13.1.
func WithSourceVersionedTag(t string) Expectation {
	return func(o *options) error {
		if t != "" && !github.ValidVersionedTag(t) {
			return fmt.Errorf("the versioned tag %q is not a semantic version (vMAJOR[.MINOR[.PATCH]])", t)
		}
		o.sig.versionedTag = t
		return nil
	}
}

// WithWorkflowInputs requires the workflow_dispatch inputs to have these
// values (slsa-verifier's --build-workflow-input).
func WithWorkflowInputs(in map[string]string) Expectation {
	return func(o *options) error {
		if o.sig.inputs == nil {
			o.sig.inputs = map[string]string{}
		}
		for k, v := range in {
			if k == "" {
				return errors.New("empty workflow input name")
			}
			o.sig.inputs[k] = v
		}
		return nil
	}
}

// SigstoreCriteria records the Sigstore and GitHub expectations of a run.
type SigstoreCriteria struct {
	TrustedRoot     bool                `json:"trustedRoot"`
	Identities      []sigstore.Identity `json:"identities,omitempty"`
	TrustedBuilders []string            `json:"trustedBuilders,omitempty"`
	SourceBranch    string              `json:"sourceBranch,omitempty"`
	SourceTag       string              `json:"sourceTag,omitempty"`
	VersionedTag    string              `json:"sourceVersionedTag,omitempty"`
	WorkflowInputs  map[string]string   `json:"workflowInputs,omitempty"`
}

func (v *Verifier) sigstoreCriteria() *SigstoreCriteria {
	s := v.o.sig
	if (s.verifier == nil || !s.verifier.HasTrustedRoot()) && s.branch == "" && s.tag == "" && s.versionedTag == "" && len(s.inputs) == 0 {
		return nil
	}
	c := &SigstoreCriteria{SourceBranch: s.branch, SourceTag: s.tag, VersionedTag: s.versionedTag, WorkflowInputs: s.inputs}
	if s.verifier != nil {
		c.TrustedRoot = s.verifier.HasTrustedRoot()
		c.Identities = s.verifier.Identities()
		if v.ghExpect().Defaults && c.TrustedRoot && v.o.sourceURI != "" {
			c.TrustedBuilders = github.TrustedBuilders
		}
	}
	return c
}

func (v *Verifier) ghExpect() github.Expect {
	return github.Expect{
		BuilderID: v.o.builderID, SourceURI: v.o.sourceURI,
		Branch: v.o.sig.branch, Tag: v.o.sig.tag, VersionedTag: v.o.sig.versionedTag, Inputs: v.o.sig.inputs,
		Defaults: v.o.builderID == "" && (v.o.sig.verifier == nil || len(v.o.sig.verifier.Identities()) == 0),
	}
}

// ErrIdentityPolicy: a certificate signer that no identity policy accepts.
// A certificate that chains to a trusted root says who the CA issued it
// to, not that anyone wanted that signer: without an expectation of the
// identity, the entry is not verified (docs/security.md, "Who is
// trusted").
var ErrIdentityPolicy = errors.New("signer not accepted")

// ErrNoIdentityPolicy: a certificate signer, and no identity policy at
// all (no identity was required, no builder checks asked for).
var ErrNoIdentityPolicy = errors.New("no identity was required")

// hasIdentityPolicy says whether certificate signers can be accepted at
// all: explicit identities (checked by the Sigstore verifier), or
// slsa-verifier's builder checks, which need the source repository.
func (v *Verifier) hasIdentityPolicy() bool {
	return v.hasExplicitIdentities() || v.o.sourceURI != ""
}

func (v *Verifier) hasExplicitIdentities() bool {
	return v.o.sig.verifier != nil && len(v.o.sig.verifier.Identities()) > 0
}

// acceptCertificate applies the identity policy to a certificate signer
// whose chain and signature verified, and returns the builder it proves
// ("" when none). With explicit identities the Sigstore verifier has
// already required one of them; with only --source-uri, the signer must
// pass slsa-verifier's builder checks (a trusted builder's workflow, at a
// release tag, for that repository). A GitHub Actions certificate must
// also agree with the provenance it signed (a builder.id or source it does
// not back is a forgery). Without either policy, no certificate signer is
// accepted.
func (v *Verifier) acceptCertificate(c *certificate.Summary, e *Attestation) (string, error) {
	if !v.hasIdentityPolicy() {
		return "", fmt.Errorf("%w: the certificate was issued to %s (issuer %s), but %w",
			ErrIdentityPolicy, oneLineName(c.SubjectAlternativeName), oneLineName(c.Issuer), ErrNoIdentityPolicy)
	}
	if c.Issuer == github.ActionsIssuer || !v.hasExplicitIdentities() {
		builder, problems := github.CheckCertificate(c, e.Provenance, v.ghExpect())
		if len(problems) > 0 {
			return "", fmt.Errorf("%w: %s", ErrIdentityPolicy, strings.Join(problems, "; "))
		}
		return builder, nil
	}
	// An explicit identity accepted the signer. It proves a builder when
	// the provenance names the certificate's build signer (Fulcio's Build
	// Signer URI) or its URI identity.
	if e.Provenance != nil {
		claimed := e.Provenance.BuilderID
		for _, id := range []string{c.BuildSignerURI, c.SubjectAlternativeName} {
			if id != "" && strings.Contains(id, "://") && provenance.MatchBuilderID(claimed, id) {
				return claimed, nil
			}
		}
	}
	return "", nil
}

// checkGitHub says whether an envelope was signed by a GitHub Actions
// certificate, whose builder and source checks were applied when the
// signer was accepted (acceptCertificate) instead of the predicate-only
// ones; the branch, tag and workflow-input checks still apply.
func (v *Verifier) checkGitHub(e *Attestation) ([]string, bool) {
	if !e.github {
		return nil, false
	}
	return v.checkRefs(e), true
}

// checkRefs applies the branch, tag and workflow-input checks to any
// provenance.
func (v *Verifier) checkRefs(e *Attestation) []string {
	x := v.ghExpect()
	if !x.HasRefs() {
		return nil
	}
	if e.Provenance == nil {
		return []string{"branch, tag and workflow inputs need SLSA provenance"}
	}
	return github.CheckRefs(e.Provenance, x)
}

// identityDoc is a certificate identity as policies see it (the
// input.attestations[].signers[].certificate object).
func identityDoc(c *certificate.Summary) map[string]any {
	if c == nil {
		return nil
	}
	doc := map[string]any{
		"subjectAlternativeName": c.SubjectAlternativeName,
		"issuer":                 c.Issuer,
	}
	add := func(k, val string) {
		if val != "" {
			doc[k] = val
		}
	}
	add("buildSignerURI", c.BuildSignerURI)
	add("buildSignerDigest", c.BuildSignerDigest)
	add("runnerEnvironment", c.RunnerEnvironment)
	add("sourceRepositoryURI", c.SourceRepositoryURI)
	add("sourceRepositoryDigest", c.SourceRepositoryDigest)
	add("sourceRepositoryRef", c.SourceRepositoryRef)
	add("sourceRepositoryOwnerURI", c.SourceRepositoryOwnerURI)
	add("buildConfigURI", c.BuildConfigURI)
	add("buildConfigDigest", c.BuildConfigDigest)
	add("buildTrigger", c.BuildTrigger)
	add("runInvocationURI", c.RunInvocationURI)
	add("sourceRepositoryVisibilityAtSigning", c.SourceRepositoryVisibilityAtSigning)
	return doc
}
