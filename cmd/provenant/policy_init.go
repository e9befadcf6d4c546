package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/rules"
	"github.com/provenant/provenant/policy/scaffold"
)

func newPolicyInitCmd(g *globalFlags) *cobra.Command {
	var (
		vf    verifyFlags
		out   string
		force bool
	)
	cmd := &cobra.Command{
		Use:   "init --from BUNDLE --out DIR --key PUB [flags] [ARTIFACT...]",
		Short: "Write a starting policy, its configuration and tests from verified attestations",
		Long: `Write a starting Rego policy into DIR from the attestations of the bundle
that verify, with the trust flags verify takes (--key, --trust,
--trusted-root with --certificate-identity and --certificate-oidc-issuer,
--ca-roots). An entry that does not verify never contributes; a bundle with
one is refused, as verify denies it.

The policy pins what the evidence shows: the predicate types, the builder
ids, the build types, the source repositories and ref patterns (any tag for
a tag), the signers, and the steps of a chain and their order. DIR gets:

  policy.rego       the policy (fixed text; nothing from the evidence)
  policy.yaml       the values it pins, under data: pinned:, which the
                    policy declares as required configuration
  policy_test.rego  the evidence as Rego data, a test that it passes, and
                    one test per pinned value that a changed copy is denied

The tests run before the command ends (as provenant policy test DIR does).
Without ARTIFACT, every subject of a verified attestation is an artifact.
Existing files are replaced only with --force; nothing is written through a
symbolic link.

Exit codes: 0 written and its tests pass, 1 the bundle does not verify for
an artifact or the tests written fail, 2 usage or input error.`,
		Example: `  provenant policy init --from build.intoto.jsonl --key release.pub --out policy/ dist/app.tar.gz
  provenant policy test policy/
  provenant verify --bundle build.intoto.jsonl --key release.pub \
      --policy policy/ --policy-config policy/policy.yaml dist/app.tar.gz`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPolicyInit(cmd, g, &vf, out, force, args)
		},
	}
	f := cmd.Flags()
	addLimitsFlag(f, &vf.limits)
	f.StringArrayVar(&vf.bundles, "from", nil, "bundle to read the evidence from: JSON Lines of DSSE envelopes, or a Sigstore bundle (repeatable)")
	f.StringVar(&out, "out", "", "directory to write policy.rego, policy_test.rego and policy.yaml into (made when missing)")
	f.BoolVar(&force, "force", false, "replace files that exist in --out")
	f.StringArrayVar(&vf.keys, "key", nil, "trusted public key, PKIX PEM (repeatable)")
	f.IntVar(&vf.threshold, "threshold", 1, "distinct trusted keys that must sign each envelope")
	vf.sig.registerTrust(f)
	f.StringVar(&vf.trust, "trust", "", "trust file (YAML, docs/trust.md)")
	f.StringVar(&vf.sig.caRoots, "ca-roots", "", "PEM file of trusted X.509 root CAs, with --certificate-identity[-regexp] (docs/x509.md)")
	cmd.MarkFlagsMutuallyExclusive("certificate-identity", "certificate-identity-regexp")
	cmd.MarkFlagsMutuallyExclusive("certificate-oidc-issuer", "certificate-oidc-issuer-regexp")
	_ = cmd.MarkFlagRequired("from")
	_ = cmd.MarkFlagRequired("out")
	addFormatFlag(cmd, g)
	return cmd
}

func runPolicyInit(cmd *cobra.Command, g *globalFlags, vf *verifyFlags, out string, force bool, args []string) error {
	s := &vf.sig
	if err := s.loadCache(); err != nil {
		return err
	}
	switch {
	case len(vf.keys) == 0 && !s.hasRoots() && vf.trust == "" && s.caRoots == "":
		return usageError("at least one --key, --trust file, --ca-roots (X.509) or --trusted-root (Sigstore; or run provenant trust update) is required")
	case s.hasRoots() && len(vf.keys) == 0 && vf.trust == "" && s.caRoots == "" && !s.hasIdentity():
		return usageError("%s needs an identity policy for certificate signers: give --certificate-identity (or -regexp) and --certificate-oidc-issuer (or -regexp)", s.rootsFlag())
	case s.caRoots != "" && s.identity == "" && s.identityRegexp == "":
		return usageError("--ca-roots needs --certificate-identity or --certificate-identity-regexp")
	}
	// Refused before anything is verified: files in the way, a link.
	if err := scaffold.CheckDir(out, force); err != nil {
		return inputError(writeError(err))
	}
	opts, expect, err := vf.verifierOptions(cmd)
	if err != nil {
		return err
	}
	v, err := policy.NewVerifier(opts...)
	if err != nil {
		return usageError("%v", err)
	}
	inputs, err := vf.inputs(args)
	if err != nil {
		return err
	}
	entries, err := policy.ReadBundlesLimited(vf.bundles, vf.limits)
	if err != nil {
		return inputError(err)
	}
	if hasSigstore(entries) {
		s.warnStaleRoots(cmd.ErrOrStderr())
	}
	if len(inputs) == 0 {
		// Every subject of a verified attestation, judged by the one
		// verification path like any artifact.
		r, err := v.Verify(cmd.Context(), entries, nil, expect...)
		if err != nil {
			return inputError(err)
		}
		inputs = subjectInputs(r)
		if len(inputs) == 0 {
			return deniedError(fmt.Errorf("no attestation of %s verifies: nothing to pin", strings.Join(vf.bundles, ", ")))
		}
	}
	docs, err := v.PolicyInputs(cmd.Context(), entries, inputs, expect...)
	if err != nil {
		return inputError(err)
	}
	for _, d := range docs {
		if verified, _ := d["artifact"].(map[string]any)["verified"].(bool); !verified {
			name, _ := d["artifact"].(map[string]any)["name"].(string)
			reasons, _ := d["artifact"].(map[string]any)["reasons"].([]any)
			return deniedError(fmt.Errorf("%s does not verify, so nothing is pinned: %s", name, fmt.Sprint(reasons...)))
		}
	}
	res, err := scaffold.Generate(docs)
	if err != nil {
		return inputError(err)
	}
	if err := scaffold.Write(out, res, force); err != nil {
		return inputError(writeError(err))
	}
	results, err := rules.RunPolicyTests(cmd.Context(), []string{out}, rules.DefaultPolicyTimeout, nil)
	if err != nil {
		return inputError(policyError(err))
	}
	failed := 0
	for _, r := range results {
		if !r.Passed() {
			failed++
		}
	}
	files := []string{filepath.Join(out, scaffold.PolicyFile), filepath.Join(out, scaffold.TestFile), filepath.Join(out, scaffold.ConfigFile)}
	if g.json() {
		type testJSON struct {
			Name     string         `json:"name"`
			Location rules.Location `json:"location"`
			Outcome  string         `json:"outcome"`
			Error    string         `json:"error,omitempty"`
		}
		tests := make([]testJSON, len(results))
		for i, r := range results {
			tests[i] = testJSON{r.Package + "." + r.Name, r.Location, r.Outcome, r.Error}
		}
		if err := writeJSON(cmd.OutOrStdout(), map[string]any{"files": files, "pins": res.Pins, "tests": tests, "passed": len(results) - failed, "failed": failed}); err != nil {
			return err
		}
	} else {
		w := safetext.NewPrinter(cmd.OutOrStdout())
		p := safetext.Palette{On: useColor(g, cmd.OutOrStdout())}
		w.Printf("wrote %s\n", safetext.Line(strings.Join(files, ", ")))
		w.Printf("pinned from %d artifact(s): %s\n", len(docs), pinSummary(res.Pins))
		printPolicyTests(w, p, results, failed, false)
		if err := w.Err(); err != nil {
			return err
		}
	}
	if failed > 0 {
		return deniedError(errors.New("the tests written fail on the evidence they were written from: please report this"))
	}
	return nil
}

// subjectInputs are the subjects of the report's verified attestations,
// each name and digest once.
func subjectInputs(r *policy.Report) []policy.Input {
	var out []policy.Input
	seen := map[string]bool{}
	for _, a := range r.Attestations {
		if !a.Verified || a.Statement == nil {
			continue
		}
		for _, s := range a.Statement.GetSubject() {
			d := digest.Set(s.GetDigest())
			key := s.GetName() + "\x00" + fmt.Sprint(d)
			if seen[key] || len(d) == 0 {
				continue
			}
			seen[key] = true
			out = append(out, policy.Input{Name: s.GetName(), Digests: d})
		}
	}
	return out
}

func pinSummary(p scaffold.Pins) string {
	var parts []string
	for _, k := range p.Keys() {
		parts = append(parts, fmt.Sprintf("%s (%d)", k.Key, k.Count))
	}
	return strings.Join(parts, ", ")
}

// writeError says how to replace files that exist.
func writeError(err error) error {
	if errors.Is(err, attest.ErrExists) {
		return fmt.Errorf("%w; nothing was written (give --force to replace the files)", err)
	}
	return err
}
