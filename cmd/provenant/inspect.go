package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/oci"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/inspect"
)

type inspectFlags struct {
	limits attest.Limits
	keys   []string
	sig    sigstoreFlags // --trusted-root and the certificate identity flags
	output string
	reg    ociFlags // oci:// arguments (oci_flags.go)
	// onMismatch is what a name seen with different digests does to the
	// exit code: "fail" (1) or "report" (shown, exit unchanged).
	onMismatch string
}

// inspectNow is the clock the HTML report's generation time comes from.
// Tests set it.
var inspectNow = time.Now

func newInspectCmd(g *globalFlags) *cobra.Command {
	var f inspectFlags
	cmd := &cobra.Command{
		Use:   "inspect [--key PUB]... [--format table|json|markdown|html] [--output FILE] BUNDLE...",
		Short: "Show who signed what, from which source, and whether it still verifies",
		Long: `Show an auditor everything a bundle holds, without base64: for every
envelope (or Sigstore bundle) where it is, its payload, statement and
predicate types, subjects and digests, and its signatures with key ids or
certificate identities; for SLSA provenance (v1, v0.2) the builder, build
type, source repository, ref and commit, invocation, times, parameters,
dependencies and byproducts; for verification summaries the verifier, result
and levels; and the chain of steps across all envelopes, linking each
product to the step that consumes it, with the materials no step produced
and the products no verified envelope claims.

With --key (repeatable), every signature is checked and each envelope says
✓ verified or ✗ failed, and why. Without a key nothing is verified: the
content is shown as the bundle claims it and marked UNVERIFIED. Sigstore
bundles verify offline against --trusted-root (certificates) or --key
(keyed bundles); the signer's identity is shown, not required to match.

Formats (--format): table (the default, also "text"; colour only on a
terminal), json (schema in docs/inspect.md), markdown (tables and a Mermaid
graph, for GitHub job summaries), html (one self-contained page with the
graph drawn, to print or attach to a ticket).

An argument oci://REGISTRY/REPOSITORY@sha256:HEX (or :TAG, resolved) shows
the attestations stored next to that image: cosign's .att layers and the
OCI 1.1 referrers holding Sigstore bundles (docs/oci.md).

A name that two steps see with different digests (a product changed
between the step that made it and the step that used it) is a finding of
its own: shown first, in red, in every format, and inspect exits 1 for it
(--on-mismatch report shows it without failing).

Exit codes: 0 everything was shown (and, with --key, every envelope
verified), 1 keys were given and some envelope did not verify, or a name
has different digests in different steps, 2 usage error or a bundle that
cannot be read.`,
		Example: `  provenant inspect app.intoto.jsonl
  provenant inspect --key release.pub app.intoto.jsonl
  provenant inspect --trusted-root trusted_root.json app.sigstore.json
  provenant inspect --key release.pub --format html --output report.html app.intoto.jsonl
  provenant inspect --format markdown app.intoto.jsonl >> "$GITHUB_STEP_SUMMARY"
  provenant inspect --key release.pub oci://registry.example.com/app@sha256:...`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInspect(cmd, g, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.keys, "key", nil, "trusted public key to check signatures with, PKIX PEM or securesystemslib JSON (repeatable)")
	f.sig.registerTrust(fl)
	addLimitsFlag(fl, &f.limits)
	fl.StringVarP(&f.output, "output", "o", "", "write the report to this file instead of standard output")
	f.reg.registerClient(fl)
	fl.StringVar(&f.onMismatch, "on-mismatch", "fail", "when a name has different digests in different steps: fail (exit 1) or report (show it, exit as without it)")
	addFormatFlag(cmd, g, inspectFormats()...)
	addGitHubFlag(cmd)
	return cmd
}

// inspectFormats are inspect's --format values: its report formats, and
// "text" (as every other command says), the table.
func inspectFormats() []string { return append(inspect.Formats(), "text") }

// inspectFormat maps --format to a report format; "text" is the table.
func inspectFormat(f string) (string, error) {
	if f == "text" {
		return "table", nil
	}
	if slices.Contains(inspect.Formats(), f) {
		return f, nil
	}
	return "", usageError("--format for inspect must be %s, not %q", strings.Join(inspect.Formats(), ", "), f)
}

func runInspect(cmd *cobra.Command, g *globalFlags, f inspectFlags, args []string) error {
	format, err := inspectFormat(g.format)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usageError("name at least one bundle to inspect")
	}
	if f.onMismatch != "fail" && f.onMismatch != "report" {
		return usageError("--on-mismatch must be fail or report, not %q", f.onMismatch)
	}
	if f.output != "" {
		if err := attest.CheckWrite(f.output, attest.WithOverwrite()); err != nil {
			return inputError(err)
		}
	}
	var opts []inspect.Option
	if f.sig.trustedRoot == "" && (len(f.keys) > 0 || f.sig.hasIdentity()) {
		// Asked to verify: the cached roots serve as --trusted-root.
		if err := f.sig.loadCache(); err != nil {
			return err
		}
		f.sig.warnStaleRoots(cmd.ErrOrStderr())
	}
	if f.sig.hasRoots() || len(f.keys) > 0 {
		// The verifier verify uses: keys for DSSE envelopes and keyed
		// bundles, the trusted root for certificate bundles. A certificate
		// signer is verified only for an identity asked for
		// (--certificate-identity and --certificate-oidc-issuer); without
		// one, inspect shows who signed, marked unverified.
		keys, err := loadKeys(f.keys)
		if err != nil {
			return err
		}
		vopts := []policy.Option{policy.WithLimits(f.limits), policy.WithKeys(keys...)}
		sv, err := f.sig.verifier(keys, true)
		if err != nil {
			return err
		}
		if sv != nil {
			vopts = append(vopts, policy.WithSigstore(sv))
		}
		v, err := policy.NewVerifier(append(vopts, policy.WithHints(hint))...)
		if err != nil {
			return usageError("%v", err)
		}
		rootName := f.sig.trustedRoot
		if rootName == "" && len(f.sig.cached) > 0 {
			rootName = "the cached trusted roots"
		}
		opts = append(opts, inspect.WithVerifier(v, rootName))
	} else if f.sig.hasIdentity() {
		return usageError("--certificate-identity and --certificate-oidc-issuer need a trusted root: %s", hint(sigstore.ErrNoRoot))
	}
	opts = append(opts, inspect.WithLimits(f.limits), inspect.WithHints(hint))
	in, err := inspect.New(opts...)
	if err != nil {
		return usageError("%v", err)
	}
	var client *oci.Client
	for _, b := range args {
		if !oci.HasScheme(b) {
			if err := in.ReadFile(cmd.Context(), b); err != nil {
				return inputError(err)
			}
			continue
		}
		ref, err := parseImage(b)
		if err != nil {
			return err
		}
		if client == nil {
			if client, err = f.reg.client(f.limits); err != nil {
				return err
			}
		}
		got, err := client.Fetch(cmd.Context(), ref)
		if err != nil {
			return inputError(err)
		}
		in.AddEntries(cmd.Context(), oci.Scheme+got.Image.String(), got.Entries)
	}
	report := in.Report()
	githubInspected(cmd, report)
	ro := inspect.RenderOptions{Generated: inspectNow(), Version: provenantVersion()}
	if f.output == "" {
		out := cmd.OutOrStdout()
		ro.Color = format == "table" && useColor(g, out)
		if err := inspect.Render(out, report, format, ro); err != nil {
			return err
		}
	} else if err := writeReportFile(f.output, report, format, g.color == "always", ro); err != nil {
		return inputError(err)
	}
	if n := report.Summary.Mismatches; n > 0 && f.onMismatch == "fail" {
		if format == "table" && f.output == "" {
			return errSilentDenied // the table's first lines said so
		}
		return deniedError(fmt.Errorf("%d artifact name(s) seen with different digests by different steps (--on-mismatch report to only show them)", n))
	}
	if report.Checked() && !report.Summary.AllVerified() {
		if format == "table" && f.output == "" {
			return errSilentDenied // the table's headline said so
		}
		s := report.Summary
		return deniedError(fmt.Errorf("%d of %d envelope(s) did not verify", s.Envelopes-s.Verified, s.Envelopes))
	}
	return nil
}

// writeReportFile writes the report through a temporary file in the same
// directory and renames it, so a failure leaves no half-written report. An
// existing regular file is replaced; a link, directory, pipe or device at
// path is refused.
func writeReportFile(path string, r *inspect.Report, format string, color bool, o inspect.RenderOptions) error {
	o.Color = color && format == "table"
	return attest.WriteFileFunc(path, 0o644, func(w io.Writer) error {
		return inspect.Render(w, r, format, o)
	}, attest.WithOverwrite())
}
