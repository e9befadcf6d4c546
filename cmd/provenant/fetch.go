package main

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/oci"
	"github.com/provenant/provenant/attest/safetext"
)

func newFetchCmd(g *globalFlags) *cobra.Command {
	var (
		out    string
		force  bool
		limits attest.Limits
		reg    ociFlags
	)
	cmd := &cobra.Command{
		Use:   "fetch --output FILE IMAGE",
		Short: "Fetch the attestations of an image into a bundle, for offline verification",
		Long: `Collect the attestations stored next to IMAGE in its registry (cosign's
sha256-<hex>.att layers and the OCI 1.1 referrers that hold Sigstore
bundles; docs/oci.md) and write them to --output as one JSON Lines bundle
that verify and inspect read later, offline. IMAGE is
REGISTRY/REPOSITORY@sha256:HEX, or a tag, resolved to the manifest digest
it names now (printed: verify that digest).

Nothing is verified: fetch copies what the registry holds. Every referrer
manifest is read (within --limit manifest-bytes), never judged by the
referrers index alone; referrers that hold no attestation (an SBOM, another
kind of signature) are listed and left out. An attestation that cannot be
read is listed and left out, and fetch exits 1.

The bundle is written atomically; an existing file is replaced only with
--force, and a symbolic link, directory, pipe or device is refused.

Exit codes: 0 written, 1 some attestation could not be read (the others
written), 2 usage or input error (a registry that is down or refuses, a
manifest over its limit).`,
		Example: `  provenant fetch --output app.intoto.jsonl registry.example.com/app@sha256:...
  provenant verify --bundle app.intoto.jsonl --key release.pub --artifact-digest sha256:... `,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError("--output is required")
			}
			if err := attest.CheckWrite(out, writeOptions(force)...); err != nil {
				return inputError(forceHint(err))
			}
			ref, err := parseImage(args[0])
			if err != nil {
				return err
			}
			client, err := reg.client(limits)
			if err != nil {
				return err
			}
			got, err := client.Fetch(cmd.Context(), ref)
			if err != nil {
				return inputError(err)
			}
			var buf bytes.Buffer
			var bad []attest.Entry
			n := 0
			for _, e := range got.Entries {
				line, err := entryLine(e)
				if err != nil {
					bad = append(bad, e)
					continue
				}
				buf.Write(line)
				buf.WriteByte('\n')
				n++
			}
			if n > 0 {
				if err := attest.WriteFile(out, buf.Bytes(), 0o644, writeOptions(force)...); err != nil {
					return inputError(forceHint(err))
				}
			}
			if err := printFetched(cmd, g, got, out, n, bad); err != nil {
				return err
			}
			switch {
			case len(bad) > 0:
				return errSilentDenied
			case n == 0:
				return inputError(fmt.Errorf("%s: no attestation found; nothing written", got.Image))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "output", "o", "", "bundle to write (JSON Lines)")
	f.BoolVar(&force, "force", false, "replace an existing --output file")
	addLimitsFlag(f, &limits)
	reg.registerClient(f)
	addFormatFlag(cmd, g)
	return cmd
}

// entryLine is an entry as one bundle line: the envelope (with its
// certificate) or the Sigstore bundle, compacted.
func entryLine(e attest.Entry) ([]byte, error) {
	switch e.Kind() {
	case attest.EntryDSSE:
		return attest.MarshalEnvelope(e.Envelope)
	case attest.EntryDSSECertificate:
		if len(e.Certs) != 1 {
			return nil, fmt.Errorf("%d certificates", len(e.Certs))
		}
		return attest.MarshalEnvelopeWithCert(e.Envelope, e.Certs[0])
	case attest.EntrySigstore:
		var b bytes.Buffer
		if err := json.Compact(&b, e.Sigstore); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	if e.Err != nil {
		return nil, e.Err
	}
	return nil, fmt.Errorf("unreadable")
}

type fetchJSON struct {
	Image    string        `json:"image"`
	Output   string        `json:"output,omitempty"`
	Written  int           `json:"written"`
	Sources  []string      `json:"sources"`
	Skipped  []oci.Skipped `json:"skipped"`
	Failures []string      `json:"unreadable"`
}

func printFetched(cmd *cobra.Command, g *globalFlags, got *oci.Fetched, out string, n int, bad []attest.Entry) error {
	doc := fetchJSON{Image: got.Image.String(), Written: n, Sources: []string{}, Skipped: got.Skipped, Failures: []string{}}
	if n > 0 {
		doc.Output = out
	}
	if doc.Skipped == nil {
		doc.Skipped = []oci.Skipped{}
	}
	for _, e := range got.Entries {
		if e.Kind() != attest.EntryUnreadable {
			doc.Sources = append(doc.Sources, e.Source.String())
		}
	}
	for _, e := range bad {
		doc.Failures = append(doc.Failures, e.Source.String()+": "+explainEntry(e))
	}
	if g.json() {
		return writeJSON(cmd.OutOrStdout(), doc)
	}
	w := safetext.NewPrinter(cmd.OutOrStdout())
	if n > 0 {
		w.Printf("fetched %d attestation(s) of %s into %s\n", n, safetext.Text(doc.Image), safetext.Text(out))
	}
	for _, s := range doc.Sources {
		w.Printf("  %s\n", safetext.Text(s))
	}
	for _, s := range got.Skipped {
		w.Printf("  skipped %s: %s\n", safetext.Text(s.Location), safetext.Line(s.Reason))
	}
	for _, f := range doc.Failures {
		w.Printf("  unreadable %s\n", safetext.Line(f))
	}
	return w.Err()
}

func explainEntry(e attest.Entry) string {
	if e.Err != nil {
		return explain(e.Err)
	}
	return "unreadable"
}
