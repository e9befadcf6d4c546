package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/oci"
	"github.com/provenant/provenant/attest/regfile"
	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/policy"
)

// ociFlags are the registry flags of attest, run, push, fetch, verify and
// inspect (docs/oci.md).
type ociFlags struct {
	images     []string      // --image
	push       bool          // --push
	storage    string        // --oci-storage
	attRepo    string        // --attestation-repository
	registryCA string        // --registry-ca
	plainHTTP  bool          // --plain-http
	timeout    time.Duration // --registry-timeout
}

// registerClient adds the flags every registry command has.
func (o *ociFlags) registerClient(f *pflag.FlagSet) {
	f.StringVar(&o.attRepo, "attestation-repository", "", "keep attestations in this repository (REGISTRY/REPOSITORY) instead of the image's, like cosign's COSIGN_REPOSITORY")
	f.StringVar(&o.registryCA, "registry-ca", "", "PEM file of CA certificates the registry's TLS certificate chains to (instead of the system's)")
	f.BoolVar(&o.plainHTTP, "plain-http", false, "talk plain HTTP to the registry (a registry on this machine gets plain HTTP without it, unless --registry-ca)")
	f.DurationVar(&o.timeout, "registry-timeout", oci.DefaultTimeout, "time limit for each request to the registry")
}

// registerStorage adds --oci-storage.
func (o *ociFlags) registerStorage(f *pflag.FlagSet) {
	f.StringVar(&o.storage, "oci-storage", string(oci.StorageAuto), "how attestations are stored in the registry: auto (DSSE envelopes as cosign's .att layers, Sigstore bundles as OCI 1.1 referrers), att, referrer or both")
}

// registerWrite adds the flags of a command that attests an image and
// may push (attest, run).
func (o *ociFlags) registerWrite(f *pflag.FlagSet, imageHelp string) {
	f.StringArrayVar(&o.images, "image", nil, imageHelp)
	f.BoolVar(&o.push, "push", false, "push the attestation to the registry of --image, next to the image")
	o.registerStorage(f)
	o.registerClient(f)
}

// storageValue checks --oci-storage.
func (o *ociFlags) storageValue() (oci.Storage, error) {
	s, err := oci.ParseStorage(o.storage)
	if err != nil {
		return "", usageError("--oci-storage must be auto, att, referrer or both, not %q", o.storage)
	}
	return s, nil
}

// validateWrite checks the write flags before anything is read.
func (o *ociFlags) validateWrite(bundle string) error {
	if _, err := o.storageValue(); err != nil {
		return err
	}
	switch {
	case o.push && len(o.images) == 0:
		return usageError("--push needs --image: the image the attestation is about and is pushed next to")
	case o.push && len(o.images) > 1:
		return usageError("--push takes one --image; %d given", len(o.images))
	case bundle == "" && !o.push:
		return usageError("--bundle is required (or --image with --push)")
	}
	return nil
}

// credentialFiles are the Docker-format files credentials are read from,
// as docker, podman and cosign find them: REGISTRY_AUTH_FILE first, then
// $DOCKER_CONFIG/config.json (default ~/.docker/config.json).
func credentialFiles() []string {
	var files []string
	if f := os.Getenv("REGISTRY_AUTH_FILE"); f != "" {
		files = append(files, f)
	}
	dir := os.Getenv("DOCKER_CONFIG")
	if dir == "" {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".docker")
		}
	}
	if dir != "" {
		files = append(files, filepath.Join(dir, "config.json"))
	}
	return files
}

// client builds the registry client the flags describe.
func (o *ociFlags) client(limits attest.Limits) (*oci.Client, error) {
	opts := []oci.Option{
		oci.WithCredentialFiles(credentialFiles()...),
		oci.WithTimeout(o.timeout),
		oci.WithLimits(limits),
		oci.WithUserAgent("provenant/" + provenantVersion()),
	}
	if o.timeout <= 0 {
		return nil, usageError("--registry-timeout must be positive, not %v", o.timeout)
	}
	if o.plainHTTP && o.registryCA != "" {
		return nil, usageError("--plain-http and --registry-ca do not go together")
	}
	if o.plainHTTP {
		opts = append(opts, oci.WithPlainHTTP(true))
	}
	if o.registryCA != "" {
		pem, err := regfile.ReadFile(o.registryCA, 1<<20)
		if err != nil {
			return nil, inputError(attest.FileError(err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, inputError(fmt.Errorf("%s: no PEM certificate in it", o.registryCA))
		}
		opts = append(opts, oci.WithCAPool(pool))
	}
	if o.attRepo != "" {
		opts = append(opts, oci.WithAttestationRepository(strings.TrimPrefix(o.attRepo, oci.Scheme)))
	}
	c, err := oci.NewClient(opts...)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return c, nil
}

// parseImage reads an image reference (with or without oci://).
func parseImage(s string) (oci.Reference, error) {
	ref, err := oci.ParseReference(s)
	if err != nil {
		return ref, inputError(err)
	}
	return ref, nil
}

// resolveImages resolves --image references to digests, for attest's
// subjects: a tag names the manifest it points at now.
func resolveImages(ctx context.Context, c *oci.Client, refs []string) ([]oci.Image, []digest.Artifact, error) {
	var imgs []oci.Image
	var arts []digest.Artifact
	for _, s := range refs {
		ref, err := parseImage(s)
		if err != nil {
			return nil, nil, err
		}
		img, err := c.Resolve(ctx, ref)
		if err != nil {
			return nil, nil, inputError(err)
		}
		name, d := img.Subject()
		imgs = append(imgs, img)
		arts = append(arts, digest.Artifact{Name: name, Digests: d})
	}
	return imgs, arts, nil
}

// fetchImages fetches the attestations of images named by digest (a tag
// is refused: it can move between verify and deploy) and returns them
// with an input per image.
func fetchImages(ctx context.Context, c *oci.Client, refs []string) ([]attest.Entry, []policy.Input, []*oci.Fetched, error) {
	var entries []attest.Entry
	var inputs []policy.Input
	var all []*oci.Fetched
	for _, s := range refs {
		ref, err := parseImage(s)
		if err != nil {
			return nil, nil, nil, err
		}
		if err := ref.RequireDigest(); err != nil {
			return nil, nil, nil, inputError(err)
		}
		got, err := c.Fetch(ctx, ref)
		if err != nil {
			return nil, nil, nil, inputError(err)
		}
		alg, hexd, _ := strings.Cut(ref.Digest, ":")
		inputs = append(inputs, policy.Input{Name: ref.String(), Digests: digest.Set{alg: hexd}})
		entries = append(entries, got.Entries...)
		all = append(all, got)
	}
	return entries, inputs, all, nil
}

// splitImages takes the oci:// arguments out of args.
func splitImages(args []string) (files, images []string) {
	for _, a := range args {
		if oci.HasScheme(a) {
			images = append(images, a)
		} else {
			files = append(files, a)
		}
	}
	return files, images
}

// writer is where attest and run sign into: the --bundle file, the
// registry (--push, next to img), or both. The registry writer is
// returned too, for what it pushed.
func (o *ociFlags) writer(out *bundleFlags, s attest.Signer, c *oci.Client, img *oci.Image) (attest.Writer, *oci.Writer, error) {
	var ws []attest.Writer
	if out.path != "" {
		w, err := out.writer(s)
		if err != nil {
			return nil, nil, err
		}
		ws = append(ws, w)
	}
	var ow *oci.Writer
	if o.push {
		storage, err := o.storageValue()
		if err != nil {
			return nil, nil, err
		}
		if storage == oci.StorageAuto && out.format == "sigstore" {
			storage = oci.StorageReferrer // a Sigstore bundle's own layout
		}
		var target oci.Image
		if img != nil {
			target = *img
		}
		if ow, err = c.NewWriter(target, s, storage); err != nil {
			return nil, nil, err
		}
		ws = append(ws, ow)
	}
	return attest.MultiWriter(ws...), ow, nil
}

// printPushed says where each attestation went (stderr for text: stdout
// stays the command's).
func printPushed(w *safetext.Printer, pushed []oci.Pushed) {
	for _, p := range pushed {
		if p.Storage == oci.StorageAtt {
			w.Printf("pushed to %s (layer %d)\n", safetext.Text(p.Location), p.Layer)
		} else {
			w.Printf("pushed to %s (referrer)\n", safetext.Text(p.Location))
		}
	}
}
