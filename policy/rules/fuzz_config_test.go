package rules

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzConfigData: ParseConfig never panics, its errors are one line per
// problem naming the file, and a configuration it accepts gives the
// built-in policies only what their schemas allow: a level from 1 to 3,
// no section that is a near miss of a built-in's name.
func FuzzConfigData(f *testing.F) {
	for _, s := range []string{
		"data:\n  slsa:\n    level: 3\n",
		"data:\n  slsa: {levle: 3}\n  slas: {}\n",
		"data:\n  chain:\n    - {from: a, to: b}\n  github: {repository: o/r, refs: [main]}\n",
		"data:\n  slsa: {level: \"3\", l3_builders: [1]}\nexceptions:\n  - {code: slsa.level, reason: x}\n",
		"data: [1]\n", "data:\n  slsa: &a {level: 2}\n  github: *a\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := ParseConfig([]byte(src), "policy.yaml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "policy: policy.yaml") {
				t.Fatalf("ParseConfig(%q): error %q does not name the file", src, err)
			}
			return
		}
		schemas, err := builtinSchemas()
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range c.Data {
			if _, ok := schemas[k]; !ok {
				if near := nearBuiltin(k, schemas); near != "" {
					t.Fatalf("ParseConfig(%q) accepted section %q, a near miss of %q", src, k, near)
				}
				continue
			}
			if k != "slsa" {
				continue
			}
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("ParseConfig(%q) accepted slsa: %#v", src, v)
			}
			if lvl, ok := m["level"]; ok {
				b, _ := json.Marshal(lvl)
				if s := string(b); s != "1" && s != "2" && s != "3" && s != "1.0" && s != "2.0" && s != "3.0" {
					t.Fatalf("ParseConfig(%q) accepted slsa.level %s", src, s)
				}
			}
		}
	})
}
