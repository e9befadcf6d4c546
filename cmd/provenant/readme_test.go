package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
)

// TestReadmeExamplesRun runs every ```sh block of the README's Usage section
// with a freshly built binary, in a scratch directory prepared as the README
// says, so that the examples cannot rot.
func TestReadmeExamplesRun(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	usage := string(readme)
	start := strings.Index(usage, "## Usage")
	if start < 0 {
		t.Fatal("README has no ## Usage section")
	}
	usage = usage[start:]
	if end := strings.Index(usage[len("## Usage"):], "\n## "); end >= 0 {
		usage = usage[:len("## Usage")+end]
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(usage, -1)
	if len(blocks) < 3 {
		t.Fatalf("found %d sh blocks in the Usage section, want at least 3", len(blocks))
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.tar.gz"), []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The Sigstore examples verify slsa-github-generator's provenance for
	// example-package and a GitHub attestation with the public-good root,
	// all from slsa-verifier's test data, after one trust import (where the user would run trust
	// update), in a trusted-root cache of this test's own.
	cache := t.TempDir()
	vectors := attesttest.Vectors(t)
	for name, from := range map[string]string{
		"trusted-root-public-good.json": filepath.Join(vectors, "slsa-verifier", "sigstore", "trusted-root-public-good.json"),
		"example-package.intoto.jsonl":  filepath.Join(vectors, "slsa-verifier", "cli", "slsa-verifier", "testdata", "gha_generic", "v2.1.0", "binary-linux-amd64-push-v13.0.30.intoto.jsonl"),
		"MODULE.bazel.intoto.jsonl":     filepath.Join(vectors, "slsa-verifier", "cli", "slsa-verifier", "testdata", "bcr", "MODULE.bazel.intoto.jsonl"),
		"MODULE.bazel":                  filepath.Join(vectors, "slsa-verifier", "cli", "slsa-verifier", "testdata", "bcr", "MODULE.bazel"),
	} {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		attesttest.WriteFile(t, filepath.Join(dir, name), b, 0o644)
	}
	runShellBlocks(t, "README Usage", blocks, dir, "XDG_CACHE_HOME="+cache)
}

// runShellBlocks runs each block (a match whose first group is a shell
// script) in order in dir with bash -euo pipefail, a freshly built
// provenant first on PATH, colour off, and env added. It returns what the
// blocks printed.
func runShellBlocks(t *testing.T, what string, blocks [][]string, dir string, env ...string) string {
	t.Helper()
	bin := filepath.Dir(provenantBinary(t))
	var all strings.Builder
	for i, b := range blocks {
		cmd := exec.Command("bash", "-c", "set -euo pipefail\n"+b[1])
		cmd.Dir = dir
		cmd.Env = append(append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "NO_COLOR=1"), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s block %d failed: %v\n%s\n--- output\n%s", what, i+1, err, b[1], out)
		}
		all.Write(out)
	}
	return all.String()
}

// readmeLoopback names, for each README block that is not run as printed
// (it needs a network service: Fulcio and Rekor, a registry), the test
// that runs its loopback equivalent, by the block's first command.
var readmeLoopback = map[string]string{
	"provenant attest --keyless --bundle app.intoto.jsonl dist/app":                 "TestKeylessRoundTrip",
	"provenant attest --key release.key --image registry.example.com/app:v1 --push": "TestOCIDocExamplesRun",
}

// TestReadmeBlocksAreRun: every code block of the README that runs
// provenant is either a ```sh block of the Usage section (run by
// TestReadmeExamplesRun) or names, in readmeLoopback, a test of this
// package that runs its loopback equivalent. A new block that is neither
// fails here.
func TestReadmeBlocksAreRun(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	tests := testNames(t)
	text := string(readme)
	usageStart := strings.Index(text, "## Usage")
	usageEnd := len(text)
	if e := strings.Index(text[usageStart+1:], "\n## From Go"); e >= 0 {
		usageEnd = usageStart + 1 + e
	}
	for _, m := range regexp.MustCompile("(?s)```(\\w*)\n(.*?)```").FindAllStringSubmatchIndex(text, -1) {
		lang, body := text[m[2]:m[3]], text[m[4]:m[5]]
		first := ""
		for l := range strings.SplitSeq(body, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "provenant ") {
				first = strings.TrimSpace(l)
				break
			}
		}
		if first == "" {
			continue // no provenant command: a layout, Go code
		}
		if lang == "sh" && m[0] > usageStart && m[0] < usageEnd {
			continue // run as printed
		}
		key := strings.TrimSuffix(strings.TrimSpace(first), "\\")
		key = strings.TrimSpace(key)
		name, ok := readmeLoopback[key]
		if !ok {
			t.Errorf("README block starting %q is not run: make it a ```sh block of the Usage section, or name the test that runs its loopback equivalent in readmeLoopback", first)
			continue
		}
		if !tests[name] {
			t.Errorf("README block starting %q: test %s does not exist", first, name)
		}
	}
}

// docsRunElsewhere are the docs whose ```sh blocks a test runs in order
// (TestInTotoDocExamplesRun, TestOCIDocExamplesRun, which runs ci.md's
// too, TestPolicyInitDocExamplesRun).
var docsRunElsewhere = map[string]bool{"in-toto.md": true, "oci.md": true, "ci.md": true, "policy-init.md": true}

// docsBlocksRunElsewhere are single blocks that a test of their own
// runs, by document and first command, with the test's name.
var docsBlocksRunElsewhere = map[[2]string]string{
	{"verify.md", "provenant verify --bundle app.intoto.jsonl --key release.pub --policy builtin:slsa"}: "TestVSACacheDocExamplesRun",
}

// docsNotYetRun lists, by document and first command, the docs' example
// blocks no test runs yet: none since issue 19, item 12. It stays the
// ratchet's last resort: a new example that is not run fails
// TestDocsBlocksAreListed, and so does an entry whose block is gone.
var docsNotYetRun = map[[2]string]bool{}

// docsLoopback names, for each docs block that is not run as printed
// (it needs a network service: Fulcio and Rekor, a TUF repository, a
// GitHub identity, a PKCS#11 tool that is not installed), the test that
// runs its loopback equivalent, by document and first command.
var docsLoopback = map[[2]string]string{
	// Fulcio, Rekor and a timestamp authority on loopback, an OIDC token
	// of the test's issuer; verify with identity flags, against the
	// trusted root given and then cached.
	{"keyless.md", "provenant attest --keyless --bundle app.intoto.jsonl dist/app"}: "TestKeylessRoundTrip",
	{"keyless.md", "provenant verify --bundle app.intoto.jsonl"}:                    "TestKeylessRoundTrip",
	// A SoftHSM token made by softhsmtest (pkcs11-tool, from opensc, is
	// not among the packages the tests install).
	{"keys.md", `provenant key public --key "$KEY" --out release.pub`}: "TestPKCS11AttestVerify",
	// A TUF repository on loopback, with --name, --tuf-url and --tuf-root.
	{"trust-roots.md", "provenant trust update                          # Sigstore's public-good root, through TUF"}:             "TestTrustUpdate",
	{"trust-roots.md", "provenant trust update --name github --tuf-url https://tuf-repo.github.com --tuf-root github-root.json"}: "TestTrustUpdate",
	// The public-good root and real GitHub-issued bundles of sigstore-go's
	// test data, with and without identity flags.
	{"inspect.md", "provenant inspect --trusted-root trusted_root.json"}: "TestInspectVectorsGolden",
	// The public-good root imported into the cache, then a GitHub
	// builder's provenance verified with --source-uri and no
	// --trusted-root (README Usage).
	{"trust-roots.md", "provenant verify --bundle attestation.jsonl --source-uri github.com/OWNER/REPO dist/app"}: "TestReadmeExamplesRun",
}

// docsExampleBlocks returns the example blocks of docs/ that run
// provenant (synopses with [optional] parts or "..." aside, and the docs
// whose blocks a test runs in order), by document and first command, in
// the order of the document (two blocks may start with the same command).
func docsExampleBlocks(t *testing.T) map[[2]string][]string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := map[[2]string][]string{}
	for _, d := range docs {
		name := filepath.Base(d)
		if docsRunElsewhere[name] {
			continue
		}
		text, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile("(?s)```\\w*\n(.*?)```").FindAllStringSubmatch(string(text), -1) {
			first := ""
			for l := range strings.SplitSeq(m[1], "\n") {
				if l = strings.TrimSpace(l); strings.HasPrefix(l, "provenant ") {
					first = strings.TrimSpace(strings.TrimSuffix(l, "\\"))
					break
				}
			}
			if first == "" || strings.Contains(first, "...") || strings.Contains(first, "[") {
				continue // no command, or a synopsis
			}
			key := [2]string{name, first}
			blocks[key] = append(blocks[key], m[1])
		}
	}
	return blocks
}

// testNames returns the names of this package's tests.
func testNames(t *testing.T) map[string]bool {
	t.Helper()
	tests := map[string]bool{}
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`(?m)^func (Test\w+)\(`).FindAllStringSubmatch(string(src), -1) {
			tests[m[1]] = true
		}
	}
	return tests
}

// TestDocsBlocksAreListed: every example block of docs/ that runs
// provenant (synopses with [optional] parts or "..." aside) is run as
// printed (docsExamples, docsBlocksRunElsewhere), mapped to the test that
// runs its loopback equivalent (docsLoopback), or listed in docsNotYetRun.
func TestDocsBlocksAreListed(t *testing.T) {
	blocks := docsExampleBlocks(t)
	run := map[[2]string]bool{}
	nth := map[[2]string]map[int]bool{}
	for _, ex := range docsExamples {
		key := [2]string{ex.doc, ex.first}
		run[key] = true
		if nth[key] == nil {
			nth[key] = map[int]bool{}
		}
		nth[key][ex.nth] = true
	}
	tests := testNames(t)
	for key, bodies := range blocks {
		name, first := key[0], key[1]
		covered := 0
		for _, test := range []string{docsBlocksRunElsewhere[key], docsLoopback[key]} {
			if test != "" {
				covered++
				if !tests[test] {
					t.Errorf("docs/%s block starting %q: test %s does not exist", name, first, test)
				}
			}
		}
		if run[key] {
			covered++
			for i := range bodies {
				if !nth[key][i] && covered == 1 {
					t.Errorf("docs/%s: block %d of those starting %q is not run: add it to docsExamples with nth %d", name, i+1, first, i)
				}
			}
		}
		if docsNotYetRun[key] {
			if covered > 0 {
				t.Errorf("docs/%s block starting %q is run: drop it from docsNotYetRun", name, first)
			}
			covered++
		}
		if covered == 0 {
			t.Errorf("docs/%s: the block starting %q is not run by a test: add it to docsExamples (TestDocsExamplesRun), name the test that runs its loopback equivalent in docsLoopback or, for now, list it in docsNotYetRun", name, first)
		}
	}
	for _, m := range []map[[2]string]bool{docsNotYetRun, run} {
		for k := range m {
			if _, ok := blocks[k]; !ok {
				t.Errorf("docs/%s has no block starting %q, which a list of this test names: drop it", k[0], k[1])
			}
		}
	}
	for _, m := range []map[[2]string]string{docsLoopback, docsBlocksRunElsewhere} {
		for k := range m {
			if _, ok := blocks[k]; !ok {
				t.Errorf("docs/%s has no block starting %q, which a list of this test names: drop it", k[0], k[1])
			}
		}
	}
}
