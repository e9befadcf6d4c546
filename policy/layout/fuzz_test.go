package layout

import (
	"encoding/json"
	"io"
	"os"
	"path"
	"testing"

	"github.com/in-toto/in-toto-golang/in_toto"

	"github.com/provenant/provenant/attest"
)

// FuzzParseMetadata: no input makes the layout and link reader panic, and
// a link it accepts from a metablock keeps every artifact the file names:
// what the signature covers (the canonical JSON of what was decoded) is
// what the file says.
func FuzzParseMetadata(f *testing.F) {
	for _, n := range []string{"demo.layout", "demo.dsse.layout", "package.d3ffd108.link", "write-code.b7d643de.link", "clone-dsse.776a00e2.link", "sub_layout.70ca5750.link"} {
		if b, err := os.ReadFile(data(f, n)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"signed":{"_type":"link","name":"a","materials":{"x":{"sha256":"00"}},"products":{},"byproducts":{},"command":[],"environment":{}},"signatures":[]}`))
	f.Add([]byte(`{"signed":{"_type":"link","Name":"a"},"signatures":[]}`))
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"","sig":"AA=="}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := parseMetadata("fuzz", b, attest.DefaultLimits())
		if err != nil {
			return
		}
		if md.mb == nil {
			if payload, err := md.env.DecodeB64Payload(); err == nil {
				_, _, _ = decodeSigned(payload)
			}
			return
		}
		link, ok := md.mb.Signed.(in_toto.Link)
		if !ok {
			return
		}
		var raw struct {
			Signed struct {
				Materials, Products map[string]any
			} `json:"signed"`
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatalf("accepted, but encoding/json cannot read it: %v", err)
		}
		for name := range raw.Signed.Materials {
			if _, ok := link.Materials[name]; !ok {
				t.Fatalf("material %q of the file is not in the decoded link", name)
			}
		}
		for name := range raw.Signed.Products {
			if _, ok := link.Products[name]; !ok {
				t.Fatalf("product %q of the file is not in the decoded link", name)
			}
		}
		if _, err := md.mb.GetSignableRepresentation(); err != nil {
			t.Fatalf("accepted, but in-toto-golang cannot canonicalize it: %v", err)
		}
	})
}

// FuzzCheckPattern: a pattern checkPattern accepts (as written, and as
// path.Clean makes it, which in-toto-golang matches) never makes
// in-toto-golang's matcher fail, which it reports only by printing a
// warning on stdout and matching nothing.
func FuzzCheckPattern(f *testing.F) {
	for _, p := range []string{"*", "foo.py", "demo-project/*", "[a-z]*", "[!a]", `\*`, "[", "[]", "[!]", "[a-]", `a\`, `app\/`, "x[\\]]y", "[\xff]"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if checkPattern(p) != nil || checkPattern(path.Clean(p)) != nil {
			return
		}
		r, w, err := os.Pipe()
		if err != nil {
			t.Skip(err)
		}
		done := make(chan []byte)
		go func() {
			out, _ := io.ReadAll(r) // drained while it prints: a long pattern fills a pipe
			done <- out
		}()
		stdout := os.Stdout
		os.Stdout = w
		in_toto.NewSet("a", "a/b", "foo.py", "[", "\xff", "").Filter(path.Clean(p))
		os.Stdout = stdout
		_ = w.Close()
		out := <-done
		_ = r.Close()
		if len(out) > 0 {
			t.Fatalf("checkPattern accepts %q, but in-toto-golang says: %s", p, out)
		}
	})
}
