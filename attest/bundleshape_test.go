package attest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
)

const shapeEnv = `{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"k","sig":"AAAA"}]}`

func prettyEnv(t testing.TB) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(shapeEnv), "", "  "); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestDetectBundleShape(t *testing.T) {
	pretty := prettyEnv(t)
	input := "{\n  \"artifact\": {\"name\": \"x\"},\n  \"attestations\": []\n}\n"
	for _, c := range []struct {
		name  string
		data  string
		shape attest.BundleShape
		n     int
	}{
		{"array on one line", "[" + shapeEnv + "," + shapeEnv + "]\n", attest.ShapeArray, 2},
		{"array pretty", "[\n" + pretty + "\n]\n", attest.ShapeArray, 1},
		{"empty array", "[]", attest.ShapeArray, 0},
		{"two pretty documents", pretty + "\n" + pretty + "\n", attest.ShapeDocuments, 2},
		{"pretty then compact", pretty + "\n" + shapeEnv + "\n", attest.ShapeDocuments, 2},
		{"policy input", input, attest.ShapePolicyInput, 1},
		{"policy inputs", input + input, attest.ShapePolicyInput, 2},
		{"policy input on one line", `{"artifact":{},"attestations":[]}`, attest.ShapePolicyInput, 1},
		// Not recognised: the reader's own errors stand.
		{"JSON Lines", shapeEnv + "\n" + shapeEnv + "\n", attest.ShapeUnknown, 0},
		{"one pretty envelope", pretty, attest.ShapeUnknown, 0},
		{"truncated array", "[" + shapeEnv, attest.ShapeUnknown, 0},
		{"array then junk", "[]\nnot JSON", attest.ShapeUnknown, 0},
		{"two arrays", "[]\n[]", attest.ShapeUnknown, 0},
		{"input missing attestations", `{"artifact":{}}`, attest.ShapeUnknown, 0},
		{"input with artifact not an object", `{"artifact":"x","attestations":[]}`, attest.ShapeUnknown, 0},
		{"not JSON", "this is not JSON\n", attest.ShapeUnknown, 0},
		{"empty", "", attest.ShapeUnknown, 0},
		{"scalars", "1\n2\n", attest.ShapeUnknown, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			shape, n := attest.DetectBundleShape([]byte(c.data), 100)
			if shape != c.shape || n != c.n {
				t.Errorf("got shape %d with %d, want %d with %d", shape, n, c.shape, c.n)
			}
		})
	}
	// Past the value cap nothing is recognised.
	if shape, _ := attest.DetectBundleShape([]byte(strings.Repeat(pretty+"\n", 5)), 4); shape != attest.ShapeUnknown {
		t.Errorf("5 documents with a cap of 4: shape %d", shape)
	}
}

// TestDetectBundleFile: the error names the file, wraps the right
// sentinel, says how to convert it with a quoted name when it needs one,
// and a file larger than the line-bytes limit is not recognised.
func TestDetectBundleFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	arr := write("it's.json", "["+shapeEnv+"]")
	err := attest.Limits{}.DetectBundleFile(arr)
	if !errors.Is(err, attest.ErrNotBundle) || !strings.Contains(err.Error(), `jq -c '.[]' '`+dir+`/it'\''s.json' > '`+dir+`/it'\''s.jsonl'`) {
		t.Errorf("array: %v", err)
	}
	in := write("input.json", `{"artifact":{},"attestations":[]}`)
	if err := (attest.Limits{}).DetectBundleFile(in); !errors.Is(err, attest.ErrPolicyInput) {
		t.Errorf("policy input: %v", err)
	}
	if err := (attest.Limits{LineBytes: 10}).DetectBundleFile(arr); err != nil {
		t.Errorf("past the limit: %v", err)
	}
	if err := (attest.Limits{}).DetectBundleFile(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzDetectBundleShape: never panics; what it says holds of the data;
// and it never recognises a file that reads as a bundle without a
// malformed entry (so it can only change the message of a failed read).
func FuzzDetectBundleShape(f *testing.F) {
	pretty := prettyEnv(f)
	for _, s := range []string{"[" + shapeEnv + "]", pretty + "\n" + pretty, `{"artifact":{},"attestations":[]}`, shapeEnv + "\n", "[\n1,\n2]", `{"attestations":[{"bundle":{}}],"artifact":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		shape, n := attest.DetectBundleShape(data, 1000)
		if shape == attest.ShapeUnknown {
			return
		}
		if n < 0 {
			t.Fatalf("count %d", n)
		}
		if shape == attest.ShapeArray && bytes.TrimLeft(data, " \t\r\n")[0] != '[' {
			t.Fatalf("array shape for %q", data)
		}
		es, err := attest.ReadBundle(bytes.NewReader(data), "b")
		if err != nil && !errors.Is(err, attest.ErrMalformed) && !errors.Is(err, attest.ErrEmptyBundle) {
			return // refused whole (a limit): detection is not consulted
		}
		bad := err != nil
		for _, e := range es {
			bad = bad || e.Err != nil
		}
		if !bad {
			t.Fatalf("shape %d for a bundle that reads: %q", shape, data)
		}
	})
}
