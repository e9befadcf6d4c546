package digest

import (
	"bytes"
	"encoding/hex"
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
