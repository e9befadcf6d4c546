package policy

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/policy/rules"
	"github.com/provenant/provenant/policy/trust"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// caseFile is one case of the corpus in testdata/cases: attestations to
// sign, policies, flags, and the verdict and findings wanted.
type caseFile struct {
	Description  string                       `yaml:"description"`
	Attestations []provenancetest.Attestation `yaml:"attestations"`
	Policies     map[string]string            `yaml:"policies"` // file name -> Rego, under policies/
	Builtins     []string                     `yaml:"builtins"`
	Config       string                       `yaml:"config"` // policy configuration YAML
	Flags        struct {
		BuilderID string `yaml:"builderId"`
		// KeyBuilders maps the trusted key to these builder ids, as a
		// trust file's keys[].builders does (without it a builder id is
		// only claimed).
		KeyBuilders []string `yaml:"keyBuilders"`
		SourceURI   string   `yaml:"sourceUri"`
		FailOnWarn  bool     `yaml:"failOnWarn"`
		Timeout     string   `yaml:"timeout"`
		RegoVersion string   `yaml:"regoVersion"`
	} `yaml:"flags"`
	Artifacts []string `yaml:"artifacts"` // each file holds its name and a newline
	Now       string   `yaml:"now"`       // YYYY-MM-DD, for exceptions
	Want      caseWant `yaml:"want"`
}

type caseWant struct {
	Error     string                  `yaml:"error"` // rules.LoadPolicies/rules.LoadConfig error, a substring
	Allowed   bool                    `yaml:"allowed"`
	Artifacts map[string]caseArtifact `yaml:"artifacts"`
	Warnings  []string                `yaml:"warnings"` // substrings, in order
}

type caseArtifact struct {
	Allowed  bool          `yaml:"allowed"`
	Findings []caseFinding `yaml:"findings"`
}

type caseFinding struct {
	Kind        string         `yaml:"kind"`
	Package     string         `yaml:"package"`
	Title       string         `yaml:"title"`
	Code        string         `yaml:"code"`
	Msg         string         `yaml:"msg"` // a substring of the message
	Attestation string         `yaml:"attestation"`
	Severity    string         `yaml:"severity"`
	Excepted    bool           `yaml:"excepted"`
	Details     map[string]any `yaml:"details"`
}

func TestCases(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "cases", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found %d case files, want the corpus in testdata/cases", len(files))
	}
	trusted, untrusted := provenancetest.SeededKey(t, 0), provenancetest.SeededKey(t, 1)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			var c caseFile
			dec := yaml.NewDecoder(strings.NewReader(string(raw)))
			dec.KnownFields(true)
			if err := dec.Decode(&c); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			dir := t.TempDir()
			t.Chdir(dir)
			runCase(t, c, trusted, untrusted)
		})
	}
}

func runCase(t *testing.T, c caseFile, trusted, untrusted provenancetest.Key) {
	ctx := context.Background()
	pub := trusted.Public
	var envs []*attest.Envelope
	for _, a := range c.Attestations {
		s := trusted.Signer
		if a.Untrusted {
			s = untrusted.Signer
		}
		env, err := attest.SignStatement(ctx, provenancetest.Statement(t, a), s)
		if err != nil {
			t.Fatal(err)
		}
		envs = append(envs, env)
	}
	if err := attest.AppendToBundle("bundle.intoto.jsonl", envs...); err != nil {
		t.Fatal(err)
	}
	var paths []string
	if len(c.Policies) > 0 {
		for n, src := range c.Policies {
			attesttest.WriteFile(t, filepath.Join("policies", n), []byte(src), 0o644)
		}
		paths = append(paths, "policies")
	}
	for _, b := range c.Builtins {
		paths = append(paths, rules.BuiltinPrefix+b)
	}
	popts := []rules.PolicyOption{rules.WithRegoVersion(c.Flags.RegoVersion)}
	if c.Flags.Timeout != "" {
		d, err := time.ParseDuration(c.Flags.Timeout)
		if err != nil {
			t.Fatal(err)
		}
		popts = append(popts, rules.WithPolicyTimeout(d))
	}
	vopts := []Option{WithKeys(pub)}
	expect := []Expectation{WithBuilderID(c.Flags.BuilderID), WithSourceURI(c.Flags.SourceURI), WithFailOnWarn(c.Flags.FailOnWarn)}
	if len(c.Flags.KeyBuilders) > 0 {
		vopts = append(vopts, WithTrust(&trust.File{File: "trust.yaml", Keys: []*trust.Key{{Name: "release", KeyID: pub.ID, Key: pub, Builders: c.Flags.KeyBuilders, Source: "trust.yaml:2"}}}))
	}
	loadErr := func() error {
		if c.Config != "" {
			cfg, err := rules.ParseConfig([]byte(c.Config), "policy.yaml")
			if err != nil {
				return err
			}
			popts = append(popts, rules.WithPolicyData(cfg.Data))
			expect = append(expect, WithExceptions(cfg.Exceptions...))
		}
		ps, err := rules.LoadPolicies(ctx, paths, popts...)
		if err != nil {
			return err
		}
		expect = append(expect, WithPolicies(ps))
		return nil
	}()
	if c.Want.Error != "" {
		if loadErr == nil || !strings.Contains(loadErr.Error(), c.Want.Error) {
			t.Fatalf("loading policies: error = %v, want one containing %q", loadErr, c.Want.Error)
		}
		if !strings.Contains(loadErr.Error(), "policy") && !errorIsPolicy(loadErr) {
			t.Errorf("error %v does not wrap rules.ErrPolicy", loadErr)
		}
		return
	}
	if loadErr != nil {
		t.Fatalf("loading policies: %v", loadErr)
	}
	if c.Now != "" {
		now, err := time.Parse(time.DateOnly, c.Now)
		if err != nil {
			t.Fatal(err)
		}
		vopts = append(vopts, WithClock(func() time.Time { return now }))
	}
	v, err := NewVerifier(vopts...)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ReadBundles([]string{"bundle.intoto.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	var inputs []Input
	for _, a := range c.Artifacts {
		inputs = append(inputs, Input{Name: a, Digests: provenancetest.ArtifactDigests(a)})
	}
	r, err := v.Verify(ctx, entries, inputs, expect...)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if r.Allowed != c.Want.Allowed {
		t.Errorf("allowed = %v, want %v\n%s", r.Allowed, c.Want.Allowed, dump(r))
	}
	for _, a := range r.Artifacts {
		want, ok := c.Want.Artifacts[a.Name]
		if !ok {
			t.Errorf("artifact %s: not in want.artifacts", a.Name)
			continue
		}
		if a.Allowed != want.Allowed {
			t.Errorf("artifact %s: allowed = %v, want %v\n%s", a.Name, a.Allowed, want.Allowed, dump(a))
		}
		compareFindings(t, a.Name, a.Findings, want.Findings)
	}
	if len(r.Warnings) != len(c.Want.Warnings) {
		t.Errorf("warnings = %q, want %d containing %q", r.Warnings, len(c.Want.Warnings), c.Want.Warnings)
	} else {
		for i, w := range c.Want.Warnings {
			if !strings.Contains(r.Warnings[i], w) {
				t.Errorf("warning %d = %q, want one containing %q", i, r.Warnings[i], w)
			}
		}
	}
}

func errorIsPolicy(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "policy: ") }

func compareFindings(t *testing.T, artifact string, got []rules.Finding, want []caseFinding) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("artifact %s: %d findings, want %d\n%s", artifact, len(got), len(want), dump(got))
		return
	}
	// Both sorted by kind and message, so the order in the case file
	// does not matter.
	got = append([]rules.Finding(nil), got...)
	sort.SliceStable(got, func(i, j int) bool { return got[i].Kind+got[i].Message < got[j].Kind+got[j].Message })
	want = append([]caseFinding(nil), want...)
	matched := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if matched[i] || !findingMatches(g, w) {
				continue
			}
			matched[i], found = true, true
			break
		}
		if !found {
			t.Errorf("artifact %s: no finding matches %+v\ngot:\n%s", artifact, w, dump(got))
		}
	}
}

func findingMatches(g rules.Finding, w caseFinding) bool {
	if g.Kind != w.Kind || !strings.Contains(g.Message, w.Msg) {
		return false
	}
	if w.Package != "" && g.Package != w.Package {
		return false
	}
	if w.Title != "" && g.Title != w.Title {
		return false
	}
	if w.Code != "" && g.Code != w.Code {
		return false
	}
	if w.Attestation != "" && g.Attestation != w.Attestation {
		return false
	}
	if w.Severity != "" && g.Severity() != w.Severity {
		return false
	}
	if w.Excepted != (g.Exception != nil) {
		return false
	}
	for k, v := range w.Details {
		gb, _ := json.Marshal(g.Details[k])
		wb, _ := json.Marshal(v)
		if string(gb) != string(wb) {
			return false
		}
	}
	return true
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
