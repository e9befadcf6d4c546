package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/oci"
	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/attest/sigstore"
)

func newSignCmd(g *globalFlags) *cobra.Command {
	var (
		keyPath, out string
		force        bool
		reg          ociFlags
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

Verify it with provenant verify-signature --key, or with
cosign verify-blob --new-bundle-format --key PUB --insecure-ignore-tlog
--trusted-root ROOT (a trusted root with no entries will do).

With --keyless instead of --key, the artifact is signed with a fresh key
certified by Fulcio for the job's OIDC identity, and timestamped (and
logged in Rekor): see docs/keyless.md.

With --image instead of ARTIFACT, the image's manifest is signed (the
artifact is the manifest digest; a tag is resolved); --push stores the
bundle next to the image as an OCI 1.1 referrer (docs/oci.md), and
--bundle is then optional.`,
		Example: `  provenant sign --key release.key --bundle app.sigstore.json dist/app
  provenant sign --keyless --bundle app.sigstore.json dist/app
  provenant verify-signature --bundle app.sigstore.json --key release.pub dist/app
  provenant sign --key release.key --image registry.example.com/app:v1 --push`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := kf.validate(cmd, keyPath); err != nil {
				return err
			}
			if len(reg.images) > 0 {
				if kf.on {
					return usageError("--image signs with --key; keyless image signatures are not made yet (sign the manifest digest's file, or attest the image with --keyless)")
				}
				return signImage(cmd, g, keyPath, out, force, &reg, args)
			}
			if len(args) != 1 {
				return usageError("name the artifact to sign (or --image)")
			}
			if reg.push {
				return usageError("--push needs --image: the image whose manifest is signed")
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
	f.StringArrayVar(&reg.images, "image", nil, "sign this image's manifest instead of a file: REGISTRY/REPOSITORY:TAG or @sha256:HEX")
	f.BoolVar(&reg.push, "push", false, "push the bundle next to the --image, as an OCI 1.1 referrer")
	reg.registerClient(f)
	addFormatFlag(cmd, g)
	return cmd
}

// signImage signs an image's manifest into a Sigstore bundle, written to
// --bundle and/or pushed next to the image.
func signImage(cmd *cobra.Command, g *globalFlags, keyPath, out string, force bool, reg *ociFlags, args []string) error {
	switch {
	case len(args) > 0:
		return usageError("--image signs the image's manifest: name no ARTIFACT")
	case len(reg.images) > 1:
		return usageError("--image takes one image; %d given", len(reg.images))
	case out == "" && !reg.push:
		return usageError("--bundle is required (or --push)")
	}
	wopts := writeOptions(force)
	if out != "" {
		if err := attest.CheckWrite(out, wopts...); err != nil {
			return inputError(forceHint(err))
		}
	}
	client, err := reg.client(attest.Limits{})
	if err != nil {
		return err
	}
	imgs, _, err := resolveImages(cmd.Context(), client, reg.images)
	if err != nil {
		return err
	}
	img := imgs[0]
	manifest, err := client.Manifest(cmd.Context(), img)
	if err != nil {
		return inputError(err)
	}
	signer, err := openSigner(cmd.Context(), keyPath)
	if err != nil {
		return inputError(err)
	}
	defer func() { _ = attest.CloseSigner(signer) }()
	b, err := sigstore.SignArtifact(cmd.Context(), signer, manifest)
	if err != nil {
		return inputError(err)
	}
	if out != "" {
		if err := attest.WriteFile(out, b, 0o644, wopts...); err != nil {
			return inputError(forceHint(err))
		}
	}
	var pushed []oci.Pushed
	if reg.push {
		p, err := client.PushBundle(cmd.Context(), img, b)
		if err != nil {
			return inputError(err)
		}
		pushed = append(pushed, p)
	}
	if g.json() {
		return writeJSON(cmd.OutOrStdout(), map[string]any{"bundle": out, "image": img.Ref.String(), "mediaType": oci.MediaTypeBundle, "pushed": pushed})
	}
	w := safetext.NewPrinter(cmd.OutOrStdout())
	w.Printf("signed the manifest of %s (Sigstore bundle v0.3, message signature, no log entry)\n", safetext.Text(img.Ref.String()))
	if out != "" {
		w.Printf("wrote %s\n", safetext.Text(out))
	}
	printPushed(w, pushed)
	return w.Err()
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
