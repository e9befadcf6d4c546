package attest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// testEnvelopeLine is testStatement signed with an Ed25519 key, and its
// bundle line.
func testEnvelopeLine(t testing.TB) (*Envelope, []byte) {
	t.Helper()
	k := testKey(t, Ed25519, "line")
	env, err := SignStatement(context.Background(), testStatement(t), k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	line, err := MarshalEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	return env, line
}

// TestScanBufferSize: a reader that says how much it holds is read with a
// buffer of that size, and reads the same entries as a plain reader with
// the 64 KiB buffer, lines longer than the buffer and a document spanning
// lines included.
func TestScanBufferSize(t *testing.T) {
	_, line := testEnvelopeLine(t)
	pretty := bytes.ReplaceAll(line, []byte(`","`), []byte("\",\n  \""))
	for _, c := range []struct {
		name string
		data string
		want int
	}{
		{"one line", string(line) + "\n", 1},
		{"no line break", string(line), 1},
		{"three lines and blanks", "\n" + string(line) + "\n\n" + string(line) + "\r\n" + string(line) + "\n\n", 3},
		{"one document on several lines", string(pretty) + "\n", 1},
		{"not JSON", "x\n", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got, want := scanBufferSize(strings.NewReader(c.data)), min(64<<10, max(len(c.data)+1, 16)); got != want {
				t.Errorf("scanBufferSize = %d, want %d", got, want)
			}
			got, gotErr := ReadBundle(strings.NewReader(c.data), "b")
			want, wantErr := ReadBundle(io.MultiReader(strings.NewReader(c.data)), "b")
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || len(got) != c.want || len(want) != c.want {
				t.Fatalf("ReadBundle = %d entries, %v; with a plain reader %d, %v; want %d", len(got), gotErr, len(want), wantErr, c.want)
			}
			for i := range got {
				if got[i].Digest != want[i].Digest || got[i].Source != want[i].Source || fmt.Sprint(got[i].Err) != fmt.Sprint(want[i].Err) {
					t.Errorf("entry %d: %+v, with a plain reader %+v", i, got[i], want[i])
				}
			}
		})
	}
	if got := scanBufferSize(io.MultiReader()); got != 64<<10 {
		t.Errorf("scanBufferSize(a reader without Len) = %d, want 64 KiB", got)
	}
}

// readBundleByLine is ReadBundle one line at a time (as it was before
// lines were parsed in batches): the reference for TestReadBundleBatches.
func readBundleByLine(l Limits, r io.Reader, name string) ([]Entry, error) {
	l = l.orDefaults()
	var entries []Entry
	err := l.ScanBundle(r, name, func(lineNo int, data []byte) error {
		got, err := l.parseLine(Source{name, lineNo}, data, l.Envelopes-len(entries))
		if err != nil {
			return &BundleError{File: name, Line: lineNo, Err: err}
		}
		entries = append(entries, got...)
		return nil
	})
	if errors.Is(err, ErrLimit) {
		return nil, err
	}
	return entries, err
}

// TestReadBundleBatches: reading in parallel batches gives the entries and
// the error of a line-by-line read, at every envelopes limit around the
// bundle's size, with GitHub attestation lines (several entries a line),
// junk lines and a line past the line-bytes limit.
func TestReadBundleBatches(t *testing.T) {
	_, line := testEnvelopeLine(t)
	gh := `{"attestations":[{"bundle":{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}},{"bundle":{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","x":1}},{"bundle":1}]}`
	var b strings.Builder
	n := 0 // entries
	for i := range 300 {
		switch {
		case i%97 == 5:
			b.WriteString(gh + "\n")
			n += 3
		case i%50 == 7:
			b.WriteString("junk\n\n")
			n++
		default:
			b.Write(line)
			b.WriteString("\n")
			n++
		}
	}
	bundle := b.String()
	long := bundle + strings.Repeat("x", 3000) + "\n" + string(line) + "\n"
	for _, envelopes := range []int{1, 2, 5, 127, 128, 129, 200, n - 3, n - 2, n - 1, n, n + 1, 10 * n} {
		for _, c := range []struct {
			name, data string
			lineBytes  int
		}{{"bundle", bundle, 0}, {"a long line at the end", long, 2048}} {
			l := Limits{Envelopes: envelopes, LineBytes: c.lineBytes}
			got, gotErr := l.ReadBundle(strings.NewReader(c.data), "b")
			want, wantErr := readBundleByLine(l, strings.NewReader(c.data), "b")
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || len(got) != len(want) {
				t.Fatalf("%s, envelopes=%d: ReadBundle = %d entries, %v; line by line %d, %v", c.name, envelopes, len(got), gotErr, len(want), wantErr)
			}
			for i := range got {
				if got[i].Digest != want[i].Digest || got[i].Source != want[i].Source || got[i].Index != want[i].Index || fmt.Sprint(got[i].Err) != fmt.Sprint(want[i].Err) {
					t.Fatalf("%s, envelopes=%d: entry %d: %+v, line by line %+v", c.name, envelopes, i, got[i], want[i])
				}
			}
		}
	}
}
