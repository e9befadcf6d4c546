package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest/oci/ocitest"
)

// pinVerifyClock fixes verify's clock (VSA times, ages) for a test.
func pinVerifyClock(t *testing.T, at time.Time) {
	t.Helper()
	old := verifyNow
	verifyNow = func() time.Time { return at }
	t.Cleanup(func() { verifyNow = old })
}

// TestVSACacheGolden: a cold run verifies fully and fills the cache; a
// warm run says "from cache" per artifact in every format; a change of
// policy configuration, of evidence or of age misses; without --vsa-key
// the cache is read-only and says so.
func TestVSACacheGolden(t *testing.T) {
	f := policyFixture(t)
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	pinVerifyClock(t, at)
	base := []string{"verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "--policy=policies", "--policy-config=ok.yaml",
		"--vsa-cache=vsa-cache", "--verifier-id=https://ci.example.com/gate"}
	writer := append(append([]string{}, base...), "--vsa-key=other-ed25519-test-only.key")
	reader := append(append([]string{}, base...), "--vsa-cache-key=other-ed25519-test-only.pub")
	with := func(args []string, extra ...string) []string { return append(append([]string{}, args...), extra...) }
	arts := []string{"app.tar.gz", "lib.tar.gz"}

	r := runCLI(t, f.dir, with(writer, arts...)...)
	goldenRun(t, f.pkgDir, filepath.Join("vsa-cache", "cold.golden"), r, 0)
	names, err := filepath.Glob(filepath.Join(f.dir, "vsa-cache", "sha256-*.vsa.intoto.jsonl"))
	if err != nil || len(names) != 2 {
		t.Fatalf("cache entries = %v (%v), want 2", names, err)
	}
	for _, format := range []string{"text", "json", "junit", "sarif", "markdown"} {
		r := runCLI(t, f.dir, with(reader, append([]string{"--format=" + format}, arts...)...)...)
		goldenRun(t, f.pkgDir, filepath.Join("vsa-cache", "warm-"+format+".golden"), r, 0)
		if format == "sarif" {
			// A hit is a note result that GitHub code scanning takes too.
			for _, p := range githubSARIFProblems(t, r.stdout) {
				t.Errorf("warm sarif: %s", p)
			}
		}
	}
	// Another policy configuration: a miss, verified fully (and denied).
	r = runCLI(t, f.dir, with(reader, "--policy-config=strict.yaml", "app.tar.gz")...)
	goldenRun(t, f.pkgDir, filepath.Join("vsa-cache", "read-only-miss.golden"), r, 1)
	// Other evidence: one more attestation in the bundle.
	good, err := os.ReadFile(filepath.Join(f.dir, "good.intoto.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	f.write(t, "more.intoto.jsonl", string(good)+strings.Replace(string(good), `"signatures":[`, `"signatures": [`, 1))
	r = runCLI(t, f.dir, with(reader, "--bundle=more.intoto.jsonl", "app.tar.gz")...)
	if r.code != 0 || strings.Contains(r.stdout, "from cache") {
		t.Errorf("other evidence: exit %d, want a full verification\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Too old: a day and a second later.
	pinVerifyClock(t, at.Add(24*time.Hour+time.Second))
	r = runCLI(t, f.dir, with(reader, "app.tar.gz")...)
	if r.code != 0 || strings.Contains(r.stdout, "from cache") {
		t.Errorf("expired: exit %d, want a full verification\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, f.dir, with(reader, "--vsa-max-age=48h", "app.tar.gz")...)
	if r.code != 0 || !strings.Contains(r.stdout, "from cache") {
		t.Errorf("--vsa-max-age 48h: exit %d, want a hit\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestVSACacheUsage(t *testing.T) {
	f := policyFixture(t)
	base := []string{"verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub"}
	with := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	tests := []struct {
		name string
		args []string
	}{
		{"no-verifier-id", with("--vsa-cache=c", "--vsa-key=other-ed25519-test-only.key", "app.tar.gz")},
		{"no-key", with("--vsa-cache=c", "--verifier-id=https://ci.example.com/gate", "app.tar.gz")},
		{"max-age-alone", with("--vsa-max-age=1h", "app.tar.gz")},
		{"bad-max-age", with("--vsa-cache=c", "--vsa-key=other-ed25519-test-only.key", "--verifier-id=https://ci.example.com/gate", "--vsa-max-age=-1h", "app.tar.gz")},
		{"bad-level", with("--vsa-cache=c", "--vsa-key=other-ed25519-test-only.key", "--verifier-id=https://ci.example.com/gate", "--verified-level=SLSA_BUILD_LEVEL_03", "app.tar.gz")},
		{"vsa-key-alone", with("--vsa-key=other-ed25519-test-only.key", "app.tar.gz")},
		{"bad-oci", with("--vsa-cache=oci://localhost:5000/cache:tag", "--vsa-key=other-ed25519-test-only.key", "--verifier-id=https://ci.example.com/gate", "app.tar.gz")},
		{"vsa-out", with("--vsa-cache=c", "--vsa-out=v.jsonl", "--vsa-key=other-ed25519-test-only.key", "--verifier-id=https://ci.example.com/gate", "app.tar.gz")},
		{"verifier-id-password", with("--vsa-cache=c", "--vsa-key=other-ed25519-test-only.key", "--verifier-id=https://gate:hunter2@ci.example.com/gate", "app.tar.gz")},
		{"verifier-id-not-uri", with("--vsa-out=c", "--vsa-key=other-ed25519-test-only.key", "--verifier-id=release gate", "app.tar.gz")},
		{"print-input", with("--vsa-cache=c", "--vsa-key=other-ed25519-test-only.key", "--verifier-id=https://ci.example.com/gate", "--print-input", "app.tar.gz")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, f.dir, tt.args...)
			oneLineStderr(t, r)
			goldenRun(t, f.pkgDir, filepath.Join("vsa-cache", "usage-"+tt.name+".golden"), r, 2)
			if strings.Contains(r.stdout+r.stderr, "hunter2") {
				t.Errorf("the password is shown")
			}
			if _, err := os.Stat(filepath.Join(f.dir, "c")); err == nil {
				t.Errorf("a usage error wrote the cache")
			}
		})
	}
}

// TestVSACacheDocExamplesRun runs the sh blocks of docs/verify.md's VSA
// cache section, in the verify fixture with the file names the docs use.
func TestVSACacheDocExamplesRun(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "verify.md"))
	if err != nil {
		t.Fatal(err)
	}
	sec := string(doc)
	start := strings.Index(sec, "\n## VSA cache\n")
	if start < 0 {
		t.Fatal("docs/verify.md has no ## VSA cache section")
	}
	sec = sec[start+1:]
	if end := strings.Index(sec[3:], "\n## "); end >= 0 {
		sec = sec[:3+end]
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(sec, -1)
	if len(blocks) == 0 {
		t.Fatal("no sh block in the VSA cache section")
	}
	f := newFixture(t)
	for to, from := range map[string]string{"app.intoto.jsonl": "good.intoto.jsonl", "release.pub": "ed25519-test-only.pub", "gate.key": "other-ed25519-test-only.key", "gate.pub": "other-ed25519-test-only.pub"} {
		data, err := os.ReadFile(filepath.Join(f.dir, from))
		if err != nil {
			t.Fatal(err)
		}
		f.write(t, to, string(data))
	}
	runShellBlocks(t, "docs/verify.md VSA cache", blocks, f.dir)
}

// TestVSACacheRegistry: the same through a repository of Debian's
// docker-registry on loopback: the cold run pushes a tag per artifact, the
// warm run (read-only) hits them.
func TestVSACacheRegistry(t *testing.T) {
	reg := ocitest.Distribution(t, "", "")
	f := policyFixture(t)
	pinVerifyClock(t, time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	base := []string{"verify", "--bundle=good.intoto.jsonl", "--key=ed25519-test-only.pub", "--policy=builtin:slsa",
		"--vsa-cache=oci://" + reg.Repo("gate/vsa"), "--verifier-id=https://ci.example.com/gate"}
	r := runCLI(t, f.dir, append(base, "--vsa-key=other-ed25519-test-only.key", "app.tar.gz", "lib.tar.gz")...)
	if r.code != 0 || !strings.Contains(r.stderr, "0 hit(s), 2 miss(es), 2 VSA(s) written") {
		t.Fatalf("cold: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, f.dir, append(base, "--vsa-cache-key=other-ed25519-test-only.pub", "--format=json", "app.tar.gz", "lib.tar.gz")...)
	if r.code != 0 || strings.Count(r.stdout, `"vsa": "`+reg.Repo("gate/vsa")+":sha256-") != 2 {
		t.Fatalf("warm: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
