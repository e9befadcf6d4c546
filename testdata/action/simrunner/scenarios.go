package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// testEnv holds what the scenarios share: one workspace (a checkout with
// build outputs), keys made for this run, and the bundle the attest
// scenario writes for the verify scenarios.
type testEnv struct {
	actionDir string // where provenant's source is
	scratch   string
	workspace string
	privPEM   string // the signing key, as a secret holds it
	pubPEM    string
	otherPub  string // a key that signed nothing
	jobs      int

	release, tampered string // fake release directories (file:// URLs)
	pinned, unpinned  string // the action with and without a pinned release
	toolcache         string // RUNNER_TOOL_CACHE with this Go
	sig               *sigstore
}

func newEnv(scratch string) (*testEnv, error) {
	e := &testEnv{scratch: scratch, workspace: filepath.Join(scratch, "workspace")}
	var err error
	if e.privPEM, e.pubPEM, err = newKey(); err != nil {
		return nil, err
	}
	if _, e.otherPub, err = newKey(); err != nil {
		return nil, err
	}
	for name, content := range map[string]string{
		"dist/app":              "the application binary\n",
		"dist/docs/README.txt":  "read me\n",
		"dist/docs/CHANGES.txt": "changes\n",
		"keys/release.pub":      e.pubPEM,
		"keys/other.pub":        e.otherPub,
		// The release key signs for the provenance workflow: without this
		// mapping a builder id is only claimed (docs/trust.md).
		"keys/trust.yaml":     "keys:\n  - id: release\n    path: release.pub\n    builders: [https://github.com/provenant/provenant/.github/workflows/provenance.yml]\n",
		"policy/release.yaml": "data:\n  slsa:\n    level: 3\n    l3_builders:\n      - https://example.com/some-other-builder\n",
	} {
		p := filepath.Join(e.workspace, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// newKey makes an Ed25519 key pair: PKCS#8 and PKIX PEM, as provenant
// keygen writes them.
func newKey() (priv, pub string, err error) {
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(sk)
	if err != nil {
		return "", "", err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pk)
	if err != nil {
		return "", "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})), nil
}

// scenario is one job that uses the action once.
type scenario struct {
	name, doc string
	// action: "" the action with its release pinned, "unreleased" one
	// without (built from source).
	action string
	// env is added to the job's environment (a caller's settings);
	// ghPath is what earlier steps of the job put on GITHUB_PATH.
	env     func(e *testEnv) map[string]string
	ghPath  func(e *testEnv) []string
	keyless bool // needs the loopback Sigstore; the job has id-token: write
	with    func(e *testEnv) map[string]string
	setup   func(e *testEnv) (undo func(), err error)
	check   func(c *checker)
}

// checker collects a scenario's failures.
type checker struct {
	e     *testEnv
	r     *Result
	bin   string // the provenant the action built
	fails []string
	notes []string
}

func (c *checker) errorf(format string, a ...any) {
	c.fails = append(c.fails, fmt.Sprintf(format, a...))
}

func (c *checker) note(format string, a ...any) { c.notes = append(c.notes, fmt.Sprintf(format, a...)) }

func (c *checker) exit(want int) {
	if c.r.ExitCode != want {
		c.errorf("exit code %d (step %q), want %d", c.r.ExitCode, c.r.FailedStep, want)
	}
}

func (c *checker) output(name, want string) {
	if got := c.r.Outputs[name]; got != want {
		c.errorf("output %s = %q, want %q", name, got, want)
	}
}

func (c *checker) summaryHas(subs ...string) {
	for _, s := range subs {
		if !strings.Contains(c.r.Summary, s) {
			c.errorf("job summary lacks %q; it is:\n%s", s, indent(c.r.Summary))
		}
	}
}

// annotation requires an annotation of this level whose message contains
// every one of subs.
func (c *checker) annotation(level string, subs ...string) {
	for _, a := range c.r.Annotated(level) {
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(a.Message+" "+a.Props, s)
		}
		if ok {
			return
		}
	}
	c.errorf("no ::%s annotation containing %q; annotations: %v", level, subs, c.r.Annotations)
}

func (c *checker) noAnnotation(level string) {
	if as := c.r.Annotated(level); len(as) > 0 {
		c.errorf("unexpected ::%s annotations: %v", level, as)
	}
}

// has reports whether the provenant the action built has a feature:
// `provenant CMD --help` documents the flag, or (flag "") lists CMD.
func (c *checker) has(cmd, flag string) bool {
	if c.bin == "" {
		return false
	}
	if flag == "" {
		out, _ := exec.Command(c.bin, "--help").Output()
		for _, l := range strings.Split(string(out), "\n") {
			if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(l, "  ") && f[0] == cmd {
				return true
			}
		}
		return false
	}
	out, _ := exec.Command(c.bin, cmd, "--help").Output()
	return bytes.Contains(out, []byte("--"+flag+" ")) || bytes.Contains(out, []byte("--"+flag+"\n"))
}

// secrets checks that the key material was masked before anything else was
// printed, never printed otherwise, and left nowhere under RUNNER_TEMP.
func (c *checker) secrets(extra ...string) {
	var secretLines []string
	for _, l := range strings.Split(c.e.privPEM, "\n") {
		if strings.TrimSpace(l) != "" {
			secretLines = append(secretLines, l)
		}
	}
	secretLines = append(secretLines, extra...)
	masked := map[string]bool{}
	for _, m := range c.r.Masks {
		masked[m] = true
	}
	for _, s := range secretLines {
		if !masked[s] {
			c.errorf("secret line %.12q… was not registered with ::add-mask::", s)
		}
	}
	// The masks come first in the provenant step: nothing is printed before.
	if l := c.r.StepLogs["provenant"]; len(l) == 0 || !strings.HasPrefix(l[0], "::add-mask::") {
		c.errorf("the provenant step printed something before masking the secrets: %.60q", l)
	}
	for i, l := range c.r.Log {
		if strings.HasPrefix(l, "::add-mask::") {
			continue
		}
		for _, s := range secretLines {
			if len(s) >= 8 && strings.Contains(l, s) {
				c.errorf("log line %d prints secret material: %.40q", i+1, l)
			}
		}
	}
	// The body of the key (without the PEM armour) must be in no file left
	// under RUNNER_TEMP or the workspace.
	body := secretLines[1]
	for _, dir := range []string{c.r.RunnerTemp, c.e.workspace} {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				if err == nil && strings.HasPrefix(d.Name(), "provenant-secret") {
					c.errorf("secrets directory left behind: %s", p)
				}
				return nil
			}
			if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(body)) {
				c.errorf("key material left behind in %s", p)
			}
			return nil
		})
	}
}

func (e *testEnv) run(repo string, sc scenario, verbose bool) (fails, notes []string, err error) {
	e.jobs++
	e.actionDir = repo
	actionPath := e.pinned
	if sc.action == "unreleased" {
		actionPath = e.unpinned
	}
	runnerTemp := filepath.Join(e.scratch, fmt.Sprintf("runner-temp-%02d", e.jobs))
	if err := os.MkdirAll(runnerTemp, 0o755); err != nil {
		return nil, nil, err
	}
	a, err := LoadAction(filepath.Join(actionPath, "action.yml"))
	if err != nil {
		return nil, nil, err
	}
	if sc.setup != nil {
		undo, err := sc.setup(e)
		if err != nil {
			return nil, nil, err
		}
		if undo != nil {
			defer undo()
		}
	}
	var log io.Writer
	if verbose {
		log = os.Stdout
	}
	env := jobEnv(runnerTemp, e.workspace)
	runnerOS, runnerArch, _ := platform()
	env["RUNNER_OS"], env["RUNNER_ARCH"] = runnerOS, runnerArch
	env["RUNNER_TOOL_CACHE"] = e.toolcache
	env["PROVENANT_RELEASE_URL"] = "file://" + e.release
	if sc.keyless {
		env["ACTIONS_ID_TOKEN_REQUEST_URL"] = e.sig.tokenURL
		env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = e.sig.requestToken
	}
	if sc.env != nil {
		for k, v := range sc.env(e) {
			env[k] = v
		}
	}
	r := &Runner{ActionPath: actionPath, Action: a, Workspace: e.workspace, RunnerTemp: runnerTemp, Env: env, Verbose: log}
	if sc.ghPath != nil {
		r.Path = sc.ghPath(e)
	}
	res, err := r.Run(sc.with(e))
	if err != nil {
		return nil, nil, err
	}
	c := &checker{e: e, r: res, bin: res.StepOutputs["install"]["path"] + res.StepOutputs["build"]["path"]}
	sc.check(c)
	for _, l := range res.Legacy {
		c.errorf("the runner acted on a legacy command: %q", l)
	}
	for _, o := range res.Other {
		c.errorf("the runner acted on a command the action never gives: %q", o)
	}
	if len(c.fails) > 0 && !verbose {
		c.fails = append(c.fails, "the steps printed:\n"+indent(strings.Join(res.Log, "\n")))
	}
	return c.fails, c.notes, nil
}

func indent(s string) string {
	return "        " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n        ")
}

const builder = "https://github.com/provenant/provenant/.github/workflows/provenance.yml@refs/tags/v0.0.0-test"

func (e *testEnv) bundle() string {
	return filepath.Join(e.workspace, "out", "provenance.intoto.jsonl")
}

func verifyWith(e *testEnv, extra map[string]string) map[string]string {
	w := map[string]string{
		"command":    "verify",
		"artifacts":  "dist/app\ndist/docs/*.txt\n",
		"bundle":     "out/provenance.intoto.jsonl",
		"public-key": e.pubPEM,
		"builder-id": "https://github.com/provenant/provenant/.github/workflows/provenance.yml",
		"source-uri": "none",
		"policy":     "none",
		"args":       "--trust\nkeys/trust.yaml\n",
	}
	for k, v := range extra {
		w[k] = v
	}
	return w
}

// tamper replaces dist/app for the scenario and puts it back afterwards.
func tamper(e *testEnv) (func(), error) {
	p := filepath.Join(e.workspace, "dist", "app")
	orig, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(p, []byte("the application binary, with a backdoor\n"), 0o644); err != nil {
		return nil, err
	}
	return func() { _ = os.WriteFile(p, orig, 0o644) }, nil
}

// files writes files into the workspace for a scenario and removes them
// afterwards.
func files(names map[string]string) func(e *testEnv) (func(), error) {
	return func(e *testEnv) (func(), error) {
		var made []string
		for name, content := range names {
			p := filepath.Join(e.workspace, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				return nil, err
			}
			made = append(made, p)
		}
		return func() {
			for _, p := range made {
				os.Remove(p)
			}
		}, nil
	}
}

// refused: the step failed with exit 2 and an ::error saying subs, and no
// verdict said allowed.
func refused(subs ...string) func(c *checker) {
	return func(c *checker) {
		c.exit(2)
		c.annotation("error", subs...)
		if c.r.Outputs["verdict"] == "allowed" {
			c.errorf("verdict allowed")
		}
		c.installed()
	}
}

// installed: the release binary was installed (not built), and says its
// version.
func (c *checker) installed() {
	if c.r.StepOutputs["install"]["path"] == "" {
		c.errorf("provenant was not installed from the fake release")
	}
}

// ancestorsScript is a build command that reads what a build could of every
// process above it: environment blocks, command lines and open files.
const ancestorsScript = `pid=$$; : >out/ancestors.txt
while [ "$pid" -gt 1 ]; do
  { tr '\0' '\n' </proc/$pid/environ; tr '\0' ' ' </proc/$pid/cmdline; echo
    for fd in /proc/$pid/fd/*; do f=$(readlink "$fd" || true); echo "fd $f"; [ -f "$f" ] && cat -- "$f" | head -c 65536; done
  } >>out/ancestors.txt 2>/dev/null || true
  pid=$(awk '{print $4}' /proc/$pid/stat)
done
mkdir -p out/pkg && cp dist/app out/pkg/app`

func scenarios() []scenario {
	return []scenario{
		{
			name: "attest",
			doc:  "install the pinned release; sign with a key; bundle-path and summary from provenant; key masked and removed",
			with: func(e *testEnv) map[string]string {
				return map[string]string{
					"command":      "attest",
					"artifacts":    "dist/app\n  dist/docs/*.txt  \n\n",
					"bundle":       "out/provenance.intoto.jsonl",
					"key":          e.privPEM,
					"key-password": "correct horse battery staple",
					"builder-id":   builder,
					"source-uri":   "git+https://github.com/provenant/provenant@refs/tags/v0.0.0-test",
				}
			},
			setup: func(e *testEnv) (func(), error) {
				return nil, os.MkdirAll(filepath.Join(e.workspace, "out"), 0o755)
			},
			check: func(c *checker) {
				c.exit(0)
				c.installed()
				c.output("bundle-path", c.e.bundle())
				c.output("verdict", "")
				b, err := os.ReadFile(c.e.bundle())
				if err != nil || bytes.Count(b, []byte("\n")) != 1 {
					c.errorf("bundle: want one envelope line, got %q (%v)", b, err)
				}
				c.summaryHas("provenant attest: signed 3 artifact(s)", "dist/app", "dist/docs/CHANGES.txt", "dist/docs/README.txt")
				c.secrets("correct horse battery staple")
				c.noAnnotation("error")
				cmd := exec.Command(c.bin, "verify", "--bundle", c.e.bundle(), "--trust", "keys/trust.yaml", "--builder-id", builder, "dist/app")
				cmd.Dir = c.e.workspace
				if out, err := cmd.CombinedOutput(); err != nil {
					c.errorf("provenant verify of the new bundle: %v\n%s", err, out)
				}
				c.note("time to the first provenant command, pinned release: %s (install step)", c.r.StepTime["install"].Round(10*time.Millisecond))
				if !strings.Contains(strings.Join(c.r.Log, "\n"), "provenant "+releaseVersion) {
					c.errorf("the installed provenant does not say %s", releaseVersion)
				}
			},
		},
		{
			name: "verify-allowed",
			doc:  "verify with PEM key material: verdict allowed, summary, no error",
			with: func(e *testEnv) map[string]string { return verifyWith(e, nil) },
			check: func(c *checker) {
				c.exit(0)
				c.output("verdict", "allowed")
				c.output("allowed", "3")
				c.output("bundle-path", c.e.bundle())
				c.summaryHas("provenant verify: ✅ allowed", "dist/app", "dist/docs/README.txt")
				c.noAnnotation("error")
				var res struct {
					Verified bool `json:"verified"`
				}
				if err := json.Unmarshal([]byte(mustRead(c.r.Outputs["result-path"])), &res); err != nil || !res.Verified {
					c.errorf("result-path %q: verified=%v (%v)", c.r.Outputs["result-path"], res.Verified, err)
				}
				if c.r.Outputs["vsa-path"] != "" {
					c.errorf("vsa-path %q without a key", c.r.Outputs["vsa-path"])
				}
			},
		},
		{
			name: "verify-keyfile",
			doc:  "public-key given as file paths (one trusted, one unrelated)",
			with: func(e *testEnv) map[string]string {
				return verifyWith(e, map[string]string{"public-key": "keys/other.pub\nkeys/release.pub"})
			},
			check: func(c *checker) {
				c.exit(0)
				c.output("verdict", "allowed")
			},
		},
		{
			name:  "verify-denied",
			doc:   "a tampered artifact: verdict denied, ::error on the artifact, the step fails",
			setup: tamper,
			with:  func(e *testEnv) map[string]string { return verifyWith(e, nil) },
			check: func(c *checker) {
				c.exit(1)
				c.output("verdict", "denied")
				c.output("denied", "1")
				c.annotation("error", "file=dist/app", "no verified attestation")
				c.summaryHas("provenant verify: ❌ denied", "dist/app")
			},
		},
		{
			name:  "verify-denied-report-only",
			doc:   "fail-on: never reports the denial and lets the step pass",
			setup: tamper,
			with:  func(e *testEnv) map[string]string { return verifyWith(e, map[string]string{"fail-on": "never"}) },
			check: func(c *checker) {
				c.exit(0)
				c.output("verdict", "denied")
				c.annotation("error", "dist/app")
				c.annotation("warning", "fail-on: never")
			},
		},
		{
			name: "release-denied-builder",
			doc:  "a release gate expecting another builder denies the release",
			with: func(e *testEnv) map[string]string {
				return verifyWith(e, map[string]string{"builder-id": "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml"})
			},
			check: func(c *checker) {
				c.exit(1)
				c.output("verdict", "denied")
				c.annotation("error", "dist/app", "builder")
				c.summaryHas("provenant verify: ❌ denied", "slsa-github-generator")
			},
		},
		{
			name: "release-denied-policy",
			doc:  "builtin:slsa requiring SLSA Build L3 from another builder denies",
			with: func(e *testEnv) map[string]string {
				return verifyWith(e, map[string]string{"policy": "builtin:slsa", "policy-config": "policy/release.yaml", "key": e.privPEM})
			},
			check: func(c *checker) {
				c.exit(1)
				c.output("verdict", "denied")
				c.annotation("error", "dist/app")
				c.summaryHas("provenant verify: ❌ denied")
				c.secrets()
			},
		},
		{
			name: "verify-vsa",
			doc:  "an allowed release with a key writes a VSA",
			with: func(e *testEnv) map[string]string {
				return verifyWith(e, map[string]string{"key": e.privPEM, "vsa": "out/app.vsa.intoto.jsonl"})
			},
			check: func(c *checker) {
				c.exit(0)
				c.output("verdict", "allowed")
				c.output("vsa-path", filepath.Join(c.e.workspace, "out/app.vsa.intoto.jsonl"))
				if _, err := os.Stat(c.r.Outputs["vsa-path"]); err != nil {
					c.errorf("vsa-path: %v", err)
				}
				c.secrets()
			},
		},
		{
			name: "verify-input-error",
			doc:  "a missing bundle is an input error: denied, ::error, fails even with fail-on: never",
			with: func(e *testEnv) map[string]string {
				return verifyWith(e, map[string]string{"bundle": "out/missing.intoto.jsonl", "fail-on": "never"})
			},
			check: func(c *checker) {
				c.exit(2)
				c.output("verdict", "denied")
				c.annotation("error", "missing.intoto.jsonl")
			},
		},
		{
			name: "injection",
			doc:  "shell syntax in inputs stays data: no command runs",
			with: func(e *testEnv) map[string]string {
				return map[string]string{
					"command":    "verify",
					"artifacts":  "$(touch PWNED1)\n`touch PWNED2`\n; touch PWNED3",
					"bundle":     "out/provenance.intoto.jsonl\"; touch PWNED4; \"",
					"public-key": "keys/release.pub",
					"builder-id": "x'; touch PWNED5; '",
					"source-uri": "none",
					"policy":     "none",
					"args":       "--threshold\n1; touch PWNED6",
				}
			},
			check: func(c *checker) {
				if c.r.ExitCode == 0 {
					c.errorf("exit code 0 for nonsense inputs")
				}
				matches, _ := filepath.Glob(filepath.Join(c.e.workspace, "PWNED*"))
				more, _ := filepath.Glob(filepath.Join(c.e.workspace, "*", "PWNED*"))
				if len(matches)+len(more) > 0 {
					c.errorf("an input was executed: %v %v", matches, more)
				}
			},
		},
		{
			name:  "bad-fail-on",
			doc:   "fail-on must be deny, warn or never",
			with:  func(e *testEnv) map[string]string { return verifyWith(e, map[string]string{"fail-on": "sometimes"}) },
			check: refused("fail-on"),
		},
		{
			name: "inspect",
			doc:  "inspect: provenant writes the bundle's Markdown (with its graph) to the summary",
			with: func(e *testEnv) map[string]string {
				return map[string]string{"command": "inspect", "bundle": "out/provenance.intoto.jsonl", "public-key": e.pubPEM}
			},
			check: func(c *checker) {
				c.exit(0)
				c.summaryHas("Attestation bundle inspection", "mermaid")
				c.output("bundle-path", "")
			},
		},
		{
			name: "attest-encrypted",
			doc:  "an encrypted key with key-password signs; the password is masked",
			with: func(e *testEnv) map[string]string {
				return map[string]string{
					"command":      "attest",
					"artifacts":    "dist/app",
					"bundle":       "out/encrypted.intoto.jsonl",
					"key":          mustRead(filepath.Join(e.scratch, "enc.key")),
					"key-password": "tr0ub4dor&3",
				}
			},
			setup: func(e *testEnv) (func(), error) {
				bin := filepath.Join(e.release, releaseVersion, func() string { _, _, n := platform(); return n }())
				kg := exec.Command(bin, "keygen", "--force", "--out", filepath.Join(e.scratch, "enc"))
				kg.Env = append(os.Environ(), "PROVENANT_KEY_PASSWORD=tr0ub4dor&3")
				if out, err := kg.CombinedOutput(); err != nil {
					return nil, fmt.Errorf("keygen: %v\n%s", err, out)
				}
				return nil, nil
			},
			check: func(c *checker) {
				c.exit(0)
				c.output("bundle-path", filepath.Join(c.e.workspace, "out/encrypted.intoto.jsonl"))
				masked := false
				for _, m := range c.r.Masks {
					masked = masked || m == "tr0ub4dor&3"
				}
				if !masked {
					c.errorf("key-password was not masked")
				}
				for i, l := range c.r.Log {
					if !strings.HasPrefix(l, "::add-mask::") && strings.Contains(l, "tr0ub4dor") {
						c.errorf("log line %d prints the password", i+1)
					}
				}
			},
		},
		// Attacks on the action (issue 17), one scenario each.
		{
			name: "attack-run-with-key",
			doc:  "finding 3: run refuses a key (the build it wraps could read it)",
			with: func(e *testEnv) map[string]string {
				return map[string]string{"command": "run", "key": e.privPEM, "step": "package", "build-command": "true"}
			},
			check: refused("run signs keylessly only"),
		},
		{
			name:    "attack-run-builder-id",
			doc:     "finding 7: run with builder-id or source-uri is refused with a reason, not an unknown flag",
			keyless: true,
			with: func(e *testEnv) map[string]string {
				return map[string]string{"command": "run", "builder-id": builder, "step": "package", "build-command": "true"}
			},
			check: refused("builder-id and source-uri are for attest and verify"),
		},
		{
			name:  "attack-args-help",
			doc:   "finding 4: args --help on a tampered artifact is refused, never allowed",
			setup: tamper,
			with:  func(e *testEnv) map[string]string { return verifyWith(e, map[string]string{"args": "--help"}) },
			check: refused("args: --help is not allowed"),
		},
		{
			name:  "attack-args-print-input",
			doc:   "finding 4: args --print-input is refused",
			setup: tamper,
			with: func(e *testEnv) map[string]string {
				return verifyWith(e, map[string]string{"args": "--print-input=true"})
			},
			check: refused("args: --print-input=true is not allowed"),
		},
		{
			name:  "attack-empty-builder",
			doc:   "finding 5: a builder-id that resolved to empty is an error, not a skipped check",
			setup: tamper,
			with:  func(e *testEnv) map[string]string { return verifyWith(e, map[string]string{"builder-id": "  \n"}) },
			check: refused("verify needs builder-id"),
		},
		{
			name:  "attack-empty-policy",
			doc:   "finding 5: an empty policy is an error",
			with:  func(e *testEnv) map[string]string { return verifyWith(e, map[string]string{"policy": ""}) },
			check: refused("verify needs policy"),
		},
		{
			name:  "attack-empty-source",
			doc:   "finding 5: an empty source-uri is an error",
			with:  func(e *testEnv) map[string]string { return verifyWith(e, map[string]string{"source-uri": ""}) },
			check: refused("verify needs source-uri"),
		},
		{
			name: "attack-glob-nothing",
			doc:  "finding 5: a glob that matches nothing is an error",
			with: func(e *testEnv) map[string]string {
				return verifyWith(e, map[string]string{"artifacts": "dist/app\ndist/*.none"})
			},
			check: refused("dist/*.none matches nothing"),
		},
		{
			name:  "attack-glob-space",
			doc:   "finding 5: a glob with a space is one pattern, never word-split",
			setup: files(map[string]string{"dist/my app.bin": "x\n"}),
			with: func(e *testEnv) map[string]string {
				return verifyWith(e, map[string]string{"artifacts": "dist/my app*"})
			},
			check: func(c *checker) {
				c.exit(1) // not attested: denied, by its whole name
				c.annotation("error", "dist/my app.bin")
				if strings.Contains(strings.Join(c.r.Log, "\n"), "dist/my: no such file") {
					c.errorf("the glob was word-split")
				}
			},
		},
		{
			name: "attack-subject-commands",
			doc:  "finding 6: subject names with CR, ::add-mask::, ##[ and ::stop-commands:: become no runner command",
			setup: files(map[string]string{
				"evil/a\r::add-mask::dist":           "1\n",
				"evil/##[add-mask]app":               "2\n",
				"evil/::stop-commands::x":            "3\n",
				"evil/b\r##[error]forged annotation": "4\n",
				"evil/c\r::error::forged":            "5\n",
			}),
			with: func(e *testEnv) map[string]string {
				return map[string]string{"command": "attest", "artifacts": "evil/*", "bundle": "out/evil.intoto.jsonl", "key": e.privPEM}
			},
			check: func(c *checker) {
				c.exit(0)
				c.noAnnotation("error")
				for _, m := range c.r.Masks {
					if !strings.Contains(c.e.privPEM, m) {
						c.errorf("a subject name registered a mask: %q", m)
					}
				}
				c.summaryHas("signed 5 artifact(s)")
				c.secrets()
			},
		},
		{
			name:  "attack-bundle-newline",
			doc:   "a bundle path with a line break cannot forge verdict=allowed in the step outputs",
			setup: tamper,
			with: func(e *testEnv) map[string]string {
				return verifyWith(e, map[string]string{"bundle": "out/provenance.intoto.jsonl\nverdict=allowed"})
			},
			check: refused("without control characters"),
		},
		{
			name:  "attack-private-as-public",
			doc:   "finding 7: a private key given as public-key is refused and masked",
			with:  func(e *testEnv) map[string]string { return verifyWith(e, map[string]string{"public-key": e.privPEM}) },
			check: func(c *checker) { refused("public-key holds a private key")(c); c.secrets() },
		},
		{
			name: "install-tampered",
			doc:  "a release binary whose SHA-256 is not the pinned one is refused, never run, no fallback",
			env: func(e *testEnv) map[string]string {
				return map[string]string{"PROVENANT_RELEASE_URL": "file://" + e.tampered}
			},
			with: func(e *testEnv) map[string]string { return verifyWith(e, nil) },
			check: func(c *checker) {
				c.exit(2)
				c.annotation("error", "refused")
				if c.r.FailedStep != "Install provenant (the release pinned at this ref)" {
					c.errorf("failed in step %q, want the install step", c.r.FailedStep)
				}
				if strings.Contains(strings.Join(c.r.Log, "\n"), "provenant "+releaseVersion) {
					c.errorf("the tampered binary ran")
				}
			},
		},
		{
			name:    "keyless-attest",
			doc:     "no key and id-token: write: attest signs keylessly (loopback Fulcio and TSA); verify with the certificate identity",
			keyless: true,
			with: func(e *testEnv) map[string]string {
				return map[string]string{
					"command": "attest", "artifacts": "dist/app", "bundle": "out/keyless.intoto.jsonl", "trusted-root": e.sig.trustedRoot,
					"args": "--fulcio-url\n" + e.sig.fulcio + "\n--tsa-url\n" + e.sig.tsa + "\n--rekor-url=",
				}
			},
			check: func(c *checker) {
				c.exit(0)
				c.output("bundle-path", filepath.Join(c.e.workspace, "out/keyless.intoto.jsonl"))
				c.summaryHas("provenant attest: signed 1 artifact(s)")
				cmd := exec.Command(c.bin, "verify", "--bundle", "out/keyless.intoto.jsonl", "--trusted-root", c.e.sig.trustedRoot,
					"--certificate-identity", c.e.sig.identity, "--certificate-oidc-issuer-regexp", ".*", "dist/app")
				cmd.Dir = c.e.workspace
				if out, err := cmd.CombinedOutput(); err != nil {
					c.errorf("verify of the keyless bundle: %v\n%s", err, out)
				}
				for _, l := range c.r.Log {
					if strings.Contains(l, c.e.sig.idToken[:40]) || strings.Contains(l, c.e.sig.requestToken) {
						c.errorf("the log holds a token: %.60q", l)
					}
				}
			},
		},
		{
			name:    "attack-keyless-builder",
			doc:     "finding 2: keyless attest refuses a builder-id that is not the workflow the job's token names",
			keyless: true,
			with: func(e *testEnv) map[string]string {
				return map[string]string{
					"command": "attest", "artifacts": "dist/app", "bundle": "out/claimed.intoto.jsonl", "builder-id": builder,
					"args": "--fulcio-url\n" + e.sig.fulcio + "\n--tsa-url\n" + e.sig.tsa + "\n--rekor-url=",
				}
			},
			check: func(c *checker) {
				refused("names no workflow")(c)
				if _, err := os.Stat(filepath.Join(c.e.workspace, "out/claimed.intoto.jsonl")); err == nil {
					c.errorf("a bundle was written")
				}
			},
		},
		{
			name: "keyless-no-id-token",
			doc:  "no key and no id-token permission: attest says how to sign",
			with: func(e *testEnv) map[string]string {
				return map[string]string{"command": "attest", "artifacts": "dist/app"}
			},
			check: refused("id-token: write"),
		},
		{
			name:    "keyless-run-proc",
			doc:     "finding 3: run signs keylessly; its build reads /proc of every ancestor and finds no secret",
			keyless: true,
			with: func(e *testEnv) map[string]string {
				return map[string]string{
					"command": "run", "bundle": "out/run.intoto.jsonl", "step": "package", "materials": "dist/app", "products": "out/pkg",
					"key-password": "pw-secret-4242", "trusted-root": e.sig.trustedRoot, "build-command": ancestorsScript,
					"args": "--fulcio-url\n" + e.sig.fulcio + "\n--tsa-url\n" + e.sig.tsa + "\n--rekor-url=",
				}
			},
			setup: func(e *testEnv) (func(), error) {
				return func() { os.RemoveAll(filepath.Join(e.workspace, "out", "pkg")) }, nil
			},
			check: func(c *checker) {
				c.exit(0)
				c.output("bundle-path", filepath.Join(c.e.workspace, "out/run.intoto.jsonl"))
				seen := mustRead(filepath.Join(c.e.workspace, "out/ancestors.txt"))
				os.Remove(filepath.Join(c.e.workspace, "out/ancestors.txt"))
				if !strings.Contains(seen, "RUNNER_TEMP=") {
					c.errorf("the build could read no ancestor's environment: the check checks nothing")
				}
				for _, bad := range []string{"pw-secret-4242", "INPUT_KEY_PASSWORD=pw", "PROVENANT_KEY_PASSWORD=pw"} {
					if strings.Contains(seen, bad) {
						c.errorf("an ancestor of the build shows %s", bad)
					}
				}
			},
		},
		// Last: a cold build takes minutes, and the loopback issuer's token
		// expires.
		{
			name:   "install-source-poisoned",
			doc:    "finding 1: no pinned release: built from source; the caller's go on PATH, CC, GOFLAGS, GOENV, GOPROXY and module cache do not reach the build",
			action: "unreleased",
			setup: func(e *testEnv) (func(), error) {
				bin := filepath.Join(e.scratch, "poison")
				if err := os.MkdirAll(bin, 0o755); err != nil {
					return nil, err
				}
				fake := "#!/bin/sh\ntouch " + filepath.Join(e.scratch, "POISONED") + "\nexit 1\n"
				for _, n := range []string{"go", "cc", "gcc"} {
					if err := os.WriteFile(filepath.Join(bin, n), []byte(fake), 0o755); err != nil {
						return nil, err
					}
				}
				return nil, os.WriteFile(filepath.Join(bin, "goenv"), []byte("GOFLAGS=-toolexec="+filepath.Join(bin, "go")+"\nGOPROXY=http://127.0.0.1:9\n"), 0o644)
			},
			ghPath: func(e *testEnv) []string { return []string{filepath.Join(e.scratch, "poison")} },
			env: func(e *testEnv) map[string]string {
				bin := filepath.Join(e.scratch, "poison")
				return map[string]string{
					"CC": filepath.Join(bin, "cc"), "CGO_ENABLED": "1", "GOFLAGS": "-toolexec=" + filepath.Join(bin, "go"),
					"GOENV": filepath.Join(bin, "goenv"), "GOPROXY": "http://127.0.0.1:9", "GONOSUMDB": "*", "GOFLAGS_EXTRA": "x",
					"GOINSECURE": "*", "GOPRIVATE": "*", "GONOPROXY": "*", "GOCACHE": filepath.Join(bin, "cache"),
				}
			},
			with: func(e *testEnv) map[string]string { return verifyWith(e, nil) },
			check: func(c *checker) {
				c.exit(0)
				c.output("verdict", "allowed")
				c.note("time to the first provenant command, from source: %s (install and build steps)", (c.r.StepTime["install"] + c.r.StepTime["build"]).Round(time.Second))
				if c.r.StepOutputs["build"]["path"] == "" {
					c.errorf("provenant was not built from source")
				}
				if _, err := os.Stat(filepath.Join(c.e.scratch, "POISONED")); err == nil {
					c.errorf("the caller's go, cc or toolexec ran")
				}
				if _, err := os.Stat(filepath.Join(c.e.scratch, "poison", "cache")); err == nil {
					c.errorf("the caller's GOCACHE was used")
				}
			},
		},
	}
}
