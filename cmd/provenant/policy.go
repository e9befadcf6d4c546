package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/policy/rules"
)

func newPolicyCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Work on Rego policies: write one from evidence, run their tests",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError("name a subcommand: policy init, policy test")
		},
	}
	cmd.AddCommand(newPolicyTestCmd(g), newPolicyInitCmd(g))
	return cmd
}

func newPolicyTestCmd(g *globalFlags) *cobra.Command {
	var (
		timeout     time.Duration
		configFile  string
		verbose     bool
		regoVersion string
	)
	cmd := &cobra.Command{
		Use:   "test PATH...",
		Short: "Run the *_test.rego tests of policies, like opa test",
		Long: `Run every test_* rule in the .rego files named (files, directories walked
recursively, or builtin:NAME for a built-in policy and its tests), as
opa test does, with the capabilities verify uses (no network built-ins) and
the provenant.lib helper package loaded. With --policy-config, its data:
section is data.config, as in verify.

Exit codes: 0 every test passed, 1 a test failed or errored, 2 usage or
input error (a parse or compile error, a missing file).`,
		Example: `  provenant policy test policies/
  provenant policy test builtin:github
  provenant policy test --format json policies/release.rego policies/release_test.rego`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkRegoVersion(regoVersion); err != nil {
				return err
			}
			var data map[string]any
			if configFile != "" {
				cfg, err := rules.LoadConfig(configFile)
				if err != nil {
					return inputError(policyError(err))
				}
				data = cfg.Data
			}
			results, err := rules.RunPolicyTests(cmd.Context(), args, timeout, data, rules.WithRegoVersion(regoVersion))
			if err != nil {
				return inputError(policyError(err))
			}
			if len(results) == 0 {
				return inputError(fmt.Errorf("no test_ rules found in %v", args))
			}
			failed := 0
			for _, r := range results {
				if !r.Passed() {
					failed++
				}
			}
			if g.json() {
				if err := writeJSON(cmd.OutOrStdout(), map[string]any{"passed": len(results) - failed, "failed": failed, "tests": results}); err != nil {
					return err
				}
			} else {
				w := safetext.NewPrinter(cmd.OutOrStdout())
				printPolicyTests(w, safetext.Palette{On: useColor(g, cmd.OutOrStdout())}, results, failed, verbose)
				if err := w.Err(); err != nil {
					return err
				}
			}
			if failed > 0 {
				return errSilentDenied
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.DurationVar(&timeout, "timeout", rules.DefaultPolicyTimeout, "time limit for each test")
	f.StringVar(&configFile, "policy-config", "", "policy configuration file (YAML) whose data: section is data.config")
	f.BoolVarP(&verbose, "verbose", "v", false, "list passing tests too")
	addRegoVersionFlag(f, &regoVersion)
	addFormatFlag(cmd, g)
	return cmd
}

// addRegoVersionFlag adds --rego-version, conftest's flag of the same name.
func addRegoVersionFlag(f *pflag.FlagSet, v *string) {
	f.StringVar(v, "rego-version", rules.RegoV1, "Rego syntax of the policy files given: v1, or v0 for policies written for OPA before 1.0 (built-in policies are v1)")
}

func checkRegoVersion(v string) error {
	if v != rules.RegoV1 && v != rules.RegoV0 {
		return usageError("--rego-version must be v1 or v0, not %q", v)
	}
	return nil
}

func printPolicyTests(w *safetext.Printer, p safetext.Palette, results []rules.TestResult, failed int, verbose bool) {
	for _, r := range results {
		switch {
		case r.Outcome == "PASS" || r.Outcome == "SKIPPED":
			if verbose {
				w.Printf("%s %s.%s (%s)\n", p.Green("PASS"), r.Package, r.Name, r.Location)
			}
		default:
			w.Printf("%s %s.%s (%s)\n", p.Red(r.Outcome), r.Package, r.Name, r.Location)
			if r.Error != "" {
				w.Printf("    %s\n", r.Error)
			}
		}
		if r.Output != "" && (verbose || !r.Passed()) {
			w.Printf("    %s", indentOutput(r.Output))
		}
	}
	if failed == 0 {
		w.Printf("%s: %d/%d\n", p.Green("PASS"), len(results), len(results))
		return
	}
	w.Printf("%s: %d/%d passed, %d failed\n", p.Red("FAIL"), len(results)-failed, len(results), failed)
}

func indentOutput(s string) string {
	out := []byte{}
	for i := 0; i < len(s); i++ {
		out = append(out, s[i])
		if s[i] == '\n' && i+1 < len(s) {
			out = append(out, "    "...)
		}
	}
	return string(out)
}

// policyError drops the "policy: " sentinel prefix from a policy error for
// the user, and says how to load a Rego v0 file.
func policyError(err error) error {
	if errors.Is(err, rules.ErrPolicy) {
		if msg, ok := strings.CutPrefix(err.Error(), rules.ErrPolicy.Error()+": "); ok {
			if errors.Is(err, rules.ErrRegoV0) {
				msg += "; load Rego v0 policies with --rego-version v0"
			}
			if errors.Is(err, rules.ErrRegoV1) {
				msg += ", or load without --rego-version v0"
			}
			if h := hint(err); h != "" {
				msg += "; " + h
			}
			return errors.New(msg)
		}
	}
	return err
}
