package attest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func TestLimitsSet(t *testing.T) {
	var l Limits
	for _, spec := range []string{"line-bytes=10", "envelopes=2", "signatures=3", "subjects=4", "signature-checks=5"} {
		if err := l.Set(spec); err != nil {
			t.Errorf("Set(%q) = %v", spec, err)
		}
	}
	if want := (Limits{LineBytes: 10, Envelopes: 2, Signatures: 3, Subjects: 4, SignatureChecks: 5}); l != want {
		t.Errorf("limits = %+v, want %+v", l, want)
	}
	for _, bad := range []string{"signatures", "signatures=0", "signatures=-1", "signatures=x", "colours=3", "=3", "signature-checks=0"} {
		if err := l.Set(bad); err == nil {
			t.Errorf("Set(%q) = nil, want an error", bad)
		}
	}
}

// junkEnvelope is an envelope with n signatures that verify with nothing.
func junkEnvelope(n int) string {
	sigs := make([]string, n)
	for i := range sigs {
		sigs[i] = fmt.Sprintf(`{"keyid":"k%d","sig":"%s"}`, i, strings.Repeat("QUFB", 22))
	}
	return `{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[` + strings.Join(sigs, ",") + `]}`
}

func TestLimitsRefuseBeforeWork(t *testing.T) {
	tests := []struct {
		name   string
		limits Limits
		bundle string
		limit  string
	}{
		{"line", Limits{LineBytes: 100}, strings.Repeat("x", 1000) + "\n", "line-bytes"},
		{"document", Limits{LineBytes: 100}, "{\n" + strings.Repeat(" ", 200) + "\n}\n", "line-bytes"},
		{"envelopes", Limits{Envelopes: 2}, "{}\n{}\n{}\n", "envelopes"},
		{"signatures", Limits{Signatures: 3}, junkEnvelope(4) + "\n", "signatures"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, err := tt.limits.ReadBundle(strings.NewReader(tt.bundle), "b.jsonl")
			if err == nil {
				for _, e := range entries {
					if e.Err != nil {
						err = e.Err
					}
				}
			}
			le, ok := errors.AsType[*LimitError](err)
			if !ok || le.Name != tt.limit || !errors.Is(err, ErrLimit) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("ReadBundle = %v, want a %s LimitError", err, tt.limit)
			}
			if !strings.Contains(err.Error(), "(the "+tt.limit+" limit)") || strings.Contains(err.Error(), "--") {
				t.Errorf("error %q does not name the limit, or names a flag (the CLI says how to raise it)", err)
			}
		})
	}
	// Within the limits the same inputs read.
	if _, err := (Limits{Signatures: 4}).ParseEnvelope([]byte(junkEnvelope(4))); err != nil {
		t.Errorf("ParseEnvelope(4 signatures, limit 4) = %v", err)
	}
}

// TestOversizedLineIsNotBuffered: a line of 300 MB is refused after reading
// at most the limit, from a reader that never ends it.
func TestOversizedLineIsNotBuffered(t *testing.T) {
	r := &countingReader{r: io.LimitReader(repeatReader('x'), 300<<20)}
	start := time.Now()
	_, err := ReadBundle(r, "huge.jsonl")
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("ReadBundle(300 MB line) = %v, want ErrLimit", err)
	}
	if r.n > DefaultLineBytes+(1<<20) {
		t.Errorf("read %d bytes, want at most about the %d-byte limit", r.n, DefaultLineBytes)
	}
	t.Logf("refused after reading %d bytes in %v", r.n, time.Since(start))
}

type repeatReader byte

func (b repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestManyJunkSignatures: 2,000 envelopes of 1,000 signatures each are all
// refused by the signatures limit, before any signature is checked.
func TestManyJunkSignatures(t *testing.T) {
	var b bytes.Buffer
	line := junkEnvelope(1000)
	for range 2000 {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	entries, err := ReadBundle(&b, "junk.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2000 {
		t.Fatalf("%d entries, want 2000", len(entries))
	}
	for _, e := range entries {
		if le, ok := errors.AsType[*LimitError](e.Err); !ok || le.Name != "signatures" {
			t.Fatalf("entry %s: err = %v, want the signatures limit", e.Source, e.Err)
		}
	}
}

func TestSubjectsLimit(t *testing.T) {
	payload := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + sha256Hex + `"}},{"name":"b","digest":{"sha256":"` + sha256Hex + `"}}],"predicateType":"p","predicate":{}}`)
	if _, err := (Limits{Subjects: 1}).ParseStatement(PayloadType, payload); !errors.Is(err, ErrLimit) {
		t.Errorf("ParseStatement(2 subjects, limit 1) = %v, want ErrLimit", err)
	}
	if _, err := (Limits{Subjects: 2}).ParseStatement(PayloadType, payload); err != nil {
		t.Errorf("ParseStatement(2 subjects, limit 2) = %v", err)
	}
}

// TestMemberNamesAreExact: encoding/json matches names case-insensitively,
// so {"payload":A,"Payload":B} passes a duplicate-key check yet other
// parsers read it differently: refused.
func TestMemberNamesAreExact(t *testing.T) {
	for _, in := range []string{
		`{"payloadType":"t","payload":"e30=","Payload":"e31=","signatures":[{"sig":"AQ=="}]}`,
		`{"payloadType":"t","PAYLOADTYPE":"u","payload":"e30=","signatures":[{"sig":"AQ=="}]}`,
		`{"payloadType":"t","payload":"e30=","signatures":[{"sig":"AQ==","Sig":"Ag=="}]}`,
		`{"payloadType":"t","payload":"e30=","signatures":[{"sig":"AQ==","KeyID":"x"}]}`,
		// A certificate beside a signature is "cert" exactly (x509.go):
		// another spelling is not read as one by some and ignored by others.
		`{"payloadType":"t","payload":"e30=","signatures":[{"sig":"AQ==","CERT":"x"}]}`,
		`{"payloadType":"t","payload":"e30=","signatures":[{"sig":"AQ==","Cert":"x"}]}`,
	} {
		if _, err := ParseEnvelope([]byte(in)); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "only in case") {
			t.Errorf("ParseEnvelope(%s) = %v, want a case error", in, err)
		}
	}
}
