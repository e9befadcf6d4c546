package main

import (
	"github.com/spf13/pflag"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/provenance"
)

// linkFlags are run's --link and --link-dir: record the step as in-toto
// does too (docs/in-toto.md).
type linkFlags struct {
	on  bool
	dir string
}

func (l *linkFlags) register(f *pflag.FlagSet) {
	f.BoolVar(&l.on, "link", false, "also record the step for in-toto: a link predicate v0.3 statement in the bundle and a signed <step>.<keyid8>.link file that in-toto tools verify (docs/in-toto.md)")
	f.StringVar(&l.dir, "link-dir", "", "with --link: the directory the link file goes to (default: the current directory)")
}

// validate refuses what does not go together, before anything is read.
func (l *linkFlags) validate(out *bundleFlags) error {
	switch {
	case l.dir != "" && !l.on:
		return usageError("run: --link-dir needs --link")
	case l.on && out.format == "sigstore":
		return usageError("run: --link appends a second statement to the bundle: use --bundle-format dsse (a JSON Lines bundle)")
	}
	return nil
}

// writer is the link writer signing with s, or nil without --link.
func (l *linkFlags) writer(s attest.Signer) (*provenance.LinkWriter, error) {
	if !l.on {
		return nil, nil
	}
	return provenance.NewLinkWriter(l.dir, s)
}
