package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/provenance"
)

func newSignCmd(g *globalFlags) *cobra.Command {
	var keyPath, out string
	cmd := &cobra.Command{
		Use:   "sign --key KEY --bundle OUT ARTIFACT",
		Short: "Sign an artifact into a Sigstore bundle (offline, keyed)",
		Long: `Sign an artifact's bytes with a private key into a Sigstore bundle v0.3
(application/vnd.dev.sigstore.bundle.v0.3+json) holding a message signature
and a public-key hint, written atomically as one JSON document
(the .sigstore.json shape).

The bundle is made offline: no certificate, no transparency-log entry, no
timestamp. It therefore carries no trusted time: a verifier trusts the key
for whenever it signed. ECDSA (P-256, P-384) and Ed25519 keys; provenant's
RSA keys sign with PSS, which Sigstore verifiers do not expect.

Verify it with provenant verify-signature --key, or with
cosign verify-blob --new-bundle-format --key PUB --insecure-ignore-tlog
--trusted-root ROOT (a trusted root with no entries will do).`,
		Example: `  provenant sign --key release.key --bundle app.sigstore.json dist/app
  provenant verify-signature --bundle app.sigstore.json --key release.pub dist/app`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyPath == "" {
				return usageError("--key is required")
			}
			if out == "" {
				return usageError("--bundle is required")
			}
			signer, err := loadSigner(keyPath)
			if err != nil {
				return inputError(err)
			}
			b, err := sigstore.SignArtifactFile(cmd.Context(), signer, args[0])
			if err != nil {
				return inputError(err)
			}
			if err := attest.WriteFileAtomic(out, append(b, '\n'), 0o644); err != nil {
				return inputError(fmt.Errorf("writing %s: %w", out, err))
			}
			if g.json() {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"bundle": out, "artifact": args[0], "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "signed %s into %s (Sigstore bundle v0.3, message signature, no log entry)\n", args[0], out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyPath, "key", "", "private key file (ECDSA or Ed25519; PKCS#8 PEM, cosign's encrypted PEM, or securesystemslib JSON)")
	f.StringVar(&out, "bundle", "", "Sigstore bundle to write (.sigstore.json)")
	return cmd
}

// sigstoreBundleWriter signs a statement into a Sigstore bundle v0.3 with
// a DSSE envelope and writes it atomically to path, replacing the file.
func sigstoreBundleWriter(signer attest.Signer, path string) func(context.Context, *attest.Statement) error {
	return func(ctx context.Context, st *attest.Statement) error {
		b, err := sigstore.SignStatement(ctx, signer, st)
		if err != nil {
			return fmt.Errorf("%w: %w", provenance.ErrInput, err)
		}
		if err := attest.WriteFileAtomic(path, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return nil
	}
}
