package digest

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func FuzzParseChecksums(f *testing.F) {
	f.Add([]byte(abc[SHA256] + "  dist/app\n" + abc[SHA512] + " *b\r\n\n"))
	f.Add([]byte(abc[SHA384] + "  x y z\n"))
	f.Add([]byte("SHA256 (app) = " + abc[SHA256] + "\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		arts, err := ParseChecksums(bytes.NewReader(data), "SUMS")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "SUMS") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("ParseChecksums(%q) = %q, want one line naming the file", data, err)
			}
			return
		}
		if len(arts) == 0 {
			t.Fatalf("ParseChecksums(%q) = no artifacts and no error", data)
		}
		// Every artifact has a name and one well-formed digest, and writing
		// them out again in sha256sum format reads back the same.
		var out strings.Builder
		for _, a := range arts {
			if a.Name == "" || a.Path != "" || len(a.Digests) != 1 {
				t.Fatalf("ParseChecksums(%q) gave %+v", data, a)
			}
			for alg, d := range a.Digests {
				b, err := hex.DecodeString(d)
				if err != nil || d != strings.ToLower(d) || !IsSupported(alg) {
					t.Fatalf("ParseChecksums(%q) digest %s:%s", data, alg, d)
				}
				if want := map[string]int{SHA256: 32, SHA384: 48, SHA512: 64}[alg]; len(b) != want {
					t.Fatalf("ParseChecksums(%q) %s digest of %d bytes", data, alg, len(b))
				}
				fmt.Fprintf(&out, "%s  %s\n", d, a.Name)
			}
		}
		again, err := ParseChecksums(strings.NewReader(out.String()), "SUMS")
		if err != nil {
			t.Fatalf("ParseChecksums(rewritten %q) = %v", out.String(), err)
		}
		if fmt.Sprint(again) != fmt.Sprint(arts) {
			t.Fatalf("rewritten checksums read back as %q, want %q", again, arts)
		}
	})
}

// FuzzMatch: Match never panics; an invalid pattern never matches; a
// pattern without special characters matches only itself.
func FuzzMatch(f *testing.F) {
	for _, s := range [][2]string{{"dist/*", "dist/app"}, {"**/*.{c,h}", "a/b.c"}, {"[!a]", "b"}, {`\*`, "*"}, {"{a,{b,c}}", "c"}, {"[", "["}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		ok, err := Match(pattern, name)
		if err != nil {
			if ok || !errors.Is(err, ErrBadPattern) {
				t.Fatalf("Match(%q, %q) = %v, %v", pattern, name, ok, err)
			}
			return
		}
		if !IsPattern(pattern) && !strings.Contains(pattern, `\`) && ok != (pattern == name) {
			t.Fatalf("Match(%q, %q) = %v for a pattern without special characters", pattern, name, ok)
		}
	})
}
