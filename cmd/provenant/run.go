package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/oci"
	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/provenance"
)

// exitCannotStart is the exit status when the command cannot be started,
// as shells use it.
const exitCannotStart = 127

func newRunCmd(g *globalFlags) *cobra.Command {
	var (
		keyPath  string
		out      bundleFlags
		kf       keylessFlags
		link     linkFlags
		progress bool
		req      provenance.RunRequest
		reg      ociFlags
	)
	cmd := &cobra.Command{
		Use:   "run --key KEY --bundle OUT --step NAME [--materials PATH]... --products PATH... [--env NAME]... -- COMMAND [ARG]...",
		Short: "Run a build step and sign SLSA provenance for what it made",
		Long: `Hash the materials, run the command, hash the products, and append one
signed in-toto Statement with SLSA provenance v1 to the bundle: its subjects
are the files the command created or changed under --products, and its
predicate records the step, the command, the materials, the source checkout
and where the build ran (GitHub Actions, GitLab CI or local).

--materials and --products take files, directories and patterns: "*", "?"
and "[...]" within a name, "{a,b}" alternatives, "**" across directories
(docs/run.md). A symbolic link a pattern matches is recorded as a link
unless it points to a file inside the pattern's base directory.

The bundle is written as attest writes it: a DSSE envelope appended to a
JSON Lines bundle, with --cert (and --cert-chain) the signing key's X.509
certificate chain beside the signature, or with --bundle-format sigstore
one Sigstore bundle (replaced only with --force); with --keyless instead of
--key, keyless (docs/keyless.md). The destination is checked
before the command runs.

The command runs in the current directory with provenant's stdin, stdout,
stderr and environment; SIGINT and SIGTERM are forwarded to it. Nothing of
the environment is recorded except the variables named with --env, and a
variable whose name or value looks like a secret is refused
(--env-allow-secret NAME records one on purpose). The command is recorded
with credentials replaced by *** (values of flags such as --token and
--password, Authorization and similar headers, NAME=value settings with a
secret-looking name, and user:password@ in URLs); a note on stderr says
which argument. provenant's own
report goes to stderr (as JSON with --format json), so the command's stdout
stays its own.

With --link, the step is also recorded for in-toto (docs/in-toto.md): a
link predicate v0.3 statement appended to the bundle after the provenance,
and a signed <step>.<keyid8>.link file in --link-dir that in-toto's tools
and provenant verify-layout verify. Its products are every file under
--products after the command.

Exit status: the command's own (128+N when killed by signal N). A failed
command writes no attestation. 127: the command cannot be started. 2: a
usage or input error before the command ran, or no attestation could be
written after it succeeded (no product, signing or writing failed).

With --image, the image the command built and pushed is a product too:
after the command succeeded, its tag is resolved to the manifest digest,
named REGISTRY/REPOSITORY as cosign names it (--products is then
optional). --push stores the attestation next to it (docs/oci.md).`,
		Example: `  provenant run --key build.key --bundle build.intoto.jsonl --step compile \
      --materials src --products build -- make
  provenant run --key build.key --bundle build.intoto.jsonl --step package \
      --materials build/app --products 'dist/*.tar.gz' --env SOURCE_DATE_EPOCH \
      -- tar -czf dist/app.tar.gz build/app
  provenant run --key build.key --step image --image registry.example.com/app:v1 --push \
      -- sh -c 'docker build -t registry.example.com/app:v1 . && docker push registry.example.com/app:v1'`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() != 0 || len(args) == 0 {
				return usageError("run: give the command after --, e.g. provenant run ... -- make")
			}
			if err := kf.validate(cmd, keyPath); err != nil {
				return usageError("run: %w", err)
			}
			switch {
			case kf.on && reg.push:
				return usageError("run: --keyless writes to --bundle only; push the bundle next to the image with provenant push --bundle FILE IMAGE")
			case kf.on && link.on:
				return usageError("run: --link signs the in-toto link file with a key the layout names: give --key, not --keyless")
			case req.Step == "":
				return usageError("run: --step is required")
			case req.TestResult && (len(req.Materials) == 0 || len(req.Products) > 0 || len(reg.images) > 0 || link.on):
				return usageError("run: --test-result records what the step examined: give --materials, and no --products, --image or --link")
			case len(req.Products) == 0 && len(reg.images) == 0 && !req.TestResult:
				return usageError("run: --products is required: SLSA provenance is about what a step makes")
			}
			if err := reg.validateWrite(out.path); err != nil {
				return usageError("run: %w", err)
			}
			if err := out.validate(); err != nil {
				return usageError("run: %w", err)
			}
			if err := link.validate(&out); err != nil {
				return err
			}
			// The destination is checked before the key is loaded (which
			// may prompt or reach a token); Run checks it again before
			// the command starts.
			if out.path != "" {
				if err := out.check(); err != nil {
					return inputError(fmt.Errorf("run: %w", err))
				}
			}
			var client *oci.Client
			if len(reg.images) > 0 {
				var err error
				if client, err = reg.client(attest.Limits{}); err != nil {
					return err
				}
			}
			var pusher *oci.Writer
			if kf.on {
				w, done, err := openWriter(cmd, keyPath, &kf, &out)
				if err != nil {
					return inputError(fmt.Errorf("run: %w", err))
				}
				defer done()
				req.Writer = w
			} else {
				signer, err := openSigner(cmd.Context(), keyPath)
				if err != nil {
					return inputError(fmt.Errorf("run: %w", err))
				}
				defer func() { _ = attest.CloseSigner(signer) }()
				if req.Writer, pusher, err = reg.writer(&out, signer, client, nil); err != nil {
					return inputError(fmt.Errorf("run: %w", err))
				}
				if req.Link, err = link.writer(signer); err != nil {
					return inputError(fmt.Errorf("run: %w", err))
				}
			}
			if len(reg.images) > 0 {
				// The command makes the image: its tag is resolved after it.
				req.Built = func(ctx context.Context) ([]digest.Artifact, error) {
					imgs, arts, err := resolveImages(ctx, client, reg.images)
					if err != nil {
						return nil, err
					}
					if pusher != nil {
						pusher.SetImage(imgs[0])
					}
					return arts, nil
				}
			}
			req.Command = args
			req.Version = provenantVersion()
			req.Stdin, req.Stdout, req.Stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
			sigs := make(chan os.Signal, 1)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sigs)
			req.Signals = sigs
			pp := newProgressPrinter(cmd.ErrOrStderr(), progress || (isTerminal(cmd.ErrOrStderr()) && os.Getenv("CI") != "true"))
			req.Progress = pp.update

			res, err := provenance.Run(cmd.Context(), req)
			pp.finish()
			if res != nil {
				printRunNotes(cmd.ErrOrStderr(), res)
			}
			if err != nil {
				return runError(err)
			}
			kf.noteUnchecked(cmd.ErrOrStderr())
			var pushed []oci.Pushed
			if pusher != nil {
				pushed = pusher.Pushed()
			}
			githubRan(cmd, res)
			return printRun(cmd.ErrOrStderr(), g, res, pushed)
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyPath, "key", "", keyRefHelp)
	kf.register(f)
	out.register(f)
	f.StringVar(&req.Step, "step", "", "step name, recorded as externalParameters.step (e.g. compile, package)")
	f.StringArrayVar(&req.Materials, "materials", nil, "file, directory or glob hashed before the command (repeatable)")
	f.StringArrayVar(&req.Products, "products", nil, "file, directory or glob whose new or changed files are the subjects (repeatable)")
	f.StringArrayVar(&req.Env, "env", nil, "environment variable to record (repeatable; a name or value that looks like a secret is refused)")
	f.StringArrayVar(&req.EnvAllowSecret, "env-allow-secret", nil, "environment variable to record even though its name or value looks like a secret (repeatable): its value is published in the attestation")
	f.StringVar(&req.BuilderID, "builder-id", "", "builder id URI recorded instead of "+provenance.LocalBuilderID+" (e.g. a self-hosted CI's runner); on GitHub Actions and GitLab CI only the platform's own is accepted (docs/run.md)")
	f.BoolVar(&req.TestResult, "test-result", false, "for a step that produces nothing (tests, a lint, a scan): record the --materials it examined as subjects of an in-toto test result (PASSED or FAILED, by the command's exit status; docs/run.md)")
	f.BoolVar(&progress, "progress", false, "show hashing progress even when not on a terminal or in CI")
	reg.registerWrite(f, "an image the command builds and pushes: REGISTRY/REPOSITORY:TAG, resolved to its manifest digest after the command, a product")
	link.register(f)
	addFormatFlag(cmd, g)
	addGitHubFlag(cmd)
	return cmd
}

// runError maps Run's errors to exit codes and one line.
func runError(err error) error {
	if se, ok := errors.AsType[*provenance.StartError](err); ok {
		return &exitError{code: exitCannotStart, err: fmt.Errorf("run: %w", se)}
	}
	if ce, ok := errors.AsType[*provenance.CommandError](err); ok {
		return &exitError{code: ce.ExitCode, err: fmt.Errorf("run: %w", ce)}
	}
	if errors.Is(err, context.Canceled) {
		return &exitError{code: 128 + int(syscall.SIGINT), err: errors.New("run: interrupted; no attestation written")}
	}
	return inputError(fmt.Errorf("run: %w", envFlag(err)))
}

// envFlag names the --env flag in an error about a variable given with it.
func envFlag(err error) error {
	if ee, ok := errors.AsType[*provenance.EnvError](err); ok {
		return fmt.Errorf("--env %s: %w", ee.Name, ee.Err)
	}
	return err
}

// printRunNotes writes run's notes and warnings to stderr, best effort
// (nothing is left to tell of a failed write there).
func printRunNotes(stderr io.Writer, res *provenance.RunResult) {
	w := safetext.NewPrinter(stderr)
	if res.Context != nil {
		for _, n := range res.Context.Notes {
			w.Printf("provenant: run: note: %s\n", safetext.Line(n))
		}
	}
	for _, n := range res.Notes {
		w.Printf("provenant: run: note: %s\n", safetext.Line(n))
	}
	for _, s := range res.Skipped {
		w.Printf("provenant: run: warning: %s not hashed (%s)\n", safetext.Text(s.Path), safetext.Line(s.Reason))
	}
}

type runProduct struct {
	Name       string            `json:"name"`
	Digest     map[string]string `json:"digest"`
	LinkTarget string            `json:"linkTarget,omitempty"`
}

type runJSON struct {
	Step         string       `json:"step"`
	Bundle       string       `json:"bundle"`
	ExitCode     int          `json:"exitCode"`
	Platform     string       `json:"platform"`
	BuilderID    string       `json:"builderId"`
	InvocationID string       `json:"invocationId,omitempty"`
	Source       string       `json:"source,omitempty"`
	Dirty        *bool        `json:"dirty,omitempty"`
	Materials    int          `json:"materials"`
	Products     []runProduct `json:"products"`
	Pushed       []oci.Pushed `json:"pushed,omitempty"`
	LinkFile     string       `json:"linkFile,omitempty"`
}

func printRun(w io.Writer, g *globalFlags, res *provenance.RunResult, pushed []oci.Pushed) error {
	bc := res.Context
	prods := make([]runProduct, len(res.Products))
	for i, p := range res.Products {
		prods[i] = runProduct{Name: p.Name, Digest: p.Digests, LinkTarget: p.Link}
	}
	if g.json() {
		out := runJSON{
			Step: res.Step, Bundle: res.Bundle, ExitCode: res.ExitCode,
			Platform: bc.Platform, BuilderID: bc.BuilderID, InvocationID: bc.InvocationID,
			Materials: len(res.Materials), Products: prods, Pushed: pushed, LinkFile: res.LinkFile,
		}
		if bc.Source != nil {
			out.Source, out.Dirty = bc.Source.URI, bc.Source.Dirty
		}
		return writeJSON(w, out)
	}
	p := safetext.Palette{On: useColor(g, w)}
	out := safetext.NewPrinter(w)
	if res.Statement.GetPredicateType() == provenance.PredicateTestResult {
		out.Printf("provenant: run: step %s: test result PASSED for %d examined file(s), attested into %s\n",
			p.Bold(res.Step), len(res.Materials), safetext.Text(res.Bundle))
	} else {
		out.Printf("provenant: run: step %s: %d material(s), %d product(s) attested into %s\n",
			p.Bold(res.Step), len(res.Materials), len(prods), safetext.Text(res.Bundle))
	}
	src := "no source"
	if bc.Source != nil {
		src = safetext.Text(bc.Source.URI)
		if bc.Source.Dirty != nil && *bc.Source.Dirty {
			src += " " + p.Red("(dirty)")
		}
	}
	out.Printf("  %s %s, builder %s, %s\n", p.Dim("built on"), bc.Platform, safetext.Text(bc.BuilderID), src)
	for _, pr := range prods {
		if pr.LinkTarget != "" {
			out.Printf("  %s -> %s (link)\n", safetext.Text(pr.Name), safetext.Text(pr.LinkTarget))
			continue
		}
		out.Printf("  %s  sha256:%s\n", safetext.Text(pr.Name), pr.Digest[digest.SHA256])
	}
	printPushed(out, pushed)
	if res.LinkFile != "" {
		out.Printf("  %s %s (%d product(s)), and a link statement in the bundle\n", p.Dim("in-toto link"), safetext.Text(res.LinkFile), len(res.Link.Products))
	}
	return out.Err()
}
