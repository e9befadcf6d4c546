package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	// Registered with attest.LoadSignerRef: KMS URIs (the providers
	// need -tags kms) and PKCS#11 URIs.
	_ "github.com/provenant/provenant/attest/kms"
	_ "github.com/provenant/provenant/attest/pkcs11"
)

// keyRefHelp describes what --key accepts, for flag help.
const keyRefHelp = "private key: a file (PEM or securesystemslib JSON), a PKCS#11 URI (pkcs11:...), or a KMS URI (awskms://, gcpkms://, azurekms://, hashivault://)"

func newKeyCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Work with signing keys (files, PKCS#11 tokens, KMS)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError("name a subcommand: %s public", cmd.CommandPath())
		},
	}
	cmd.AddCommand(newKeyPublicCmd(g))
	for _, c := range cmd.Commands() {
		c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	}
	return cmd
}

func newKeyPublicCmd(g *globalFlags) *cobra.Command {
	var (
		ref   string
		out   string
		force bool
	)
	cmd := &cobra.Command{
		Use:   "public --key KEY [--out FILE]",
		Short: "Print the public key of a signing key, for verifiers",
		Long: `Print the public key (PKIX PEM) of a signing key, to give to verifiers
(` + "`provenant verify --key`" + `). The key may be a file, a key on a PKCS#11 token
or a KMS key; the private key never leaves the token or the KMS.

A PKCS#11 URI takes its PIN from PROVENANT_PKCS11_PIN (or pin-value or
pin-source in the URI); an encrypted key file its password from
PROVENANT_KEY_PASSWORD or a terminal prompt. Neither is ever printed.

With --out, the key is written to a file; an existing file is replaced only
with --force, and a symbolic link, directory, pipe or device is refused.

With --format json, prints the key id and algorithm as well.`,
		Example: `  provenant key public --key release.key > release.pub
  PROVENANT_PKCS11_PIN=... provenant key public \
      --key 'pkcs11:token=release;object=signing?module-path=/usr/lib/softhsm/libsofthsm2.so' --out release.pub
  provenant key public --key awskms:///alias/release --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if ref == "" {
				return usageError("--key is required")
			}
			if out != "" {
				if err := attest.CheckWrite(out, writeOptions(force)...); err != nil {
					return inputError(forceHint(err))
				}
			}
			pub, err := openPublicKey(cmd.Context(), ref)
			if err != nil {
				return inputError(err)
			}
			pemBytes, err := pub.MarshalPEM()
			if err != nil {
				return inputError(err)
			}
			if out != "" {
				if err := attest.WriteFile(out, pemBytes, 0o644, writeOptions(force)...); err != nil {
					return inputError(forceHint(err))
				}
			}
			w := cmd.OutOrStdout()
			if g.json() {
				v := map[string]string{"keyId": pub.ID, "algorithm": pub.Algorithm(), "publicKey": string(pemBytes)}
				if out != "" {
					v["file"] = out
				}
				return writeJSON(w, v)
			}
			if out != "" {
				_, err := fmt.Fprintf(w, "public key: %s (%s, key id %s)\n", out, pub.Algorithm(), attest.ShortKeyID(pub.ID))
				return err
			}
			_, err = w.Write(pemBytes)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&ref, "key", "", keyRefHelp)
	f.StringVar(&out, "out", "", "write the public key to this file (mode 0644) instead of stdout")
	f.BoolVar(&force, "force", false, "replace an existing --out file")
	addFormatFlag(cmd, g)
	return cmd
}
