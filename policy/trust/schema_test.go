package trust

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/provenant/provenant/attest/attesttest"
)

// yamlToJSON reads a YAML document as the JSON value the schema describes
// (timestamps as RFC 3339 strings).
func yamlToJSON(t *testing.T, src string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatal(err)
	}
	var conv func(any) any
	conv = func(x any) any {
		switch x := x.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = conv(e)
			}
		case []any:
			for i, e := range x {
				x[i] = conv(e)
			}
		case time.Time:
			return x.Format(time.RFC3339)
		}
		return x
	}
	b, err := json.Marshal(conv(v))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestTrustSchema checks that every YAML example of docs/trust.md
// validates against docs/trust.schema.json and parses with ParseTrust, and
// that the schema refuses what ParseTrust refuses.
func TestTrustSchema(t *testing.T) {
	schemaPath, err := filepath.Abs(filepath.Join("..", "..", "docs", "trust.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	schema, err := jsonschema.NewCompiler().Compile(schemaPath)
	if err != nil {
		t.Fatalf("compiling %s: %v", schemaPath, err)
	}
	md, err := os.ReadFile(filepath.Join("..", "..", "docs", "trust.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(md), -1)
	if len(examples) < 2 {
		t.Fatalf("docs/trust.md has %d YAML examples, want at least 2", len(examples))
	}
	k := testKeys(t)
	for i, ex := range examples {
		if err := schema.Validate(yamlToJSON(t, ex[1])); err != nil {
			t.Errorf("example %d does not validate against the schema: %v", i+1, err)
		}
		// Give every key path a key, so that ParseTrust reads the example.
		dir := t.TempDir()
		paths := regexp.MustCompile(`path: (\S+)`).FindAllStringSubmatch(ex[1], -1)
		for j, p := range paths {
			pem, err := k[j%len(k)].MarshalPEM()
			if err != nil {
				t.Fatal(err)
			}
			if j >= len(k) {
				t.Fatalf("example %d has more keys than the test has", i+1)
			}
			attesttest.WriteFile(t, filepath.Join(dir, p[1]), pem, 0o644)
		}
		if _, err := Parse([]byte(ex[1]), filepath.Join(dir, "trust.yaml")); err != nil {
			t.Errorf("example %d: ParseTrust = %v", i+1, err)
		}
	}
	bad := []string{
		"keys:\n  - id: a\n    path: a.pub\nthresold: 1\n",
		"keys:\n  - id: a\n    path: a.pub\n    validFor: 3\n",
		"keys:\n  - id: a\n    path: a.pub\n    validFrom: \"2025-01-01\"\n",
		"keys:\n  - id: a\n    path: a.pub\n    revoked: \"yes\"\n",
		"keys:\n  - id: a\n    path: a.pub\nthreshold: 0\n",
		"keys: []\n",
		"keys:\n  - path: a.pub\n",
		"keys:\n  - id: a\n    path: a.pub\nsteps:\n  build:\n    keys: []\n",
		"keys:\n  - id: a\n    path: a.pub\nsteps:\n  build:\n    key: [a]\n",
	}
	for _, b := range bad {
		if err := schema.Validate(yamlToJSON(t, b)); err == nil {
			t.Errorf("the schema accepts %q, which ParseTrust refuses", b)
		}
	}
}
