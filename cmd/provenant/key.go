package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/kms"
	"github.com/provenant/provenant/attest/pkcs11"
)

// loadKeyURI opens a signer named by a PKCS#11 or KMS URI. ok is false when
// ref is not such a URI (it is then a file).
func loadKeyURI(ctx context.Context, ref string) (s attest.Signer, ok bool, err error) {
	switch {
	case pkcs11.IsURI(ref):
		p, err := pkcs11.Open(ctx, ref)
		if err != nil {
			return nil, true, err
		}
		return p, true, nil
	case kms.IsURI(ref):
		// sigstore's Vault provider narrates its token search with the
		// standard logger; errors reach the user as one line instead.
		defer log.SetOutput(log.Writer())
		log.SetOutput(io.Discard)
		k, err := kms.Open(ctx, ref)
		if err != nil {
			return nil, true, err
		}
		return k, true, nil
	}
	return nil, false, nil
}

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
			pub, err := publicKeyOf(cmd.Context(), ref)
			if err != nil {
				return inputError(err)
			}
			if out != "" {
				if err := attest.WriteFile(out, pub.pem, 0o644, writeOptions(force)...); err != nil {
					return inputError(forceHint(err))
				}
			}
			w := cmd.OutOrStdout()
			if g.json() {
				v := map[string]string{"keyId": pub.key.ID, "algorithm": pub.key.Algorithm(), "publicKey": string(pub.pem)}
				if out != "" {
					v["file"] = out
				}
				return writeJSON(w, v)
			}
			if out != "" {
				fmt.Fprintf(w, "public key: %s (%s, key id %s)\n", out, pub.key.Algorithm(), attest.ShortKeyID(pub.key.ID))
				return nil
			}
			_, err = w.Write(pub.pem)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&ref, "key", "", keyRefHelp)
	f.StringVar(&out, "out", "", "write the public key to this file (mode 0644) instead of stdout")
	f.BoolVar(&force, "force", false, "replace an existing --out file")
	return cmd
}

type publicKey struct {
	key *attest.PublicKey
	pem []byte
}

// publicKeyOf finds the public half of a key file, PKCS#11 key or KMS key.
func publicKeyOf(ctx context.Context, ref string) (*publicKey, error) {
	s, isURI, err := loadKeyURI(ctx, ref)
	if err != nil {
		return nil, err
	}
	if isURI {
		if c, ok := s.(io.Closer); ok {
			defer c.Close()
		}
		return publicKeyFrom(s.Public())
	}
	k, err := attest.LoadPublicKey(ref)
	if errors.Is(err, attest.ErrEncryptedKey) {
		signer, err := loadSigner(ref)
		if err != nil {
			return nil, err
		}
		return publicKeyFrom(signer.Public())
	}
	if err != nil {
		return nil, err
	}
	return publicKeyFrom(k.Key)
}

func publicKeyFrom(pub any) (*publicKey, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding the public key: %v", attest.ErrKey, err)
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	k, err := attest.ParsePublicKey(p)
	if err != nil {
		return nil, err
	}
	return &publicKey{key: k, pem: p}, nil
}
