// Package ghactions writes what a GitHub Actions step reports to the
// runner: step outputs (the GITHUB_OUTPUT file), a Markdown job summary
// (the GITHUB_STEP_SUMMARY file) and workflow commands on the log
// (::error and ::warning annotations, ::stop-commands:: around text that
// came from outside).
//
// The package never reads the environment: the caller names the files.
// Every write appends to a file that must already exist as a regular file
// and is refused when the path is a symbolic link, a FIFO, a device or a
// directory, or when the file opened is not the one that was checked
// (swapped in between). Names, values and messages that came from an
// attestation are escaped or refused so that they cannot become a
// command, an output or a line of their own: a value with a line break is
// written as a heredoc with a random delimiter it does not contain, a
// message is folded onto one line with its control characters shown as
// escapes, and untrusted text for the log is printed between
// ::stop-commands:: and a random token.
package ghactions

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/provenant/provenant/attest/safetext"
)

// ErrNotRunnerFile marks a runner file that is not a plain regular file
// (a link, FIFO, device, directory) or that changed while it was opened.
var ErrNotRunnerFile = errors.New("not a regular file")

// ErrBadOutputName marks a step output name outside [A-Za-z0-9_-].
var ErrBadOutputName = errors.New("bad step output name")

// MaxSummary is the most a step may append to the job summary: GitHub
// refuses a step summary over 1 MiB; half of that leaves room for others.
const MaxSummary = 512 << 10

// ErrSummaryTooLarge marks a summary over MaxSummary; nothing is written.
var ErrSummaryTooLarge = errors.New("job summary too large")

// Output is one step output.
type Output struct{ Name, Value string }

var outputName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// WriteOutputs appends outputs to the GITHUB_OUTPUT file at path, in one
// write. A one-line value is written as name=value; a value with a line
// break (or a carriage return) as a heredoc whose delimiter is random and
// absent from the value.
func WriteOutputs(path string, outputs ...Output) error {
	var b strings.Builder
	for _, o := range outputs {
		if !outputName.MatchString(o.Name) {
			return fmt.Errorf("%w: %q", ErrBadOutputName, o.Name)
		}
		if !strings.ContainsAny(o.Value, "\r\n") {
			fmt.Fprintf(&b, "%s=%s\n", o.Name, o.Value)
			continue
		}
		delim := ""
		for delim == "" || strings.Contains(o.Value, delim) {
			delim = "ghadelimiter_" + randomHex()
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", o.Name, delim, o.Value, delim)
	}
	return appendFile(path, []byte(b.String()))
}

// AppendSummary appends Markdown to the GITHUB_STEP_SUMMARY file at path.
// Markdown over MaxSummary is refused whole (ErrSummaryTooLarge).
func AppendSummary(path string, markdown []byte) error {
	if len(markdown) > MaxSummary {
		return fmt.Errorf("%w: %d bytes (at most %d)", ErrSummaryTooLarge, len(markdown), MaxSummary)
	}
	return appendFile(path, markdown)
}

// appendFile appends data to the existing regular file at path, never
// through a symbolic link, and only if the file opened is the one checked.
func appendFile(path string, data []byte) error {
	before, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !before.Mode().IsRegular() {
		return fmt.Errorf("%s: %w (%s)", path, ErrNotRunnerFile, kind(before.Mode()))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	after, err := f.Stat()
	if err == nil && !os.SameFile(before, after) {
		err = fmt.Errorf("%s: %w (replaced while it was opened)", path, ErrNotRunnerFile)
	}
	if err == nil {
		_, err = f.Write(data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&(fs.ModeDevice|fs.ModeCharDevice) != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not regular"
}

func randomHex() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// Level is an annotation's level.
type Level string

// The annotation levels.
const (
	Error   Level = "error"
	Warning Level = "warning"
	Notice  Level = "notice"
)

// Annotation is a workflow command that the runner shows as an annotation
// on the run (and, with File, on that file).
type Annotation struct {
	Level   Level
	Title   string
	File    string
	Line    int // with File; 0: none
	Message string
}

// String is the workflow command line, escaped: the message and the
// properties are folded onto one line (safetext.Line: control characters
// shown as escapes) and percent-encoded as the runner decodes them.
func (a Annotation) String() string {
	var props []string
	if a.File != "" {
		props = append(props, "file="+escapeProperty(a.File))
		if a.Line > 0 {
			props = append(props, "line="+strconv.Itoa(a.Line))
		}
	}
	if a.Title != "" {
		props = append(props, "title="+escapeProperty(a.Title))
	}
	level := a.Level
	switch level {
	case Error, Warning, Notice:
	default:
		level = Error
	}
	cmd := "::" + string(level)
	if len(props) > 0 {
		cmd += " " + strings.Join(props, ",")
	}
	return cmd + "::" + escapeData(a.Message)
}

// escapeData is the runner's data escaping, after folding the text onto
// one line: % first, then CR and LF (which Line has already turned into
// spaces or escapes, kept for safety), and "##[" so that the text never
// holds a legacy command.
func escapeData(s string) string {
	s = safetext.Line(s)
	s = strings.ReplaceAll(s, "%", "%25")
	s = strings.ReplaceAll(s, "\r", "%0D")
	s = strings.ReplaceAll(s, "\n", "%0A")
	return strings.ReplaceAll(s, "##[", "#%23[")
}

// escapeProperty escapes a property value: data escaping plus ':' and ','.
func escapeProperty(s string) string {
	s = escapeData(s)
	s = strings.ReplaceAll(s, ":", "%3A")
	return strings.ReplaceAll(s, ",", "%2C")
}

// WriteAnnotations prints each annotation on its own line.
func WriteAnnotations(w io.Writer, as ...Annotation) error {
	var b strings.Builder
	for _, a := range as {
		b.WriteString(a.String())
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteUntrusted prints text that came from outside (a report quoting an
// attestation, a file name) to the log with workflow commands switched
// off: between ::stop-commands::TOKEN and ::TOKEN::, TOKEN random and
// absent from the text, so that no line of it can act as a command.
func WriteUntrusted(w io.Writer, text []byte) error {
	token := ""
	for token == "" || strings.Contains(string(text), token) {
		token = "provenant-" + randomHex()
	}
	var b strings.Builder
	b.WriteString("::stop-commands::" + token + "\n")
	b.Write(text)
	if len(text) > 0 && text[len(text)-1] != '\n' {
		b.WriteByte('\n')
	}
	b.WriteString("::" + token + "::\n")
	_, err := io.WriteString(w, b.String())
	return err
}
