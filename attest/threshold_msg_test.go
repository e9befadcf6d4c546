package attest

import (
	"strings"
	"testing"
)

// TestErrThresholdNamesKeyIDs: a denial for want of a trusted signature
// names the keyids the envelope carries and the trusted ones, on one line,
// bounded and escaped whatever the envelope holds.
func TestErrThresholdNamesKeyIDs(t *testing.T) {
	long := strings.Repeat("a", 500)
	for _, c := range []struct {
		name string
		err  ErrThreshold
		want string
	}{
		{"none recorded", ErrThreshold{Want: 1}, "no signature from a trusted key"},
		{"one named", ErrThreshold{Want: 1, KeyIDs: []string{"k1"}, Trusted: []string{"t1"}},
			"no signature from a trusted key (the envelope's signatures name key id k1; trusted: t1)"},
		{"no keyid", ErrThreshold{Want: 1, KeyIDs: []string{"", ""}, Trusted: []string{"t1", "t2"}},
			"no signature from a trusted key (the envelope's signatures carry no key id; trusted: t1, t2)"},
		{"some without", ErrThreshold{Want: 1, KeyIDs: []string{"k1", "", "k1"}, Trusted: []string{"t1"}},
			"no signature from a trusted key (the envelope's signatures name key id k1 and carry none; trusted: t1)"},
		{"many", ErrThreshold{Want: 1, KeyIDs: []string{"a", "b", "c", "d", "e", "f"}, Trusted: []string{"t"}},
			"no signature from a trusted key (the envelope's signatures name key id a, b, c, d, and 2 more; trusted: t)"},
		{"long", ErrThreshold{Want: 1, KeyIDs: []string{long}, Trusted: []string{"t"}},
			"no signature from a trusted key (the envelope's signatures name key id " + long[:maxKeyIDLen] + "…; trusted: t)"},
		{"control characters", ErrThreshold{Want: 1, KeyIDs: []string{"k\x1b[2J\nFAKE\u202e"}, Trusted: []string{"t"}},
			`no signature from a trusted key (the envelope's signatures name key id k\x1b[2J FAKE\u202e; trusted: t)`},
		{"named key does not verify", ErrThreshold{Want: 1, KeyIDs: []string{"t1"}, Trusted: []string{"t1"}},
			"no signature from a trusted key (the envelope's signatures name key id t1; trusted: t1; a signature that names a trusted key does not verify with it: the envelope changed after signing, or the keyid is false)"},
		{"some signed", ErrThreshold{Want: 2, Got: 1, KeyIDs: []string{"k1"}, Trusted: []string{"t1", "t2"}},
			"signed by 1 distinct trusted key(s), 2 required"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.err.Error(); got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}
