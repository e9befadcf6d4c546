package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// docsExamples are the docs' example blocks TestDocsExamplesRun runs as
// printed, by document and first command (the keys of
// TestDocsBlocksAreListed), each after a setup script that makes, in a
// fresh scratch directory, the files the block names: keys as the docs
// name them (made with provenant keygen), dist/app, bundles made with
// provenant attest or run.
var docsExamples = []struct {
	doc, first, setup string
}{
	{"attest.md", "provenant attest --key release.key --bundle app.intoto.jsonl dist/app", docsRelease + `
sha256sum dist/app > SHA256SUMS
echo '{"result": "PASSED", "configuration": [], "passedTests": ["TestApp"]}' > results.json`},
	{"keygen.md", "provenant keygen --out release", ""},
	{"run.md", "provenant keygen --out build", `
mkdir src && printf 'int main(void) { return 0; }\n' > src/app.c`},
	{"inspect.md", "provenant inspect --key release.pub build.intoto.jsonl                         # exit 1 on a mismatch", docsRelease + `
mkdir src && echo 'int x;' > src/app.c
provenant run --key release.key --bundle build.intoto.jsonl --step compile --materials src --products build \
    -- sh -c 'mkdir -p build && cp src/app.c build/app'
provenant run --key release.key --bundle build.intoto.jsonl --step package --materials build/app --products dist \
    -- sh -c 'mkdir -p dist && tar -czf dist/app.tar.gz build/app'`},
	{"inspect.md", "provenant inspect --format markdown --key release.pub app.intoto.jsonl > summary.md", docsReleaseBundle},
}

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
	blocks := docsExampleBlocks(t)
	for _, ex := range docsExamples {
		name := ex.doc + "/" + strings.Join(strings.Fields(ex.first)[1:3], "_")
		t.Run(name, func(t *testing.T) {
			body, ok := blocks[[2]string{ex.doc, ex.first}]
			if !ok {
				t.Fatalf("docs/%s has no block starting %q", ex.doc, ex.first)
			}
			dir := t.TempDir()
			runShellBlocks(t, "setup of docs/"+ex.doc, [][]string{{"", ex.setup}}, dir)
			if t.Failed() {
				return
			}
			runShellBlocks(t, "docs/"+ex.doc, [][]string{{"", body}}, dir, "XDG_CACHE_HOME="+filepath.Join(dir, ".cache"))
		})
	}
}
