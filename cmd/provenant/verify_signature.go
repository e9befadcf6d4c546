package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/regfile"
	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/policy"
)

func newVerifySignatureCmd(g *globalFlags) *cobra.Command {
	var (
		limits     attest.Limits
		bundlePath string
		keys       []string
		sf         sigstoreFlags
	)
	cmd := &cobra.Command{
		Use:   "verify-signature --bundle FILE (--key PUB | --trusted-root ROOT --certificate-identity ID --certificate-oidc-issuer ISS) ARTIFACT",
		Short: "Verify a Sigstore signature bundle over an artifact (no provenance checks)",
		Long: `Verify a Sigstore bundle that signs an artifact: a message signature over
the artifact's bytes, or a DSSE statement whose subject names it. Nothing
else is checked: this is plain artifact signing, like cosign verify-blob.

Keyed bundles verify with --key (alone when the bundle has no
transparency-log entry; with --trusted-root to check the entries it has).
Certificate bundles need --trusted-root and an identity
(--certificate-identity or -regexp, and --certificate-oidc-issuer or
-regexp); they are verified offline: chain to Fulcio, log entry and
timestamps. Every bundle of the file must verify.

Exit codes: 0 verified, 1 not verified, 2 usage or input error.`,
		Example: `  provenant verify-signature --bundle app.sigstore.json --key release.pub dist/app
  provenant verify-signature --bundle app.sigstore.json --trusted-root trusted_root.json \
      --certificate-identity https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.0.0 \
      --certificate-oidc-issuer https://token.actions.githubusercontent.com dist/app
  provenant verify-signature --bundle app.sigstore.json --key release.pub --artifact-digest sha256:...`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if bundlePath == "" {
				return usageError("--bundle is required")
			}
			if err := sf.loadCache(); err != nil {
				return err
			}
			if len(keys) == 0 && !sf.hasRoots() {
				return usageError("give --key or --trusted-root (or run provenant trust update)")
			}
			art := sigstore.Artifact{}
			switch {
			case len(args) == 1 && len(sf.artifactDigests) == 0:
				art.Path = args[0]
			case len(args) == 0 && len(sf.artifactDigests) > 0:
				art.Digests = map[string]string{}
				for _, d := range sf.artifactDigests {
					set, err := parseDigest(d)
					if err != nil {
						return err
					}
					for k, v := range set {
						art.Digests[k] = v
					}
				}
			default:
				return usageError("name one artifact, or give --artifact-digest")
			}
			pubs, err := loadKeys(keys)
			if err != nil {
				return err
			}
			sv, err := sf.verifier(pubs, false)
			if err != nil {
				return err
			}
			v, err := policy.NewVerifier(policy.WithSigstore(sv), policy.WithLimits(limits))
			if err != nil {
				return usageError("%v", err)
			}
			// An unreadable or empty bundle, or one past a limit,
			// is one entry that fails, naming its line.
			entries, err := policy.ReadBundlesLimited([]string{bundlePath}, limits)
			if err != nil {
				return inputError(err)
			}
			if art.Path != "" {
				// A missing artifact, a named pipe or a device is an
				// input error, before any bundle is checked.
				f, err := regfile.Open(art.Path)
				if err != nil {
					return inputError(fmt.Errorf("artifact %w", attest.FileError(err)))
				}
				_ = f.Close()
			}
			sf.warnStaleRoots(cmd.ErrOrStderr())
			checked, ok := v.VerifySignatures(cmd.Context(), entries, art)
			name := art.Path
			if name == "" {
				name = strings.Join(sf.artifactDigests, ", ")
			}
			if g.json() {
				if err := writeJSON(cmd.OutOrStdout(), map[string]any{"verified": ok, "artifact": name, "bundles": checked}); err != nil {
					return err
				}
			} else if err := printSignatureResult(cmd, g, name, checked, ok); err != nil {
				return err
			}
			if !ok {
				return errSilentDenied
			}
			return nil
		},
	}
	f := cmd.Flags()
	addLimitsFlag(f, &limits)
	f.StringVar(&bundlePath, "bundle", "", "Sigstore bundle file (.sigstore.json, JSON Lines of bundles, or GitHub's attestations JSON)")
	f.StringArrayVar(&keys, "key", nil, "trusted public key for keyed bundles (repeatable)")
	sf.registerTrust(f)
	sf.registerDigest(f)
	addFormatFlag(cmd, g)
	return cmd
}

func printSignatureResult(cmd *cobra.Command, g *globalFlags, name string, checked []policy.Attestation, ok bool) error {
	p := safetext.Palette{On: useColor(g, cmd.OutOrStdout())}
	w := safetext.NewPrinter(cmd.OutOrStdout())
	t := safetext.Text
	name = t(name)
	for _, c := range checked {
		src := t(c.Source.String())
		if c.Index > 0 {
			src += fmt.Sprintf(" (attestation %d)", c.Index)
		}
		if !c.Verified {
			w.Printf("%s %s: %s: %s\n", p.Red("✗"), name, src, oneLine(explain(c.Err)))
			continue
		}
		what := "message signature " + t(c.MessageDigest)
		if c.Statement != nil {
			what = "DSSE statement naming it"
		}
		w.Printf("%s %s: %s verified (%s)\n", p.Green("✓"), name, src, what)
		signer := strings.Join(c.KeyIDs(), ", ")
		if id := c.Identity(); id != nil {
			signer = id.SubjectAlternativeName + " (issuer " + id.Issuer + ")"
		}
		w.Printf("    %s %s\n", p.Dim("signer:"), t(signer))
		if c.TrustedRoot != "" {
			w.Printf("    %s %s\n", p.Dim("trusted root:"), t(c.TrustedRoot))
		}
		if id := c.Identity(); id != nil && id.SourceRepositoryURI != "" {
			w.Printf("    %s %s\n", p.Dim("source:"), t(fmt.Sprintf("%s@%s %s", id.SourceRepositoryURI, id.SourceRepositoryRef, attest.ShortKeyID(id.SourceRepositoryDigest))))
		}
		if len(c.Times) == 0 {
			w.Printf("    %s none (no log entry or timestamp: the key is trusted for any time)\n", p.Dim("time:"))
		}
		for _, ts := range c.Times {
			w.Printf("    %s %s (%s)\n", p.Dim("time:"), ts.Time.Format("2006-01-02T15:04:05Z"), strings.ToLower(ts.Kind))
		}
	}
	if ok {
		w.Printf("%s: signature verified\n", p.Green("verified"))
	} else {
		w.Printf("%s: signature not verified\n", p.Red("denied"))
	}
	return w.Err()
}
