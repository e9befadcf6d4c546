package rules

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSchemaSubsetRefusesUnknownKeywords: a schema keyword the validator
// does not implement is an error, never ignored (it could be a check).
func TestSchemaSubsetRefusesUnknownKeywords(t *testing.T) {
	for _, tc := range []struct{ schema, want string }{
		{`{"type": "object", "properties": {"a": {"type": "string", "pattern": "^x"}}}`, `keyword "pattern"`},
		{`{"enum": [1, 2]}`, `keyword "enum"`},
		{`{"items": {"format": "uri"}}`, `keyword "format"`},
		{`{"$ref": "#/$defs/nope"}`, "no such definition"},
		{`{"$ref": "https://example.com/s.json"}`, "only #/$defs/NAME"},
		{`{"type": "object", "properties": {"a": {"$ref": "#/$defs/a"}}, "$defs": {"a": {"type": "string"}}}`, ""},
	} {
		var raw map[string]any
		if err := json.Unmarshal([]byte(tc.schema), &raw); err != nil {
			t.Fatal(err)
		}
		err := checkSchema(raw, raw, "#")
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.schema, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.schema, err, tc.want)
		}
	}
}

// TestSchemaSubsetValidates: each keyword, both ways.
func TestSchemaSubsetValidates(t *testing.T) {
	schema := `{"type": "object", "additionalProperties": false, "required": ["a", "b"],
		"properties": {
			"a": {"type": "integer", "minimum": 1, "maximum": 3},
			"b": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"$ref": "#/$defs/s"}},
			"c": {"type": ["string", "null"]},
			"d": {"type": "object", "minProperties": 1, "maxProperties": 1}
		},
		"$defs": {"s": {"type": "string", "minLength": 2}}}`
	var raw map[string]any
	if err := json.Unmarshal([]byte(schema), &raw); err != nil {
		t.Fatal(err)
	}
	if err := checkSchema(raw, raw, "#"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ doc, want string }{
		{`{"a": 2, "b": ["xy"]}`, ""},
		{`{"a": 3.0, "b": ["xy", "zw"], "c": null}`, ""},
		{`{"a": 2.5, "b": ["xy"]}`, "a type number integer"},
		{`{"a": 0, "b": ["xy"]}`, "a minimum 0 1"},
		{`{"a": 4, "b": ["xy"]}`, "a maximum 4 3"},
		{`{"a": 1, "b": []}`, "b minItems 0 1"},
		{`{"a": 1, "b": ["xy", "xy", "xy"]}`, "b maxItems 3 2"},
		{`{"a": 1, "b": ["x"]}`, "b.0 minLength 1 2"},
		{`{"a": 1, "b": [3]}`, "b.0 type number string"},
		{`{"a": 1, "b": ["xy"], "c": 1}`, "c type number string or null"},
		{`{"a": 1, "b": ["xy"], "e": 1, "f": 2}`, " additionalProperties e,f"},
		{`{}`, " required a,b"},
		{`[]`, " type array object"},
		{`{"a": 1, "b": ["xy"], "d": {}}`, "d minProperties 0 1"},
		{`{"a": 1, "b": ["xy"], "d": {"x": 1, "y": 2}}`, "d maxProperties 2 1"},
	} {
		var doc any
		if err := json.Unmarshal([]byte(tc.doc), &doc); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range validateSchema(raw, raw, doc, nil) {
			s := strings.Join(p.loc, ".") + " " + p.kind
			if p.props != nil {
				s += " " + strings.Join(p.props, ",")
			} else {
				s += " " + p.got + " " + p.want
			}
			got = append(got, s)
		}
		if g := strings.Join(got, "; "); g != tc.want {
			t.Errorf("%s: problems %q, want %q", tc.doc, g, tc.want)
		}
	}
}

// FuzzSchemaSubset: any schema and document either is refused by
// checkSchema or validates without a panic or an endless $ref loop.
func FuzzSchemaSubset(f *testing.F) {
	f.Add(`{"properties": {"a": {"$ref": "#/$defs/a"}}, "$defs": {"a": {"type": "string", "minLength": 1}}}`, `{"a": ""}`)
	f.Add(`{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}`, `1`)
	f.Add(`{"type": ["object", "null"], "minProperties": 1, "additionalProperties": {"items": {"type": "integer"}}}`, `{"x": [1.5]}`)
	f.Fuzz(func(t *testing.T, schema, doc string) {
		var raw map[string]any
		var v any
		if json.Unmarshal([]byte(schema), &raw) != nil || raw == nil || json.Unmarshal([]byte(doc), &v) != nil {
			return
		}
		if checkSchema(raw, raw, "#") != nil {
			return
		}
		for _, p := range validateSchema(raw, raw, v, nil) {
			if p.kind == "" {
				t.Fatalf("a problem without a kind: %+v", p)
			}
		}
	})
}
