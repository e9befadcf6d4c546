package github

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/slsa-framework/slsa-verifier/v2/verifiers/utils"
	"golang.org/x/mod/semver"

	"github.com/provenant/provenant/provenance"
)

// slsa-verifier's checks for GitHub Actions provenance signed with a
// Sigstore certificate: the certificate (its SAN, or Build Signer URI,
// is the reusable workflow that signed) decides who built the artifact;
// the predicate must agree with it.

// ActionsIssuer is the OIDC issuer of GitHub Actions workflow identities.
const ActionsIssuer = "https://token.actions.githubusercontent.com"

const (
	ghWorkflows = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
	// BuildTypeGitHubWorkflow is GitHub artifact attestations' build type:
	// the builder is the certificate's Build Signer URI, and the
	// predicate's builder.id names only the runner.
	BuildTypeGitHubWorkflow = "https://actions.github.io/buildtypes/workflow/v1"
	buildTypeBYOB           = "https://github.com/slsa-framework/slsa-github-generator/delegator-generic@v0"
)

// runnerBuildTypes record a GitHub workflow run whose builder.id names
// the runner (https://github.com/actions/runner[/github-hosted|/self-hosted]):
// the builder is then the certificate's workflow.
var runnerBuildTypes = []string{
	BuildTypeGitHubWorkflow,
	"https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
	"https://github.com/npm/cli/gha/v2",
	"https://github.com/npm/cli/gha/v1",
}

// runnerBacked says whether builder.id names the GitHub runner that the
// certificate's Runner Environment extension records.
func runnerBacked(c *certificate.Summary, buildType, id string) bool {
	if !contains(runnerBuildTypes, buildType) {
		return false
	}
	switch id {
	case "https://github.com/actions/runner":
		return true
	case "https://github.com/actions/runner/github-hosted":
		return c.RunnerEnvironment == "" || c.RunnerEnvironment == "github-hosted"
	case "https://github.com/actions/runner/self-hosted":
		return c.RunnerEnvironment == "" || c.RunnerEnvironment == "self-hosted"
	}
	return false
}

// TrustedBuilders are slsa-github-generator's reusable workflows trusted
// to sign provenance for artifacts (files, digests) when no identity and no
// --builder-id is given, at a vX.Y.Z release tag: slsa-verifier's list for
// verify-artifact (generic generator, Go builder, container-based builder)
// and its delegators (BYOB), which sign for the builder the predicate
// names. The container generator is trusted for images only
// (ImageBuilders), as in slsa-verifier.
var TrustedBuilders = []string{
	ghWorkflows + "generator_generic_slsa3.yml",
	ghWorkflows + "builder_go_slsa3.yml",
	ghWorkflows + "builder_container-based_slsa3.yml",
	ghWorkflows + "delegator_generic_slsa3.yml",
	ghWorkflows + "delegator_lowperms-generic_slsa3.yml",
}

// ImageBuilders are the reusable workflows trusted for container images
// (slsa-verifier's verify-image).
var ImageBuilders = []string{
	ghWorkflows + "generator_container_slsa3.yml",
}

// delegators sign for a builder that the predicate names (BYOB).
var delegators = []string{
	ghWorkflows + "delegator_generic_slsa3.yml",
	ghWorkflows + "delegator_lowperms-generic_slsa3.yml",
}

// Expect is what the user asked, slsa-verifier-style.
type Expect struct {
	BuilderID    string
	SourceURI    string
	Branch       string
	Tag          string
	VersionedTag string
	Inputs       map[string]string
	// Defaults: no identity flag and no --builder-id, so the builder must
	// be one of TrustedBuilders.
	Defaults bool
}

// HasRefs says whether a branch, tag or workflow input is expected.
func (x Expect) HasRefs() bool {
	return x.Branch != "" || x.Tag != "" || x.VersionedTag != "" || len(x.Inputs) > 0
}

// splitRef splits "name@ref" at the last "@".
func splitRef(id string) (name, ref string) {
	if i := strings.LastIndex(id, "@"); i >= 0 {
		return id[:i], id[i+1:]
	}
	return id, ""
}

// matchLoose: want ("name", "name@ref" or "name@vX") accepts the
// certificate's workflow id ("name@refs/tags/vX"): slsa-verifier's
// MatchesLoose.
func matchLoose(id, want string) bool {
	b, err := utils.TrustedBuilderIDNew(id, false)
	return err == nil && b.MatchesLoose(want, true) == nil
}

// matchFull: the predicate's builder id names the certificate's workflow,
// name and ref (a bare version stands for refs/tags/version):
// slsa-verifier's MatchesFull.
func matchFull(got, wf string) bool {
	b, err := utils.TrustedBuilderIDNew(wf, false)
	return err == nil && b.MatchesFull(got, true) == nil
}

// releaseTag says whether a ref is refs/tags/vX.Y.Z (no pre-release or
// build metadata), as slsa-verifier requires of trusted builders.
func releaseTag(ref string) bool { return utils.IsValidBuilderTag(ref, false) == nil }

// certWorkflow is the signing workflow of a GitHub certificate: the Build
// Signer URI, else the SAN.
func certWorkflow(c *certificate.Summary) string {
	if c.BuildSignerURI != "" {
		return c.BuildSignerURI
	}
	return c.SubjectAlternativeName
}

// certRepository is OWNER/REPO from the certificate's extensions.
func certRepository(c *certificate.Summary) string {
	if c.SourceRepositoryURI != "" {
		return strings.TrimPrefix(c.SourceRepositoryURI, "https://github.com/")
	}
	return c.GithubWorkflowRepository //nolint:staticcheck // old certificates
}

func certRef(c *certificate.Summary) string {
	if c.SourceRepositoryRef != "" {
		return c.SourceRepositoryRef
	}
	return c.GithubWorkflowRef //nolint:staticcheck // old certificates
}

// CheckCertificate applies slsa-verifier's builder and source rules to a
// verified GitHub Actions certificate and the provenance it signed (nil for
// a statement that is not provenance: the certificate alone names the
// signer). It returns the builder id the certificate proves, and the
// problems: any problem means the signer is not accepted.
func CheckCertificate(c *certificate.Summary, sum *provenance.Provenance, x Expect) (string, []string) {
	var problems []string
	if c.Issuer != ActionsIssuer {
		return "", []string{fmt.Sprintf("certificate issuer is %q, not GitHub Actions (%s): no trusted builder", c.Issuer, ActionsIssuer)}
	}
	wf := certWorkflow(c)
	name, ref := splitRef(wf)
	if ref == "" || !strings.HasPrefix(name, "https://github.com/") {
		return "", []string{fmt.Sprintf("certificate workflow %q is not https://github.com/OWNER/REPO/PATH@REF", wf)}
	}
	isDelegator := contains(delegators, name) && releaseTag(ref)
	builder := wf
	switch {
	case x.BuilderID == "" && x.Defaults:
		if !contains(TrustedBuilders, name) {
			return "", []string{fmt.Sprintf("certificate workflow %s is not a trusted builder (slsa-github-generator's; name another builder to trust it)", wf)}
		}
		if !releaseTag(ref) {
			return "", []string{fmt.Sprintf("trusted builder %s is not at a release tag (refs/tags/vX.Y.Z)", wf)}
		}
	case x.BuilderID != "" && !isDelegator:
		if !matchLoose(wf, x.BuilderID) {
			return "", []string{fmt.Sprintf("certificate workflow %s does not match the builder asked for, %s", wf, x.BuilderID)}
		}
		if !releaseTag(ref) {
			return "", []string{fmt.Sprintf("builder %s is not at a release tag (refs/tags/vX.Y.Z)", wf)}
		}
	}
	repo := certRepository(c)
	if sum == nil {
		// Not provenance: the certificate alone names the signer; there is
		// no builder.id or source claim to hold against it.
		if x.SourceURI != "" {
			if want := githubRepoOf(x.SourceURI); repo != want {
				problems = append(problems, fmt.Sprintf("source repository is %s (certificate), want github.com/%s", repo, want))
			}
		}
		return builder, problems
	}
	// The predicate's builder.id must be backed by the certificate.
	got := sum.BuilderID
	switch {
	case runnerBacked(c, sum.BuildType, got):
		// GitHub artifact attestations, npm: builder.id names the
		// runner; the certificate's workflow is the builder.
	case isDelegator:
		bname, bref := splitRef(got)
		if !releaseTag(bref) {
			problems = append(problems, fmt.Sprintf("builder.id %q (delegated by %s) is not at a release tag (refs/tags/vX.Y.Z)", got, wf))
			break
		}
		want := x.BuilderID
		if want == "" && x.Defaults && !strings.HasPrefix(bname, ghWorkflows) {
			problems = append(problems, fmt.Sprintf("builder.id %q (delegated by %s) is not one of slsa-github-generator's builders; name it as the builder to trust it", got, wf))
			break
		}
		if want != "" && !matchLoose(got, want) {
			problems = append(problems, fmt.Sprintf("builder.id %q (delegated by %s) does not match the builder asked for, %s", got, wf, want))
			break
		}
		builder = got
	default:
		if !matchFull(got, wf) {
			problems = append(problems, fmt.Sprintf("builder.id %q is not backed by the certificate, which was issued to %s: forged builder", got, wf))
		}
	}
	// The predicate must agree with the certificate about the source.
	g := readGitHubProvenance(sum)
	if trig, _ := splitGitURI(g.trigger); trig != "" && repo != "" && trig != "git+https://github.com/"+repo {
		problems = append(problems, fmt.Sprintf("the predicate's source %q disagrees with the certificate's repository %s", g.trigger, repo))
	}
	if _, tref := splitGitURI(g.trigger); tref != "" && certRef(c) != "" && tref != certRef(c) {
		problems = append(problems, fmt.Sprintf("the predicate's ref %q disagrees with the certificate's %s", tref, certRef(c)))
	}
	if x.SourceURI != "" {
		want := githubRepoOf(x.SourceURI)
		if repo != want {
			problems = append(problems, fmt.Sprintf("source repository is %s (certificate), want github.com/%s", repo, want))
		} else {
			problems = append(problems, g.checkSource("git+https://github.com/"+want)...)
		}
	}
	return builder, problems
}

// githubRepoOf reduces an expected source ("github.com/OWNER/REPO",
// "git+https://github.com/OWNER/REPO.git") to OWNER/REPO.
func githubRepoOf(sourceURI string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(sourceURI, "git+"), "https://"), "github.com/"), ".git")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ghProvenance is what slsa-verifier reads from a GitHub provenance: the
// trigger (workflow repository and ref), the source (first material or
// resolved dependency), and the GitHub context (environment or internal
// parameters).
type ghProvenance struct {
	buildType string
	trigger   string // git+https://github.com/OWNER/REPO@REF
	source    string
	env       map[string]any
	upper     bool
	byob      bool
	ghWork    map[string]any // externalParameters.workflow of GitHub's build type
}

func readGitHubProvenance(p *provenance.Provenance) ghProvenance {
	g := ghProvenance{}
	if p == nil {
		return g
	}
	g.buildType = p.BuildType
	g.byob = p.BuildType == buildTypeBYOB
	if len(p.Dependencies) > 0 {
		g.source = p.Dependencies[0].URI
	}
	g.env = p.InternalParameters
	switch p.PredicateType {
	case provenance.PredicateSLSAv0_2:
		if p.ConfigSource != nil {
			g.trigger = p.ConfigSource.URI
		}
		g.upper = g.byob
	case provenance.PredicateSLSAv1:
		g.upper = true
		if contains(runnerBuildTypes, p.BuildType) {
			g.ghWork, _ = p.ExternalParameters["workflow"].(map[string]any)
			if r, ref := str(g.ghWork, "repository"), str(g.ghWork, "ref"); r != "" && ref != "" {
				g.trigger = "git+" + r + "@" + ref
			}
		} else if wr := envStr(g.env, "github_workflow_ref", true); wr != "" {
			if repoPath, ref, ok := strings.Cut(wr, "@"); ok {
				parts := strings.SplitN(repoPath, "/", 3)
				if len(parts) >= 2 {
					g.trigger = "git+https://github.com/" + parts[0] + "/" + parts[1] + "@" + ref
				}
			}
		}
	}
	return g
}

// checkSource is slsa-verifier's verifySourceURI: the trigger and the
// source both name the expected repository, with a ref, and agree.
func (g ghProvenance) checkSource(want string) []string {
	trig, tref := splitGitURI(g.trigger)
	if trig != want {
		return []string{fmt.Sprintf("the predicate's trigger %q does not match source %s", g.trigger, want)}
	}
	if tref == "" {
		return []string{fmt.Sprintf("the predicate's trigger %q has no ref", g.trigger)}
	}
	if g.ghWork != nil {
		return nil
	}
	src, sref := splitGitURI(g.source)
	if src != want {
		return []string{fmt.Sprintf("the predicate's source %q does not match source %s", g.source, want)}
	}
	if sref == "" {
		if g.byob {
			return nil
		}
		return []string{fmt.Sprintf("the predicate's source %q has no ref", g.source)}
	}
	if g.trigger != g.source {
		return []string{fmt.Sprintf("the predicate's trigger %q and source %q differ", g.trigger, g.source)}
	}
	return nil
}

func splitGitURI(u string) (string, string) {
	if u == "" {
		return "", ""
	}
	if !strings.HasPrefix(u, "git+") {
		u = "git+" + u
	}
	repo, ref, _ := strings.Cut(u, "@")
	return strings.TrimSuffix(repo, ".git"), ref
}

// ref returns the GitHub ref the build ran for, with its type, or an
// error message.
func (g ghProvenance) refOf(kind string) (string, error) {
	if g.ghWork != nil {
		ref := str(g.ghWork, "ref")
		if kind == "tags" && strings.HasPrefix(ref, "refs/tags/") || kind == "heads" && strings.HasPrefix(ref, "refs/heads/") {
			return ref, nil
		}
		return "", nil
	}
	if g.byob {
		_, ref := splitGitURI(g.source)
		switch {
		case ref == "":
			return "", fmt.Errorf("the predicate's source %q has no ref", g.source)
		case strings.HasPrefix(ref, "refs/heads/"):
			if kind == "heads" {
				return ref, nil
			}
			return "", nil
		case strings.HasPrefix(ref, "refs/tags/"):
			if kind == "tags" {
				return ref, nil
			}
			return g.branchForTag()
		default:
			return "", fmt.Errorf("unknown ref type of %q", ref)
		}
	}
	if g.env == nil {
		return "", fmt.Errorf("the predicate records no GitHub context")
	}
	refType := envStr(g.env, "github_ref_type", g.upper)
	switch refType {
	case "branch":
		if kind == "heads" {
			return envStr(g.env, "github_ref", g.upper), nil
		}
		return "", nil
	case "tag":
		if kind == "tags" {
			return envStr(g.env, "github_ref", g.upper), nil
		}
		return g.branchForTag()
	default:
		return "", fmt.Errorf("the predicate's ref type is %q", refType)
	}
}

// branchForTag is the branch of a tag build: github_base_ref, else the
// push event's base_ref, else the release's target_commitish.
func (g ghProvenance) branchForTag() (string, error) {
	if b := envStr(g.env, "github_base_ref", g.upper); b != "" {
		return b, nil
	}
	payload, _ := envAny(g.env, "github_event_payload", g.upper).(map[string]any)
	switch envStr(g.env, "github_event_name", g.upper) {
	case "push":
		return str(payload, "base_ref"), nil
	case "release":
		if t := str(payload, "release", "target_commitish"); t != "" {
			return "refs/heads/" + t, nil
		}
	}
	return "", nil
}

func (g ghProvenance) inputs() (map[string]any, error) {
	if g.ghWork != nil {
		if in, ok := g.ghWork["inputs"].(map[string]any); ok {
			return in, nil
		}
	}
	if ev := envStr(g.env, "github_event_name", g.upper); ev != "workflow_dispatch" {
		return nil, fmt.Errorf("workflow inputs: the build was triggered by %q, not workflow_dispatch", ev)
	}
	payload, _ := envAny(g.env, "github_event_payload", g.upper).(map[string]any)
	in, ok := payload["inputs"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("workflow inputs: the predicate records none")
	}
	return in, nil
}

// CheckRefs applies --source-branch, --source-tag, --source-versioned-tag
// and --build-workflow-input to a provenance predicate, as slsa-verifier
// reads each format.
func CheckRefs(sum *provenance.Provenance, x Expect) []string {
	if x.Branch == "" && x.Tag == "" && x.VersionedTag == "" && len(x.Inputs) == 0 {
		return nil
	}
	g := readGitHubProvenance(sum)
	var problems []string
	if x.Branch != "" {
		ref, err := g.refOf("heads")
		switch {
		case err != nil:
			problems = append(problems, "branch: "+err.Error())
		case !strings.HasPrefix(ref, "refs/heads/"):
			problems = append(problems, fmt.Sprintf("branch: the build ran for no branch (%q), want %s", ref, x.Branch))
		case strings.TrimPrefix(ref, "refs/heads/") != x.Branch:
			problems = append(problems, fmt.Sprintf("branch is %s, want %s", strings.TrimPrefix(ref, "refs/heads/"), x.Branch))
		}
	}
	if x.Tag != "" || x.VersionedTag != "" {
		ref, err := g.refOf("tags")
		tag := strings.TrimPrefix(ref, "refs/tags/")
		switch {
		case err != nil:
			problems = append(problems, "tag: "+err.Error())
		case !strings.HasPrefix(ref, "refs/tags/") || tag == "":
			problems = append(problems, "tag: the build ran for no tag")
		default:
			if x.Tag != "" && tag != x.Tag {
				problems = append(problems, fmt.Sprintf("tag is %s, want %s", tag, x.Tag))
			}
			if x.VersionedTag != "" {
				if err := matchVersionedTag(tag, x.VersionedTag); err != nil {
					problems = append(problems, err.Error())
				}
			}
		}
	}
	if len(x.Inputs) > 0 {
		in, err := g.inputs()
		if err != nil {
			problems = append(problems, err.Error())
		} else {
			for _, k := range sortedKeys(x.Inputs) {
				got, ok := in[k].(string)
				if !ok {
					problems = append(problems, fmt.Sprintf("workflow input %s is not recorded (as a string)", k))
				} else if got != x.Inputs[k] {
					problems = append(problems, fmt.Sprintf("workflow input %s is %q, want %q", k, got, x.Inputs[k]))
				}
			}
		}
	}
	return problems
}

// ValidVersionedTag says whether an expected versioned tag is a semantic
// version prefix (vMAJOR[.MINOR[.PATCH]]).
func ValidVersionedTag(t string) bool { return semver.IsValid(t) }

// matchVersionedTag is slsa-verifier's --source-versioned-tag: the
// components the expectation gives (major, minor, patch) must be equal;
// "v13.0" accepts v13.0.30 and rejects v13.1.
func matchVersionedTag(tag, want string) error {
	if !ValidVersionedTag(want) {
		return fmt.Errorf("the versioned tag %q is not a semantic version (vMAJOR[.MINOR[.PATCH]])", want)
	}
	if !semver.IsValid(tag) {
		return fmt.Errorf("tag %s is not a semantic version", tag)
	}
	if err := utils.VerifyVersionedTag(tag, want); err != nil {
		return fmt.Errorf("versioned tag: %s does not match %s", tag, want)
	}
	return nil
}

func at(m any, path ...string) any {
	cur := m
	for _, p := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = obj[p]
	}
	return cur
}

func str(m any, path ...string) string {
	s, _ := at(m, path...).(string)
	return s
}

// envAny reads a GitHub context key in the case the format uses
// (GITHUB_REF in v1 and delegated builds, github_ref in v0.2).
func envAny(env map[string]any, key string, upper bool) any {
	if upper {
		key = strings.ToUpper(key)
	}
	return env[key]
}

func envStr(env map[string]any, key string, upper bool) string {
	s, _ := envAny(env, key, upper).(string)
	return s
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// KeylessBuilder says whether a builder id names a builder that signs only
// with short-lived Sigstore certificates (slsa-github-generator's
// workflows, GitHub's hosted runners for artifact attestations): no key
// can prove such a builder, so a key-signed statement never reaches a
// level that needs it.
func KeylessBuilder(id string) bool {
	name, _ := splitRef(id)
	return strings.HasPrefix(name, ghWorkflows[:len("https://github.com/slsa-framework/slsa-github-generator/")]) ||
		name == "https://github.com/actions/runner" || strings.HasPrefix(name, "https://github.com/actions/runner/")
}
