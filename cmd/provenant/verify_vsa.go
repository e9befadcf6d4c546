package main

import (
	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/vsa"
)

func newVerifyVSACmd(g *globalFlags) *cobra.Command {
	var (
		limits     attest.Limits
		bundlePath string
		keys       []string
		c          vsa.Check
		printAtt   bool
	)
	cmd := &cobra.Command{
		Use:   "verify-vsa --bundle FILE --key PUB [--key-id ID] --subject-digest ALG:VALUE... --verifier-id ID --resource-uri URI --verified-level LEVEL...",
		Short: "Verify a Verification Summary Attestation (slsa-verifier's verify-vsa)",
		Long: `Verify a signed SLSA Verification Summary Attestation v1, with the meaning
of slsa-verifier's verify-vsa: the signature (with --key-id, only a
signature carrying that keyid counts), every --subject-digest among the
subjects' digests, the verifier id, the resource URI, the PASSED result, and
every --verified-level: SLSA_<TRACK>_LEVEL_<n> is met by that track at n or
higher; any other level must be listed as written. Every VSA of the file
must pass.

Exit codes: 0 verified, 1 not verified, 2 usage or input error.`,
		Example: `  provenant verify-vsa --bundle vsa.intoto.jsonl --key vsa.pub \
      --subject-digest sha256:... --verifier-id https://example.com/verifier \
      --resource-uri git+https://github.com/example/app --verified-level SLSA_BUILD_LEVEL_2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case bundlePath == "":
				return usageError("--bundle is required")
			case len(keys) == 0:
				return usageError("--key is required")
			case len(c.SubjectDigests) == 0:
				return usageError("at least one --subject-digest is required")
			case c.VerifierID == "":
				return usageError("--verifier-id is required")
			case c.ResourceURI == "":
				return usageError("--resource-uri is required")
			case len(c.Levels) == 0:
				return usageError("at least one --verified-level is required")
			}
			for _, p := range keys {
				k, err := attest.LoadPublicKey(p)
				if err != nil {
					return inputError(err)
				}
				c.Keys = append(c.Keys, k)
			}
			// An unreadable or empty bundle, or one past a limit,
			// is one entry that fails, naming its line.
			entries, err := policy.ReadBundlesLimited([]string{bundlePath}, limits)
			if err != nil {
				return inputError(err)
			}
			c.Limits = limits
			outcomes, ok, err := vsa.Verify(cmd.Context(), entries, c)
			if err != nil {
				return usageError("%v", err)
			}
			w := cmd.OutOrStdout()
			switch {
			case g.json():
				if err := writeJSON(w, map[string]any{"verified": ok, "vsas": outcomes}); err != nil {
					return err
				}
			default:
				p := safetext.Palette{On: useColor(g, w)}
				for _, o := range outcomes {
					if o.Verified {
						cmd.Printf("%s %s: VSA verified (%s, %s)\n", p.Green("✓"), safetext.Text(o.Source.String()), safetext.Text(c.VerifierID), safetext.Text(c.ResourceURI))
						if printAtt {
							cmd.Printf("%s\n", o.Statement)
						}
					} else {
						cmd.Printf("%s %s: %s\n", p.Red("✗"), safetext.Text(o.Source.String()), oneLine(explain(o.Err)))
					}
				}
				if ok {
					cmd.Printf("%s: VSA verified\n", p.Green("verified"))
				} else {
					cmd.Printf("%s: VSA not verified\n", p.Red("denied"))
				}
			}
			if !ok {
				return errSilentDenied
			}
			return nil
		},
	}
	f := cmd.Flags()
	addLimitsFlag(f, &limits)
	f.StringVar(&bundlePath, "bundle", "", "VSA file: DSSE envelope(s) as JSON Lines, or a keyed Sigstore bundle")
	f.StringArrayVar(&keys, "key", nil, "public key of the VSA's signer (repeatable)")
	f.StringVar(&c.KeyID, "key-id", "", "keyid the signature must carry (slsa-verifier's --public-key-id)")
	f.StringArrayVar(&c.SubjectDigests, "subject-digest", nil, "ALG:VALUE that some subject must have, e.g. sha256:... or gce_image_id:... (repeatable)")
	f.StringArrayVar(&c.SubjectDigests, "artifact-digest", nil, "same as --subject-digest")
	f.StringVar(&c.VerifierID, "verifier-id", "", "expected verifier.id")
	f.StringVar(&c.ResourceURI, "resource-uri", "", "expected resourceUri")
	f.StringArrayVar(&c.Levels, "verified-level", nil, "required verified level, e.g. SLSA_BUILD_LEVEL_2 or BCID_L1 (repeatable)")
	f.BoolVar(&printAtt, "print-attestation", false, "print the verified VSA statement")
	addFormatFlag(cmd, g)
	return cmd
}
