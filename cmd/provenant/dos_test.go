//go:build unix

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// runWithin runs provenant in-process like runCLI, failing the test
// instead of hanging it when the command does not return in time: a FIFO
// or /dev/zero hung verify, verify-signature and inspect.
func runWithin(t *testing.T, d time.Duration, args ...string) result {
	t.Helper()
	return attesttest.Within(t, d, "provenant "+strings.Join(args, " "), func() result { return runCLI(t, "", args...) })
}

// TestDenialOfServiceGolden: issue 13, items 17 to 19, as a user sees
// them. Non-regular files (a FIFO, /dev/zero, links to them) are input
// errors (exit 2) at once; the envelopes limit counts each Sigstore bundle
// of a GitHub attestations line; junk signatures stop at the
// signature-checks limit, a denial that names it.
func TestDenialOfServiceGolden(t *testing.T) {
	f := newFixture(t)
	t.Chdir(f.dir)
	attesttest.Mkfifo(t, "fifo")
	attesttest.Mkfifo(t, "fifo.intoto.jsonl")
	attesttest.Symlink(t, "/dev/zero", "zero.tar.gz")
	attesttest.Symlink(t, "fifo", "link-to-fifo.tar.gz")
	key := "--key=ed25519-test-only.pub"
	ecKey := "ecdsa-p256-test-only.key"
	if r := runCLI(t, "", "sign", "--key", ecKey, "--bundle", "app.sigstore.json", "app.tar.gz"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	// GitHub's attestations shape: three Sigstore bundles on one line.
	sb, err := os.ReadFile("app.sigstore.json")
	if err != nil {
		t.Fatal(err)
	}
	item := `{"bundle":` + strings.TrimSpace(string(sb)) + `}`
	f.write(t, "github.json", `{"attestations":[`+item+","+item+","+item+"]}\n")
	// An envelope with 16 signatures by keys nobody trusts, no keyids;
	// seeded keys, so that the goldens are fixed.
	var attackers []attest.Signer
	for i := range 16 {
		attackers = append(attackers, provenancetest.SeededKey(t, byte(100+i)).Signer)
	}
	junk, err := attest.SignPayload(context.Background(), attest.PayloadType, decodePayload(t, mustReadEnvelope(t, "good.intoto.jsonl")), attackers...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range junk.Signatures {
		junk.Signatures[i].KeyID = ""
	}
	f.writeLines(t, "junk.intoto.jsonl", junk)
	three := []string{key, "--key=other-ed25519-test-only.pub", "--key=ecdsa-p256-test-only.pub"}
	// A directory of fixed content to walk: an attested file, one nothing
	// attests, a FIFO, a link to it and a link to /dev/zero.
	app, err := os.ReadFile("app.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	attesttest.WriteFile(t, filepath.Join("tree", "app.tar.gz"), app, 0o644)
	attesttest.WriteFile(t, filepath.Join("tree", "notes.txt"), []byte("not attested\n"), 0o644)
	attesttest.Mkfifo(t, filepath.Join("tree", "fifo"))
	attesttest.Symlink(t, "fifo", filepath.Join("tree", "link-to-fifo.tar.gz"))
	attesttest.Symlink(t, "/dev/zero", filepath.Join("tree", "zero.tar.gz"))

	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"verify-fifo-artifact", []string{"verify", "--bundle=good.intoto.jsonl", key, "fifo"}, 2},
		{"verify-link-to-fifo-artifact", []string{"verify", "--bundle=good.intoto.jsonl", key, "link-to-fifo.tar.gz"}, 2},
		{"verify-dev-zero-artifact", []string{"verify", "--bundle=good.intoto.jsonl", key, "zero.tar.gz"}, 2},
		{"verify-fifo-bundle", []string{"verify", "--bundle=fifo.intoto.jsonl", key, "app.tar.gz"}, 2},
		{"verify-dev-zero-bundle", []string{"verify", "--bundle=/dev/zero", key, "app.tar.gz"}, 2},
		// A directory is walked as attest walks it: the FIFO, the link to
		// it and the link to /dev/zero in it are skipped, never read.
		{"verify-directory-artifact", []string{"verify", "--bundle=good.intoto.jsonl", key, "tree"}, 1},
		{"verify-signature-fifo-artifact", []string{"verify-signature", "--bundle=app.sigstore.json", "--key=ecdsa-p256-test-only.pub", "fifo"}, 2},
		{"verify-signature-dev-zero-artifact", []string{"verify-signature", "--bundle=app.sigstore.json", "--key=ecdsa-p256-test-only.pub", "zero.tar.gz"}, 2},
		{"verify-signature-fifo-bundle", []string{"verify-signature", "--bundle=fifo.intoto.jsonl", "--key=ecdsa-p256-test-only.pub", "app.tar.gz"}, 2},
		{"verify-vsa-fifo-bundle", []string{"verify-vsa", "--bundle=fifo.intoto.jsonl", key, "--subject-digest=sha256:00", "--verifier-id=v", "--resource-uri=r", "--verified-level=SLSA_BUILD_LEVEL_1"}, 2},
		{"inspect-fifo-bundle", []string{"inspect", "fifo.intoto.jsonl"}, 2},
		{"sign-dev-zero-artifact", []string{"sign", "--key", ecKey, "--bundle", "zero.sigstore.json", "zero.tar.gz"}, 2},
		{"verify-github-line-over-envelopes-limit", []string{"verify", "--bundle=github.json", "--key=ecdsa-p256-test-only.pub", "--limit=envelopes=2", "app.tar.gz"}, 1},
		{"verify-signature-github-line-over-envelopes-limit", []string{"verify-signature", "--bundle=github.json", "--key=ecdsa-p256-test-only.pub", "--limit=envelopes=2", "app.tar.gz"}, 1},
		{"verify-signature-github-line-within-envelopes-limit", []string{"verify-signature", "--bundle=github.json", "--key=ecdsa-p256-test-only.pub", "--limit=envelopes=3", "app.tar.gz"}, 0},
		{"inspect-github-line-over-envelopes-limit", []string{"inspect", "--limit=envelopes=1", "github.json"}, 2},
		{"verify-junk-signatures", append(append([]string{"verify", "--bundle=junk.intoto.jsonl"}, three...), "app.tar.gz"), 1},
		{"verify-junk-signatures-limit-raised", append(append([]string{"verify", "--bundle=junk.intoto.jsonl", "--limit=signature-checks=48"}, three...), "app.tar.gz"), 1},
		{"inspect-junk-signatures", append([]string{"inspect", "junk.intoto.jsonl"}, three...), 1},
		{"verify-bad-limit-name", []string{"verify", "--bundle=good.intoto.jsonl", key, "--limit=signature-check=3", "app.tar.gz"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWithin(t, 20*time.Second, tt.args...)
			oneLineStderr(t, r)
			goldenRun(t, f.pkgDir, filepath.Join("dos", tt.name+".golden"), r, tt.wantCode)
		})
	}
}

func mustReadEnvelope(t *testing.T, path string) *attest.Envelope {
	t.Helper()
	es, err := attest.ReadBundleFile(path)
	if err != nil || len(es) != 1 || es[0].Envelope == nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return es[0].Envelope
}
