package main

import (
	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/oci"
	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/provenance"
)

func newAttestCmd(g *globalFlags) *cobra.Command {
	var (
		keyPath string
		out     bundleFlags
		kf      keylessFlags
		req     provenance.AttestRequest
		reg     ociFlags
	)
	cmd := &cobra.Command{
		Use:   "attest (--key KEY | --keyless) --bundle OUT [flags] ARTIFACT...",
		Short: "Sign SLSA provenance for artifacts into a bundle",
		Long: `Hash each artifact (files; directories are walked recursively; globs are
expanded; --checksums adds artifacts from a sha256sum file), build an in-toto
Statement v1 whose subjects are the artifacts with an SLSA provenance v1
predicate, sign it into a DSSE envelope, and append it as one line to the
bundle (JSON Lines, *.intoto.jsonl). The append is atomic, and only to a
regular file that already holds a bundle (or to a new file): a symbolic
link, a directory, a pipe or a file that is not a bundle is refused and
left alone.

With --cert (and --cert-chain), the signing key's X.509 certificate chain
is recorded beside the signature (docs/x509.md).

With --bundle-format sigstore, --bundle is written as one Sigstore bundle;
an existing file is replaced only with --force.

With --keyless instead of --key, the statement is signed with a fresh key
certified by Fulcio for the job's OIDC identity, timestamped, and logged
in Rekor (docs/keyless.md): the result is a Sigstore bundle, appended as
a line to --bundle, or written alone with --bundle-format sigstore.

With --predicate and --predicate-type, any other predicate is attested
instead of SLSA provenance.

With --image, an image in a registry is a subject too: its manifest digest
(a tag is resolved to it), named REGISTRY/REPOSITORY as cosign names it.
--push stores the attestation next to the image (--oci-storage: cosign's
.att layer by default, an OCI 1.1 referrer for --bundle-format sigstore;
docs/oci.md); --bundle is then optional. A keyless bundle is written to
--bundle first, then pushed with provenant push.`,
		Example: `  provenant attest --key release.key --bundle app.intoto.jsonl dist/app
  provenant attest --key release.key --bundle dist.intoto.jsonl \
      --builder-id https://ci.example.com/builders/release \
      --source git+https://github.com/example/app@refs/tags/v1.2.0 --sha512 'dist/*'
  provenant attest --key release.key --bundle dist.intoto.jsonl --checksums SHA256SUMS
  provenant attest --keyless --bundle app.intoto.jsonl dist/app
  provenant attest --key release.key --bundle tests.intoto.jsonl \
      --predicate results.json --predicate-type https://in-toto.io/attestation/test-result/v0.1 dist/app
  provenant attest --key release.key --image registry.example.com/app:v1.2.0 --push`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := kf.validate(cmd, keyPath); err != nil {
				return err
			}
			if err := reg.validateWrite(out.path); err != nil {
				return err
			}
			if err := githubKeylessBuilder(cmd.Context(), &kf, req.Options.BuilderID); err != nil {
				return err
			}
			if kf.on && reg.push {
				return usageError("--keyless writes to --bundle only; push the bundle next to the image with provenant push --bundle FILE IMAGE")
			}
			if len(args) == 0 && len(req.Checksums) == 0 && len(reg.images) == 0 {
				return usageError("name at least one artifact (or --checksums FILE, or --image)")
			}
			if (req.PredicateFile == "") != (req.PredicateType == "") {
				return usageError("--predicate and --predicate-type go together")
			}
			if err := out.validate(); err != nil {
				return err
			}
			// The destination is checked before the key is loaded (which
			// may prompt or reach a token) and anything is hashed.
			if out.path != "" {
				if err := out.check(); err != nil {
					return inputError(err)
				}
			}
			var (
				client *oci.Client
				imgs   []oci.Image
			)
			if len(reg.images) > 0 {
				var err error
				if client, err = reg.client(attest.Limits{}); err != nil {
					return err
				}
				if imgs, req.Hashed, err = resolveImages(cmd.Context(), client, reg.images); err != nil {
					return err
				}
			}
			var pusher *oci.Writer
			if kf.on {
				w, done, err := openWriter(cmd, keyPath, &kf, &out)
				if err != nil {
					return inputError(err)
				}
				defer done()
				req.Writer = w
			} else {
				signer, err := openSigner(cmd.Context(), keyPath)
				if err != nil {
					return inputError(err)
				}
				defer func() { _ = attest.CloseSigner(signer) }()
				var img *oci.Image
				if len(imgs) > 0 {
					img = &imgs[0]
				}
				if req.Writer, pusher, err = reg.writer(&out, signer, client, img); err != nil {
					return inputError(err)
				}
			}
			req.Artifacts = args
			req.Options.Version = provenantVersion()
			stopProgress := startHashProgress(cmd, "attest") // progress.go
			res, err := provenance.Attest(cmd.Context(), req)
			stopProgress()
			if err != nil {
				return inputError(err)
			}
			kf.noteUnchecked(cmd.ErrOrStderr())
			var pushed []oci.Pushed
			if pusher != nil {
				pushed = pusher.Pushed()
			}
			githubAttested(cmd, res, out.path)
			return printAttest(cmd, g, res, out.path, pushed)
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyPath, "key", "", keyRefHelp)
	kf.register(f)
	out.register(f)
	f.StringVar(&req.Options.BuilderID, "builder-id", "", "builder id URI (default "+provenance.LocalBuilderID+")")
	f.StringVar(&req.Options.BuildType, "build-type", "", "build type URI (default provenant's attest build type)")
	f.StringVar(&req.Options.Source, "source", "", "source URI, e.g. git+https://github.com/org/repo@refs/tags/v1")
	f.BoolVar(&req.SHA512, "sha512", false, "record sha512 digests beside sha256")
	f.StringArrayVar(&req.Checksums, "checksums", nil, "sha256sum-format file naming more artifacts (repeatable)")
	f.StringVar(&req.PredicateFile, "predicate", "", "attest this predicate (a JSON file) instead of SLSA provenance")
	f.StringVar(&req.PredicateType, "predicate-type", "", "predicate type URI for --predicate")
	reg.registerWrite(f, "attest an image: REGISTRY/REPOSITORY:TAG or @sha256:HEX (a tag is resolved to the manifest digest)")
	addFormatFlag(cmd, g)
	addGitHubFlag(cmd)
	return cmd
}

func printAttest(cmd *cobra.Command, g *globalFlags, res *provenance.AttestResult, bundle string, pushed []oci.Pushed) error {
	type subject struct {
		Name    string            `json:"name"`
		Digests map[string]string `json:"digest"`
	}
	subs := make([]subject, len(res.Subjects))
	for i, a := range res.Subjects {
		subs[i] = subject{a.Name, a.Digests}
	}
	if g.json() {
		doc := map[string]any{
			"bundle":        bundle,
			"predicateType": res.PredicateType,
			"subjects":      subs,
		}
		if pushed != nil {
			doc["pushed"] = pushed
		}
		return writeJSON(cmd.OutOrStdout(), doc)
	}
	w := safetext.NewPrinter(cmd.OutOrStdout())
	into := bundle
	if into == "" {
		into = res.Bundle
	}
	w.Printf("attested %d artifact(s) into %s (%s)\n", len(subs), safetext.Text(into), safetext.Text(res.PredicateType))
	for _, s := range subs {
		w.Printf("  %s  sha256:%s\n", safetext.Text(s.Name), s.Digests["sha256"])
	}
	printPushed(w, pushed)
	return w.Err()
}
