package policy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/sigstore"
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
func WithSourceBranch(b string) Option {
	return func(o *options) error { o.sig.branch = b; return nil }
}

// WithSourceTag requires the build to have run for this tag.
func WithSourceTag(t string) Option {
	return func(o *options) error { o.sig.tag = t; return nil }
}

// WithSourceVersionedTag requires the build's tag to match a semantic
// version prefix: "v13.0" accepts v13.0.30 and rejects v13.1.
func WithSourceVersionedTag(t string) Option {
	return func(o *options) error {
		if t != "" && !semverRE.MatchString(t) {
			return fmt.Errorf("--source-versioned-tag %q is not a semantic version (vMAJOR[.MINOR[.PATCH]])", t)
		}
		o.sig.versionedTag = t
		return nil
	}
}

// WithWorkflowInputs requires the workflow_dispatch inputs to have these
// values (slsa-verifier's --build-workflow-input).
func WithWorkflowInputs(in map[string]string) Option {
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
		if v.ghExpect().defaults && c.TrustedRoot {
			c.TrustedBuilders = TrustedBuilders
		}
	}
	return c
}

func (v *Verifier) ghExpect() ghExpect {
	x := ghExpect{
		builderID: v.o.builderID, sourceURI: v.o.sourceURI,
		branch: v.o.sig.branch, tag: v.o.sig.tag, versionedTag: v.o.sig.versionedTag, inputs: v.o.sig.inputs,
	}
	x.defaults = v.o.builderID == "" && (v.o.sig.verifier == nil || len(v.o.sig.verifier.Identities()) == 0)
	return x
}

// sigstoreState is what a verified Sigstore entry carries into the
// statement checks.
type sigstoreState struct {
	github   bool     // signed by a GitHub Actions certificate
	problems []string // slsa-verifier's builder and source checks
}

// checkSigstoreEntry verifies a Sigstore bundle (or refuses a legacy
// envelope with a certificate) and parses what it signed.
func (v *Verifier) checkSigstoreEntry(ctx context.Context, e attest.Entry, out Envelope) Envelope {
	if e.Index > 0 {
		out.Index = e.Index
	}
	if e.Sigstore == nil {
		out.Error = "signature: the envelope " + sigstore.ErrNoTrustedTime.Error() + "; verify a Sigstore bundle of it instead, or, for a certificate from your own CA, give --ca-roots and --certificate-identity (docs/x509.md)"
		return out
	}
	if v.o.sig.verifier == nil {
		out.Error = "signature: a Sigstore bundle; give --trusted-root (certificates) or --key (keyed bundles) to verify it"
		return out
	}
	b, err := sigstore.ParseBundle(e.Sigstore)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	res, err := v.o.sig.verifier.Verify(ctx, b, sigstore.Artifact{})
	if err != nil {
		out.Error = "signature: " + err.Error()
		return out
	}
	if res.Signer.KeyID != "" {
		out.Signers = []string{res.Signer.KeyID}
	}
	if err := v.checkTrustedKeyTime(res.Signer.KeyID, len(res.Timestamps)); err != nil {
		out.Error = err.Error()
		return out
	}
	out.Identity = res.Signer.Certificate
	out.Timestamps = res.Timestamps
	if res.PayloadType == "" {
		out.Error = "a Sigstore message signature (" + res.MessageDigest + "), not an attestation: check it with verify-signature"
		return out
	}
	out = v.parseVerified(out, res.PayloadType, res.Payload)
	if !out.Verified {
		return out
	}
	if c := res.Signer.Certificate; c != nil {
		x := v.ghExpect()
		if c.Issuer == GitHubActionsIssuer || x.defaults || x.builderID != "" {
			builder, problems := checkGitHubCert(c, out.Provenance, out.statement.GetPredicate().AsMap(), x)
			out.sig = &sigstoreState{github: true, problems: problems}
			out.VerifiedBuilder = builder
		}
	}
	return out
}

// checkGitHub replaces the predicate-only builder and source checks for
// an envelope signed by a GitHub Actions certificate.
func (v *Verifier) checkGitHub(e Envelope) ([]string, bool) {
	if e.sig == nil || !e.sig.github {
		return nil, false
	}
	return append(append([]string(nil), e.sig.problems...), v.checkRefs(e)...), true
}

// checkRefs applies the branch, tag and workflow-input checks to any
// provenance.
func (v *Verifier) checkRefs(e Envelope) []string {
	x := v.ghExpect()
	if x.branch == "" && x.tag == "" && x.versionedTag == "" && len(x.inputs) == 0 {
		return nil
	}
	if e.Provenance == nil {
		return []string{"branch, tag and workflow inputs need SLSA provenance"}
	}
	return checkRefs(e.Provenance, e.statement.GetPredicate().AsMap(), x)
}

// IdentityDoc is a certificate identity as policies see it (the
// input.attestations[].signers[].certificate object).
func IdentityDoc(c *certificate.Summary) map[string]any {
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

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ParseWorkflowInputs reads NAME=VALUE flags.
func ParseWorkflowInputs(flags []string) (map[string]string, error) {
	in := map[string]string{}
	for _, f := range flags {
		k, val, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--build-workflow-input %q is not NAME=VALUE", f)
		}
		in[k] = val
	}
	return in, nil
}
