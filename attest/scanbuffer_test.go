package attest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
)

// TestScanBufferSize: a reader that says how much it holds is read with a
// buffer of that size, and reads the same entries as a plain reader with
// the 64 KiB buffer, lines longer than the buffer and a document spanning
// lines included.
func TestScanBufferSize(t *testing.T) {
	k := testKey(t, Ed25519, "scan")
	env, err := SignStatement(context.Background(), testStatement(t), k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	line, err := MarshalEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
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
