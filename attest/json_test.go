package attest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestCheckNoDuplicateKeys(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	deepObj := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	cases := []struct {
		in   string
		want string // "" for no error, else a substring of the error
	}{
		// Accepted.
		{`{}`, ""},
		{`[]`, ""},
		{`"just a string"`, ""},
		{`12.5e3`, ""},
		{`null`, ""},
		{` {"a": 1} ` + "\n", ""},
		{`{"a":1,"b":{"a":2,"b":[{"a":3},{"a":4}]}}`, ""},
		{`[{"a":1},{"a":1}]`, ""},
		{`{"a":{"a":{"a":1}}}`, ""},
		{`{"a":1,"A":2}`, ""}, // keys are case-sensitive
		{`{"":1,"x":""}`, ""},
		{deep(MaxJSONDepth), ""},
		{deepObj(MaxJSONDepth), ""},
		// Duplicates, at every depth.
		{`{"a":1,"a":1}`, "duplicate"},
		{`{"a":1,"b":2,"a":3}`, `"a"`},
		{`{"x":{"a":1,"a":2}}`, "duplicate"},
		{`[1,{"a":1,"a":2}]`, "duplicate"},
		{`{"x":[{"b":[],"b":{}}]}`, "duplicate"},
		{`{"a":{},"a":{}}`, "duplicate"},
		{`{"a":1,"\u0061":2}`, "duplicate"}, // the same key, escaped
		{`{"":1,"":2}`, "duplicate"},
		// Not exactly one JSON value.
		{``, ""},
		{`   `, ""},
		{`{"a":1}{"b":2}`, "more than one"},
		{`1 2`, "more than one"},
		{`{"a":1} x`, ""},
		{`{"a":`, "end of JSON input"},
		{`{"a":1`, ""},
		{`[1,2`, ""},
		{`{"a" 1}`, ""},
		{`{"a":1,}`, ""},
		{`[1,]`, ""},
		{`{1:2}`, ""},
		{`{"a":tru}`, ""},
		{`}`, ""},
		{`]`, ""},
		{`'a'`, ""},
		// Too deep.
		{deep(MaxJSONDepth + 1), "deeper"},
		{deepObj(MaxJSONDepth + 1), "deeper"},
	}
	for _, c := range cases {
		err := checkNoDuplicateKeys([]byte(c.in))
		valid := json.Valid([]byte(c.in))
		switch {
		case c.want == "" && valid:
			if err != nil {
				t.Errorf("checkNoDuplicateKeys(%.60q) = %v, want nil", c.in, err)
			}
		case err == nil:
			t.Errorf("checkNoDuplicateKeys(%.60q) = nil, want an error (containing %q)", c.in, c.want)
		case !strings.Contains(err.Error(), c.want):
			t.Errorf("checkNoDuplicateKeys(%.60q) = %v, want an error containing %q", c.in, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "duplicate") != errors.Is(err, ErrDuplicateKey) {
			t.Errorf("checkNoDuplicateKeys(%.60q) = %v: errors.Is(ErrDuplicateKey) disagrees with the message", c.in, err)
		}
	}
}

// TestCheckNoDuplicateKeysAgreesWithValid: on documents without duplicate
// keys and within the depth limit, the checker accepts exactly what
// json.Valid accepts.
func TestCheckNoDuplicateKeysAgreesWithValid(t *testing.T) {
	docs := []string{
		``, ` `, `x`, `{`, `}`, `[`, `]`, `[]`, `{}`, `""`, `"`, `"\x"`, `"\u12"`, `"\ud800"`,
		`0`, `-0`, `01`, `1.`, `.1`, `1e`, `1e+`, `1e+2`, `-`, `true`, `false`, `nul`, `null`,
		`[1 2]`, `[1,,2]`, `{"a"}`, `{"a":}`, `{:1}`, `{"a":1 "b":2}`, `{"a":1,"b":2}`,
		"\"tab\there\"", "\"\xff\"", "[\"\xc3\x28\"]", "\ufeff{}", `{"a":[1,{"b":null}]}`,
		`[[[[]]]]`, `[[[[]]]`, `[{}]`, `[{]}`, `{"a":[}`, `"a" "b"`, `[] []`, "{}\n\n",
	}
	for _, d := range docs {
		err := checkNoDuplicateKeys([]byte(d))
		if valid := json.Valid([]byte(d)); valid != (err == nil) {
			t.Errorf("checkNoDuplicateKeys(%q) = %v, but json.Valid = %v", d, err, valid)
		}
	}
}
