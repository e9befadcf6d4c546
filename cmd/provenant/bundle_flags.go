package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/sigstore"
)

// bundleFlags are the flags that say where and how attest and run write
// the signed statement: one attest.Writer.
type bundleFlags struct {
	path   string // --bundle
	format string // --bundle-format: dsse or sigstore
	cert   string // --cert: the signing key's certificate (dsse)
	chain  string // --cert-chain: intermediates after it
	force  bool   // --force: replace a Sigstore bundle
}

func (b *bundleFlags) register(f *pflag.FlagSet) {
	f.StringVar(&b.path, "bundle", "", "bundle to write: a JSON Lines bundle (*.intoto.jsonl) appended to, or with --bundle-format sigstore one Sigstore bundle")
	f.StringVar(&b.format, "bundle-format", "dsse", "dsse: append a DSSE envelope line to --bundle (JSON Lines); sigstore: write --bundle as one Sigstore bundle v0.3")
	f.StringVar(&b.cert, "cert", "", "X.509 certificate (PEM) of the signing key, recorded beside the DSSE signature (docs/x509.md)")
	f.StringVar(&b.chain, "cert-chain", "", "intermediate certificates (PEM) recorded after --cert")
	f.BoolVar(&b.force, "force", false, "with --bundle-format sigstore: replace an existing --bundle file")
}

// validate refuses flags that do not go together, before anything is read.
func (b *bundleFlags) validate() error {
	if b.chain != "" && b.cert == "" {
		return usageError("--cert-chain needs --cert")
	}
	switch b.format {
	case "dsse":
		if b.force {
			return usageError("--force replaces a Sigstore bundle (--bundle-format sigstore); a DSSE bundle is appended to, never replaced")
		}
	case "sigstore":
		if b.cert != "" {
			return usageError("--cert records the chain beside a DSSE signature: use it with --bundle-format dsse")
		}
	default:
		return usageError("--bundle-format must be dsse or sigstore, not %q", b.format)
	}
	return nil
}

// check refuses the destination as it is now (a link, a pipe, a file that
// is not a bundle, an existing Sigstore bundle without --force), before
// the key is loaded (which may prompt or reach a token) and any work is
// done. The writer checks again.
func (b *bundleFlags) check() error {
	if b.format == "sigstore" {
		return forceHint(attest.CheckWrite(b.path, writeOptions(b.force)...))
	}
	return attest.CheckAppend(b.path)
}

// writer returns the attest.Writer the flags describe, signing with s.
func (b *bundleFlags) writer(s attest.Signer) (attest.Writer, error) {
	if b.format == "sigstore" {
		w, err := sigstore.NewBundleWriter(b.path, s, writeOptions(b.force)...)
		if err != nil {
			return nil, err
		}
		return forceHintWriter{w}, nil
	}
	var opts []attest.WriterOption
	if b.cert != "" {
		certs, err := attest.LoadCertificates(b.cert)
		if err != nil {
			return nil, err
		}
		if len(certs) != 1 {
			return nil, fmt.Errorf("%s: holds %d certificates; give the leaf in --cert and the rest in --cert-chain", b.cert, len(certs))
		}
		if b.chain != "" {
			chain, err := attest.LoadCertificates(b.chain)
			if err != nil {
				return nil, err
			}
			certs = append(certs, chain...)
		}
		opts = append(opts, attest.WithCertificateChain(certs...))
	}
	w, err := attest.NewDSSEWriter(b.path, s, opts...)
	if errors.Is(err, attest.ErrCertificateKey) {
		return nil, fmt.Errorf("%s: %w", b.cert, err)
	}
	if err != nil {
		return nil, err
	}
	return w, nil
}

// keylessWriter returns the writer for keyless bundles: one Sigstore
// bundle file (--bundle-format sigstore), or a Sigstore bundle appended
// as a line to the JSON Lines bundle.
func (b *bundleFlags) keylessWriter(k *sigstore.Keyless) (attest.Writer, error) {
	if b.cert != "" {
		return nil, fmt.Errorf("--cert records a key's chain; a keyless bundle carries its Fulcio certificate")
	}
	if b.format == "sigstore" {
		w, err := sigstore.NewKeylessBundleWriter(b.path, k, writeOptions(b.force)...)
		if err != nil {
			return nil, err
		}
		return forceHintWriter{w}, nil
	}
	return sigstore.NewKeylessLineWriter(b.path, k)
}

// forceHintWriter adds the --force hint to a Sigstore bundle writer's
// "file exists" errors.
type forceHintWriter struct{ *sigstore.BundleWriter }

func (w forceHintWriter) Check() error { return forceHint(w.BundleWriter.Check()) }

func (w forceHintWriter) Write(ctx context.Context, st *attest.Statement) error {
	return forceHint(w.BundleWriter.Write(ctx, st))
}
