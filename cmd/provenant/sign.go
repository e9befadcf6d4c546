package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/attest/sigstore"
)

func newSignCmd(g *globalFlags) *cobra.Command {
	var (
		keyPath, out string
		force        bool
		kf           keylessFlags
	)
	cmd := &cobra.Command{
		Use:   "sign (--key KEY | --keyless) --bundle OUT ARTIFACT",
		Short: "Sign an artifact into a Sigstore bundle (keyed offline, or keyless)",
		Long: `Sign an artifact's bytes with a private key into a Sigstore bundle v0.3
(application/vnd.dev.sigstore.bundle.v0.3+json) holding a message signature
and a public-key hint, written atomically as one JSON document
(the .sigstore.json shape). An existing file is replaced only with
--force; a symbolic link, directory, pipe or device at --bundle is always
refused.

The bundle is made offline: no certificate, no transparency-log entry, no
timestamp. It therefore carries no trusted time: a verifier trusts the key
for whenever it signed. ECDSA (P-256, P-384) and Ed25519 keys; provenant's
RSA keys sign with PSS, which Sigstore verifiers do not expect.

With --keyless instead of --key, the artifact is signed with a fresh key
certified by Fulcio for the job's OIDC identity, and timestamped (and
logged in Rekor): see docs/keyless.md.

Verify it with provenant verify-signature --key, or with
cosign verify-blob --new-bundle-format --key PUB --insecure-ignore-tlog
--trusted-root ROOT (a trusted root with no entries will do).`,
		Example: `  provenant sign --key release.key --bundle app.sigstore.json dist/app
  provenant sign --keyless --bundle app.sigstore.json dist/app
  provenant verify-signature --bundle app.sigstore.json --key release.pub dist/app`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := kf.validate(cmd, keyPath); err != nil {
				return err
			}
			if out == "" {
				return usageError("--bundle is required")
			}
			wopts := writeOptions(force)
			if err := attest.CheckWrite(out, wopts...); err != nil {
				return inputError(forceHint(err))
			}
			w, done, err := signWriter(cmd, keyPath, &kf, out, wopts)
			if err != nil {
				return inputError(err)
			}
			defer done()
			if err := w.WriteArtifactSignature(cmd.Context(), args[0]); err != nil {
				return inputError(forceHint(err))
			}
			if g.json() {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"bundle": out, "artifact": args[0], "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"})
			}
			how := "no log entry"
			if kf.on {
				how = "keyless"
				kf.noteUnchecked(cmd.ErrOrStderr())
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "signed %s into %s (Sigstore bundle v0.3, message signature, %s)\n", safetext.Text(args[0]), safetext.Text(out), how)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyPath, "key", "", "ECDSA or Ed25519 "+keyRefHelp)
	kf.register(f)
	f.StringVar(&out, "bundle", "", "Sigstore bundle to write (.sigstore.json)")
	f.BoolVar(&force, "force", false, "replace an existing --bundle file")
	addFormatFlag(cmd, g)
	return cmd
}

// signWriter is sign's bundle writer: keyless, or with the --key signer;
// done closes the signer.
func signWriter(cmd *cobra.Command, keyPath string, kf *keylessFlags, out string, wopts []attest.WriteOption) (*sigstore.BundleWriter, func(), error) {
	if kf.on {
		k, err := kf.signer()
		if err != nil {
			return nil, nil, err
		}
		w, err := sigstore.NewKeylessBundleWriter(out, k, wopts...)
		return w, func() {}, err
	}
	signer, err := openSigner(cmd.Context(), keyPath)
	if err != nil {
		return nil, nil, err
	}
	done := func() { _ = attest.CloseSigner(signer) }
	w, err := sigstore.NewBundleWriter(out, signer, wopts...)
	if err != nil {
		done()
		return nil, nil, err
	}
	return w, done, nil
}

// writeOptions are the attest.WriteFile options for a command's --force.
func writeOptions(force bool) []attest.WriteOption {
	if force {
		return []attest.WriteOption{attest.WithOverwrite()}
	}
	return nil
}

// forceHint tells the user how to replace a file that exists.
func forceHint(err error) error {
	if errors.Is(err, attest.ErrExists) {
		return fmt.Errorf("%w (use --force to replace it)", err)
	}
	return err
}
