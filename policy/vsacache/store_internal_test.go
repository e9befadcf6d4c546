package vsacache

import (
	"errors"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest/regfile"
)

// TestReadAtMost: the whole input whatever size was announced (a file can
// change between its stat and its read), and a TooLargeError past the
// limit, never more than limit+1 bytes read.
func TestReadAtMost(t *testing.T) {
	for _, c := range []struct {
		in          string
		size, limit int64
		tooLarge    bool
	}{
		{"", 0, 10, false},
		{"abc", 3, 10, false},
		{"abc", 0, 10, false},   // grew since the stat
		{"abc", 100, 10, false}, // shrank
		{"abc", -1, 10, false},  // nonsense size
		{strings.Repeat("x", 10), 10, 10, false},
		{strings.Repeat("x", 11), 11, 10, true},
		{strings.Repeat("x", 11), 5, 10, true},
		{strings.Repeat("x", 5000), 5000, 4999, true},
		{strings.Repeat("x", 5000), 100, 1 << 20, false},
	} {
		r := strings.NewReader(c.in)
		got, err := readAtMost(r, c.size, c.limit)
		if c.tooLarge {
			if !errors.Is(err, regfile.ErrTooLarge) {
				t.Errorf("readAtMost(%d bytes, size %d, limit %d) = %v, want ErrTooLarge", len(c.in), c.size, c.limit, err)
			}
			if read := int64(len(c.in) - r.Len()); read > c.limit+1 {
				t.Errorf("readAtMost(%d bytes, limit %d) read %d bytes", len(c.in), c.limit, read)
			}
			continue
		}
		if err != nil || string(got) != c.in {
			t.Errorf("readAtMost(%d bytes, size %d, limit %d) = %d bytes, %v", len(c.in), c.size, c.limit, len(got), err)
		}
	}
}
