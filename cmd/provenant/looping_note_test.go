package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/rules"
)

// TestNoteLoopingRules: a gate of 400 artifacts x 300 verified
// attestations gets a note naming the rule that loops over
// input.attestations for each artifact; a smaller gate, unverified
// attestations, a rule evaluated once per gate, and no policy get none.
func TestNoteLoopingRules(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("package gate\n\ndeny contains \"x\" if {\n\t"+body+"\n}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	load := func(p string) *rules.PolicySet {
		ps, err := rules.LoadPolicies(context.Background(), []string{p})
		if err != nil {
			t.Fatal(err)
		}
		return ps
	}
	mixed := load(write("mixed.rego", "some att in input.attestations\n\tatt.id == input.artifact.name"))
	once := load(write("once.rego", "some att in input.attestations\n\tatt.id == \"\""))
	gate := func(artifacts, verified, unverified int) *policy.Report {
		r := &policy.Report{Artifacts: make([]policy.Artifact, artifacts)}
		for i := range verified + unverified {
			r.Attestations = append(r.Attestations, policy.Attestation{Verified: i < verified})
		}
		return r
	}
	for _, tt := range []struct {
		name string
		ps   *rules.PolicySet
		r    *policy.Report
		want string
	}{
		{"large gate", mixed, gate(400, 300, 0), "note: " + filepath.Join(dir, "mixed.rego") + ":3: gate.deny loops over input.attestations and may see the artifact, so it runs for each of the 400 artifacts: 120000 iterations;"},
		{"small gate", mixed, gate(300, 300, 0), ""},
		{"unverified attestations do not count", mixed, gate(400, 200, 1000), ""},
		{"once per gate", once, gate(400, 300, 0), ""},
		{"no policy", nil, gate(400, 300, 0), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			noteLoopingRules(&b, tt.ps, tt.r)
			if tt.want == "" && b.Len() > 0 || tt.want != "" && !strings.HasPrefix(b.String(), tt.want) {
				t.Errorf("note %q, want %q", b.String(), tt.want)
			}
		})
	}
}
