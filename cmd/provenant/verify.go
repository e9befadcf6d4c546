package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/regfile"
	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/report"
	"github.com/provenant/provenant/policy/rules"
	"github.com/provenant/provenant/policy/trust"
	"github.com/provenant/provenant/policy/vsa"
)

type verifyFlags struct {
	limits        attest.Limits
	bundles       []string
	keys          []string
	threshold     int
	builderID     string
	sourceURI     string
	predicateType string

	policies      []string
	policyConfig  string
	policyTimeout time.Duration
	failOn        string
	printInput    bool
	regoVersion   string

	vsaOut      string
	vsaKey      string
	verifierID  string
	resourceURI string

	sig sigstoreFlags // Sigstore and slsa-verifier's flags (sigstore_flags.go)

	trust string // trust file (docs/trust.md)

	reg ociFlags // images in registries: oci:// arguments and --image (oci_flags.go)

	cache  vsaCacheFlags // --vsa-cache (vsa_cache.go)
	config *rules.Config // the --policy-config read, for the cache's key
	// policySet is what --policy compiled to (nil without --policy).
	policySet *rules.PolicySet
}

func newVerifyCmd(g *globalFlags) *cobra.Command {
	var vf verifyFlags
	cmd := &cobra.Command{
		Use:   "verify --bundle FILE --key PUB [flags] ARTIFACT...",
		Short: "Verify artifacts against signed provenance",
		Long: `Verify that each artifact is covered by signed provenance.

Every envelope of the bundle must carry signatures from at least --threshold
distinct trusted keys (--key, repeatable); its payload is parsed only after
that. Each artifact is hashed and matched to the statements whose subjects
name it (every digest algorithm both sides have must agree). Every matching
statement of the expected predicate type (SLSA provenance v1 or v0.2 by
default) must pass the checks asked for (--builder-id, --source-uri), and at
least one must exist.

Verified means a signature checked against trust material AND an identity
policy that accepts the signer. Keys are known by their key material (a
keyid is only a hint). A certificate (Sigstore keyless, --trusted-root; or
X.509, --ca-roots) counts only for an identity asked for: the
--certificate-identity and --certificate-oidc-issuer flags (or their
-regexp forms), or --source-uri, which applies slsa-verifier's builder
checks to GitHub Actions certificates. A builder id is a claim until a
signer proves it: --builder-id is met only by a certificate issued to the
builder or a trust-file key mapped to it (keys[].builders, docs/trust.md).

The bundle is judged as a whole: an envelope that cannot be read, or that is
not signed by trusted keys, or whose signer no identity policy accepts,
denies every artifact, because what it covers cannot be known.

With --policy, Rego policies (files, directories, or builtin:slsa,
builtin:github, builtin:chain, builtin:layout) are then evaluated for each artifact over
the input document described in docs/policy-input.md (--print-input shows
it), against whose schema they are compiled: a reference to a field the
input cannot have is an input error. Rules named deny, warn and violation
(and conftest's deny_NAME...), in any package and any head form
(deny contains msg, deny[msg], deny := ...), make findings; deny and
violation fail the artifact, warn does only with --fail-on warn. Policies
are Rego v1; --rego-version v0 reads conftest-era policies. A policy that
cannot be parsed or compiled, or a --policy-config whose data a built-in
policy does not accept, is an input error; one that fails to evaluate or
runs past --policy-timeout denies. --policy-config gives policies data
(data.config) and lists exceptions, each waiving only the rule it names.

An image in a registry is an artifact too: oci://REGISTRY/REPOSITORY@sha256:HEX
(or --image) verifies the manifest digest by the attestations stored next
to it, cosign's .att layers and the OCI 1.1 referrers holding Sigstore
bundles (docs/oci.md), judged like the entries of a --bundle file, with
every check above. A tag is refused: it can move between verify and
deploy.

For an allowed release, --vsa-out writes a signed SLSA Verification Summary
Attestation per artifact, which verify itself checks with
--predicate-type https://slsa.dev/verification_summary/v1.

With --vsa-cache DIR (or oci://REGISTRY/REPOSITORY), an artifact with a VSA
signed by --vsa-cache-key or --vsa-key, for its digest, --verifier-id and
--verified-level, PASSED, recording the digest of these same criteria
(keys, trust, checks, policies, --policy-config) and of the same
attestations, and not older than --vsa-max-age, is allowed without being
verified again; the report says "from cache" and names the VSA. The others
are verified fully and, with --vsa-key, get a VSA in the cache
(docs/verify.md#vsa-cache).

Exit codes: 0 every artifact verified, 1 a verification was denied, 2 usage
or input error (a missing file, an unreadable key, a policy that does not
compile).`,
		Example: `  provenant verify --bundle app.intoto.jsonl --key release.pub dist/app
  provenant verify --bundle app.intoto.jsonl --key alice.pub --key bob.pub --threshold 2 dist/app
  provenant verify --bundle app.intoto.jsonl --key release.pub \
      --builder-id https://ci.example.com/builders/release \
      --source-uri github.com/example/app --format json dist/*
  provenant verify --bundle app.intoto.jsonl --key release.pub \
      --policy builtin:slsa --policy policies/ --policy-config policy.yaml dist/app
  provenant verify --bundle app.intoto.jsonl --key release.pub --print-input dist/app
  provenant verify --bundle app.intoto.jsonl --key release.pub --policy builtin:slsa \
      --vsa-out app.vsa.jsonl --vsa-key gate.key --verifier-id https://ci.example.com/gate dist/app
  provenant verify --bundle app.intoto.jsonl --key release.pub --policy builtin:slsa \
      --vsa-cache .vsa-cache --vsa-key gate.key --verifier-id https://ci.example.com/gate dist/*
  provenant verify --key release.pub oci://registry.example.com/app@sha256:...`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return vf.run(cmd, g, args)
		},
	}
	f := cmd.Flags()
	addLimitsFlag(f, &vf.limits)
	f.StringArrayVar(&vf.bundles, "bundle", nil, "bundle to read: JSON Lines of DSSE envelopes, or one envelope (repeatable)")
	f.StringArrayVar(&vf.keys, "key", nil, "trusted public key, PKIX PEM (repeatable)")
	f.IntVar(&vf.threshold, "threshold", 1, "distinct trusted keys that must sign each envelope")
	f.StringVar(&vf.builderID, "builder-id", "", "required builder id (without @ref: any ref of that builder)")
	f.StringVar(&vf.sourceURI, "source-uri", "", "required source, e.g. github.com/org/repo (with @ref: that ref only)")
	f.StringVar(&vf.predicateType, "predicate-type", "", "required predicate type (default: SLSA provenance v1 or v0.2)")
	f.StringArrayVar(&vf.policies, "policy", nil, "Rego policy: a .rego file, a directory (recursive, *_test.rego skipped) or builtin:NAME (repeatable)")
	f.StringVar(&vf.policyConfig, "policy-config", "", "policy configuration (YAML): data for policies (data.config) and exceptions")
	f.DurationVar(&vf.policyTimeout, "policy-timeout", rules.DefaultPolicyTimeout, "time limit for evaluating the policies for one artifact")
	f.StringVar(&vf.failOn, "fail-on", rules.KindDeny, "deny: deny and violation findings fail; warn: warn findings fail too")
	f.BoolVar(&vf.printInput, "print-input", false, "print the policy input document of each artifact as JSON and exit")
	addRegoVersionFlag(f, &vf.regoVersion)
	f.StringVar(&vf.vsaOut, "vsa-out", "", "for an allowed release, write signed SLSA Verification Summary Attestations (JSON Lines) to this file")
	f.StringVar(&vf.vsaKey, "vsa-key", "", "private key that signs the VSAs (--vsa-out, --vsa-cache)")
	f.StringVar(&vf.verifierID, "verifier-id", "", "verifier id URI recorded in the VSAs (and required of cached ones)")
	vf.sig.registerTrust(f)
	f.StringVar(&vf.trust, "trust", "", "trust file (YAML, docs/trust.md): keys with validity windows and revocations, threshold, per-step rules")
	f.StringVar(&vf.sig.caRoots, "ca-roots", "", "PEM file of trusted X.509 root CAs for DSSE signatures that carry a certificate chain (docs/x509.md); with --certificate-identity[-regexp]")
	vf.sig.registerSLSA(f)
	vf.sig.registerDigest(f)
	f.StringVar(&vf.resourceURI, "resource-uri", "", "resourceUri recorded in the VSA (default: the artifact's name; one artifact only)")
	f.StringArrayVar(&vf.reg.images, "image", nil, "verify an image in a registry, REGISTRY/REPOSITORY@sha256:HEX, by the attestations stored next to it (repeatable; like an oci:// argument)")
	vf.reg.registerClient(f)
	vf.cache.register(f)
	cmd.MarkFlagsMutuallyExclusive("print-input", "vsa-out")
	cmd.MarkFlagsMutuallyExclusive("certificate-identity", "certificate-identity-regexp")
	cmd.MarkFlagsMutuallyExclusive("certificate-oidc-issuer", "certificate-oidc-issuer-regexp")
	addFormatFlag(cmd, g, "text", "json", "sarif", "junit", "markdown")
	addGitHubFlag(cmd)
	return cmd
}

// run verifies: the flags are checked, the verifier built (trust
// material and expectations, keys read once), the artifacts and bundles
// read, and the report printed; an allowed release gets its VSAs.
func (vf *verifyFlags) run(cmd *cobra.Command, g *globalFlags, args []string) error {
	if err := vf.validate(args); err != nil {
		return err
	}
	if err := vf.validateVSA(cmd); err != nil {
		return err
	}
	if vf.vsaOut != "" {
		// Refused before anything is verified: a link, directory, pipe or
		// device is never written (a regular file is replaced).
		if err := attest.CheckWrite(vf.vsaOut, attest.WithOverwrite()); err != nil {
			return inputError(err)
		}
	}
	var vsaSigner attest.Signer
	if vf.vsaKey != "" {
		// Opened before verifying (a bad key fails first), closed
		// when done (a PKCS#11 session).
		s, err := openSigner(cmd.Context(), vf.vsaKey)
		if err != nil {
			return inputError(err)
		}
		defer func() { _ = attest.CloseSigner(s) }()
		vsaSigner = s
	}
	opts, expect, err := vf.verifierOptions(cmd)
	if err != nil {
		return err
	}
	v, err := policy.NewVerifier(opts...)
	if err != nil {
		return usageError("%v", err)
	}
	files, images := splitImages(args)
	images = append(images, vf.reg.images...)
	inputs, err := vf.inputs(files)
	if err != nil {
		return err
	}
	if n := len(inputs) + len(images); vf.resourceURI != "" && n > 1 {
		// A directory or a glob can name several.
		return usageError("--resource-uri names one artifact; %d given", n)
	}
	var entries []attest.Entry
	if len(vf.bundles) > 0 {
		if entries, err = policy.ReadBundlesLimited(vf.bundles, vf.limits); err != nil {
			return inputError(err)
		}
	}
	if len(images) > 0 {
		client, err := vf.reg.client(vf.limits)
		if err != nil {
			return err
		}
		fetched, imgInputs, _, err := fetchImages(cmd.Context(), client, images)
		if err != nil {
			return err
		}
		entries = append(entries, fetched...)
		inputs = append(inputs, imgInputs...)
	}
	if hasSigstore(entries) {
		vf.sig.warnStaleRoots(cmd.ErrOrStderr())
	}
	if vf.printInput {
		docs, err := v.PolicyInputs(cmd.Context(), entries, inputs, expect...)
		if err != nil {
			return inputError(err)
		}
		for _, d := range docs {
			if err := writeJSON(cmd.OutOrStdout(), d); err != nil {
				return err
			}
		}
		return nil
	}
	stopProgress := startHashProgress(cmd, "verify") // progress.go
	report, err := vf.verifyReport(cmd, g, v, entries, inputs, expect, vsaSigner)
	stopProgress()
	if err != nil {
		return inputError(err)
	}
	githubVerified(cmd, report)
	noteLoopingRules(cmd.ErrOrStderr(), vf.policySet, report)
	shown := *vf // the report names the images beside the bundles
	shown.bundles = append(append([]string(nil), vf.bundles...), images...)
	if err := writeVerifyReport(cmd.OutOrStdout(), g, shown, report); err != nil {
		return err
	}
	if !report.Allowed {
		return errSilentDenied
	}
	if vf.vsaOut == "" {
		return nil
	}
	return vf.writeVSAs(cmd, g, report, vsaSigner)
}

// loopingNoteAt is how many policy iterations (artifacts x verified
// attestations) make a rule that loops over input.attestations for each
// artifact worth a note: about a tenth of a second of OPA's evaluator.
const loopingNoteAt = 100_000

// noteLoopingRules says on stderr, for a gate large enough that it
// matters, which rules of the policies loop over input.attestations for
// each artifact (rules.PolicySet.LoopingRules), and where the faster way
// is written down.
func noteLoopingRules(w io.Writer, ps *rules.PolicySet, r *policy.Report) {
	if ps == nil {
		return
	}
	verified := 0
	for _, a := range r.Attestations {
		if a.Verified {
			verified++
		}
	}
	iterations := len(r.Artifacts) * verified
	if iterations < loopingNoteAt {
		return
	}
	for _, rule := range ps.LoopingRules() {
		_, _ = fmt.Fprintf(w, "note: %s: %s loops over input.attestations and may see the artifact, so it runs for each of the %d artifacts: %d iterations; find the attestations through lib.covering, lib.typed or lib.step_records, or loop in a rule that does not read input.artifact (docs/policies.md, \"Keep a policy linear\")\n",
			safetext.Line(rule.Location.String()), safetext.Line(rule.Package+"."+rule.Name), len(r.Artifacts), iterations) // a note, best effort
	}
}

// validate checks what cobra's flag groups cannot say.
func (vf *verifyFlags) validate(args []string) error {
	s := &vf.sig
	if err := s.loadCache(); err != nil {
		return err
	}
	_, images := splitImages(args)
	images = append(images, vf.reg.images...)
	switch {
	case len(vf.bundles) == 0 && len(images) == 0:
		return usageError("--bundle is required (or an image, oci://REGISTRY/REPOSITORY@sha256:HEX)")
	case len(vf.keys) == 0 && !s.hasRoots() && vf.trust == "" && s.caRoots == "":
		return usageError("at least one --key, --trust file, --ca-roots (X.509) or --trusted-root (Sigstore; or run provenant trust update) is required")
	case s.hasRoots() && len(vf.keys) == 0 && vf.trust == "" && s.caRoots == "" && !s.hasIdentity() && vf.sourceURI == "":
		// Like cosign: a trusted root alone accepts no signer.
		return usageError("%s needs an identity policy for certificate signers: %s", s.rootsFlag(), hint(policy.ErrNoIdentityPolicy))
	case s.caRoots != "" && s.identity == "" && s.identityRegexp == "":
		return usageError("--ca-roots needs --certificate-identity or --certificate-identity-regexp")
	case len(args) == 0 && len(s.artifactDigests) == 0 && len(images) == 0:
		return usageError("name at least one artifact to verify")
	case vf.failOn != rules.KindDeny && vf.failOn != rules.KindWarn:
		return usageError("--fail-on must be deny or warn, not %q", vf.failOn)
	case vf.resourceURI != "" && vf.vsaOut == "":
		return usageError("--resource-uri needs --vsa-out")
	case vf.resourceURI != "" && len(args)+len(vf.reg.images) > 1:
		return usageError("--resource-uri names one artifact; %d given", len(args)+len(vf.reg.images))
	case vf.policyConfig != "" && len(vf.policies) == 0:
		return usageError("--policy-config needs --policy")
	}
	return checkRegoVersion(vf.regoVersion)
}

// verifierOptions are the verifier's trust material (keys, trust file,
// CA roots, Sigstore), each file read once, and the expectations of the
// call (builder, source, predicate type, GitHub refs, policies).
func (vf *verifyFlags) verifierOptions(cmd *cobra.Command) ([]policy.Option, []policy.Expectation, error) {
	keys, err := loadKeys(vf.keys)
	if err != nil {
		return nil, nil, err
	}
	opts := []policy.Option{
		policy.WithLimits(vf.limits),
		policy.WithClock(verifyNow),
		policy.WithKeys(keys...),
		policy.WithHints(hint),
	}
	expect := []policy.Expectation{
		policy.WithBuilderID(vf.builderID),
		policy.WithSourceURI(vf.sourceURI),
	}
	thresholdSet := cmd.Flags().Changed("threshold")
	if thresholdSet || vf.trust == "" {
		opts = append(opts, policy.WithThreshold(vf.threshold))
	}
	var trustOpts []sigstore.Option
	if vf.trust != "" {
		t, err := trust.Load(vf.trust)
		if err != nil {
			return nil, nil, inputError(err)
		}
		if thresholdSet && t.Threshold != 0 && t.Threshold != vf.threshold {
			return nil, nil, usageError("--threshold %d conflicts with threshold %d in %s", vf.threshold, t.Threshold, vf.trust)
		}
		opts = append(opts, policy.WithTrust(t))
		trustOpts = t.SigstoreOptions()
	}
	if vf.sig.caRoots != "" {
		roots, err := trust.LoadCARoots(vf.sig.caRoots)
		if err != nil {
			return nil, nil, inputError(err)
		}
		opts = append(opts, policy.WithCARoots(roots), policy.WithCertificateIdentity(vf.sig.identity, vf.sig.identityRegexp))
	}
	if cmd.Flags().Changed("predicate-type") {
		expect = append(expect, policy.WithPredicateType(vf.predicateType))
	}
	if len(vf.policies) > 0 && !vf.printInput {
		pexpect, err := vf.policyExpectations(cmd)
		if err != nil {
			return nil, nil, err
		}
		expect = append(expect, pexpect...)
	}
	sopts, sexpect, err := vf.sig.policyOptions(keys, trustOpts...)
	if err != nil {
		return nil, nil, err
	}
	return append(opts, sopts...), append(expect, sexpect...), nil
}

// policyExpectations compiles the --policy files with their
// --policy-config.
func (vf *verifyFlags) policyExpectations(cmd *cobra.Command) ([]policy.Expectation, error) {
	var expect []policy.Expectation
	popts := []rules.PolicyOption{rules.WithPolicyTimeout(vf.policyTimeout), rules.WithPrintOutput(cmd.ErrOrStderr()), rules.WithRegoVersion(vf.regoVersion)}
	if vf.policyConfig != "" {
		cfg, err := rules.LoadConfig(vf.policyConfig)
		if err != nil {
			return nil, inputError(policyError(err))
		}
		vf.config = cfg
		popts = append(popts, rules.WithPolicyData(cfg.Data))
		expect = append(expect, policy.WithExceptions(cfg.Exceptions...))
	}
	ps, err := rules.LoadPolicies(cmd.Context(), vf.policies, popts...)
	if err != nil {
		return nil, inputError(policyError(err))
	}
	vf.policySet = ps
	return append(expect, policy.WithPolicies(ps), policy.WithFailOnWarn(vf.failOn == rules.KindWarn)), nil
}

// inputs are the artifacts to judge: files, directories and globs
// expanded as attest expands them (digest.Expand: a missing path, a glob
// that matches nothing, a named pipe or a device is an input error before
// any signature is checked), and --artifact-digest values.
func (vf *verifyFlags) inputs(args []string) ([]policy.Input, error) {
	var inputs []policy.Input
	if len(args) > 0 {
		paths, err := digest.Expand(args)
		if err != nil {
			return nil, inputError(fmt.Errorf("artifact %w", attest.FileError(err)))
		}
		if len(paths) == 0 {
			// Empty directories: nothing to judge is no release.
			return nil, usageError("no file to verify in %s", strings.Join(args, " "))
		}
		for _, p := range paths {
			f, err := regfile.Open(p)
			if err != nil {
				return nil, inputError(fmt.Errorf("artifact %w", attest.FileError(err)))
			}
			_ = f.Close()
			inputs = append(inputs, policy.Input{Name: filepath.ToSlash(p), Path: p})
		}
	}
	digests, err := vf.sig.digestInputs()
	if err != nil {
		return nil, err
	}
	return append(inputs, digests...), nil
}

// writeVSAs signs a VSA for each allowed artifact with --vsa-key and
// writes them to --vsa-out.
func (vf *verifyFlags) writeVSAs(cmd *cobra.Command, g *globalFlags, report *policy.Report, signer attest.Signer) error {
	envs, err := vsa.Envelopes(cmd.Context(), report, vsa.Request{
		Signer:      signer,
		VerifierID:  vf.verifierID,
		Version:     provenantVersion(),
		ResourceURI: vf.resourceURI,
	})
	if err != nil {
		return inputError(fmt.Errorf("VSA: %w", err))
	}
	if err := vsa.Write(vf.vsaOut, envs); err != nil {
		return inputError(fmt.Errorf("writing the VSAs: %w", err))
	}
	if g.format == "text" {
		_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "wrote %d verification summary attestation(s) to %s\n", len(envs), vf.vsaOut) // a note, best effort
	}
	return nil
}

// verifySchema names the JSON result format, documented in docs/formats.md.
const verifySchema = "https://github.com/provenant/provenant/blob/main/docs/formats.md#verify-result-v1"

type verifyJSON struct {
	SchemaVersion string `json:"schemaVersion"`
	*policy.Report
}

// writeVerifyReport prints the report in the --format asked for.
func writeVerifyReport(w io.Writer, g *globalFlags, vf verifyFlags, r *policy.Report) error {
	switch g.format {
	case "json":
		return writeJSON(w, verifyJSON{SchemaVersion: verifySchema, Report: r})
	case "sarif":
		return report.WriteSARIF(w, r, provenantVersion())
	case "junit":
		return report.WriteJUnit(w, r)
	case "markdown":
		return report.WriteMarkdown(w, r)
	default:
		return report.WriteText(w, r, report.TextOptions{Bundles: vf.bundles, Color: useColor(g, w), AllReasons: "--format json lists them all"})
	}
}
