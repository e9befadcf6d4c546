// Command simrunner runs the provenant GitHub Action (action.yml, a
// composite action) on this machine the way the Actions runner would, and
// checks what it does: outputs, job summary, annotations, masking and the
// removal of secrets. It is `make action-test`; no GitHub is involved.
//
// What is simulated: the GITHUB_* and RUNNER_* variables, a fresh
// RUNNER_TEMP per job, the per-step GITHUB_OUTPUT and GITHUB_STEP_SUMMARY
// files, GITHUB_ENV and GITHUB_PATH, the bash template
// (bash --noprofile --norc -eo pipefail), workflow commands on the output
// (::add-mask::, ::error/::warning/::notice, ::stop-commands::), and the
// ${{ }} expressions the action uses (inputs.*, github.action_path,
// github.action_ref, steps.*.outputs.*). Like the real runner for composite
// actions (actions/runner#665), it does not export INPUT_* variables by
// itself: action.yml maps each input in env:, and a script that relied on
// INPUT_* appearing by magic would fail here as it would on GitHub.
//
// uses: steps (actions/setup-go) are skipped: Go is already here.
//
// By default provenant is built from the working tree, as the action builds
// it from its own checkout. With -ref REV, it is built from the commit REV
// instead (git archive), with the action's own files (action.yml and
// .github/provenant-action/) still taken from the working tree: a way to
// test the action while the rest of the tree is mid-edit.
//
// Usage: go run . [-repo DIR] [-ref REV] [-run REGEXP] [-v] [-keep]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

func main() {
	repo := flag.String("repo", "../../..", "the repository root (the action's directory)")
	runRE := flag.String("run", "", "run only the scenarios matching this regular expression")
	verbose := flag.Bool("v", false, "print every step's output")
	keep := flag.Bool("keep", false, "keep the scratch directory")
	ref := flag.String("ref", "", "build provenant from this commit instead of the working tree")
	flag.Parse()

	root, err := filepath.Abs(*repo)
	if err != nil {
		fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "action.yml")); err != nil {
		fatal(fmt.Errorf("no action.yml in %s (use -repo)", root))
	}
	var filter *regexp.Regexp
	if *runRE != "" {
		filter = regexp.MustCompile(*runRE)
	}

	scratch, err := os.MkdirTemp("", "provenant-action-test-")
	if err != nil {
		fatal(err)
	}
	if *keep {
		fmt.Println("scratch directory:", scratch)
	} else {
		defer os.RemoveAll(scratch)
	}

	actionDir := root
	if *ref != "" {
		if actionDir, err = exportAction(root, *ref, scratch); err != nil {
			fatal(err)
		}
		fmt.Printf("provenant from %s, action files from the working tree\n", *ref)
	}

	failed := 0
	start := time.Now()
	if filter == nil || filter.MatchString("static") {
		fmt.Println("--- static: action.yml and workflows")
		if fails := staticChecks(root); len(fails) > 0 {
			for _, f := range fails {
				fmt.Println("    FAIL", f)
			}
			failed++
		} else {
			fmt.Println("    ok")
		}
	}

	env, err := newEnv(scratch)
	if err != nil {
		fatal(err)
	}
	if err := env.prepare(actionDir); err != nil {
		fatal(err)
	}
	env.sig = startSigstore(actionDir, scratch)
	if env.sig.stop != nil {
		defer env.sig.stop()
	}
	n := 0
	for _, sc := range scenarios() {
		// attest makes the bundle every later scenario reads: it always runs.
		if filter != nil && !filter.MatchString(sc.name) && sc.name != "attest" {
			continue
		}
		n++
		fmt.Printf("--- %s: %s\n", sc.name, sc.doc)
		if sc.keyless && env.sig.skip != "" {
			fmt.Println("    skipped: no loopback Sigstore:", env.sig.skip)
			continue
		}
		fails, notes, err := env.run(actionDir, sc, *verbose)
		for _, note := range notes {
			fmt.Println("    note:", note)
		}
		if err != nil {
			fails = append(fails, err.Error())
		}
		if len(fails) > 0 {
			for _, f := range fails {
				fmt.Println("    FAIL", f)
			}
			failed++
			continue
		}
		fmt.Println("    ok")
	}
	fmt.Printf("%d scenario(s) and the static checks in %s: ", n, time.Since(start).Round(time.Second))
	if failed > 0 {
		fmt.Printf("%d FAILED\n", failed)
		if env.sig.stop != nil {
			env.sig.stop()
		}
		if !*keep {
			_ = os.RemoveAll(scratch) // os.Exit skips the deferred removal
		}
		os.Exit(1)
	}
	fmt.Println("all passed")
}

// exportAction writes the tree of commit ref to scratch/action and copies
// the action's own files over it from the working tree.
func exportAction(root, ref, scratch string) (string, error) {
	dir := filepath.Join(scratch, "action")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	archive := exec.Command("git", "-C", root, "archive", "--format=tar", ref)
	untar := exec.Command("tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return "", err
	}
	untar.Stdin = pipe
	archive.Stderr, untar.Stderr = os.Stderr, os.Stderr
	if err := untar.Start(); err != nil {
		return "", err
	}
	if err := archive.Run(); err != nil {
		return "", fmt.Errorf("git archive %s: %w", ref, err)
	}
	if err := untar.Wait(); err != nil {
		return "", err
	}
	cp := exec.Command("cp", "-R", filepath.Join(root, "action.yml"), filepath.Join(root, ".github"), dir+"/")
	if out, err := cp.CombinedOutput(); err != nil {
		return "", fmt.Errorf("copying the action's files: %v: %s", err, out)
	}
	return dir, nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "simrunner:", err)
	os.Exit(2)
}

// jobEnv is the environment the runner gives every step, before the
// step's own env:.
func jobEnv(runnerTemp, workspace string) map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		// Nothing of a real CI job leaks into the simulation.
		if strings.HasPrefix(k, "GITHUB_") || strings.HasPrefix(k, "RUNNER_") || strings.HasPrefix(k, "INPUT_") || strings.HasPrefix(k, "ACTIONS_") || k == "PROVENANT_KEY_PASSWORD" {
			continue
		}
		env[k] = v
	}
	for k, v := range map[string]string{
		"CI":                  "true",
		"GITHUB_ACTIONS":      "true",
		"GITHUB_ACTION":       "__provenant_provenant",
		"GITHUB_ACTION_REF":   "",
		"GITHUB_ACTOR":        "octocat",
		"GITHUB_EVENT_NAME":   "push",
		"GITHUB_JOB":          "verify",
		"GITHUB_REF":          "refs/tags/v0.0.0-test",
		"GITHUB_REF_NAME":     "v0.0.0-test",
		"GITHUB_REF_TYPE":     "tag",
		"GITHUB_REPOSITORY":   "provenant/provenant",
		"GITHUB_RUN_ATTEMPT":  "1",
		"GITHUB_RUN_ID":       "4242",
		"GITHUB_RUN_NUMBER":   "7",
		"GITHUB_SERVER_URL":   "https://github.com",
		"GITHUB_API_URL":      "https://api.github.com",
		"GITHUB_SHA":          "0123456789abcdef0123456789abcdef01234567",
		"GITHUB_WORKFLOW":     "release",
		"GITHUB_WORKFLOW_REF": "provenant/provenant/.github/workflows/release.yml@refs/tags/v0.0.0-test",
		"GITHUB_WORKSPACE":    workspace,
		"RUNNER_ARCH":         "X64",
		"RUNNER_NAME":         "simrunner",
		"RUNNER_ENVIRONMENT":  "github-hosted",
		"RUNNER_OS":           "Linux",
		"RUNNER_TEMP":         runnerTemp,
	} {
		env[k] = v
	}
	return env
}
