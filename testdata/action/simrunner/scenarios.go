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
	with      func(e *testEnv) map[string]string
	setup     func(e *testEnv) (undo func(), err error)
	check     func(c *checker)
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
				if err == nil && strings.Contains(d.Name(), "provenant-secrets") {
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
	runnerTemp := filepath.Join(e.scratch, fmt.Sprintf("runner-temp-%02d", e.jobs))
	if err := os.MkdirAll(runnerTemp, 0o755); err != nil {
		return nil, nil, err
	}
	a, err := LoadAction(filepath.Join(repo, "action.yml"))
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
	r := &Runner{ActionPath: repo, Action: a, Workspace: e.workspace, RunnerTemp: runnerTemp, Env: jobEnv(runnerTemp, e.workspace), Verbose: log}
	res, err := r.Run(sc.with(e))
	if err != nil {
		return nil, nil, err
	}
	c := &checker{e: e, r: res, bin: res.StepOutputs["build"]["path"]}
	if c.bin == "" {
		return []string{"the build step failed:\n" + indent(strings.Join(res.Log, "\n"))}, nil, nil
	}
	if len(res.Skipped) == 0 {
		c.errorf("no uses: step was skipped; expected actions/setup-go")
	}
	sc.check(c)
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

func scenarios() []scenario {
	return []scenario{
		{
			name: "attest",
			doc:  "sign provenance for dist/app and a glob; bundle-path set; key masked and removed",
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
				c.output("bundle-path", c.e.bundle())
				c.output("verdict", "")
				b, err := os.ReadFile(c.e.bundle())
				if err != nil || bytes.Count(b, []byte("\n")) != 1 {
					c.errorf("bundle: want one envelope line, got %q (%v)", b, err)
				}
				c.summaryHas("provenant attest", "dist/app", "dist/docs/CHANGES.txt", "dist/docs/README.txt")
				c.secrets("correct horse battery staple")
				c.noAnnotation("error")
				// The bundle verifies with the public key, outside the action.
				out, err := exec.Command(c.bin, "verify", "--bundle", c.e.bundle(), "--trust", filepath.Join(c.e.workspace, "keys/trust.yaml"),
					"--builder-id", builder, filepath.Join(c.e.workspace, "dist/app")).CombinedOutput()
				if err != nil {
					// Subject names are relative to the workspace: verify from there.
					cmd := exec.Command(c.bin, "verify", "--bundle", c.e.bundle(), "--trust", "keys/trust.yaml", "--builder-id", builder, "dist/app")
					cmd.Dir = c.e.workspace
					if out2, err := cmd.CombinedOutput(); err != nil {
						c.errorf("provenant verify of the new bundle: %v\n%s%s", err, out, out2)
					}
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
				c.output("bundle-path", c.e.bundle())
				c.summaryHas("provenant verify: ✅ allowed", "dist/app", "dist/docs/README.txt")
				c.noAnnotation("error")
				var res struct {
					Verified bool `json:"verified"`
				}
				if err := json.Unmarshal([]byte(mustRead(c.r.Outputs["result-path"])), &res); err != nil || !res.Verified {
					c.errorf("result-path %q: verified=%v (%v)", c.r.Outputs["result-path"], res.Verified, err)
				}
				checkSARIF(c)
				if c.has("inspect", "") {
					c.summaryHas("mermaid")
				} else {
					c.annotation("notice", "no inspect command")
					c.note("provenant has no inspect yet: the action said so with a ::notice::")
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
			doc:   "a tampered artifact: verdict denied, ::error, the step fails",
			setup: tamper,
			with:  func(e *testEnv) map[string]string { return verifyWith(e, nil) },
			check: func(c *checker) {
				c.exit(1)
				c.output("verdict", "denied")
				c.annotation("error", "dist/app", "no verified attestation")
				c.summaryHas("provenant verify: ❌ denied", "dist/app")
				checkSARIF(c)
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
			doc:  "builtin:slsa requiring SLSA Build L3 from another builder denies (or, without --policy, says it was skipped)",
			with: func(e *testEnv) map[string]string {
				return verifyWith(e, map[string]string{"policy": "builtin:slsa", "policy-config": "policy/release.yaml", "key": e.privPEM})
			},
			check: func(c *checker) {
				if c.has("verify", "policy") {
					c.exit(1)
					c.output("verdict", "denied")
					c.annotation("error", "dist/app", "L3")
					c.summaryHas("provenant verify: ❌ denied")
				} else {
					c.exit(0)
					c.output("verdict", "allowed")
					c.annotation("notice", "no --policy")
					c.note("provenant verify has no --policy yet: the action said so with a ::notice:: and only the built-in checks ran")
				}
				c.secrets()
				if !c.has("verify", "vsa-out") {
					c.annotation("notice", "no --vsa-out")
				}
			},
		},
		{
			name: "verify-vsa",
			doc:  "an allowed release with a key writes a VSA (when provenant has --vsa-out)",
			with: func(e *testEnv) map[string]string {
				return verifyWith(e, map[string]string{"key": e.privPEM, "vsa": "out/app.vsa.intoto.jsonl"})
			},
			check: func(c *checker) {
				c.exit(0)
				c.output("verdict", "allowed")
				if c.has("verify", "vsa-out") {
					c.output("vsa-path", filepath.Join(c.e.workspace, "out/app.vsa.intoto.jsonl"))
					if _, err := os.Stat(c.r.Outputs["vsa-path"]); err != nil {
						c.errorf("vsa-path: %v", err)
					}
				} else {
					c.output("vsa-path", "")
					c.annotation("notice", "no --vsa-out")
					c.note("provenant verify has no --vsa-out yet: no VSA, and a ::notice:: said so")
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
				c.annotation("error", "could not run")
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
			name: "bad-fail-on",
			doc:  "fail-on must be deny, warn or never",
			with: func(e *testEnv) map[string]string { return verifyWith(e, map[string]string{"fail-on": "sometimes"}) },
			check: func(c *checker) {
				c.exit(2)
				c.annotation("error", "fail-on")
			},
		},
		{
			name: "inspect",
			doc:  "inspect writes the bundle's Markdown (or fails saying inspect is missing)",
			with: func(e *testEnv) map[string]string {
				return map[string]string{"command": "inspect", "bundle": "out/provenance.intoto.jsonl", "public-key": e.pubPEM}
			},
			check: func(c *checker) {
				if c.has("inspect", "") {
					c.exit(0)
					c.summaryHas("provenant inspect", "mermaid")
				} else {
					c.exit(2)
					c.annotation("error", "no inspect command")
					c.note("provenant has no inspect yet: command inspect fails with a clear ::error::")
				}
			},
		},
		{
			name: "attest-encrypted",
			doc:  "an encrypted key with key-password signs (when provenant reads encrypted keys); the password is masked",
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
				// The encrypted key is made by provenant keygen itself.
				bin := filepath.Join(e.scratch, "provenant-fixtures")
				build := exec.Command("go", "build", "-o", bin, "./cmd/provenant")
				build.Dir = e.actionDir
				if out, err := build.CombinedOutput(); err != nil {
					return nil, fmt.Errorf("building provenant for fixtures: %v\n%s", err, out)
				}
				help, _ := exec.Command(bin, "keygen", "--help").Output()
				if !bytes.Contains(help, []byte("PROVENANT_KEY_PASSWORD")) {
					return nil, os.WriteFile(filepath.Join(e.scratch, "enc.key"), []byte(e.privPEM), 0o600)
				}
				kg := exec.Command(bin, "keygen", "--force", "--out", filepath.Join(e.scratch, "enc"))
				kg.Env = append(os.Environ(), "PROVENANT_KEY_PASSWORD=tr0ub4dor&3")
				if out, err := kg.CombinedOutput(); err != nil {
					return nil, fmt.Errorf("keygen: %v\n%s", err, out)
				}
				return nil, nil
			},
			check: func(c *checker) {
				key := mustRead(filepath.Join(c.e.scratch, "enc.key"))
				if !strings.Contains(key, "ENCRYPTED") {
					c.note("provenant keygen cannot encrypt keys yet: signed with a plain key, password given anyway")
				}
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
		{
			name: "run",
			doc:  "run wraps a build command; the command sees neither the key nor its password",
			with: func(e *testEnv) map[string]string {
				return map[string]string{
					"command":       "run",
					"key":           e.privPEM,
					"key-password":  "correct horse battery staple",
					"bundle":        "out/run.intoto.jsonl",
					"step":          "package",
					"materials":     "dist/app",
					"products":      "out/pkg",
					"build-command": "mkdir -p out/pkg && cp dist/app out/pkg/app && env > out/build-env.txt",
				}
			},
			setup: func(e *testEnv) (func(), error) {
				return func() { os.RemoveAll(filepath.Join(e.workspace, "out", "pkg")) }, nil
			},
			check: func(c *checker) {
				if !c.has("run", "") {
					c.exit(2)
					c.annotation("error", "no run command")
					c.note("provenant has no run yet: command run fails with a clear ::error::")
					return
				}
				c.exit(0)
				c.output("bundle-path", filepath.Join(c.e.workspace, "out/run.intoto.jsonl"))
				env := mustRead(filepath.Join(c.e.workspace, "out/build-env.txt"))
				os.Remove(filepath.Join(c.e.workspace, "out/build-env.txt"))
				if env == "" {
					c.errorf("the build command did not run")
				}
				for _, bad := range []string{"INPUT_KEY", "PROVENANT_KEY_PASSWORD", "correct horse"} {
					if strings.Contains(env, bad) {
						c.errorf("the build command's environment holds %s", bad)
					}
				}
				c.secrets("correct horse battery staple")
			},
		},
	}
}

// checkSARIF: sarif-path is a SARIF 2.1.0 file when provenant writes SARIF,
// and empty with a notice when it does not.
func checkSARIF(c *checker) {
	p := c.r.Outputs["sarif-path"]
	if p == "" {
		c.annotation("notice", "SARIF")
		c.note("provenant wrote no SARIF: sarif-path empty, with a ::notice::")
		return
	}
	var doc struct {
		Version string            `json:"version"`
		Runs    []json.RawMessage `json:"runs"`
	}
	if err := json.Unmarshal([]byte(mustRead(p)), &doc); err != nil || doc.Version != "2.1.0" {
		c.errorf("sarif-path %s is not SARIF 2.1.0 (%v)", p, err)
	}
}
