package inspect

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
)

// TestReadCountsEntries: inspect reads with verify's limits: the
// envelopes limit counts each Sigstore bundle of a GitHub attestations
// line, and a bundle past it ends the read before any of the line's
// bundles is verified.
func TestReadCountsEntries(t *testing.T) {
	for _, c := range []struct {
		name      string
		limit     int
		bundle    string
		wantErr   string // "" when within the limit
		maxChecks int64
	}{
		{"2,000 bundles on one line, limit 1", 1, attesttest.GitHubLine(2000) + "\n", "b.json:1: bundle has more than 1 entries: this line holds 2000 Sigstore bundles", 0},
		{"a bundle per line, then 3 on one, limit 3", 3, attesttest.GitHubLine(1) + "\n" + attesttest.GitHubLine(3) + "\n", "b.json:2: bundle has more than 3 entries", 1},
		{"4 lines of 1, limit 3", 3, strings.Repeat(attesttest.GitHubLine(1)+"\n", 4), "b.json:4: bundle has more than 3 entries", 3},
		{"3 bundles, limit 3", 3, attesttest.GitHubLine(3) + "\n", "", 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, pub := testKey(t)
			in, err := New(WithKeys(pub), WithLimits(attest.Limits{Envelopes: c.limit}))
			if err != nil {
				t.Fatal(err)
			}
			err = in.Read(context.Background(), strings.NewReader(c.bundle), "b.json")
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("Read = %v", err)
				}
			} else {
				if !errors.Is(err, attest.ErrLimit) || !strings.HasPrefix(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "(the envelopes limit)") {
					t.Errorf("Read = %v, want %q... and which limit", err, c.wantErr)
				}
			}
			if n := in.verified.Load(); n > c.maxChecks {
				t.Errorf("%d Sigstore bundles verified, want at most %d", n, c.maxChecks)
			}
		})
	}
}
