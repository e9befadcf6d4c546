package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Action is the part of action.yml the runner reads.
type Action struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Inputs      map[string]Input  `yaml:"inputs"`
	Outputs     map[string]Output `yaml:"outputs"`
	Runs        struct {
		Using string `yaml:"using"`
		Steps []Step `yaml:"steps"`
	} `yaml:"runs"`
}

// Input is one declared input.
type Input struct {
	Description string `yaml:"description"`
	Required    bool   `yaml:"required"`
	Default     string `yaml:"default"`
}

// Output is one declared output of a composite action.
type Output struct {
	Description string `yaml:"description"`
	Value       string `yaml:"value"`
}

// Step is one step of a composite action.
type Step struct {
	Name             string            `yaml:"name"`
	ID               string            `yaml:"id"`
	If               string            `yaml:"if"`
	Uses             string            `yaml:"uses"`
	With             map[string]string `yaml:"with"`
	Run              string            `yaml:"run"`
	Shell            string            `yaml:"shell"`
	Env              map[string]string `yaml:"env"`
	WorkingDirectory string            `yaml:"working-directory"`
}

// LoadAction reads an action.yml.
func LoadAction(path string) (*Action, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var a Action
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(false)
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if a.Runs.Using != "composite" {
		return nil, fmt.Errorf("%s: runs.using is %q; the simulated runner runs composite actions", path, a.Runs.Using)
	}
	return &a, nil
}

// Annotation is a workflow command the runner turns into an annotation
// (::error, ::warning, ::notice).
type Annotation struct {
	Level, Props, Message string
}

func (a Annotation) String() string { return fmt.Sprintf("::%s %s::%s", a.Level, a.Props, a.Message) }

// Result is what one run of the action left behind.
type Result struct {
	ExitCode    int               // of the step that failed, or 0
	FailedStep  string            // its name
	Outputs     map[string]string // the action's outputs (outputs.*.value evaluated)
	StepOutputs map[string]map[string]string
	Summary     string                   // the job summary the steps wrote
	Log         []string                 // every line the steps printed (stdout and stderr)
	StepLogs    map[string][]string      // the same, by step id
	Masks       []string                 // values registered with ::add-mask::
	StepTime    map[string]time.Duration // how long each step took, by id
	Legacy      []string                 // ##[ commands the runner acted on
	Other       []string                 // other commands (set-output, set-env, ...)
	Annotations []Annotation
	Skipped     []string // uses: steps, not run here
	RunnerTemp  string
	Workspace   string
}

// Annotated returns the annotations of one level.
func (r *Result) Annotated(level string) []Annotation {
	var out []Annotation
	for _, a := range r.Annotations {
		if a.Level == level {
			out = append(out, a)
		}
	}
	return out
}

// Runner simulates the GitHub Actions runner for one composite action.
type Runner struct {
	ActionPath string // the action's directory (github.action_path)
	Action     *Action
	Workspace  string // GITHUB_WORKSPACE, the steps' working directory
	RunnerTemp string // RUNNER_TEMP, fresh per job
	Env        map[string]string
	Path       []string // GITHUB_PATH lines written by earlier steps of the job
	Verbose    io.Writer
}

var exprRE = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// eval expands the ${{ }} expressions the action uses. Only plain context
// lookups, a || b (the first non-empty) and x == 'literal' are supported;
// anything else is an error, so that the simulation never quietly differs
// from the runner.
func (r *Runner) eval(s string, inputs map[string]string, steps map[string]map[string]string) (string, error) {
	var err error
	out := exprRE.ReplaceAllStringFunc(s, func(m string) string {
		v, e := r.expr(exprRE.FindStringSubmatch(m)[1], inputs, steps)
		if e != nil {
			err = e
		}
		return v
	})
	return out, err
}

func (r *Runner) expr(expr string, inputs map[string]string, steps map[string]map[string]string) (string, error) {
	if a, b, ok := strings.Cut(expr, "||"); ok {
		x, err := r.expr(strings.TrimSpace(a), inputs, steps)
		if err != nil || x != "" {
			return x, err
		}
		return r.expr(strings.TrimSpace(b), inputs, steps)
	}
	if a, b, ok := strings.Cut(expr, "=="); ok {
		x, err := r.expr(strings.TrimSpace(a), inputs, steps)
		lit := strings.TrimSpace(b)
		if len(lit) < 2 || lit[0] != '\'' || lit[len(lit)-1] != '\'' {
			return "", fmt.Errorf("${{ %s }}: only == 'literal' is supported", expr)
		}
		if x == lit[1:len(lit)-1] {
			return "true", err
		}
		return "", err
	}
	parts := strings.Split(expr, ".")
	switch {
	case len(parts) == 2 && parts[0] == "inputs":
		v, ok := inputs[strings.ToLower(parts[1])]
		if !ok {
			return "", fmt.Errorf("${{ %s }}: no such input", expr)
		}
		return v, nil
	case expr == "github.action_path":
		return r.ActionPath, nil
	case expr == "github.action_ref":
		return r.Env["GITHUB_ACTION_REF"], nil
	case expr == "github.workspace":
		return r.Workspace, nil
	case expr == "runner.temp":
		return r.RunnerTemp, nil
	case len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs":
		return steps[parts[1]][parts[3]], nil
	}
	return "", fmt.Errorf("${{ %s }}: expression not supported by the simulated runner", expr)
}

// Run runs the action with the given inputs (as a workflow's with: would
// pass them) and returns what happened. A step that exits non-zero ends the
// run, as on the runner.
func (r *Runner) Run(with map[string]string) (*Result, error) {
	res := &Result{StepTime: map[string]time.Duration{}, StepOutputs: map[string]map[string]string{}, StepLogs: map[string][]string{}, Outputs: map[string]string{}, RunnerTemp: r.RunnerTemp, Workspace: r.Workspace}
	// Inputs: names are case-insensitive; defaults fill the gaps; required
	// inputs must be given (the runner only warns; we are stricter).
	inputs := map[string]string{}
	for name, in := range r.Action.Inputs {
		inputs[strings.ToLower(name)] = in.Default
	}
	for name, v := range with {
		in, ok := r.Action.Inputs[name]
		if !ok {
			return nil, fmt.Errorf("with: %s: the action has no such input", name)
		}
		_ = in
		inputs[strings.ToLower(name)] = v
	}
	for name, in := range r.Action.Inputs {
		if in.Required && inputs[strings.ToLower(name)] == "" {
			return nil, fmt.Errorf("input %s is required", name)
		}
	}

	files := map[string]string{}
	for _, f := range []string{"GITHUB_ENV", "GITHUB_PATH", "GITHUB_STATE"} {
		p := filepath.Join(r.RunnerTemp, "_runner_file_commands", strings.ToLower(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		var content []byte
		if f == "GITHUB_PATH" && len(r.Path) > 0 {
			content = []byte(strings.Join(r.Path, "\n") + "\n")
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return nil, err
		}
		files[f] = p
	}
	var summary strings.Builder
	stopToken := ""

	for i, st := range r.Action.Runs.Steps {
		name := st.Name
		if name == "" {
			name = fmt.Sprintf("step %d", i+1)
		}
		if st.If != "" {
			cond, err := r.expr(st.If, inputs, res.StepOutputs)
			if err != nil {
				return nil, fmt.Errorf("step %q: if: %w", name, err)
			}
			if cond == "" {
				r.logf("== skip %q (if: %s)\n", name, st.If)
				continue
			}
		}
		if st.Uses != "" {
			res.Skipped = append(res.Skipped, st.Uses)
			r.logf("== skip %q (uses: %s; the simulated runner has Go in RUNNER_TOOL_CACHE already)\n", name, st.Uses)
			continue
		}
		if st.Shell != "bash" {
			return nil, fmt.Errorf("step %q: shell %q; the action's run steps must use bash", name, st.Shell)
		}
		if strings.Contains(st.Run, "${{") {
			return nil, fmt.Errorf("step %q: run: contains ${{ }}; inputs must reach scripts through env:", name)
		}

		stepDir := filepath.Join(r.RunnerTemp, "_runner_file_commands", fmt.Sprintf("step%d", i))
		if err := os.MkdirAll(stepDir, 0o755); err != nil {
			return nil, err
		}
		outFile := filepath.Join(stepDir, "output")
		sumFile := filepath.Join(stepDir, "summary")
		for _, f := range []string{outFile, sumFile} {
			if err := os.WriteFile(f, nil, 0o644); err != nil {
				return nil, err
			}
		}
		script := filepath.Join(stepDir, "script.sh")
		if err := os.WriteFile(script, []byte(st.Run), 0o755); err != nil {
			return nil, err
		}

		env := map[string]string{}
		for k, v := range r.Env {
			env[k] = v
		}
		for k, v := range parseKV(mustRead(files["GITHUB_ENV"])) {
			env[k] = v
		}
		env["GITHUB_OUTPUT"] = outFile
		env["GITHUB_STEP_SUMMARY"] = sumFile
		env["GITHUB_ENV"] = files["GITHUB_ENV"]
		env["GITHUB_PATH"] = files["GITHUB_PATH"]
		env["GITHUB_STATE"] = files["GITHUB_STATE"]
		env["GITHUB_ACTION_PATH"] = r.ActionPath
		env["GITHUB_WORKSPACE"] = r.Workspace
		env["RUNNER_TEMP"] = r.RunnerTemp
		if p := strings.TrimSpace(mustRead(files["GITHUB_PATH"])); p != "" {
			lines := strings.Split(p, "\n")
			for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
				lines[i], lines[j] = lines[j], lines[i]
			}
			env["PATH"] = strings.Join(lines, ":") + ":" + env["PATH"]
		}
		for k, v := range st.Env {
			ev, err := r.eval(v, inputs, res.StepOutputs)
			if err != nil {
				return nil, fmt.Errorf("step %q: env %s: %w", name, k, err)
			}
			env[k] = ev
		}

		r.logf("== run %q\n", name)
		// The runner's bash template: bash --noprofile --norc -eo pipefail {0}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir = r.Workspace
		if st.WorkingDirectory != "" {
			wd, err := r.eval(st.WorkingDirectory, inputs, res.StepOutputs)
			if err != nil {
				return nil, err
			}
			cmd.Dir = filepath.Join(r.Workspace, wd)
		}
		cmd.Env = envList(env)
		began := time.Now()
		pr, pw, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		cmd.Stdout, cmd.Stderr = pw, pw
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		pw.Close()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		sc.Split(scanRunnerLines)
		for sc.Scan() {
			line := sc.Text()
			res.Log = append(res.Log, line)
			res.StepLogs[st.ID] = append(res.StepLogs[st.ID], line)
			r.logf("   %s\n", line)
			stopToken = r.command(res, line, stopToken)
		}
		pr.Close()
		err = cmd.Wait()
		res.StepTime[st.ID] = time.Since(began)

		outs := parseKV(mustRead(outFile))
		res.StepOutputs[st.ID] = outs
		summary.WriteString(mustRead(sumFile))
		if err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				return nil, err
			}
			res.ExitCode = ee.ExitCode()
			res.FailedStep = name
			r.logf("== %q failed with exit code %d\n", name, res.ExitCode)
			break
		}
	}
	res.Summary = summary.String()
	for name, o := range r.Action.Outputs {
		v, err := r.eval(o.Value, inputs, res.StepOutputs)
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", name, err)
		}
		res.Outputs[name] = v
	}
	return res, nil
}

var (
	commandRE  = regexp.MustCompile(`^::([a-zA-Z-]+)(?: ([^:]*))?::(.*)$`)
	legacyRE   = regexp.MustCompile(`^##\[([a-zA-Z-]+)(?: ([^\]]*))?\](.*)$`)
	runnerTrim = " \t\v\f"
)

// scanRunnerLines splits output as the runner's reader does: a line ends
// at LF, CR or CR LF, so a CR in printed text starts a new line that the
// runner parses for commands on its own.
func scanRunnerLines(data []byte, atEOF bool) (int, []byte, error) {
	for i, b := range data {
		switch b {
		case '\n':
			return i + 1, data[:i], nil
		case '\r':
			if i+1 < len(data) {
				if data[i+1] == '\n' {
					return i + 2, data[:i], nil
				}
				return i + 1, data[:i], nil
			}
			if atEOF {
				return i + 1, data[:i], nil
			}
			return 0, nil, nil // CR at the end of the buffer: is LF next?
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// command handles a workflow command printed by a step, as the runner does:
// the line trimmed, ::name props::data, or the legacy ##[name props]data;
// between ::stop-commands::TOKEN and ::TOKEN:: nothing but the token counts.
func (r *Runner) command(res *Result, line, stopToken string) string {
	t := strings.Trim(line, runnerTrim)
	if stopToken != "" {
		if t == "::"+stopToken+"::" {
			return ""
		}
		return stopToken
	}
	m := commandRE.FindStringSubmatch(t)
	if m == nil {
		if m = legacyRE.FindStringSubmatch(strings.TrimLeft(line, runnerTrim)); m == nil {
			return ""
		}
		res.Legacy = append(res.Legacy, t)
	}
	switch strings.ToLower(m[1]) {
	case "add-mask":
		res.Masks = append(res.Masks, m[3])
	case "error", "warning", "notice":
		res.Annotations = append(res.Annotations, Annotation{Level: strings.ToLower(m[1]), Props: m[2], Message: unescapeData(m[3])})
	case "stop-commands":
		return m[3]
	default:
		res.Other = append(res.Other, t)
	}
	return ""
}

func unescapeData(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%").Replace(s)
}

// parseKV reads a GITHUB_OUTPUT / GITHUB_ENV file: name=value lines and
// name<<DELIMITER heredocs.
func parseKV(s string) map[string]string {
	out := map[string]string{}
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSuffix(lines[i], "\r")
		if l == "" {
			continue
		}
		if k, delim, ok := strings.Cut(l, "<<"); ok && !strings.Contains(k, "=") {
			var val []string
			for i++; i < len(lines) && strings.TrimSuffix(lines[i], "\r") != delim; i++ {
				val = append(val, lines[i])
			}
			out[k] = strings.Join(val, "\n")
			continue
		}
		if k, v, ok := strings.Cut(l, "="); ok {
			out[k] = v
		}
	}
	return out
}

func mustRead(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return string(b)
}

func envList(env map[string]string) []string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	return out
}

func (r *Runner) logf(format string, a ...any) {
	if r.Verbose != nil {
		fmt.Fprintf(r.Verbose, format, a...)
	}
}
