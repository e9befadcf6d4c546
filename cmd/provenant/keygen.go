package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/safetext"
)

func newKeygenCmd(g *globalFlags) *cobra.Command {
	var (
		keyType string
		out     string
		force   bool
	)
	types := make([]string, 0, len(attest.KeyTypes()))
	for _, t := range attest.KeyTypes() {
		types = append(types, string(t))
	}
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Generate a signing key pair",
		Long: `Generate a key pair for signing attestations.

Writes PREFIX.key (the private key, PKCS#8 PEM, file mode 0600: keep it
secret) and PREFIX.pub (the public key, PKIX PEM: give it to verifiers).
Existing files are never overwritten unless --force is given, and a
symbolic link, directory, pipe or device at either path is always refused.

When PROVENANT_KEY_PASSWORD is set, the private key is encrypted with it, in
the format cosign uses ("ENCRYPTED SIGSTORE PRIVATE KEY": scrypt and NaCl
secretbox), so cosign can sign with it too. Commands that read the key take
the password from PROVENANT_KEY_PASSWORD, or prompt on a terminal.`,
		Example: `  provenant keygen --out release
  provenant keygen --type ecdsa-p256 --out ci/signing`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pw, err := newKeyPassword()
			if err != nil {
				return usageError("%v", err)
			}
			var opts []attest.KeyOption
			if pw != nil {
				opts = append(opts, attest.WithPassword(pw))
			}
			files, err := attest.WriteKeyPair(out, attest.KeyType(keyType), force, opts...)
			if err != nil {
				return inputError(forceHint(err))
			}
			if g.json() {
				return writeJSON(cmd.OutOrStdout(), files)
			}
			w := safetext.NewPrinter(cmd.OutOrStdout())
			enc := "unencrypted"
			if files.Encrypted {
				enc = "encrypted with " + passwordEnv
			}
			w.Printf("private key: %s (%s, %s; keep it secret)\n", files.PrivateKey, files.Type, enc)
			w.Printf("public key:  %s\n", files.PublicKey)
			w.Printf("key id:      %s\n", files.KeyID)
			return w.Err()
		},
	}
	cmd.Flags().StringVar(&keyType, "type", string(attest.Ed25519), "key type: "+strings.Join(types, ", "))
	cmd.Flags().StringVar(&out, "out", "provenant", "output prefix: writes PREFIX.key and PREFIX.pub")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite existing files")
	_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions(types, cobra.ShellCompDirectiveNoFileComp))
	addFormatFlag(cmd, g)
	return cmd
}
