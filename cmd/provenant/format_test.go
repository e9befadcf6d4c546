package main

import (
	"slices"
	"strings"
	"testing"
)

// TestFormatPerCommand: each command offers its own --format values, in
// --help, in shell completion and in the check before it runs; none offers
// another command's.
func TestFormatPerCommand(t *testing.T) {
	for _, tt := range []struct {
		cmd    []string
		values []string
	}{
		{[]string{"verify"}, []string{"text", "json", "sarif", "junit", "markdown"}},
		{[]string{"inspect"}, []string{"table", "json", "markdown", "html", "text"}},
		{[]string{"keygen"}, []string{"text", "json"}},
		{[]string{"key", "public"}, []string{"text", "json"}},
		{[]string{"attest"}, []string{"text", "json"}},
		{[]string{"run"}, []string{"text", "json"}},
		{[]string{"sign"}, []string{"text", "json"}},
		{[]string{"verify-signature"}, []string{"text", "json"}},
		{[]string{"verify-vsa"}, []string{"text", "json"}},
		{[]string{"policy", "test"}, []string{"text", "json"}},
		{[]string{"version"}, []string{"text", "json"}},
	} {
		name := strings.Join(tt.cmd, " ")
		r := runCLI(t, "", append(append([]string{"__complete"}, tt.cmd...), "--format", "")...)
		var got []string
		for line := range strings.Lines(r.stdout) {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, ":") {
				got = append(got, line)
			}
		}
		if !slices.Equal(got, tt.values) {
			t.Errorf("%s: completion offers %q, want %q", name, got, tt.values)
		}
		help := runCLI(t, "", append(tt.cmd, "--help")...)
		if want := "output format: " + joinOr(tt.values); !strings.Contains(help.stdout, want) {
			t.Errorf("%s --help does not say %q", name, want)
		}
		args := append(append([]string(nil), tt.cmd...), "--format", "yaml")
		if name == "sign" || name == "policy test" {
			args = append(args, "x") // arguments are checked first
		}
		bad := runCLI(t, "", args...)
		if bad.code != exitInput || !strings.Contains(bad.stderr, "--format for provenant "+name+" must be "+joinOr(tt.values)) {
			t.Errorf("%s --format yaml: exit %d, %q", name, bad.code, bad.stderr)
		}
	}
	if r := runCLI(t, "", "--help"); strings.Contains(r.stdout, "--format") {
		t.Errorf("the root command still offers a global --format:\n%s", r.stdout)
	}
}
