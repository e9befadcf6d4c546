package attest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
)

// testLines returns n signed envelopes, each as one JSON line.
func testLines(t testing.TB, n int) [][]byte {
	t.Helper()
	k := testKey(t, Ed25519, "a")
	var out [][]byte
	for i := range n {
		env, err := SignPayload(context.Background(), PayloadType, fmt.Appendf(nil, `{"n":%d}`, i), k.Signer)
		if err != nil {
			t.Fatal(err)
		}
		line, err := MarshalEnvelope(env)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, line)
	}
	return out
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func TestReadBundleJSONLines(t *testing.T) {
	l := testLines(t, 3)
	in := "\n" + string(l[0]) + "\r\n\n  \n" + string(l[1]) + "\n" + string(l[2]) // no final newline
	entries, err := ReadBundle(strings.NewReader(in), "b.jsonl")
	if err != nil {
		t.Fatalf("ReadBundle = %v", err)
	}
	wantLines := []int{2, 5, 6}
	if len(entries) != len(wantLines) {
		t.Fatalf("ReadBundle = %d entries, want %d", len(entries), len(wantLines))
	}
	for i, e := range entries {
		if e.Err != nil || e.Envelope == nil {
			t.Errorf("entry %d = %v, want an envelope", i, e.Err)
		}
		if e.Source != (Source{"b.jsonl", wantLines[i]}) {
			t.Errorf("entry %d source = %v, want b.jsonl:%d", i, e.Source, wantLines[i])
		}
		if e.Digest != digestOf(l[i]) {
			t.Errorf("entry %d digest = %s, want %s (the line's bytes)", i, e.Digest, digestOf(l[i]))
		}
	}
}

func TestReadBundleSingleDocument(t *testing.T) {
	l := testLines(t, 1)
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, l[0], "", "  "); err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{
		"pretty":               pretty.String() + "\n",
		"pretty after a blank": "\n\n" + pretty.String(),
		"pretty CRLF":          strings.ReplaceAll(pretty.String(), "\n", "\r\n"),
		"compact":              string(l[0]),
	} {
		entries, err := ReadBundle(strings.NewReader(doc), "e.json")
		if err != nil {
			t.Errorf("ReadBundle(%s) = %v", name, err)
			continue
		}
		if len(entries) != 1 || entries[0].Err != nil {
			t.Errorf("ReadBundle(%s) = %+v, want one envelope", name, entries)
			continue
		}
		wantLine := 1 + strings.Count(doc[:strings.Index(doc, "{")], "\n")
		if entries[0].Source.Line != wantLine {
			t.Errorf("ReadBundle(%s) line = %d, want %d", name, entries[0].Source.Line, wantLine)
		}
		if want := digestOf(bytes.TrimSpace([]byte(doc))); entries[0].Digest != want {
			t.Errorf("ReadBundle(%s) digest = %s, want %s (the document's bytes)", name, entries[0].Digest, want)
		}
	}
}

// TestReadBundleMultiLineIsJSON: a document spanning lines is read with its
// line breaks; joining the lines would turn "1\n2" (not JSON) into 12.
func TestReadBundleMultiLineIsJSON(t *testing.T) {
	l := testLines(t, 1)
	doc := string(l[0][:len(l[0])-1]) + `,"x":1` + "\n" + `2}` + "\n"
	entries, err := ReadBundle(strings.NewReader(doc), "e.json")
	if err != nil {
		t.Fatalf("ReadBundle = %v", err)
	}
	if len(entries) != 1 || !errors.Is(entries[0].Err, ErrMalformed) {
		t.Errorf("ReadBundle(%q) = %+v, want one malformed entry", doc, entries)
	}
}

func TestReadBundleBadLines(t *testing.T) {
	l := testLines(t, 2)
	cases := []struct {
		name     string
		in       string
		wantLine int // of the bad entry
		want     string
	}{
		{"truncated line 2", string(l[0]) + "\n" + string(l[1][:40]) + "\n", 2, "truncated"},
		{"not JSON line 2", string(l[0]) + "\nhello\n" + string(l[1]) + "\n", 2, "not valid JSON"},
		{"no signatures line 3", string(l[0]) + "\n" + string(l[1]) + "\n" + `{"payloadType":"t","payload":"","signatures":[]}` + "\n", 3, "no signatures"},
		{"bad base64 line 2", string(l[0]) + "\n" + `{"payloadType":"t","payload":"@@","signatures":[{"sig":"AQ=="}]}` + "\n", 2, "not base64"},
		{"duplicate key line 2", string(l[0]) + "\n" + `{"payloadType":"t","payloadType":"u","payload":"","signatures":[{"sig":"AQ=="}]}` + "\n", 2, "duplicate"},
		{"not JSON at all", "hello world\n", 1, "not valid JSON"},
		{"truncated single document", "{\n  \"payloadType\": \"t\",\n", 1, "end of JSON"},
	}
	for _, c := range cases {
		entries, err := ReadBundle(strings.NewReader(c.in), "b.jsonl")
		if err != nil {
			t.Errorf("ReadBundle(%s) = %v, want entries", c.name, err)
			continue
		}
		var bad *Entry
		for i := range entries {
			if entries[i].Err != nil {
				if bad != nil {
					t.Errorf("ReadBundle(%s): more than one bad entry", c.name)
				}
				bad = &entries[i]
			} else if entries[i].Envelope == nil {
				t.Errorf("ReadBundle(%s): entry %d has neither envelope nor error", c.name, i)
			}
		}
		if bad == nil {
			t.Errorf("ReadBundle(%s) = %+v, want a bad entry", c.name, entries)
			continue
		}
		if bad.Source.Line != c.wantLine || !errors.Is(bad.Err, ErrMalformed) || !strings.Contains(bad.Err.Error(), c.want) {
			t.Errorf("ReadBundle(%s) bad entry = %v: %v, want line %d, ErrMalformed containing %q", c.name, bad.Source, bad.Err, c.wantLine, c.want)
		}
	}
}

func TestReadBundleEmpty(t *testing.T) {
	for _, in := range []string{"", "\n", " \n\t\n\r\n"} {
		entries, err := ReadBundle(strings.NewReader(in), "b.jsonl")
		if !errors.Is(err, ErrEmptyBundle) || len(entries) != 0 {
			t.Errorf("ReadBundle(%q) = %v, %v, want ErrEmptyBundle", in, entries, err)
		} else if !strings.HasPrefix(err.Error(), "b.jsonl: ") {
			t.Errorf("ReadBundle(%q) = %v, want the file named", in, err)
		}
	}
}

func TestReadBundleTooLong(t *testing.T) {
	l := testLines(t, 1)
	long := `{"payloadType":"t","payload":"` + strings.Repeat("A", MaxEnvelopeBytes) + `"}`
	_, err := ReadBundle(strings.NewReader(string(l[0])+"\n"+long+"\n"), "b.jsonl")
	if !errors.Is(err, ErrMalformed) || !strings.HasPrefix(err.Error(), "b.jsonl:2: ") {
		t.Errorf("ReadBundle(line 2 too long) = %v, want b.jsonl:2: ErrMalformed", err)
	}
}

func TestReadBundleFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.jsonl")
	if _, err := ReadBundleFile(missing); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("ReadBundleFile(missing) = %v, want ErrNotExist naming the file", err)
	}
	p := filepath.Join(dir, "b.jsonl")
	l := testLines(t, 2)
	attesttest.WriteFile(t, p, append(append(l[0], '\n'), l[1]...), 0o644)
	entries, err := ReadBundleFile(p)
	if err != nil || len(entries) != 2 || entries[1].Source != (Source{p, 2}) {
		t.Errorf("ReadBundleFile = %+v, %v, want 2 entries", entries, err)
	}
}

func TestAppendToBundle(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "b.intoto.jsonl")
	k := testKey(t, Ed25519, "a")
	env, err := SignPayload(context.Background(), PayloadType, []byte("{}"), k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := AppendToBundle(p, env); err != nil {
		t.Fatalf("AppendToBundle(new) = %v", err)
	}
	if err := AppendToBundle(p, env, env); err != nil {
		t.Fatalf("AppendToBundle(existing) = %v", err)
	}
	data, _ := os.ReadFile(p)
	if n := bytes.Count(data, []byte("\n")); n != 3 || !bytes.HasSuffix(data, []byte("\n")) {
		t.Errorf("bundle has %d lines, want 3 ending in a newline:\n%s", n, data)
	}

	// A bundle without a final newline gets one before the new line.
	attesttest.WriteFile(t, p, bytes.TrimSuffix(data, []byte("\n")), 0o600)
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := AppendToBundle(p, env); err != nil {
		t.Fatal(err)
	}
	entries, err := ReadBundleFile(p)
	if err != nil || len(entries) != 4 {
		t.Fatalf("after appending to an unterminated bundle: %d entries, %v, want 4", len(entries), err)
	}
	for _, e := range entries {
		if e.Err != nil {
			t.Errorf("entry %v: %v", e.Source, e.Err)
		}
	}
	if info, _ := os.Stat(p); info.Mode().Perm() != 0o600 {
		t.Errorf("mode after append = %v, want the bundle's 0600 kept", info.Mode().Perm())
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
	if err := AppendToBundle(filepath.Join(dir, "no-such-dir", "b.jsonl"), env); err == nil {
		t.Errorf("AppendToBundle(in a missing directory) = nil, want an error")
	}
}

// TestAppendToBundleConcurrent: appenders racing on one bundle lose nothing
// and never interleave lines.
func TestAppendToBundleConcurrent(t *testing.T) {
	p := filepath.Join(t.TempDir(), "b.jsonl")
	k := testKey(t, Ed25519, "a")
	const writers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				env, err := SignPayload(context.Background(), PayloadType, fmt.Appendf(nil, `{"w":%d,"i":%d}`, w, i), k.Signer)
				if err == nil {
					err = AppendToBundle(p, env)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("AppendToBundle = %v", err)
	}
	entries, err := ReadBundleFile(p)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if e.Err != nil {
			t.Errorf("%v: %v", e.Source, e.Err)
			continue
		}
		seen[e.Envelope.Payload] = true
	}
	if len(seen) != writers*each {
		t.Errorf("bundle holds %d distinct envelopes, want %d", len(seen), writers*each)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	for _, content := range []string{"one", "two"} {
		if err := WriteFileAtomic(p, []byte(content), 0o640); err != nil {
			t.Fatalf("WriteFileAtomic = %v", err)
		}
		got, _ := os.ReadFile(p)
		info, _ := os.Stat(p)
		if string(got) != content || info.Mode().Perm() != 0o640 {
			t.Errorf("after WriteFileAtomic(%q): %q mode %v", content, got, info.Mode().Perm())
		}
	}
}
