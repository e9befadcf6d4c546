package main

import (
	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/policy"
)

func newPushCmd(g *globalFlags) *cobra.Command {
	var (
		bundles []string
		limits  attest.Limits
		reg     ociFlags
	)
	cmd := &cobra.Command{
		Use:   "push --bundle FILE [--oci-storage auto|att|referrer|both] IMAGE",
		Short: "Push the attestations of a bundle next to an image in its registry",
		Long: `Store every entry of the bundles as an attestation of IMAGE
(REGISTRY/REPOSITORY@sha256:HEX, or a tag, resolved to the manifest digest
it names now), where cosign, slsa-verifier, Conforma, policy-controller
and GitHub's tools look for them (docs/oci.md):

  att       cosign's classic layout: the tag sha256-<hex>.att, one DSSE
            envelope a layer, appended to what is there;
  referrer  an OCI 1.1 referrer holding a Sigstore bundle v0.3, through the
            referrers API or the sha256-<hex> fallback index tag;
  auto      (the default) each entry in its own layout: DSSE envelopes as
            .att layers, Sigstore bundles as referrers;
  both      each entry both ways.

A DSSE envelope with one signature is carried as a referrer in a keyed
Sigstore bundle (the signature untouched); a keyed Sigstore bundle's DSSE
envelope becomes a .att layer. An entry that cannot be stored as asked
(unreadable, several signatures for a referrer, a certificate-signed
Sigstore bundle for a .att layer) stops the push before anything is
pushed. Nothing is verified: push stores what the bundle holds.

Credentials are read as docker and podman read them: REGISTRY_AUTH_FILE,
then $DOCKER_CONFIG/config.json (default ~/.docker/config.json), with their
credential helpers. A registry on this machine is spoken to in plain
HTTP; any other only over HTTPS unless --plain-http.

Exit codes: 0 pushed, 2 usage or input error (an unreadable bundle, an
entry that cannot be stored, a registry that is down or refuses).`,
		Example: `  provenant push --bundle app.intoto.jsonl registry.example.com/app@sha256:...
  provenant push --bundle app.sigstore.json --oci-storage both oci://registry.example.com/app:v1
  provenant push --bundle app.intoto.jsonl --attestation-repository registry.example.com/attestations registry.example.com/app:v1`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(bundles) == 0 {
				return usageError("--bundle is required")
			}
			storage, err := reg.storageValue()
			if err != nil {
				return err
			}
			ref, err := parseImage(args[0])
			if err != nil {
				return err
			}
			entries, err := policy.ReadBundlesLimited(bundles, limits)
			if err != nil {
				return inputError(err)
			}
			client, err := reg.client(limits)
			if err != nil {
				return err
			}
			img, err := client.Resolve(cmd.Context(), ref)
			if err != nil {
				return inputError(err)
			}
			pushed, err := client.Push(cmd.Context(), img, entries, storage)
			if err != nil {
				return inputError(err)
			}
			if g.json() {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"image": img.Ref.String(), "pushed": pushed})
			}
			w := safetext.NewPrinter(cmd.OutOrStdout())
			w.Printf("pushed %d attestation(s) of %s\n", len(pushed), safetext.Text(img.Ref.String()))
			printPushed(w, pushed)
			return w.Err()
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&bundles, "bundle", nil, "bundle to push: JSON Lines of DSSE envelopes, or a Sigstore bundle (repeatable)")
	addLimitsFlag(f, &limits)
	reg.registerStorage(f)
	reg.registerClient(f)
	addFormatFlag(cmd, g)
	return cmd
}
