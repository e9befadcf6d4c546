package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/sigstore"
)

// The environment variables keyless signing reads its token from; only
// the CLI reads them.
const (
	envSigstoreToken   = "SIGSTORE_ID_TOKEN"            // GitLab CI id_tokens
	envActionsTokenURL = "ACTIONS_ID_TOKEN_REQUEST_URL" // GitHub Actions, with id-token: write
	envActionsToken    = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
)

// keylessFlags are attest's, run's and sign's flags for keyless signing.
type keylessFlags struct {
	on            bool
	tokenFile     string
	fulcioURL     string
	tsaURL        string
	rekorURL      string
	signingConfig string
	trustedRoot   string
	// unchecked: no trusted root to check the bundles against
	// (noteUnchecked says so once they are written).
	unchecked bool
}

// noteUnchecked tells, after a keyless bundle was written, that no
// trusted root checked it.
func (k *keylessFlags) noteUnchecked(w io.Writer) {
	if k.on && k.unchecked {
		_, _ = fmt.Fprintln(w, "provenant: note: no trusted root checked the keyless bundle (give --trusted-root, or run provenant trust update): only that its certificate is for its key and its timestamps are over its signature")
	}
}

// keylessOnly are the flags that mean nothing without --keyless.
var keylessOnly = []string{"identity-token", "fulcio-url", "tsa-url", "rekor-url", "signing-config", "trusted-root"}

func (k *keylessFlags) register(f *pflag.FlagSet) {
	f.BoolVar(&k.on, "keyless", false, "sign with a short-lived Fulcio certificate for the job's OIDC identity instead of --key (docs/keyless.md)")
	f.StringVar(&k.tokenFile, "identity-token", "", "with --keyless: file holding the OIDC identity token (default: $"+envSigstoreToken+", then the GitHub Actions token endpoint)")
	f.StringVar(&k.fulcioURL, "fulcio-url", sigstore.PublicGoodFulcioURL, "with --keyless: the Fulcio certificate authority")
	f.StringVar(&k.tsaURL, "tsa-url", sigstore.PublicGoodTSAURL, "with --keyless: the RFC 3161 timestamp authority (\"\": none)")
	f.StringVar(&k.rekorURL, "rekor-url", sigstore.PublicGoodRekorURL, "with --keyless: the Rekor transparency log (\"\": no log entry)")
	f.StringVar(&k.signingConfig, "signing-config", "", "with --keyless: Sigstore signing_config.json naming Fulcio, timestamp authorities and logs (instead of the three URLs)")
	f.StringVar(&k.trustedRoot, "trusted-root", "", "with --keyless: check the bundle against this trusted_root.json before writing it (default: the cached roots)")
}

// validate refuses flags that do not go together.
func (k *keylessFlags) validate(cmd *cobra.Command, keyPath string) error {
	f := cmd.Flags()
	if !k.on {
		for _, name := range keylessOnly {
			if f.Changed(name) {
				return usageError("--%s needs --keyless", name)
			}
		}
		if keyPath == "" {
			return usageError("--key (or --keyless) is required")
		}
		return nil
	}
	if keyPath != "" {
		return usageError("--key and --keyless exclude each other: a keyless signature has no long-lived key")
	}
	if k.signingConfig != "" {
		for _, name := range []string{"fulcio-url", "tsa-url", "rekor-url"} {
			if f.Changed(name) {
				return usageError("--signing-config names the services: give it or --%s, not both", name)
			}
		}
	}
	return nil
}

// tokenSource picks where the OIDC identity token comes from: the file
// given, GitLab's SIGSTORE_ID_TOKEN, or GitHub Actions' token endpoint. A
// token is never taken from a flag's value, and never printed.
func (k *keylessFlags) tokenSource() (sigstore.TokenSource, error) {
	switch {
	case k.tokenFile != "":
		return sigstore.TokenFile(k.tokenFile), nil
	case os.Getenv(envSigstoreToken) != "":
		return sigstore.StaticToken(os.Getenv(envSigstoreToken)), nil
	case os.Getenv(envActionsTokenURL) != "" && os.Getenv(envActionsToken) != "":
		return sigstore.GitHubActionsToken(os.Getenv(envActionsTokenURL), os.Getenv(envActionsToken), "sigstore"), nil
	}
	return nil, fmt.Errorf("%w: none was given", sigstore.ErrNoToken)
}

// signer builds the keyless signer: its token source, its services, and
// the trusted roots its bundles are checked against (--trusted-root, else
// the cached roots; with neither, noteUnchecked says so).
func (k *keylessFlags) signer() (*sigstore.Keyless, error) {
	tokens, err := k.tokenSource()
	if err != nil {
		return nil, err
	}
	var opts []sigstore.KeylessOption
	if k.signingConfig != "" {
		sc, err := sigstore.LoadSigningConfig(k.signingConfig)
		if err != nil {
			return nil, err
		}
		opts = append(opts, sigstore.WithSigningConfig(sc))
	} else {
		opts = append(opts, sigstore.WithFulcio(k.fulcioURL))
		if k.tsaURL != "" {
			opts = append(opts, sigstore.WithTimestampAuthorities(k.tsaURL))
		}
		if k.rekorURL != "" {
			opts = append(opts, sigstore.WithRekor(k.rekorURL))
		}
	}
	if k.trustedRoot != "" {
		tr, err := sigstore.LoadTrustedRoot(k.trustedRoot)
		if err != nil {
			return nil, err
		}
		opts = append(opts, sigstore.WithCheckTrustedMaterial(tr))
	} else {
		roots, err := cachedRoots()
		if err != nil {
			return nil, err
		}
		for _, r := range roots {
			opts = append(opts, sigstore.WithCheckTrustedMaterial(r.TrustedRoot))
		}
		k.unchecked = len(roots) == 0
	}
	return sigstore.NewKeyless(tokens, opts...)
}

// openWriter returns the writer attest and run sign with: keyless
// (--keyless), or with the --key signer; done closes the signer.
func openWriter(cmd *cobra.Command, keyPath string, k *keylessFlags, out *bundleFlags) (attest.Writer, func(), error) {
	if k.on {
		ks, err := k.signer()
		if err != nil {
			return nil, nil, err
		}
		w, err := out.keylessWriter(ks)
		return w, func() {}, err
	}
	signer, err := openSigner(cmd.Context(), keyPath)
	if err != nil {
		return nil, nil, err
	}
	done := func() { _ = attest.CloseSigner(signer) }
	w, err := out.writer(signer)
	if err != nil {
		done()
		return nil, nil, err
	}
	return w, done, nil
}
