package inspect

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// chainStep is a verified envelope holding provenance with these materials and
// products (name -> sha256 value; "alg:value" picks another algorithm).
func chainStep(index int, name string, materials, products map[string]string) Envelope {
	res := func(m map[string]string) []Resource {
		var out []Resource
		for _, n := range sortedKeys(m) {
			alg, v, ok := strings.Cut(m[n], ":")
			if !ok {
				alg, v = "sha256", m[n]
			}
			out = append(out, Resource{Name: n, Digest: map[string]string{alg: v}})
		}
		return out
	}
	return Envelope{Index: index, Status: StatusVerified, Statement: &Statement{
		Step:     name,
		Subjects: res(products),
		Provenance: &Provenance{
			BuilderID:            "https://builder.example/1",
			ResolvedDependencies: res(materials),
		},
	}}
}

func buildChain(envs ...Envelope) (Chain, []Finding, Summary) {
	c := newChainBuilder()
	for i := range envs {
		c.add(&envs[i])
	}
	var s Summary
	ch, f := c.finish(&s)
	return ch, f, s
}

func artByName(ch Chain, name string) []ChainArtifact {
	var out []ChainArtifact
	for _, a := range ch.Artifacts {
		if a.Name == name {
			out = append(out, a)
		}
	}
	return out
}

func TestChainNodesAreNameAndDigest(t *testing.T) {
	tests := []struct {
		name         string
		envs         []Envelope
		wantArts     int
		wantFindings []string // names
		check        func(t *testing.T, ch Chain)
	}{
		{
			name: "same content under two names: two nodes sharing a digest, no loop",
			envs: []Envelope{
				chainStep(1, "compile", map[string]string{"src/main.c": "aa"}, map[string]string{"build/app": "aa"}),
				chainStep(2, "package", map[string]string{"build/app": "aa"}, map[string]string{"dist/app.tgz": "bb"}),
			},
			wantArts: 3,
			check: func(t *testing.T, ch Chain) {
				src, app := artByName(ch, "src/main.c"), artByName(ch, "build/app")
				if len(src) != 1 || len(app) != 1 {
					t.Fatalf("src/main.c %d nodes, build/app %d nodes, want 1 each", len(src), len(app))
				}
				if !slices.Equal(src[0].SameDigest, []string{app[0].ID}) || !slices.Equal(app[0].SameDigest, []string{src[0].ID}) {
					t.Errorf("sameDigest: %v, %v", src[0].SameDigest, app[0].SameDigest)
				}
				if len(src[0].ProducedBy) != 0 || !slices.Equal(app[0].ProducedBy, []string{"s1"}) || !slices.Equal(app[0].ConsumedBy, []string{"s2"}) {
					t.Errorf("edges: src %+v app %+v", src[0], app[0])
				}
				if ch.Steps[1].Depth != 1 {
					t.Errorf("package depth %d, want 1", ch.Steps[1].Depth)
				}
			},
		},
		{
			name: "a product changed between steps",
			envs: []Envelope{
				chainStep(1, "compile", nil, map[string]string{"build/hello": "ad07"}),
				chainStep(2, "package", map[string]string{"build/hello": "b12a"}, map[string]string{"dist/h.tgz": "cc"}),
			},
			wantArts: 3, wantFindings: []string{"build/hello"},
			check: func(t *testing.T, ch Chain) {
				for _, a := range artByName(ch, "build/hello") {
					if !a.Has(FlagMismatch) {
						t.Errorf("%s lacks the mismatch flag: %v", a.ID, a.Flags)
					}
				}
			},
		},
		{
			name: "two consumers see different content",
			envs: []Envelope{
				chainStep(1, "a", map[string]string{"Makefile": "01"}, map[string]string{"x": "1"}),
				chainStep(2, "b", map[string]string{"Makefile": "02"}, map[string]string{"y": "2"}),
			},
			wantArts: 4, wantFindings: []string{"Makefile"},
		},
		{
			name: "case of algorithm and value, and ./ in the name, do not split a node",
			envs: []Envelope{
				chainStep(1, "a", nil, map[string]string{"build/app": "ABCD"}),
				chainStep(2, "b", map[string]string{"./build/app": "SHA256:abcd"}, map[string]string{"y": "2"}),
			},
			wantArts: 2,
			check: func(t *testing.T, ch Chain) {
				if len(ch.Artifacts[0].ConsumedBy) != 1 {
					t.Errorf("./build/app not linked to build/app: %+v", ch.Artifacts)
				}
			},
		},
		{
			name: "no algorithm in common: two nodes, no finding, the consumed one not a checkout file",
			envs: []Envelope{
				chainStep(1, "a", nil, map[string]string{"build/app": "sha256:aa"}),
				chainStep(2, "b", map[string]string{"build/app": "sha512:bb"}, map[string]string{"y": "2"}),
			},
			wantArts: 3,
			check: func(t *testing.T, ch Chain) {
				for _, a := range artByName(ch, "build/app") {
					if a.Has(FlagCheckout) {
						t.Errorf("%s (a name a step produced) is flagged checkout", a.ID)
					}
				}
			},
		},
		{
			name: "digests that agree merge; one with no algorithm in common does not",
			envs: []Envelope{
				chainStep(1, "a", nil, map[string]string{"f": "aa"}),
				chainStep(2, "b", map[string]string{"f": "aa"}, map[string]string{"y": "2"}),
				chainStep(3, "c", map[string]string{"f": "sha512:ff"}, map[string]string{"z": "3"}),
			},
			// f/sha512 alone agrees with nothing (no common algorithm).
			wantArts: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, findings, s := buildChain(tt.envs...)
			if len(ch.Artifacts) != tt.wantArts {
				t.Errorf("%d artifacts, want %d: %+v", len(ch.Artifacts), tt.wantArts, ch.Artifacts)
			}
			var got []string
			for _, f := range findings {
				got = append(got, f.Name)
				if f.Kind != FindingMismatch || len(f.Artifacts) < 2 || f.Message == "" {
					t.Errorf("finding %+v", f)
				}
			}
			if !slices.Equal(got, tt.wantFindings) {
				t.Errorf("findings %v, want %v", got, tt.wantFindings)
			}
			if s.Mismatches != len(tt.wantFindings) {
				t.Errorf("summary.mismatches %d, want %d", s.Mismatches, len(tt.wantFindings))
			}
			if tt.check != nil {
				tt.check(t, ch)
			}
		})
	}
}

func TestChainUnusualSteps(t *testing.T) {
	yes, exit := true, 3
	mk := func(i int, builder, repo, commit string) Envelope {
		e := chainStep(i, fmt.Sprint("s", i), nil, map[string]string{fmt.Sprint("out", i): fmt.Sprint(i)})
		e.Statement.Provenance.BuilderID = builder
		e.Statement.Provenance.Source = &Source{URI: repo, Repository: repo, Commit: commit}
		return e
	}
	a := mk(1, "b1", "git+https://x/r", "c1")
	b := mk(2, "b1", "git+https://x/r", "c1")
	c := mk(3, "b2", "git+https://x/r", "c2")
	d := mk(4, "b1", "git+https://x/other", "c9")
	d.Statement.Provenance.Source.Dirty = &yes
	d.Statement.Provenance.Command = &Command{ExitStatus: &exit}
	ch, _, s := buildChain(a, b, c, d)
	want := [][]string{{}, {}, {StepOtherBuilder, StepOtherCommit}, {StepOtherRepository, StepDirtySource, StepCommandFailed}}
	for i, st := range ch.Steps {
		if !slices.Equal(st.Flags, want[i]) || len(st.Notes) != len(st.Flags) {
			t.Errorf("step %s flags %v notes %v, want %v", st.Name, st.Flags, st.Notes, want[i])
		}
	}
	if s.UnusualSteps != 2 {
		t.Errorf("unusual steps %d, want 2", s.UnusualSteps)
	}
}

// TestChainJunkAtScale: many artifacts under one name, or one digest
// under many names, stay linear and bounded.
func TestChainJunkAtScale(t *testing.T) {
	const n = 20000
	var envs []Envelope
	for i := range n {
		envs = append(envs, chainStep(i+1, "s", map[string]string{"same-name": fmt.Sprintf("%064x", i)}, map[string]string{fmt.Sprint("name", i): "00"}))
	}
	start := time.Now()
	ch, findings, _ := buildChain(envs...)
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("building a chain of %d steps took %v", n, d)
	}
	if len(findings) != 1 || len(findings[0].Artifacts) != n || len(findings[0].Message) > 2000 {
		t.Errorf("findings: %d, artifacts %d, message %d bytes", len(findings), len(findings[0].Artifacts), len(findings[0].Message))
	}
	for _, a := range ch.Artifacts {
		if len(a.SameDigest) > maxSameDigest {
			t.Fatalf("%s lists %d same-digest artifacts, more than %d", a.ID, len(a.SameDigest), maxSameDigest)
		}
	}
}
