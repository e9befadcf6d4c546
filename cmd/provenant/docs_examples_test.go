package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// docsExamples are the docs' example blocks TestDocsExamplesRun runs as
// printed, by document and first command (the keys of
// TestDocsBlocksAreListed), each after a setup script that makes, in a
// fresh scratch directory, the files the block names: keys as the docs
// name them (made with provenant keygen), dist/app, bundles made with
// provenant attest or run. nth tells blocks with the same first command
// apart (0: the document's first).
var docsExamples = []struct {
	doc, first, setup string
	nth               int
}{
	{"attest.md", "provenant attest --key release.key --bundle app.intoto.jsonl dist/app", docsRelease + `
sha256sum dist/app > SHA256SUMS
echo '{"result": "PASSED", "configuration": [], "passedTests": ["TestApp"]}' > results.json`, 0},
	{"keygen.md", "provenant keygen --out release", "", 0},
	{"run.md", "provenant keygen --out build", `
mkdir src && printf 'int main(void) { return 0; }\n' > src/app.c`, 0},
	{"inspect.md", "provenant inspect --key release.pub build.intoto.jsonl                         # exit 1 on a mismatch", docsRelease + `
mkdir src && echo 'int x;' > src/app.c
provenant run --key release.key --bundle build.intoto.jsonl --step compile --materials src --products build \
    -- sh -c 'mkdir -p build && cp src/app.c build/app'
provenant run --key release.key --bundle build.intoto.jsonl --step package --materials build/app --products dist \
    -- sh -c 'mkdir -p dist && tar -czf dist/app.tar.gz build/app'`, 0},
	{"inspect.md", "provenant inspect --format markdown --key release.pub app.intoto.jsonl > summary.md", docsReleaseBundle, 0},
	{"inspect.md", "provenant inspect app.intoto.jsonl", docsReleaseBundle, 0},
	{"verify.md", "provenant verify --bundle app.intoto.jsonl --key release.pub dist/app", docsReleaseBundle + `
# release, alice and bob sign the same statement, in one envelope.
for k in alice bob cosign; do provenant keygen --out $k >/dev/null; done
jq -r .payload app.intoto.jsonl | base64 -d | jq .predicate > pred.json
for k in release alice bob; do
  provenant attest --key $k.key --bundle $k.jsonl --predicate pred.json --predicate-type https://slsa.dev/provenance/v1 dist/app >/dev/null
done
jq -c -s '.[0] + {signatures: (.[0].signatures + .[1].signatures + .[2].signatures)}' release.jsonl alice.jsonl bob.jsonl > app.intoto.jsonl
echo 'an artifact' > art.txt
provenant attest --key cosign.key --bundle att.intoto.jsonl --builder-id https://example.com/builder art.txt >/dev/null
printf 'keys:\n  - id: cosign\n    path: cosign.pub\n    builders: [https://example.com/builder]\n' > builders.trust.yaml`, 0},
	{"policies.md", "provenant verify --bundle app.intoto.jsonl --key release.pub --policy builtin:slsa", docsReleaseBundle + `
provenant keygen --out gate >/dev/null`, 0},
	{"policies.md", "provenant verify --bundle app.intoto.jsonl --key release.pub", docsReleaseBundle + `
mkdir policies
printf 'package release\n\nimport rego.v1\n\ndeny contains msg if {\n\tnot input.artifact.attestations\n\tmsg := "no attestation"\n}\n' > policies/release.rego
printf 'data:\n  slsa:\n    level: 1\n' > policy.yaml`, 0},
	{"policies.md", "provenant verify --bundle app.intoto.jsonl --key release.pub", docsRelease + `
# Provenance of GitHub's build type, from octo-org/app's release workflow.
provenant attest --key release.key --bundle gh.jsonl dist/app >/dev/null
jq -r .payload gh.jsonl | base64 -d | jq '.predicate
  | .buildDefinition.buildType = "https://actions.github.io/buildtypes/workflow/v1"
  | .buildDefinition.externalParameters = {workflow: {repository: "https://github.com/octo-org/app",
      path: ".github/workflows/release.yml", ref: "refs/tags/v1.0.0"}}' > pred.json
provenant attest --key release.key --bundle app.intoto.jsonl --predicate pred.json \
    --predicate-type https://slsa.dev/provenance/v1 dist/app >/dev/null
cat > policy.yaml <<'YAML'
data:
  github:
    repository: octo-org/app
    workflow: .github/workflows/release.yml
    refs: [refs/heads/main, "refs/tags/v*"]
YAML`, 1},
	{"policies.md", "provenant run --step build --materials 'src/**' --products 'bin/*' --key ci.key --bundle app.intoto.jsonl -- make", `
provenant keygen --out ci >/dev/null
mkdir src && echo 'int main(void) { return 0; }' > src/main.c
printf 'bin/app: src/main.c\n\tmkdir -p bin && cp src/main.c bin/app\n\ndist:\n\ttar -czf app.tar.gz bin/app\n.PHONY: dist\n' > Makefile
printf 'data:\n  chain:\n    - {from: build, to: package}\n' > policy.yaml`, 0},
	{"run.md", "provenant run --key build.key --bundle build.intoto.jsonl --step compile", `
provenant keygen --out build >/dev/null
mkdir src && echo 'int main(void) { return 0; }' > src/main.c
printf 'build/app: src/main.c\n\tmkdir -p build && cp src/main.c build/app\n' > Makefile`, 0},
	{"run.md", "provenant run --key build.key --bundle build.intoto.jsonl --step test --test-result", docsGoModule, 0},
	{"run.md", "provenant verify --bundle build.intoto.jsonl --key build.pub", docsGoModule + `
mkdir -p testdata/policies && cp "$REPO/testdata/policies/tests-passed.rego" testdata/policies/
git init -q && git add -A && git -c user.name=docs -c user.email=docs@example.com commit -qm source
provenant run --key build.key --bundle build.intoto.jsonl --step build --materials src --products dist \
    -- sh -c 'mkdir -p dist && cat src/*.go > dist/app' >/dev/null
provenant run --key build.key --bundle build.intoto.jsonl --step test --test-result \
    --materials src --materials go.mod -- go test ./... >/dev/null`, 0},
	{"run.md", "provenant run --key build.key --bundle-format sigstore --bundle build.sigstore.json", `
provenant keygen --out build >/dev/null
cp good-test-only.crt ci.crt && cp good-test-only.key ci.key
cp chain-test-only.pem intermediate.pem && cp roots-test-only.pem roots.pem
mkdir src && echo 'int main(void) { return 0; }' > src/main.c
printf 'build/app: src/main.c\n\tmkdir -p build && cp src/main.c build/app\n' > Makefile`, 0},
}

// docsExampleDirs prepare, for the blocks whose setup needs more than a
// shell script, the scratch directory (otherwise empty) by document and
// first command.
var docsExampleDirs = map[[2]string]func(*testing.T) string{
	// A CA, an intermediate and a leaf for https://ci.example.com/workflows/release.
	{"run.md", "provenant run --key build.key --bundle-format sigstore --bundle build.sigstore.json"}: x509Fixture,
}

// docsGoModule is a Go module with a test, and build.key.
const docsGoModule = `
provenant keygen --out build >/dev/null
printf 'module example.com/app\n\ngo 1.22\n' > go.mod
mkdir src
printf 'package src\n\nfunc Add(a, b int) int { return a + b }\n' > src/add.go
printf 'package src\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal("1+2")\n\t}\n}\n' > src/add_test.go`

// docsRelease makes the release key pair and dist/app.
const docsRelease = `
provenant keygen --out release >/dev/null
mkdir -p dist && echo 'the app' > dist/app`

// docsReleaseBundle adds app.intoto.jsonl, provenance for dist/app signed
// with release.key.
const docsReleaseBundle = docsRelease + `
provenant attest --key release.key --bundle app.intoto.jsonl dist/app >/dev/null`

// TestDocsExamplesRun runs each block of docsExamples as printed, with
// bash -euo pipefail and the freshly built provenant first on PATH, after
// its setup.
func TestDocsExamplesRun(t *testing.T) {
	// The tools the examples and their setups call besides provenant.
	for _, tool := range []string{"jq", "make", "cc", "git", "go", "tar", "sha256sum", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the docs examples need %s, which is not installed: %v", tool, err)
		}
	}
	blocks := docsExampleBlocks(t)
	for _, ex := range docsExamples {
		name := fmt.Sprintf("%s/%s/%d", ex.doc, strings.Join(strings.Fields(ex.first)[1:3], "_"), ex.nth)
		t.Run(name, func(t *testing.T) {
			bodies := blocks[[2]string{ex.doc, ex.first}]
			if ex.nth >= len(bodies) {
				t.Fatalf("docs/%s has no block %d starting %q", ex.doc, ex.nth+1, ex.first)
			}
			body := bodies[ex.nth]
			dir := t.TempDir()
			if prepare := docsExampleDirs[[2]string{ex.doc, ex.first}]; prepare != nil {
				dir = prepare(t)
			}
			repo, err := filepath.Abs(filepath.Join("..", ".."))
			if err != nil {
				t.Fatal(err)
			}
			runShellBlocks(t, "setup of docs/"+ex.doc, [][]string{{"", ex.setup}}, dir, "REPO="+repo)
			if t.Failed() {
				return
			}
			runShellBlocks(t, "docs/"+ex.doc, [][]string{{"", body}}, dir, "XDG_CACHE_HOME="+filepath.Join(dir, ".cache"))
		})
	}
}
