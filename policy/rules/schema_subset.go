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

// The built-in policies' configuration schemas (rego/NAME.config.schema.json)
// are checked by the small validator below rather than a general JSON
// Schema library: the one provenant used (santhosh-tekuri/jsonschema)
// compiles every draft's meta-schemas in its package init, about a third
// of the start-up of every command, policy or not (docs/performance.md).
// The schemas are ours, and use only the keywords below; a schema that
// uses any other is refused when it is first needed, so that a keyword is
// never ignored silently.
var schemaKeywords = map[string]bool{
	"$schema": true, "$id": true, "$defs": true, "$ref": true, "title": true, "description": true,
	"type": true, "properties": true, "additionalProperties": true, "required": true,
	"items": true, "minItems": true, "maxItems": true, "minLength": true, "minimum": true, "maximum": true,
}

// schemaProblem is one place where a value does not match its schema.
type schemaProblem struct {
	loc  []string // the instance location: keys and array indexes
	kind string   // additionalProperties, type, minLength, minimum, maximum, required, minItems, maxItems
	// props: the unknown keys (additionalProperties) or missing ones
	// (required).
	props     []string
	got, want string // type names, or numbers as text
}

// checkSchema refuses a schema that uses a keyword the validator does not
// implement, or a $ref it cannot resolve.
func checkSchema(root, s map[string]any, path string) error {
	for k, v := range s {
		if !schemaKeywords[k] {
			return fmt.Errorf("%s: keyword %q is not one provenant's schema validator implements", path, k)
		}
		switch k {
		case "$ref":
			if _, err := resolveRef(root, v); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		case "properties", "$defs":
			m, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("%s/%s: not an object", path, k)
			}
			for name, sub := range m {
				sm, ok := sub.(map[string]any)
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
