package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

var (
	pinnedRE  = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$`)
	versionRE = regexp.MustCompile(`^#\s*v\d+(\.\d+)*\b`)
	inputRE   = regexp.MustCompile(`\$\{\{[^}]*\binputs\.([A-Za-z0-9_-]+)`)
	setxRE    = regexp.MustCompile(`(?m)^\s*set\s+(-[a-wyz]*x|-o\s+xtrace)`)
)

// detectRE finds feature detection: asking provenant's help what it has.
var detectRE = regexp.MustCompile(`(?:PROVENANT|provenant)[A-Z_]*"?\s+[a-z-]*\s*--help|has_flag|has_command`)

// staticChecks checks action.yml and the workflows without running
// anything: the rules of docs/ci.md that a review would otherwise have to
// catch by eye.
func staticChecks(repo string) []string {
	var fails []string
	fail := func(format string, a ...any) { fails = append(fails, fmt.Sprintf(format, a...)) }

	actionPath := filepath.Join(repo, "action.yml")
	a, err := LoadAction(actionPath)
	if err != nil {
		return []string{err.Error()}
	}
	raw := mustRead(actionPath)
	for name, in := range a.Inputs {
		if strings.TrimSpace(in.Description) == "" {
			fail("action.yml: input %s has no description", name)
		}
		if !strings.Contains(raw, "inputs."+name+" ") && !strings.Contains(raw, "inputs."+name+"}") {
			fail("action.yml: input %s is declared but never used", name)
		}
	}
	for _, m := range inputRE.FindAllStringSubmatch(raw, -1) {
		if _, ok := a.Inputs[m[1]]; !ok {
			fail("action.yml: ${{ inputs.%s }} names no declared input", m[1])
		}
	}
	for name, o := range a.Outputs {
		if strings.TrimSpace(o.Description) == "" {
			fail("action.yml: output %s has no description", name)
		}
	}
	for _, want := range []string{"command", "artifacts", "bundle", "key", "key-password", "public-key", "policy", "builder-id", "source-uri", "trusted-root", "fail-on", "args"} {
		if _, ok := a.Inputs[want]; !ok {
			fail("action.yml: input %s is missing (issue 7 asks for it)", want)
		}
	}
	for _, want := range []string{"bundle-path", "verdict", "vsa-path", "result-path"} {
		if _, ok := a.Outputs[want]; !ok {
			fail("action.yml: output %s is missing (issue 7 asks for it)", want)
		}
	}

	files := []string{actionPath}
	wf, _ := filepath.Glob(filepath.Join(repo, ".github", "workflows", "*.yml"))
	files = append(files, wf...)
	for _, f := range files {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(mustRead(f)), &doc); err != nil {
			fail("%s: %v", f, err)
			continue
		}
		rel, _ := filepath.Rel(repo, f)
		walkPairs(&doc, func(key, val *yaml.Node) {
			switch key.Value {
			case "run":
				if val.Kind == yaml.ScalarNode && strings.Contains(val.Value, "${{") {
					fail("%s:%d: run: contains ${{ }}: pass the value through env: instead (script injection)", rel, val.Line)
				}
			case "uses":
				if val.Kind != yaml.ScalarNode {
					return
				}
				switch {
				case strings.HasPrefix(val.Value, "./"):
				case !pinnedRE.MatchString(val.Value):
					fail("%s:%d: uses: %s is not pinned by a full commit SHA", rel, val.Line, val.Value)
				case !versionRE.MatchString(strings.TrimSpace(val.LineComment)):
					fail("%s:%d: uses: %s has no trailing # vX.Y.Z comment", rel, val.Line, val.Value)
				}
			}
		})
	}

	scripts, _ := filepath.Glob(filepath.Join(repo, ".github", "provenant-action", "*.sh"))
	scripts = append(scripts, filepath.Join(repo, "testdata", "action", "action-test.sh"))
	for _, s := range scripts {
		if setxRE.MatchString(mustRead(s)) {
			fail("%s: set -x would print secrets", s)
		}
	}
	// Issue 17: the action's shell is input plumbing and installation only:
	// small, and with no feature detection of the provenant of its own ref.
	total := 0
	for _, s := range scripts[:len(scripts)-1] {
		for _, l := range strings.Split(mustRead(s), "\n") {
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
				total++
			}
		}
		if detectRE.MatchString(mustRead(s)) {
			fail("%s: detects features of provenant (%s); the provenant of this ref has them all", s, detectRE.FindString(mustRead(s)))
		}
	}
	if total > 150 {
		fail(".github/provenant-action/*.sh: %d lines of shell (not counting comments), want at most 150", total)
	}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		var existing []string
		for _, s := range scripts {
			if _, err := os.Stat(s); err == nil {
				existing = append(existing, s)
			}
		}
		out, err := exec.Command(sc, append([]string{"-x"}, existing...)...).CombinedOutput()
		if err != nil {
			fail("shellcheck:\n%s", out)
		}
	} else {
		fmt.Println("   note: shellcheck not installed; scripts not shellchecked (apt-get install shellcheck)")
	}
	return fails
}

// walkPairs calls fn for every key/value pair of every mapping in the tree.
func walkPairs(n *yaml.Node, fn func(key, val *yaml.Node)) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			fn(n.Content[i], n.Content[i+1])
		}
	}
	for _, c := range n.Content {
		walkPairs(c, fn)
	}
}
