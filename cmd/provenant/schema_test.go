package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Outputs that other tools read as they are (issue 19, items 15 and 16):
// JUnit XML against Jenkins' junit-10.xsd (with xmllint, a real XSD
// validator), SARIF against the OASIS 2.1.0 schema (with a JSON Schema
// library) and against GitHub code scanning's own rules. The schemas are
// third-party files read from ../shared/schemas, never committed.

// sharedSchema is the path of ../shared/schemas/name, or skips the test.
func sharedSchema(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(packageDir(t), "..", "..", "..", "shared", "schemas", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("../shared/schemas/%s is absent (outside the project's layout): not validating against it", name)
	}
	return p
}

// xmlSchemaCheck returns a function that validates an XML document against
// the XSD at xsd with xmllint (Debian's libxml2-utils; .ci/run installs
// it), or skips the test without xmllint.
func xmlSchemaCheck(t *testing.T, xsd string) func(doc string) error {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not found (Debian: apt-get install libxml2-utils; .ci/run installs it): JUnit output not validated against junit-10.xsd")
	}
	dir := t.TempDir()
	n := 0
	return func(doc string) error {
		n++
		path := filepath.Join(dir, "report-"+strconv.Itoa(n)+".xml")
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			return err
		}
		out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, path).CombinedOutput()
		if err != nil {
			return fmt.Errorf("xmllint: %v\n%s", err, out)
		}
		return nil
	}
}

// sarifSchemaCheck compiles the SARIF 2.1.0 schema (draft-04) with format
// assertions on, and returns a function that validates a document.
func sarifSchemaCheck(t *testing.T, path string) func(doc string) error {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := "file:///shared/schemas/sarif-schema-2.1.0.json"
	if err := c.AddResource(url, raw); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return func(doc string) error {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			return err
		}
		return schema.Validate(v)
	}
}

// githubSARIFRules are GitHub code scanning's requirements on top of the
// SARIF schema ("SARIF support for code scanning"), each checked on a
// decoded SARIF log; they return what is wrong.
var githubSARIFRules = []struct {
	name  string
	check func(log map[string]any) []string
}{
	{"driver-name", func(log map[string]any) []string {
		var bad []string
		for i, run := range list(log["runs"]) {
			if str(dig(run, "tool", "driver", "name")) == "" {
				bad = append(bad, fmt.Sprintf("runs[%d].tool.driver.name is missing", i))
			}
		}
		return bad
	}},
	{"rule-text", func(log map[string]any) []string {
		var bad []string
		eachRule(log, func(where string, rule any) {
			for _, p := range [][]string{{"id"}, {"shortDescription", "text"}, {"help", "text"}} {
				if str(dig(rule, p...)) == "" {
					bad = append(bad, where+"."+strings.Join(p, ".")+" is missing")
				}
			}
		})
		return bad
	}},
	{"stable-rule-id", func(log map[string]any) []string {
		var bad []string
		lineNumber := regexp.MustCompile(`:\d+$`)
		eachRule(log, func(where string, rule any) {
			if id := str(dig(rule, "id")); lineNumber.MatchString(id) {
				bad = append(bad, fmt.Sprintf("%s.id %q ends in a line number: it changes when the file is edited", where, id))
			}
		})
		return bad
	}},
	{"security-severity", func(log map[string]any) []string {
		var bad []string
		eachRule(log, func(where string, rule any) {
			sev := dig(rule, "properties", "security-severity")
			if sev == nil {
				return
			}
			s, ok := sev.(string)
			n, err := strconv.ParseFloat(s, 64)
			if !ok || err != nil || n < 0 || n > 10 {
				bad = append(bad, fmt.Sprintf("%s.properties.security-severity %v is not a number from 0.0 to 10.0 in a string", where, sev))
			}
		})
		return bad
	}},
	{"rule-tags", func(log map[string]any) []string {
		var bad []string
		eachRule(log, func(where string, rule any) {
			if n := len(list(dig(rule, "properties", "tags"))); n > 20 {
				bad = append(bad, fmt.Sprintf("%s has %d tags, more than 20", where, n))
			}
		})
		return bad
	}},
	{"result-rule", func(log map[string]any) []string {
		var bad []string
		for i, run := range list(log["runs"]) {
			ids := map[string]bool{}
			for _, rule := range list(dig(run, "tool", "driver", "rules")) {
				ids[str(dig(rule, "id"))] = true
			}
			for j, res := range list(dig(run, "results")) {
				if id := str(dig(res, "ruleId")); !ids[id] {
					bad = append(bad, fmt.Sprintf("runs[%d].results[%d].ruleId %q names no rule", i, j, id))
				}
				if str(dig(res, "message", "text")) == "" {
					bad = append(bad, fmt.Sprintf("runs[%d].results[%d].message.text is missing", i, j))
				}
			}
		}
		return bad
	}},
	{"result-location", func(log map[string]any) []string {
		var bad []string
		eachResult(log, func(where string, res any) {
			locs := list(dig(res, "locations"))
			if len(locs) == 0 || len(locs) > 1000 {
				bad = append(bad, fmt.Sprintf("%s has %d locations, want 1 to 1000", where, len(locs)))
				return
			}
			if str(dig(locs[0], "physicalLocation", "artifactLocation", "uri")) == "" {
				bad = append(bad, where+".locations[0].physicalLocation.artifactLocation.uri is missing")
			}
		})
		return bad
	}},
	{"fingerprint-without-region", func(log map[string]any) []string {
		var bad []string
		eachResult(log, func(where string, res any) {
			locs := list(dig(res, "locations"))
			if len(locs) > 0 && dig(locs[0], "physicalLocation", "region") != nil {
				return
			}
			fp, _ := dig(res, "partialFingerprints").(map[string]any)
			ok := len(fp) > 0
			for _, v := range fp {
				ok = ok && str(v) != ""
			}
			if !ok {
				bad = append(bad, where+" has no region and no partialFingerprints: GitHub cannot tell it from the same result in another run")
			}
		})
		return bad
	}},
}

func githubSARIFProblems(t *testing.T, doc string) []string {
	t.Helper()
	var log map[string]any
	if err := json.Unmarshal([]byte(doc), &log); err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	var bad []string
	for _, r := range githubSARIFRules {
		for _, b := range r.check(log) {
			bad = append(bad, r.name+": "+b)
		}
	}
	return bad
}

func list(v any) []any { l, _ := v.([]any); return l }
func str(v any) string { s, _ := v.(string); return s }

func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func eachRule(log map[string]any, f func(where string, rule any)) {
	for i, run := range list(log["runs"]) {
		for j, rule := range list(dig(run, "tool", "driver", "rules")) {
			f(fmt.Sprintf("runs[%d].tool.driver.rules[%d]", i, j), rule)
		}
	}
}

func eachResult(log map[string]any, f func(where string, res any)) {
	for i, run := range list(log["runs"]) {
		for j, res := range list(dig(run, "results")) {
			f(fmt.Sprintf("runs[%d].results[%d]", i, j), res)
		}
	}
}

// noMetadataPolicy is a conftest-style policy: rule bodies without
// METADATA, two of them with one name.
const noMetadataPolicy = `package main

deny contains msg if {
	startswith(input.artifact.name, "lib")
	msg := sprintf("%s: libraries are not released", [input.artifact.name])
}

deny contains msg if {
	input.artifact.name == "app.tar.gz"
	msg := "app.tar.gz: apps need a second review"
}

warn_naming contains msg if {
	endswith(input.artifact.name, ".tar.gz")
	msg := sprintf("%s: prefer .tar.zst", [input.artifact.name])
}
`

// machineFormatCases are verify and verify-layout runs whose SARIF or
// JUnit output is validated: every kind of result (denials, warnings,
// waived findings, rules without METADATA, evaluation errors, built-in
// check failures, a pass).
func machineFormatCases(f *fixture) []struct {
	name string
	args []string
} {
	const key = "--key=ed25519-test-only.pub"
	base := []string{"verify", "--bundle=good.intoto.jsonl", key}
	with := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	return []struct {
		name string
		args []string
	}{
		{"allowed", with("--policy=policies", "--policy-config=ok.yaml", "app.tar.gz", "lib.tar.gz")},
		{"denied-excepted", with("--policy=policies", "--policy-config=excepted.yaml", "app.tar.gz", "lib.tar.gz")},
		{"no-metadata", with("--policy=nometa.rego", "app.tar.gz", "lib.tar.gz")},
		{"policy-error", with("--policy=evalerror.rego", "app.tar.gz")},
		{"tampered", with("app.tar.gz", "tampered.tar.gz")},
		{"no-artifact-verified", []string{"verify", "--bundle=good.intoto.jsonl", "--key=other-ed25519-test-only.pub", "app.tar.gz"}},
	}
}

func machineFormatFixture(t *testing.T) *fixture {
	t.Helper()
	f := policyFixture(t)
	f.write(t, "nometa.rego", noMetadataPolicy)
	f.write(t, "evalerror.rego", "package evalerror\n\ndeny contains msg if {\n\tx := to_number(input.artifact.name)\n\tmsg := sprintf(\"%v\", [x])\n}\n")
	return f
}

// TestJUnitMatchesSchema: verify's and verify-layout's JUnit output is
// valid against Jenkins' junit-10.xsd, which requires errors on every
// testsuite; and the validator rejects a report without it.
func TestJUnitMatchesSchema(t *testing.T) {
	check := xmlSchemaCheck(t, sharedSchema(t, "junit-10.xsd"))
	f := machineFormatFixture(t)
	var one string
	for _, c := range machineFormatCases(f) {
		r := runCLI(t, f.dir, append(c.args, "--format=junit")...)
		if r.code == 2 {
			t.Fatalf("%s: exit 2: %s", c.name, r.stderr)
		}
		if err := check(r.stdout); err != nil {
			t.Errorf("%s: JUnit output is not valid against junit-10.xsd: %v\n%s", c.name, err, r.stdout)
		}
		one = r.stdout
	}
	dir := demoDir(t)
	for key, want := range map[string]int{"alice.pub": 0, "dan.pub": 1} {
		r := runCLI(t, dir, "verify-layout", "--layout=demo.layout", "--layout-key="+key, "--link-dir=links", "--format=junit", "--run-inspections", "foo.tar.gz")
		if r.code != want {
			t.Errorf("verify-layout with %s: exit %d, want %d: %s", key, r.code, want, r.stderr)
		}
		if err := check(r.stdout); err != nil {
			t.Errorf("verify-layout with %s: JUnit output is not valid against junit-10.xsd: %v\n%s", key, err, r.stdout)
		}
	}
	// The validator is not a formality: without errors, a suite is refused.
	broken := regexp.MustCompile(`(<testsuite [^>]*) errors="\d+"`).ReplaceAllString(one, "$1")
	if broken == one {
		t.Fatal("no testsuite with an errors attribute to remove")
	}
	if err := check(broken); err == nil {
		t.Errorf("xmllint accepted a testsuite without errors:\n%s", broken)
	}
}

// TestJUnitGolden: a policy that cannot be evaluated ends its test case in
// an <error>, counted in errors, not failures.
func TestJUnitGolden(t *testing.T) {
	f := machineFormatFixture(t)
	r := runCLI(t, f.dir, "verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "--policy=evalerror.rego", "--format=junit", "app.tar.gz")
	goldenRun(t, f.pkgDir, filepath.Join("verify-policy", "junit-policy-error.golden"), r, 1)
}

// TestSARIFMatchesSchemaAndGitHub: verify's SARIF output is valid against
// the SARIF 2.1.0 schema and meets each of GitHub code scanning's rules,
// for every kind of result.
func TestSARIFMatchesSchemaAndGitHub(t *testing.T) {
	check := sarifSchemaCheck(t, sharedSchema(t, "sarif-schema-2.1.0.json"))
	f := machineFormatFixture(t)
	for _, c := range machineFormatCases(f) {
		r := runCLI(t, f.dir, append(c.args, "--format=sarif")...)
		if r.code == 2 {
			t.Fatalf("%s: exit 2: %s", c.name, r.stderr)
		}
		if err := check(r.stdout); err != nil {
			t.Errorf("%s: SARIF is not valid against the 2.1.0 schema: %v", c.name, err)
		}
		for _, p := range githubSARIFProblems(t, r.stdout) {
			t.Errorf("%s: %s", c.name, p)
		}
	}
	// The schema check is not a formality either.
	r := runCLI(t, f.dir, "verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "--policy=nometa.rego", "--format=sarif", "lib.tar.gz")
	if err := check(strings.Replace(r.stdout, `"version": "2.1.0"`, `"version": "2.2"`, 1)); err == nil {
		t.Error("the SARIF schema accepted version 2.2")
	}
}

// TestGitHubSARIFRules: each of GitHub's rules refuses a log that breaks
// it and accepts provenant's.
func TestGitHubSARIFRules(t *testing.T) {
	f := machineFormatFixture(t)
	r := runCLI(t, f.dir, "verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "--policy=policies", "--policy-config=excepted.yaml", "--format=sarif", "app.tar.gz", "lib.tar.gz")
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	good := r.stdout
	if p := githubSARIFProblems(t, good); len(p) > 0 {
		t.Fatalf("provenant's SARIF breaks GitHub's rules: %v", p)
	}
	firstRule := func(log map[string]any) map[string]any {
		return list(dig(list(log["runs"])[0], "tool", "driver", "rules"))[1].(map[string]any)
	}
	firstResult := func(log map[string]any) map[string]any {
		return list(dig(list(log["runs"])[0], "results"))[0].(map[string]any)
	}
	tests := []struct {
		rule   string
		mutate func(log map[string]any)
	}{
		{"driver-name", func(log map[string]any) { delete(dig(list(log["runs"])[0], "tool", "driver").(map[string]any), "name") }},
		{"rule-text", func(log map[string]any) { delete(firstRule(log), "help") }},
		{"stable-rule-id", func(log map[string]any) { firstRule(log)["id"] = "main.deny:8" }},
		{"security-severity", func(log map[string]any) {
			dig(firstRule(log), "properties").(map[string]any)["security-severity"] = "high"
		}},
		{"rule-tags", func(log map[string]any) {
			tags := make([]any, 21)
			for i := range tags {
				tags[i] = strconv.Itoa(i)
			}
			dig(firstRule(log), "properties").(map[string]any)["tags"] = tags
		}},
		{"result-rule", func(log map[string]any) { firstResult(log)["ruleId"] = "not.a.rule" }},
		{"result-location", func(log map[string]any) { firstResult(log)["locations"] = []any{} }},
		{"fingerprint-without-region", func(log map[string]any) { delete(firstResult(log), "partialFingerprints") }},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.rule] = true
		t.Run(tt.rule, func(t *testing.T) {
			var log map[string]any
			if err := json.Unmarshal([]byte(good), &log); err != nil {
				t.Fatal(err)
			}
			tt.mutate(log)
			doc, err := json.Marshal(log)
			if err != nil {
				t.Fatal(err)
			}
			var hits []string
			for _, p := range githubSARIFProblems(t, string(doc)) {
				if strings.HasPrefix(p, tt.rule+": ") {
					hits = append(hits, p)
				}
			}
			if len(hits) == 0 {
				t.Errorf("rule %s did not refuse the mutated log", tt.rule)
			}
		})
	}
	for _, r := range githubSARIFRules {
		if !covered[r.name] {
			t.Errorf("rule %s has no negative case", r.name)
		}
	}
}

// TestSARIFStableIDs: editing other lines of a policy (a comment, a new
// rule above) changes neither the rule ids nor the fingerprints of the
// results of the rules that did not change.
func TestSARIFStableIDs(t *testing.T) {
	f := machineFormatFixture(t)
	run := func() map[string]string {
		r := runCLI(t, f.dir, "verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "--policy=nometa.rego", "--format=sarif", "app.tar.gz", "lib.tar.gz")
		if r.code != 1 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var log struct {
			Runs []struct {
				Results []struct {
					RuleID  string                `json:"ruleId"`
					Message struct{ Text string } `json:"message"`
					FP      map[string]string     `json:"partialFingerprints"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &log); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, res := range log.Runs[0].Results {
			out[res.Message.Text] = res.RuleID + " " + res.FP["provenantResult/v1"]
		}
		return out
	}
	before := run()
	if len(before) != 4 {
		t.Fatalf("want 4 results (2 deny, 2 warn), got %v", before)
	}
	edited := strings.Replace(noMetadataPolicy, "package main\n", "package main\n\n# A comment that moves every rule down.\n\ndeny contains \"never\" if {\n\tfalse\n}\n", 1)
	f.write(t, "nometa.rego", edited)
	after := run()
	for msg, id := range before {
		if after[msg] != id {
			t.Errorf("%s: rule id and fingerprint %q became %q after an edit of other lines", msg, id, after[msg])
		}
	}
	var b bytes.Buffer
	for msg, id := range after {
		fmt.Fprintf(&b, "%s -> %s\n", msg, id)
	}
	if !strings.Contains(b.String(), "main.deny ") || !strings.Contains(b.String(), "main.warn_naming ") {
		t.Errorf("rule ids are not package.name:\n%s", b.String())
	}
}

// TestSARIFNoMetadataGolden: the SARIF a policy without METADATA gets.
func TestSARIFNoMetadataGolden(t *testing.T) {
	f := machineFormatFixture(t)
	r := runCLI(t, f.dir, "verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "--policy=nometa.rego", "--format=sarif", "app.tar.gz", "lib.tar.gz")
	goldenRun(t, f.pkgDir, filepath.Join("verify-policy", "sarif-no-metadata.golden"), r, 1, "version\": \""+version+"\"", "version\": \"VERSION\"")
}
