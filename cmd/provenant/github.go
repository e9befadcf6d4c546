package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provenant/provenant/attest/ghactions"
	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/inspect"
	"github.com/provenant/provenant/policy/report"
	"github.com/provenant/provenant/provenance"
)

// GitHub Actions reporting (docs/ci.md, "provenant in GitHub Actions"):
// attest, run, verify and inspect write step outputs, a job summary and
// annotations themselves when --github-actions says so (auto: in a step,
// GITHUB_ACTIONS "true" and the step's files named). Only this file reads the runner's variables;
// attest/ghactions writes the files it is given.
const (
	envGitHubActions = "GITHUB_ACTIONS"
	envGitHubOutput  = "GITHUB_OUTPUT"
	envGitHubSummary = "GITHUB_STEP_SUMMARY"
	githubFlag       = "github-actions"
)

// githubSession is one command's GitHub reporting: where its outputs and
// summary go, and the annotations it collected, printed when it ends.
type githubSession struct {
	output, summary string
	annotations     []ghactions.Annotation
	errs            []error // writing the runner's files failed
	verdict         bool    // verify wrote its verdict output
}

type githubKey struct{}

// addGitHubFlag gives cmd --github-actions and wraps its RunE: in GitHub
// mode its text report to stdout is printed with workflow commands
// switched off, followed by the annotations the command collected (with a
// machine format, the annotations go to stderr); an error becomes an
// annotation.
func addGitHubFlag(cmd *cobra.Command) {
	cmd.Flags().String(githubFlag, "auto", "GitHub Actions step outputs, job summary and annotations: auto (in a GitHub Actions step: GITHUB_ACTIONS=true and GITHUB_OUTPUT set), always, never")
	inner := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		gh, err := newGitHubSession(c)
		if err != nil || gh == nil {
			if err != nil {
				return err
			}
			return inner(c, args)
		}
		c.SetContext(context.WithValue(c.Context(), githubKey{}, gh))
		out, stderr := c.OutOrStdout(), c.ErrOrStderr()
		var buf *bytes.Buffer
		// Only the human report is wrapped: a machine format (JSON,
		// SARIF, JUnit, Markdown, HTML) is meant for a file, and escapes
		// line breaks in what it quotes, so no line of it starts a command.
		if f, _ := c.Flags().GetString("format"); (f == "text" || f == "table") && c.Name() != "run" {
			buf = &bytes.Buffer{}
			c.SetOut(buf)
		}
		runErr := inner(c, args)
		annotateTo := stderr
		if buf != nil {
			c.SetOut(out)
			if buf.Len() > 0 {
				_ = ghactions.WriteUntrusted(out, buf.Bytes())
			}
			annotateTo = out
		}
		if runErr != nil && c.Name() == "verify" && !gh.verdict {
			// An input error, --print-input: no report, so no "allowed".
			gh.outputs(ghactions.Output{Name: "verdict", Value: "denied"})
		}
		if runErr != nil && runErr != errSilentDenied {
			gh.annotate(ghactions.Annotation{Level: ghactions.Error, Title: "provenant " + c.Name(), Message: explain(runErr)})
		}
		for _, e := range gh.errs {
			gh.annotate(ghactions.Annotation{Level: ghactions.Warning, Title: "provenant " + c.Name(), Message: "GitHub Actions report: " + e.Error()})
		}
		_ = ghactions.WriteAnnotations(annotateTo, gh.annotations...)
		return runErr
	}
}

// newGitHubSession reads --github-actions and the runner's variables: nil
// when GitHub mode is off.
func newGitHubSession(c *cobra.Command) (*githubSession, error) {
	mode, _ := c.Flags().GetString(githubFlag)
	switch mode {
	case "never":
		return nil, nil
	case "auto":
		// In a step: the runner sets GITHUB_ACTIONS and the step's files.
		if os.Getenv(envGitHubActions) != "true" || (os.Getenv(envGitHubOutput) == "" && os.Getenv(envGitHubSummary) == "") {
			return nil, nil
		}
	case "always":
		if os.Getenv(envGitHubOutput) == "" || os.Getenv(envGitHubSummary) == "" {
			return nil, usageError("--github-actions always needs %s and %s (the runner sets them in a step)", envGitHubOutput, envGitHubSummary)
		}
	default:
		return nil, usageError("--github-actions must be auto, always or never, not %q", mode)
	}
	return &githubSession{output: os.Getenv(envGitHubOutput), summary: os.Getenv(envGitHubSummary)}, nil
}

// githubOf returns cmd's GitHub session, or nil outside GitHub mode.
func githubOf(cmd *cobra.Command) *githubSession {
	if cmd.Context() == nil {
		return nil
	}
	gh, _ := cmd.Context().Value(githubKey{}).(*githubSession)
	return gh
}

func (gh *githubSession) annotate(a ...ghactions.Annotation) {
	gh.annotations = append(gh.annotations, a...)
}

// outputs writes step outputs; without GITHUB_OUTPUT, nothing.
func (gh *githubSession) outputs(o ...ghactions.Output) {
	if gh.output == "" {
		return
	}
	if err := ghactions.WriteOutputs(gh.output, o...); err != nil {
		gh.errs = append(gh.errs, err)
	}
}

// markdown appends to the job summary what write renders.
func (gh *githubSession) markdown(write func(io.Writer) error) {
	if gh.summary == "" {
		return
	}
	var b bytes.Buffer
	if err := write(&b); err != nil {
		gh.errs = append(gh.errs, err)
		return
	}
	b.WriteString("\n")
	if err := ghactions.AppendSummary(gh.summary, b.Bytes()); err != nil {
		gh.errs = append(gh.errs, err)
	}
}

// absPath is path made absolute (outputs outlive the step's directory).
func absPath(path string) string {
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return path
}

// githubAttested reports what attest signed: outputs bundle-path and
// subjects (their count), and a summary table of the subjects.
func githubAttested(cmd *cobra.Command, res *provenance.AttestResult, bundle string) {
	gh := githubOf(cmd)
	if gh == nil {
		return
	}
	if bundle == "" {
		bundle = res.Bundle
	}
	gh.outputs(ghactions.Output{Name: "bundle-path", Value: absPath(bundle)},
		ghactions.Output{Name: "subjects", Value: strconv.Itoa(len(res.Subjects))})
	gh.markdown(func(w io.Writer) error {
		p := safetext.NewPrinter(w)
		p.Printf("## provenant attest: signed %d artifact(s)\n\n", len(res.Subjects))
		p.Printf("Bundle: %s, predicate %s\n\n", safetext.MarkdownCode(bundle), safetext.MarkdownCode(res.PredicateType))
		p.Printf("| subject | sha256 |\n| --- | --- |\n")
		for _, s := range res.Subjects {
			p.Printf("| %s | %s |\n", safetext.MarkdownCode(s.Name), safetext.MarkdownCode(s.Digests["sha256"]))
		}
		return p.Err()
	})
}

// githubRan reports what run signed: outputs bundle-path and products, a
// summary of the step and its products.
func githubRan(cmd *cobra.Command, res *provenance.RunResult) {
	gh := githubOf(cmd)
	if gh == nil {
		return
	}
	gh.outputs(ghactions.Output{Name: "bundle-path", Value: absPath(res.Bundle)},
		ghactions.Output{Name: "products", Value: strconv.Itoa(len(res.Products))})
	gh.markdown(func(w io.Writer) error {
		p := safetext.NewPrinter(w)
		p.Printf("## provenant run: signed step %s\n\n", safetext.MarkdownCode(res.Step))
		p.Printf("Bundle: %s; %d material(s), %d product(s)\n\n", safetext.MarkdownCode(res.Bundle), len(res.Materials), len(res.Products))
		if len(res.Products) > 0 {
			p.Printf("| product | sha256 |\n| --- | --- |\n")
			for _, pr := range res.Products {
				p.Printf("| %s | %s |\n", safetext.MarkdownCode(pr.Name), safetext.MarkdownCode(pr.Digests["sha256"]))
			}
		}
		return p.Err()
	})
}

// githubVerified reports a verification: outputs verdict (allowed or
// denied, from the report, never from the exit code alone), allowed and
// denied (counts); the Markdown report as the summary; an error
// annotation for each denied artifact, one for each policy finding that
// denies (on the policy file and line when known) and a warning for each
// warning.
func githubVerified(cmd *cobra.Command, r *policy.Report) {
	gh := githubOf(cmd)
	if gh == nil {
		return
	}
	verdict, denied := "allowed", 0
	if !r.Allowed {
		verdict = "denied"
	}
	for _, a := range r.Artifacts {
		if !a.Allowed {
			denied++
		}
	}
	gh.verdict = true
	gh.outputs(ghactions.Output{Name: "verdict", Value: verdict},
		ghactions.Output{Name: "allowed", Value: strconv.Itoa(len(r.Artifacts) - denied)},
		ghactions.Output{Name: "denied", Value: strconv.Itoa(denied)})
	gh.markdown(func(w io.Writer) error { return report.WriteMarkdown(w, r) })
	for _, a := range r.Artifacts {
		if !a.Allowed {
			why := strings.Join(a.Reasons, "; ")
			if why == "" {
				why = "no verified attestation allows it"
			}
			gh.annotate(ghactions.Annotation{Level: ghactions.Error, Title: "provenant: denied " + a.Name, File: a.Name, Message: why})
		}
		for _, f := range a.Findings {
			if f.Exception != nil {
				continue
			}
			level := ghactions.Error
			if f.Kind == "warn" {
				level = ghactions.Warning
			}
			an := ghactions.Annotation{Level: level, Title: "provenant " + f.Kind + ": " + f.RuleID(), Message: a.Name + ": " + f.Message}
			if f.Location != nil {
				an.File, an.Line = f.Location.File, f.Location.Line
			}
			gh.annotate(an)
		}
	}
	for _, w := range r.Warnings {
		gh.annotate(ghactions.Annotation{Level: ghactions.Warning, Title: "provenant verify", Message: w})
	}
}

// githubInspected reports an inspection: outputs envelopes and verified
// (counts), inspect's Markdown as the summary, and an error annotation
// for each envelope that failed its check, on its bundle line.
func githubInspected(cmd *cobra.Command, r *inspect.Report) {
	gh := githubOf(cmd)
	if gh == nil {
		return
	}
	gh.outputs(ghactions.Output{Name: "envelopes", Value: strconv.Itoa(r.Summary.Envelopes)},
		ghactions.Output{Name: "verified", Value: strconv.Itoa(r.Summary.Verified)},
		ghactions.Output{Name: "mismatches", Value: strconv.Itoa(r.Summary.Mismatches)})
	gh.markdown(func(w io.Writer) error { return inspect.Render(w, r, "markdown", inspect.RenderOptions{}) })
	if r.Checked() && !r.Summary.AllVerified() {
		gh.annotate(ghactions.Annotation{Level: ghactions.Error, Title: "provenant inspect",
			Message: fmt.Sprintf("%d of %d envelope(s) did not verify", r.Summary.Envelopes-r.Summary.Verified, r.Summary.Envelopes)})
	}
	// A name two steps saw with different digests: the chain is broken
	// (docs/inspect.md), whatever the signatures say.
	for _, f := range r.Findings {
		gh.annotate(ghactions.Annotation{Level: ghactions.Error, Title: "provenant inspect: " + f.Kind, Message: f.Message})
	}
}
