package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/policy"
)

type verifyFlags struct {
	bundles       []string
	keys          []string
	threshold     int
	builderID     string
	sourceURI     string
	predicateType string
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

The bundle is judged as a whole: an envelope that cannot be read, or that is
not signed by trusted keys, denies every artifact, because what it covers
cannot be known.

Exit codes: 0 every artifact verified, 1 a verification was denied, 2 usage
or input error (a missing file, an unreadable key).`,
		Example: `  provenant verify --bundle app.intoto.jsonl --key release.pub dist/app
  provenant verify --bundle app.intoto.jsonl --key alice.pub --key bob.pub --threshold 2 dist/app
  provenant verify --bundle app.intoto.jsonl --key release.pub \
      --builder-id https://ci.example.com/builders/release \
      --source-uri github.com/example/app --format json dist/*`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(vf.bundles) == 0 {
				return usageError("--bundle is required")
			}
			if len(vf.keys) == 0 {
				return usageError("at least one --key is required")
			}
			if len(args) == 0 {
				return usageError("name at least one artifact to verify")
			}
			opts := []policy.Option{
				policy.WithThreshold(vf.threshold),
				policy.WithBuilderID(vf.builderID),
				policy.WithSourceURI(vf.sourceURI),
			}
			if cmd.Flags().Changed("predicate-type") {
				opts = append(opts, policy.WithPredicateType(vf.predicateType))
			}
			for _, p := range vf.keys {
				k, err := attest.LoadPublicKey(p)
				if err != nil {
					return inputError(err)
				}
				opts = append(opts, policy.WithKeys(k))
			}
			v, err := policy.NewVerifier(opts...)
			if err != nil {
				return usageError("%v", err)
			}
			entries, err := policy.ReadBundles(vf.bundles)
			if err != nil {
				return inputError(err)
			}
			inputs := make([]policy.Input, len(args))
			for i, a := range args {
				inputs[i] = policy.Input{Name: a, Path: a}
			}
			report, err := v.Verify(cmd.Context(), entries, inputs)
			if err != nil {
				return inputError(err)
			}
			if g.json() {
				if err := writeJSON(cmd.OutOrStdout(), verifyJSON{SchemaVersion: verifySchema, Report: report}); err != nil {
					return err
				}
			} else {
				printVerifyText(cmd.OutOrStdout(), palette{useColor(g, cmd.OutOrStdout())}, vf, report)
			}
			if !report.Allowed {
				return errSilentDenied
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&vf.bundles, "bundle", nil, "bundle to read: JSON Lines of DSSE envelopes, or one envelope (repeatable)")
	f.StringArrayVar(&vf.keys, "key", nil, "trusted public key, PKIX PEM (repeatable)")
	f.IntVar(&vf.threshold, "threshold", 1, "distinct trusted keys that must sign each envelope")
	f.StringVar(&vf.builderID, "builder-id", "", "required builder id (without @ref: any ref of that builder)")
	f.StringVar(&vf.sourceURI, "source-uri", "", "required source, e.g. github.com/org/repo (with @ref: that ref only)")
	f.StringVar(&vf.predicateType, "predicate-type", "", "required predicate type (default: SLSA provenance v1 or v0.2)")
	return cmd
}

// verifySchema names the JSON result format, documented in docs/formats.md.
const verifySchema = "https://github.com/provenant/provenant/blob/main/docs/formats.md#verify-result-v1"

type verifyJSON struct {
	SchemaVersion string `json:"schemaVersion"`
	*policy.Report
}

func printVerifyText(w io.Writer, p palette, vf verifyFlags, r *policy.Report) {
	crit := []string{fmt.Sprintf("%d trusted key(s), threshold %d", len(r.Criteria.Keys), r.Criteria.Threshold)}
	if r.Criteria.BuilderID != "" {
		crit = append(crit, "builder "+r.Criteria.BuilderID)
	}
	if r.Criteria.SourceURI != "" {
		crit = append(crit, "source "+r.Criteria.SourceURI)
	}
	envelopes := 0
	for _, e := range r.Envelopes {
		if e.Source.Line > 0 {
			envelopes++
		}
	}
	fmt.Fprintf(w, "%s %s (%d envelope(s)); %s\n", p.bold("bundle"), strings.Join(vf.bundles, ", "), envelopes, strings.Join(crit, ", "))
	denied := 0
	for _, a := range r.Artifacts {
		if a.Allowed {
			srcs := make([]string, len(a.Attestations))
			for i, s := range a.Attestations {
				srcs[i] = s.String()
			}
			fmt.Fprintf(w, "%s %s: verified by %s\n", p.green("✓"), a.Name, strings.Join(srcs, ", "))
			continue
		}
		denied++
		fmt.Fprintf(w, "%s %s: %s\n", p.red("✗"), a.Name, a.Reasons[0])
		for _, reason := range a.Reasons[1:] {
			fmt.Fprintf(w, "    %s %s\n", p.dim("also:"), reason)
		}
	}
	if denied == 0 {
		fmt.Fprintf(w, "%s: %d artifact(s) verified\n", p.green("allowed"), len(r.Artifacts))
	} else {
		fmt.Fprintf(w, "%s: %d of %d artifact(s) failed verification\n", p.red("denied"), denied, len(r.Artifacts))
	}
}
