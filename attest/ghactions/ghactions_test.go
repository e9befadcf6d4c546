package ghactions

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
)

func runnerFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "output")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// parseOutputs reads a GITHUB_OUTPUT file as the runner does.
func parseOutputs(t testing.TB, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" {
			continue
		}
		if k, delim, ok := strings.Cut(l, "<<"); ok && !strings.Contains(k, "=") {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			if i == len(lines) {
				t.Fatalf("heredoc %q not closed", delim)
			}
			out[k] = strings.Join(val, "\n")
			continue
		}
		k, v, _ := strings.Cut(l, "=")
		out[k] = v
	}
	return out
}

func TestWriteOutputs(t *testing.T) {
	for _, tc := range []struct {
		name, value string
	}{
		{"verdict", "allowed"},
		{"path", "/tmp/a b/c=d"},
		{"multi", "line one\nline two\n::error::forged"},
		{"crlf", "a\r\nverdict=allowed"},
		{"delim", "ghadelimiter_x\nEOF"},
		{"empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := runnerFile(t)
			if err := os.WriteFile(p, []byte("before=1\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := WriteOutputs(p, Output{tc.name, tc.value}); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(p)
			got := parseOutputs(t, string(data))
			if got["before"] != "1" {
				t.Errorf("the file was not appended to: %q", data)
			}
			want := strings.ReplaceAll(tc.value, "\r", "\r")
			if got[tc.name] != want {
				t.Errorf("output %s = %q, want %q (file %q)", tc.name, got[tc.name], want, data)
			}
			if len(got) != 2 {
				t.Errorf("a value made outputs of its own: %v", got)
			}
		})
	}
}

func TestWriteOutputsRefuses(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	attesttest.Symlink(t, target, link)
	fifo := filepath.Join(dir, "fifo")
	attesttest.Mkfifo(t, fifo)
	for _, tc := range []struct {
		name, path string
		out        Output
		want       error
	}{
		{"symlink", link, Output{"a", "b"}, ErrNotRunnerFile},
		{"fifo", fifo, Output{"a", "b"}, ErrNotRunnerFile},
		{"directory", dir, Output{"a", "b"}, ErrNotRunnerFile},
		{"missing", filepath.Join(dir, "none"), Output{"a", "b"}, os.ErrNotExist},
		{"name with =", target, Output{"a=b", "c"}, ErrBadOutputName},
		{"name with newline", target, Output{"a\nb", "c"}, ErrBadOutputName},
		{"name with <<", target, Output{"a<<X", "c"}, ErrBadOutputName},
		{"empty name", target, Output{"", "c"}, ErrBadOutputName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteOutputs(tc.path, tc.out)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if data, _ := os.ReadFile(target); len(data) != 0 {
		t.Errorf("the link's target was written: %q", data)
	}
}

func TestAppendSummary(t *testing.T) {
	p := runnerFile(t)
	if err := AppendSummary(p, []byte("## one\n")); err != nil {
		t.Fatal(err)
	}
	if err := AppendSummary(p, []byte("## two\n")); err != nil {
		t.Fatal(err)
	}
	if err := AppendSummary(p, bytes.Repeat([]byte("x"), MaxSummary+1)); !errors.Is(err, ErrSummaryTooLarge) {
		t.Fatalf("err = %v, want ErrSummaryTooLarge", err)
	}
	if data, _ := os.ReadFile(p); string(data) != "## one\n## two\n" {
		t.Errorf("summary = %q", data)
	}
}

func TestAnnotation(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    Annotation
		want string
	}{
		{"plain", Annotation{Level: Error, Title: "provenant verify", Message: "dist/app: denied"},
			"::error title=provenant verify::dist/app: denied"},
		{"file and line", Annotation{Level: Warning, File: "a.jsonl", Line: 3, Title: "t", Message: "m"},
			"::warning file=a.jsonl,line=3,title=t::m"},
		{"line without file is dropped", Annotation{Level: Notice, Line: 3, Message: "m"},
			"::notice::m"},
		{"unknown level is an error", Annotation{Level: "debug", Message: "m"},
			"::error::m"},
		{"property escapes", Annotation{Level: Error, File: "a,b:c%", Title: "x,y::z", Message: "m"},
			"::error file=a%2Cb%3Ac%25,title=x%2Cy%3A%3Az::m"},
		{"newline folded", Annotation{Level: Error, Message: "a\nb\r\n::add-mask::x"},
			"::error::a b ::add-mask::x"},
		{"legacy command", Annotation{Level: Error, Message: "##[add-mask]x"},
			"::error::#%23[add-mask]x"},
		{"control characters", Annotation{Level: Error, Message: "a\x1b[31mb\u202ec"},
			"::error::a\\x1b[31mb\\u202ec"},
		{"percent", Annotation{Level: Error, Message: "100%0A"},
			"::error::100%250A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.String(); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestWriteUntrusted(t *testing.T) {
	var b bytes.Buffer
	text := "::add-mask::x\n::provenant-1::\nno newline at the end"
	if err := WriteUntrusted(&b, []byte(text)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("lines = %q", lines)
	}
	token, ok := strings.CutPrefix(lines[0], "::stop-commands::")
	if !ok || len(token) < 20 || strings.Contains(text, token) {
		t.Fatalf("first line %q", lines[0])
	}
	if lines[4] != "::"+token+"::" {
		t.Errorf("last line %q, want the token", lines[4])
	}
}

// FuzzOutputs: whatever the value, the runner reads back exactly the one
// output written.
func FuzzOutputs(f *testing.F) {
	for _, s := range []string{"a", "a\nb", "x\r\ny", "ghadelimiter_", "\n\n", "a<<b\nc=d"} {
		f.Add(s)
	}
	dir := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, value string) {
		n++
		p := filepath.Join(dir, "out")
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := WriteOutputs(p, Output{"v", value}); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(p)
		got := parseOutputs(t, string(data))
		if len(got) != 1 || got["v"] != value {
			t.Fatalf("value %q read back as %q", value, got)
		}
	})
}

// FuzzAnnotation: an annotation is always one line that starts the
// command it says, whatever its fields hold.
func FuzzAnnotation(f *testing.F) {
	f.Add("t", "f", "m\r\n::x::")
	f.Fuzz(func(t *testing.T, title, file, msg string) {
		s := Annotation{Level: Warning, Title: title, File: file, Line: 1, Message: msg}.String()
		if strings.ContainsAny(s, "\r\n\u2028\u2029\u0085") {
			t.Fatalf("annotation spans lines: %q", s)
		}
		if !strings.HasPrefix(s, "::warning ") || strings.Contains(s, "##[") {
			t.Fatalf("annotation %q", s)
		}
		head, _, ok := strings.Cut(s[2:], "::")
		if !ok || strings.Count(head, ",") > 2 {
			t.Fatalf("properties forged: %q", s)
		}
	})
}
