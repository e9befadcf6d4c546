package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest/safetext"
)

// Exit codes, stable for scripts.
const (
	exitOK     = 0 // everything verified
	exitDenied = 1 // a verification was denied
	exitInput  = 2 // usage error or unreadable input
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

func provenantVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

type streams struct {
	in       io.Reader
	out, err io.Writer
}

// exitError carries an exit code to the edge of the program.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return explain(e.err) }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, a ...any) error {
	return &exitError{code: exitInput, err: fmt.Errorf(format, a...)}
}

func inputError(err error) error { return &exitError{code: exitInput, err: err} }

func deniedError(err error) error { return &exitError{code: exitDenied, err: err} }

// errSilentDenied ends a command with exit 1 after the output has already
// said why.
var errSilentDenied = &exitError{code: exitDenied, err: errors.New("denied")}

// formatsKey is the annotation that lists a command's --format values.
const formatsKey = "provenant/formats"

// addFormatFlag gives a command its own --format: its values in --help,
// in completion and in the check before it runs (the first is the
// default).
func addFormatFlag(cmd *cobra.Command, g *globalFlags, values ...string) {
	if len(values) == 0 {
		values = []string{"text", "json"}
	}
	cmd.Flags().StringVar(&g.format, "format", values[0], "output format: "+joinOr(values))
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[formatsKey] = strings.Join(values, ",")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}

// joinOr lists words as "a, b or c".
func joinOr(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// formatValues are the --format values of cmd (nil: it has no --format).
func formatValues(cmd *cobra.Command) []string {
	if v, ok := cmd.Annotations[formatsKey]; ok {
		return strings.Split(v, ",")
	}
	return nil
}

type globalFlags struct {
	format string
	color  string
}

func (g *globalFlags) json() bool { return g.format == "json" }

func newRootCmd(s streams) *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:   "provenant",
		Short: "Generate and verify software supply-chain provenance",
		Long: `provenant signs in-toto attestations with SLSA provenance into DSSE
envelopes, and verifies them before a release ships.

Exit codes: 0 verified, 1 verification denied, 2 usage or input error.`,
		Example: `  provenant keygen --out release
  provenant attest --key release.key --bundle app.intoto.jsonl dist/app
  provenant verify --bundle app.intoto.jsonl --key release.pub dist/app`,
		Version:       provenantVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if values := formatValues(cmd); values != nil && !slices.Contains(values, g.format) {
				return usageError("--format for %s must be %s, not %q", cmd.CommandPath(), joinOr(values), g.format)
			}
			switch g.color {
			case "auto", "always", "never":
			default:
				return usageError("--color must be auto, always or never, not %q", g.color)
			}
			return nil
		},
	}
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	root.SetVersionTemplate("provenant {{.Version}}\n")
	root.PersistentFlags().StringVar(&g.color, "color", "auto", "colour output: auto (only on a terminal, unless NO_COLOR is set), always, never")
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(newKeygenCmd(g), newKeyCmd(g), newAttestCmd(g), newVerifyCmd(g), newVersionCmd(g), newPolicyCmd(g), newRunCmd(g), newInspectCmd(g), newVerifySignatureCmd(g), newSignCmd(g), newVerifyVSACmd(g), newPushCmd(g), newFetchCmd(g), newTrustCmd(g), newVerifyLayoutCmd(g))
	for _, c := range root.Commands() {
		c.SetFlagErrorFunc(flagError)
	}
	return root
}

// run executes the CLI and returns the exit code. Errors are printed as one
// line on stderr.
func run(ctx context.Context, args []string, s streams) int {
	root := newRootCmd(s)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitInput
	if ee, ok := errors.AsType[*exitError](err); ok {
		code = ee.code
		if ee == errSilentDenied {
			return code
		}
	} else if strings.HasPrefix(err.Error(), "unknown command") || strings.Contains(err.Error(), "accepts") || strings.Contains(err.Error(), "requires at least") {
		code = exitInput
	}
	printError(s.err, err.Error())
	return code
}

// oneLine keeps a message on one honest line: white space and line breaks
// fold into single spaces, and control and format characters (which an
// attestation, a certificate or a file name could carry into an error) are
// shown escaped.
func oneLine(s string) string {
	return safetext.Line(s)
}

// useColor decides whether to colour output written to w.
func useColor(g *globalFlags, w io.Writer) bool {
	switch g.color {
	case "always":
		return true
	case "never":
		return false
	}
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	return isTerminal(w) && os.Getenv("TERM") != "dumb"
}

func newVersionCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Print provenant's version",
		Example: "  provenant version\n  provenant version --format json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if g.json() {
				return writeJSON(cmd.OutOrStdout(), map[string]string{"version": provenantVersion()})
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "provenant %s\n", provenantVersion())
			return err
		},
	}
	addFormatFlag(cmd, g)
	return cmd
}
