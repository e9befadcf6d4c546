package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
)

// parallelPolicy denies, warns and prints for some artifacts and not
// others, so that evaluations finishing out of order would show.
const parallelPolicy = `package parallel

import data.provenant.lib

# METADATA
# title: Release builder
# custom:
#   code: parallel.builder
#   severity: high
deny contains {"msg": sprintf("%s was built by %s", [input.artifact.name, lib.builder_id(att)]), "attestation": att.id} if {
	some att in lib.provenance
	not startswith(lib.builder_id(att), "https://ci.example.com/builders/release")
}

# METADATA
# title: Odd artifacts
# custom:
#   code: parallel.odd
warn contains sprintf("%s is odd", [input.artifact.name]) if {
	endswith(input.artifact.name, ["1", "3", "5", "7", "9"][_])
}

# METADATA
# title: Bundle builders
# custom:
#   code: parallel.bundle
# Reads no artifact: evaluated once per gate, its findings on every artifact.
warn contains sprintf("%s was built by %s", [att.id, lib.builder_id(att)]) if {
	some att in input.attestations
	not startswith(lib.builder_id(att), "https://ci.example.com/builders/release")
}

# A loop over the whole bundle, and print() output per artifact.
warn contains sprintf("%s: %d attestations by step", [input.artifact.name, count(lib.step_records("build"))]) if {
	print("evaluating", input.artifact.name, count(input.attestations))
	count(input.attestations) > 1000
}
`

// TestVerifyParallelSameOutput: policies evaluated on several goroutines
// give the output of a sequential evaluation, byte for byte, in every
// format, print() output included.
func TestVerifyParallelSameOutput(t *testing.T) {
	f := newFixture(t)
	signer, err := attest.LoadSigner(filepath.Join(f.dir, "ed25519-test-only.key"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	var (
		envs  []*attest.Envelope
		names []string
	)
	for i := range n {
		name := fmt.Sprintf("art-%02d", i)
		f.write(t, name, fmt.Sprintf("artifact %d\n", i))
		names = append(names, name)
		builder := "https://ci.example.com/builders/release@v1"
		if i%3 == 0 {
			builder = "https://ci.example.com/builders/other@v1"
		}
		if i%7 == 6 {
			continue // no attestation: denied by the built-in checks
		}
		envs = append(envs, f.sign(t, signer, f.statement(t, f.hash(t, name), builder, "git+https://github.com/example/app@refs/tags/v1.0.0")))
	}
	f.writeLines(t, "many.intoto.jsonl", envs...)
	f.write(t, "parallel.rego", parallelPolicy)
	f.write(t, "exceptions.yaml", "exceptions:\n  - code: parallel.builder\n    artifacts: [art-03, art-09]\n    reason: old builder until Q3\n    expires: 2999-12-31\n")
	t.Chdir(f.dir)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, format := range []string{"text", "json", "sarif", "junit", "markdown"} {
		t.Run(format, func(t *testing.T) {
			args := append([]string{"verify", "--bundle=many.intoto.jsonl", "--key=ed25519-test-only.pub",
				"--policy=parallel.rego", "--policy=builtin:slsa", "--policy-config=exceptions.yaml", "--format=" + format}, names...)
			runtime.GOMAXPROCS(1)
			seq := runCLI(t, "", args...)
			if seq.code != 1 {
				t.Fatalf("sequential: exit code %d, want 1 (denied)\n%s%s", seq.code, seq.stdout, seq.stderr)
			}
			for _, procs := range []int{2, 8} {
				runtime.GOMAXPROCS(procs)
				par := runCLI(t, "", args...)
				if par.code != seq.code || par.stdout != seq.stdout || par.stderr != seq.stderr {
					t.Errorf("GOMAXPROCS=%d: exit %d, want %d; output differs from the sequential run:\n--- sequential\n%s%s\n--- parallel\n%s%s", procs, par.code, seq.code, seq.stdout, seq.stderr, par.stdout, par.stderr)
				}
			}
			if got := strings.Count(seq.stderr, ": evaluating art-"); got != n {
				t.Errorf("print() output: %d lines, want one per evaluated artifact:\n%s", got, seq.stderr)
			}
			// The rule evaluated once per gate reaches every artifact:
			// 12 attestations by the other builder (i%3 == 0 and
			// i%7 != 6 of 40), in each of the 40 artifacts' findings.
			if format == "json" {
				if got := strings.Count(seq.stdout, "was built by https://ci.example.com/builders/other@v1\""); got < 12*n {
					t.Errorf("the bundle-wide rule: %d findings, want 12 for each of %d artifacts", got, n)
				}
			}
		})
	}
}
