package rules

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Policy configuration schemas, the built-in policies' own
// (rego/NAME.config.schema.json) and those a policy declares in its
// METADATA (custom.config), are checked by the small validator below rather
// than a general JSON Schema library: the one provenant used
// (santhosh-tekuri/jsonschema) compiles every draft's meta-schemas in its
// package init, about a third of the start-up of every command, policy or
// not (docs/performance.md). It implements the keywords below (listed for
// policy authors in docs/policies.md); a schema that uses any other is
// refused when it is loaded, so that a keyword (a check) is never ignored
// silently.
var schemaKeywords = map[string]bool{
	"$schema": true, "$id": true, "$defs": true, "$ref": true, "title": true, "description": true,
	"type": true, "properties": true, "additionalProperties": true, "required": true,
	"minProperties": true, "maxProperties": true,
	"items": true, "minItems": true, "maxItems": true, "minLength": true, "minimum": true, "maximum": true,
}

// schemaDraft is the one $schema a schema may name: the keywords above
// mean what draft 2020-12 says.
const schemaDraft = "https://json-schema.org/draft/2020-12/schema"

// SchemaKeywords are the JSON Schema keywords provenant checks in policy
// configuration schemas, sorted.
func SchemaKeywords() []string { return slices.Sorted(maps.Keys(schemaKeywords)) }

// unsupportedKeywordError is a schema keyword the validator does not
// implement, at a place of the schema (a JSON pointer).
type unsupportedKeywordError struct {
	path, keyword string
}

func (e *unsupportedKeywordError) Error() string {
	return fmt.Sprintf("%s: keyword %q is not one provenant's schema validator implements", e.path, e.keyword)
}

// schemaProblem is one place where a value does not match its schema.
type schemaProblem struct {
	loc  []string // the instance location: keys and array indexes
	kind string   // additionalProperties, type, minLength, minimum, maximum, required, minItems, maxItems, minProperties, maxProperties
	// props: the unknown keys (additionalProperties) or missing ones
	// (required).
	props     []string
	got, want string // type names, or numbers as text
}

// checkSchema refuses a schema that uses a keyword the validator does not
// implement (an *unsupportedKeywordError), a keyword whose value is not
// what draft 2020-12 allows, or a $ref it cannot resolve within root.
func checkSchema(root, s map[string]any, path string) error {
	for _, k := range slices.Sorted(maps.Keys(s)) {
		v := s[k]
		if !schemaKeywords[k] {
			return &unsupportedKeywordError{path, k}
		}
		bad := func(want string) error { return fmt.Errorf("%s/%s: is %s, want %s", path, k, jsonType(v), want) }
		switch k {
		case "$schema":
			if v != schemaDraft {
				return fmt.Errorf("%s/$schema: is %v, want %s (or none)", path, v, schemaDraft)
			}
		case "$id":
			// An $id below the root would move where a $ref inside it
			// resolves; refuse rather than resolve differently.
			if _, ok := v.(string); !ok || path != "#" {
				return fmt.Errorf("%s/$id: only a string at the root of the schema", path)
			}
		case "title", "description":
			if _, ok := v.(string); !ok {
				return bad("a string")
			}
		case "$ref":
			if _, err := resolveRef(root, v); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if err := refCycle(root, s); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		case "type":
			ts := schemaTypes(v)
			if _, one := v.(string); !one && (len(ts) == 0 || len(ts) != len(v.([]any))) {
				return bad("a type name or a list of them")
			}
			for _, t := range ts {
				if !slices.Contains([]string{"object", "array", "string", "boolean", "null", "number", "integer"}, t) {
					return fmt.Errorf("%s/type: %q is not a JSON Schema type", path, t)
				}
			}
		case "required":
			l, ok := v.([]any)
			if !ok {
				return bad("a list of key names")
			}
			for _, e := range l {
				if _, ok := e.(string); !ok {
					return bad("a list of key names")
				}
			}
		case "minimum", "maximum":
			if _, ok := schemaNumber(v); !ok {
				return bad("a number")
			}
		case "minItems", "maxItems", "minLength", "minProperties", "maxProperties":
			if n, ok := schemaNumber(v); !ok || n < 0 || n != math.Trunc(n) {
				return bad("a whole number, 0 or more")
			}
		case "properties", "$defs":
			m, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("%s/%s: not an object", path, k)
			}
			for _, name := range slices.Sorted(maps.Keys(m)) {
				sm, ok := m[name].(map[string]any)
				if !ok {
					return fmt.Errorf("%s/%s/%s: not a schema", path, k, name)
				}
				if err := checkSchema(root, sm, path+"/"+k+"/"+name); err != nil {
					return err
				}
			}
		case "items", "additionalProperties":
			if b, ok := v.(bool); ok && (k == "additionalProperties" || b) {
				continue
			}
			sm, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("%s/%s: not a schema", path, k)
			}
			if err := checkSchema(root, sm, path+"/"+k); err != nil {
				return err
			}
		}
	}
	return nil
}

// refCycle refuses a chain of $refs that comes back to itself: validating
// with it would never end.
func refCycle(root, s map[string]any) error {
	seen := map[string]bool{}
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return nil
		}
		if seen[ref] {
			return fmt.Errorf("$ref %q: refers to itself", ref)
		}
		seen[ref] = true
		next, err := resolveRef(root, ref)
		if err != nil {
			return err
		}
		s = next
	}
}

func resolveRef(root map[string]any, ref any) (map[string]any, error) {
	r, _ := ref.(string)
	name, ok := strings.CutPrefix(r, "#/$defs/")
	if !ok {
		return nil, fmt.Errorf("$ref %q: only #/$defs/NAME is supported", r)
	}
	defs, _ := root["$defs"].(map[string]any)
	s, ok := defs[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("$ref %q: no such definition", r)
	}
	return s, nil
}

// validateSchema lists where v (a JSON value: map[string]any, []any,
// string, float64, bool or nil) does not match schema s.
func validateSchema(root, s map[string]any, v any, loc []string) []schemaProblem {
	if ref, ok := s["$ref"]; ok {
		rs, err := resolveRef(root, ref)
		if err != nil {
			return []schemaProblem{{loc: loc, kind: "ref", want: err.Error()}}
		}
		out := validateSchema(root, rs, v, loc)
		rest := maps.Clone(s)
		delete(rest, "$ref")
		return append(out, validateSchema(root, rest, v, loc)...)
	}
	if want := schemaTypes(s["type"]); len(want) > 0 && !slices.ContainsFunc(want, func(t string) bool { return isType(v, t) }) {
		return []schemaProblem{{loc: loc, kind: "type", got: jsonType(v), want: strings.Join(want, " or ")}}
	}
	var out []schemaProblem
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		var unknown []string
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if ps, ok := props[k].(map[string]any); ok {
				out = append(out, validateSchema(root, ps, x[k], append(slices.Clone(loc), k))...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					unknown = append(unknown, k)
				}
			case map[string]any:
				out = append(out, validateSchema(root, ap, x[k], append(slices.Clone(loc), k))...)
			}
		}
		if len(unknown) > 0 {
			out = append(out, schemaProblem{loc: loc, kind: "additionalProperties", props: unknown})
		}
		var missing []string
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if name, _ := r.(string); name != "" {
					if _, ok := x[name]; !ok {
						missing = append(missing, name)
					}
				}
			}
		}
		if len(missing) > 0 {
			out = append(out, schemaProblem{loc: loc, kind: "required", props: missing})
		}
		if n, ok := schemaNumber(s["minProperties"]); ok && float64(len(x)) < n {
			out = append(out, schemaProblem{loc: loc, kind: "minProperties", got: strconv.Itoa(len(x)), want: fmtNumber(n)})
		}
		if n, ok := schemaNumber(s["maxProperties"]); ok && float64(len(x)) > n {
			out = append(out, schemaProblem{loc: loc, kind: "maxProperties", got: strconv.Itoa(len(x)), want: fmtNumber(n)})
		}
	case []any:
		if n, ok := schemaNumber(s["minItems"]); ok && float64(len(x)) < n {
			out = append(out, schemaProblem{loc: loc, kind: "minItems", got: strconv.Itoa(len(x)), want: fmtNumber(n)})
		}
		if n, ok := schemaNumber(s["maxItems"]); ok && float64(len(x)) > n {
			out = append(out, schemaProblem{loc: loc, kind: "maxItems", got: strconv.Itoa(len(x)), want: fmtNumber(n)})
		}
		if is, ok := s["items"].(map[string]any); ok {
			for i, item := range x {
				out = append(out, validateSchema(root, is, item, append(slices.Clone(loc), strconv.Itoa(i)))...)
			}
		}
	case string:
		if n, ok := schemaNumber(s["minLength"]); ok && float64(utf8.RuneCountInString(x)) < n {
			out = append(out, schemaProblem{loc: loc, kind: "minLength", got: strconv.Itoa(utf8.RuneCountInString(x)), want: fmtNumber(n)})
		}
	case float64:
		if n, ok := schemaNumber(s["minimum"]); ok && x < n {
			out = append(out, schemaProblem{loc: loc, kind: "minimum", got: fmtNumber(x), want: fmtNumber(n)})
		}
		if n, ok := schemaNumber(s["maximum"]); ok && x > n {
			out = append(out, schemaProblem{loc: loc, kind: "maximum", got: fmtNumber(x), want: fmtNumber(n)})
		}
	}
	return out
}

func schemaTypes(t any) []string {
	switch x := t.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func schemaNumber(v any) (float64, bool) {
	f, ok := v.(float64)
	return f, ok
}

func fmtNumber(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// isType: whether v is of JSON Schema type t; an integer is a number
// without a fractional part (3.0 is one).
func isType(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && !math.IsInf(f, 0) && f == math.Trunc(f)
	}
	return false
}

// jsonType names v's type as JSON Schema does (a number is "number",
// whole or not).
func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case float64:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}
