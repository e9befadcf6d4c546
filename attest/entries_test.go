package attest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
)

// TestEnvelopesLimitCountsEntries: the envelopes limit counted lines, so
// one line of 2,000 Sigstore bundles in GitHub's shape passed
// --limit envelopes=1 and cost 2,000 verifications. It counts entries, and
// a bundle past it is refused whole, naming the file, the line and the
// limit, with no entry left to verify.
func TestEnvelopesLimitCountsEntries(t *testing.T) {
	env := `{"payloadType":"t","payload":"aGk=","signatures":[{"keyid":"","sig":"AQ=="}]}`
	tests := []struct {
		name   string
		limit  int
		bundle string
		line   int // the line named in the error; 0: within the limit
		want   string
	}{
		{"2,000 bundles on one line, limit 1", 1, attesttest.GitHubLine(2000) + "\n", 1, "this line holds 2000 Sigstore bundles"},
		{"3 bundles on one line, limit 2", 2, attesttest.GitHubLine(3) + "\n", 1, "bundle has more than 2 entries"},
		{"an envelope, then 2 bundles, limit 2", 2, env + "\n" + attesttest.GitHubLine(2) + "\n", 2, "bundle has more than 2 entries"},
		{"2 bundles, then an envelope, limit 2", 2, attesttest.GitHubLine(2) + "\n" + env + "\n", 2, "bundle has more than 2 entries"},
		{"a document spanning lines, limit 2", 2, strings.ReplaceAll(attesttest.GitHubLine(3), ",", ",\n"), 1, "bundle has more than 2 entries"},
		{"3 bundles, limit 3", 3, attesttest.GitHubLine(3) + "\n", 0, ""},
		{"an envelope and 2 bundles, limit 3", 3, env + "\n" + attesttest.GitHubLine(2) + "\n", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, err := Limits{Envelopes: tt.limit}.ReadBundle(strings.NewReader(tt.bundle), "b.json")
			if tt.line == 0 {
				if err != nil {
					t.Fatalf("ReadBundle = %v, want nil", err)
				}
				if len(entries) != tt.limit {
					t.Errorf("%d entries, want %d", len(entries), tt.limit)
				}
				return
			}
			le, ok := errors.AsType[*LimitError](err)
			if !ok || le.Name != "envelopes" || le.Max != tt.limit {
				t.Fatalf("ReadBundle = %v, want the envelopes limit", err)
			}
			prefix := fmt.Sprintf("b.json:%d: ", tt.line)
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tt.want) ||
				!strings.HasSuffix(err.Error(), "(the envelopes limit)") {
				t.Errorf("error %q, want %q... %q ... which limit", err, prefix, tt.want)
			}
			if len(entries) != 0 {
				t.Errorf("%d entries returned with the limit error, want none (nothing to verify)", len(entries))
			}
		})
	}
}

// TestParseLineRefusesLongGitHubList: ParseLine, for readers that count
// entries themselves (inspect), refuses a line holding more than the limit
// as one entry, without copying its bundles.
func TestParseLineRefusesLongGitHubList(t *testing.T) {
	entries := Limits{Envelopes: 5}.ParseLine(Source{File: "b.json", Line: 1}, []byte(attesttest.GitHubLine(6)))
	if len(entries) != 1 {
		t.Fatalf("%d entries, want 1", len(entries))
	}
	if le, ok := errors.AsType[*LimitError](entries[0].Err); !ok || le.Name != "envelopes" {
		t.Errorf("entry error %v, want the envelopes limit", entries[0].Err)
	}
	if got := (Limits{Envelopes: 6}).ParseLine(Source{File: "b.json", Line: 1}, []byte(attesttest.GitHubLine(6))); len(got) != 6 {
		t.Errorf("ParseLine(6 bundles, limit 6) = %d entries, want 6", len(got))
	}
}

// FuzzReadBundleEnvelopesLimit: whatever the bundle, ReadBundle returns at
// most the envelopes limit of entries, and none with a limit error.
func FuzzReadBundleEnvelopesLimit(f *testing.F) {
	f.Add([]byte(attesttest.GitHubLine(3)+"\n"), uint8(1))
	f.Add([]byte("{}\n"+attesttest.GitHubLine(2)+"\n"), uint8(2))
	f.Add([]byte(strings.ReplaceAll(attesttest.GitHubLine(4), ",", ",\n")), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, n uint8) {
		limit := 1 + int(n%8)
		entries, err := Limits{Envelopes: limit}.ReadBundle(strings.NewReader(string(data)), "b")
		if errors.Is(err, ErrLimit) && len(entries) != 0 {
			t.Fatalf("ReadBundle(%q, limit %d) = %d entries with %v, want none", data, limit, len(entries), err)
		}
		if len(entries) > limit {
			t.Fatalf("ReadBundle(%q, limit %d) = %d entries", data, limit, len(entries))
		}
	})
}
