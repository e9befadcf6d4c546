package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/attest/sigstore/trustroot"
)

// trustNow is the clock of the trust commands (tests set it).
var trustNow = time.Now

// trustCache is the user's trusted-root cache (os.UserCacheDir, so
// XDG_CACHE_HOME moves it).
func trustCache() (*trustroot.Cache, error) {
	dir, err := trustroot.DefaultDir()
	if err != nil {
		return nil, inputError(err)
	}
	return &trustroot.Cache{Dir: dir}, nil
}

func newTrustCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "Keep Sigstore trusted roots in the user cache (update through TUF, import, list)",
		Long: `Keep Sigstore trusted roots in the user cache, so that verify,
verify-signature and inspect check Sigstore bundles with no --trusted-root
flag. The cache is provenant/trusted-roots under the user cache directory
($XDG_CACHE_HOME, else ~/.cache on Linux; ~/Library/Caches on macOS;
%LocalAppData% on Windows).

A root older than 30 days still verifies (offline users keep working);
commands that use it warn. --trusted-root, where given, wins over the
cache. See docs/trust-roots.md.`,
		Example: `  provenant trust update
  provenant trust update --name github --tuf-url https://tuf-repo.github.com --tuf-root github-root.json
  provenant trust import trusted_root.json --name private
  provenant trust list`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newTrustUpdateCmd(g), newTrustImportCmd(g), newTrustListCmd(g))
	for _, c := range cmd.Commands() {
		c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	}
	return cmd
}

func newTrustUpdateCmd(g *globalFlags) *cobra.Command {
	var name, tufURL, tufRoot string
	cmd := &cobra.Command{
		Use:   "update [--name NAME] [--tuf-url URL --tuf-root ROOT.json]",
		Short: "Fetch a trusted root through TUF into the cache",
		Long: `Fetch trusted_root.json through TUF (sigstore-go's client) and store it
in the cache under --name. Without --tuf-url it is Sigstore's public-good
repository, whose TUF root sigstore-go embeds. Another repository (GitHub's,
a private Sigstore's) needs its TUF root.json, obtained out of band, with
--tuf-root: it is the trust anchor, and every metadata file must chain to it.

The TUF client refuses a rollback to older metadata, a frozen or expired
repository, metadata its root did not sign, and a target whose length or
hashes differ from the signed ones; the cached root must then parse as a
trusted root. A refused or failed update changes nothing in the cache.

Exit codes: 0 updated, 1 the repository was refused, 2 usage error or the
repository could not be reached.`,
		Example: `  provenant trust update
  provenant trust update --name github --tuf-url https://tuf-repo.github.com --tuf-root github-root.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if tufURL != "" && tufRoot == "" {
				return usageError("--tuf-url needs --tuf-root: the repository's TUF root.json is the trust anchor")
			}
			if name == "" {
				name = trustroot.PublicGoodName
				if tufURL != "" {
					return usageError("--tuf-url needs --name: the public-good root is %q", trustroot.PublicGoodName)
				}
			}
			opts := trustroot.UpdateOptions{Name: name, RepositoryURL: tufURL, Now: trustNow()}
			if tufRoot != "" {
				b, err := trustroot.ReadTUFRoot(tufRoot)
				if err != nil {
					return inputError(err)
				}
				opts.TUFRoot = b
			}
			c, err := trustCache()
			if err != nil {
				return err
			}
			info, err := c.Update(cmd.Context(), opts)
			switch {
			case errors.Is(err, trustroot.ErrRefused):
				return deniedError(err)
			case err != nil:
				return inputError(err)
			}
			return printTrustInfo(cmd.OutOrStdout(), g, "updated", info)
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "name of the root in the cache (default \""+trustroot.PublicGoodName+"\")")
	f.StringVar(&tufURL, "tuf-url", "", "TUF repository (default "+trustroot.PublicGoodURL+")")
	f.StringVar(&tufRoot, "tuf-root", "", "the repository's TUF root.json (required with --tuf-url)")
	addFormatFlag(cmd, g)
	return cmd
}

func newTrustImportCmd(g *globalFlags) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "import FILE [--name NAME]",
		Short: "Store a trusted root obtained out of band (air-gapped use)",
		Long: `Store a trusted_root.json obtained out of band in the cache under --name,
replacing a root of that name. It must parse as a Sigstore trusted root.
Nothing checks where it came from: import only a file you trust.`,
		Example: `  provenant trust import trusted_root.json --name private`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := trustCache()
			if err != nil {
				return err
			}
			info, err := c.ImportFile(name, args[0], trustNow())
			if err != nil {
				return inputError(err)
			}
			return printTrustInfo(cmd.OutOrStdout(), g, "imported", info)
		},
	}
	cmd.Flags().StringVar(&name, "name", "imported", "name of the root in the cache")
	addFormatFlag(cmd, g)
	return cmd
}

func newTrustListCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the cached trusted roots, where they came from and how old they are",
		Example: "  provenant trust list\n  provenant trust list --format json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := trustCache()
			if err != nil {
				return err
			}
			infos, err := c.List()
			if err != nil {
				return inputError(err)
			}
			now := trustNow()
			if g.json() {
				type row struct {
					trustroot.Info
					Stale bool `json:"stale"`
				}
				rows := make([]row, 0, len(infos))
				for _, i := range infos {
					rows = append(rows, row{i, i.Stale(now)})
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"cache": c.Dir, "roots": rows})
			}
			w := safetext.NewPrinter(cmd.OutOrStdout())
			if len(infos) == 0 {
				w.Printf("no trusted roots in %s: run provenant trust update (or trust import FILE)\n", safetext.Text(c.Dir))
				return w.Err()
			}
			for _, i := range infos {
				stale := ""
				if i.Stale(now) {
					stale = " (stale: run provenant trust update)"
				}
				w.Printf("%s  %s  fetched %s, %s ago%s\n", safetext.Text(i.Name), safetext.Text(i.Source),
					i.Fetched.UTC().Format(time.RFC3339), roundAge(i.Age(now)), stale)
			}
			return w.Err()
		},
	}
	addFormatFlag(cmd, g)
	return cmd
}

func printTrustInfo(out io.Writer, g *globalFlags, verb string, info trustroot.Info) error {
	if g.json() {
		return writeJSON(out, info)
	}
	w := safetext.NewPrinter(out)
	w.Printf("%s trusted root %q from %s (sha256:%s) into %s\n", verb, info.Name, safetext.Text(info.Source), info.SHA256[:12], safetext.Text(info.Path))
	return w.Err()
}

// roundAge says an age in days, or hours under two days.
func roundAge(d time.Duration) string {
	if d < 48*time.Hour {
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// cachedRoots are the Sigstore trusted roots of the user cache, and
// those of them that are stale. An absent cache is none.
func cachedRoots() ([]trustroot.Root, error) {
	c, err := trustCache()
	if err != nil {
		return nil, err
	}
	roots, err := c.Load()
	if err != nil {
		return nil, inputError(err)
	}
	return roots, nil
}

// cachedRootOptions names each cached root "cache:NAME" for the Sigstore
// verifier.
func cachedRootOptions(roots []trustroot.Root) []sigstore.Option {
	var opts []sigstore.Option
	for _, r := range roots {
		opts = append(opts, sigstore.WithNamedTrustedRoot("cache:"+r.Name, r.TrustedRoot))
	}
	return opts
}

// warnStale prints a warning for each cached root older than
// trustroot.StaleAfter.
func warnStale(w io.Writer, roots []trustroot.Root) {
	now := trustNow()
	for _, r := range roots {
		if r.Stale(now) {
			_, _ = fmt.Fprintf(w, "provenant: warning: the cached trusted root %q was fetched %s ago (more than %d days): run provenant trust update\n",
				r.Name, roundAge(r.Age(now)), int(trustroot.StaleAfter.Hours()/24))
		}
	}
}

// hasSigstore says whether a bundle holds a Sigstore bundle (the entries
// the cached roots are for).
func hasSigstore(entries []attest.Entry) bool {
	for _, e := range entries {
		if e.Kind() == attest.EntrySigstore {
			return true
		}
	}
	return false
}
