package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/regfile"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/layout"
)

// maxCertBytes bounds an --intermediate-cert file.
const maxCertBytes = 4 << 20

func newVerifyLayoutCmd(g *globalFlags) *cobra.Command {
	var (
		limits         attest.Limits
		layoutPath     string
		keys           []string
		linkDir        string
		links          []string
		params         []string
		intermediates  []string
		runInspections bool
	)
	cmd := &cobra.Command{
		Use:   "verify-layout --layout FILE --layout-key PUB... (--link-dir DIR | --links BUNDLE...) [--param NAME=VALUE]... [--run-inspections [ARTIFACT...]]",
		Short: "Verify a supply chain against a classic in-toto layout and its links",
		Long: `Verify a software supply chain described by a classic in-toto root layout
(docs/in-toto.md), in in-toto's order:

  1. the layout's signatures: every --layout-key must have signed it;
  2. its expiry, its form, and --param NAME=VALUE substituted for {NAME};
  3. for each step, links signed by its functionaries (keys the layout
     lists, or certificates its constraints accept, with
     --intermediate-cert), from at least the step's threshold of distinct
     keys; a link that does not verify denies;
  4. sublayouts, each verified with its own links (DIR/<step>.<keyid8>/);
  5. the artifact rules of every step (MATCH, ALLOW, DISALLOW, CREATE,
     DELETE, MODIFY, REQUIRE);
  6. the layout's inspections, then their artifact rules.

Links are <step>.<keyid8>.link files in --link-dir, in either form
in-toto-golang reads (a signed metablock or a DSSE envelope), and in-toto
link predicate v0.3 statements in provenant bundles (--links, written by
provenant run --link), which are verified with the layout's functionary
keys like any bundle entry before they count.

Inspections run commands the layout names, on this machine. A layout with
inspections is refused unless --run-inspections is given; then they run one
after the other in a fresh scratch directory holding copies of the ARTIFACT
arguments (a file under its base name, a directory's contents), never in
the current directory, and the directory is removed afterwards.

Keys are PEM public keys (in-toto's or provenant's) or securesystemslib
JSON keys; in-toto and provenant compute the same key ids.

Exit codes: 0 verified, 1 denied, 2 usage or input error (a missing file, a
parameter without a value, inspections not allowed).`,
		Example: `  provenant verify-layout --layout root.layout --layout-key alice.pub --link-dir .
  provenant verify-layout --layout root.layout --layout-key alice.pub --link-dir links \
      --run-inspections dist/app.tar.gz
  provenant verify-layout --layout root.layout --layout-key alice.pub \
      --links build.intoto.jsonl --param VERSION=1.2.0 --format json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case layoutPath == "":
				return usageError("verify-layout: --layout is required")
			case len(keys) == 0:
				return usageError("verify-layout: at least one --layout-key is required")
			case linkDir == "" && len(links) == 0:
				return usageError("verify-layout: give --link-dir (e.g. --link-dir .) or --links")
			case len(args) > 0 && !runInspections:
				return usageError("verify-layout: artifacts are copied for the layout's inspections; give --run-inspections to run them")
			}
			pubs, err := loadKeys(keys)
			if err != nil {
				return err
			}
			opts := []layout.Option{layout.WithLayoutKeys(pubs...), layout.WithLimits(limits), layout.WithClock(verifyNow)}
			for _, p := range intermediates {
				pem, err := regfile.ReadFile(p, maxCertBytes)
				if err != nil {
					return inputError(attest.FileError(err))
				}
				opts = append(opts, layout.WithIntermediateCerts(pem))
			}
			v, err := layout.NewVerifier(opts...)
			if err != nil {
				return inputError(err)
			}
			var ev []layout.Evidence
			if linkDir != "" {
				ev = append(ev, layout.WithLinkDir(linkDir))
			}
			if len(links) > 0 {
				entries, err := policy.ReadBundlesLimited(links, limits)
				if err != nil {
					return inputError(err)
				}
				ev = append(ev, layout.WithLinkEntries(entries...))
			}
			if len(params) > 0 {
				m := map[string]string{}
				for _, p := range params {
					name, value, ok := strings.Cut(p, "=")
					if !ok || name == "" {
						return usageError("verify-layout: --param %q: want NAME=VALUE", p)
					}
					if _, dup := m[name]; dup {
						return usageError("verify-layout: --param %s given twice", name)
					}
					m[name] = value
				}
				ev = append(ev, layout.WithParameters(m))
			}
			if runInspections {
				ev = append(ev, layout.WithInspections(args...))
			}
			r, err := v.Verify(cmd.Context(), layoutPath, ev...)
			if err != nil {
				return inputError(fmt.Errorf("verify-layout: %w", err))
			}
			if err := writeLayoutReport(cmd.OutOrStdout(), g, r); err != nil {
				return err
			}
			if !r.Allowed {
				return errSilentDenied
			}
			return nil
		},
	}
	f := cmd.Flags()
	addLimitsFlag(f, &limits)
	f.StringVar(&layoutPath, "layout", "", "root layout (in-toto metadata: a signed metablock or a DSSE envelope)")
	f.StringArrayVar(&keys, "layout-key", nil, "public key that must have signed the layout: PEM or securesystemslib JSON (repeatable; each must have signed)")
	f.StringVar(&linkDir, "link-dir", "", "directory of link files (<step>.<keyid8>.link) and sublayout link directories")
	f.StringArrayVar(&links, "links", nil, "provenant bundle whose in-toto link statements stand in for link files (repeatable)")
	f.StringArrayVar(&params, "param", nil, "layout parameter NAME=VALUE, substituted for {NAME} (repeatable)")
	f.StringArrayVar(&intermediates, "intermediate-cert", nil, "PEM intermediate certificates for functionaries that sign links with certificates (repeatable)")
	f.BoolVar(&runInspections, "run-inspections", false, "run the layout's inspections (its commands, on this machine) in a scratch directory holding copies of the ARTIFACT arguments")
	addFormatFlag(cmd, g, "text", "json", "junit", "markdown")
	return cmd
}

// layoutSchema names verify-layout's JSON result, documented in
// docs/verify-layout.md.
const layoutSchema = "https://github.com/provenant/provenant/blob/main/docs/verify-layout.md#result-v1"

type layoutJSON struct {
	SchemaVersion string `json:"schemaVersion"`
	*layout.Report
}

func writeLayoutReport(w io.Writer, g *globalFlags, r *layout.Report) error {
	switch g.format {
	case "json":
		return writeJSON(w, layoutJSON{SchemaVersion: layoutSchema, Report: r})
	case "junit":
		return layout.WriteJUnit(w, r)
	case "markdown":
		return layout.WriteMarkdown(w, r)
	default:
		return layout.WriteText(w, r, layout.TextOptions{Color: useColor(g, w), AllReasons: "--format json lists them all"})
	}
}
