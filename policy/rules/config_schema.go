package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	regolib "github.com/provenant/provenant/rego"
)

// builtinSchema is the schema of one built-in policy's section of
// data.config, as decoded JSON (schema_subset.go validates with it).
type builtinSchema struct {
	raw map[string]any
}

// builtinSchemas are the schemas each built-in policy declares for its
// section of data.config (rego/NAME.config.schema.json), by name.
var builtinSchemas = sync.OnceValues(func() (map[string]builtinSchema, error) {
	out := map[string]builtinSchema{}
	for _, name := range regolib.Builtins() {
		src, ok := regolib.ConfigSchema(name)
		if !ok {
			continue
		}
		var raw map[string]any
		if err := json.Unmarshal(src, &raw); err != nil {
			return nil, fmt.Errorf("the schema of builtin:%s: %w", name, err)
		}
		if err := checkSchema(raw, raw, "#"); err != nil {
			return nil, fmt.Errorf("the schema of builtin:%s: %w", name, err)
		}
		out[name] = builtinSchema{raw: raw}
	}
	return out, nil
})

// ConfigError is a data: section of a policy configuration that the
// built-in policies refuse: an unknown key, a wrong type, a value out of
// range, or a section whose name is a near miss of a built-in's. It wraps
// ErrPolicy.
type ConfigError struct {
	// Problems are "file:line: data.PATH: what is wrong", by line.
	Problems []string
	// required: the problems are against what loaded policies declare
	// (ErrConfigRequired).
	required bool
}

func (e *ConfigError) Error() string {
	return ErrPolicy.Error() + ": " + strings.Join(e.Problems, "; ")
}

// Unwrap is ErrPolicy, and ErrConfigRequired for a configuration that
// lacks what a loaded policy declares.
func (e *ConfigError) Unwrap() []error {
	if e.required {
		return []error{ErrPolicy, ErrConfigRequired}
	}
	return []error{ErrPolicy}
}

// configPlace says where a path under data: is written ("file:line: "), or
// "" when it is not known.
type configPlace func(path []string) string

// validateData checks data (the data: section, data.config to policies)
// against the schema each built-in policy declares for its section,
// whether or not that policy is loaded: a section named after a built-in
// belongs to it. Any other section is the business of the user's policies
// and is let through, unless its name is a near miss of a built-in's
// (slas, SLSA, chian), which would silently configure nothing.
func validateData(data map[string]any, where configPlace) error {
	if len(data) == 0 {
		return nil
	}
	if where == nil {
		where = func([]string) string { return "" }
	}
	schemas, err := builtinSchemas()
	if err != nil {
		return err
	}
	var problems []configProblem
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s, ok := schemas[k]
		if !ok {
			if near := nearBuiltin(k, schemas); near != "" {
				problems = append(problems, configProblem{where([]string{k}), []string{k},
					fmt.Sprintf("unknown section; did you mean %s (builtin:%s)? A misspelt section configures nothing", near, near)})
			}
			continue
		}
		doc, err := jsonValue(data[k])
		if err != nil {
			problems = append(problems, configProblem{where([]string{k}), []string{k}, err.Error()})
			continue
		}
		for _, p := range validateSchema(s.raw, s.raw, doc, nil) {
			problems = append(problems, describe(BuiltinPrefix+k, []string{k}, s.raw, p, where)...)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].less(problems[j]) })
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.String()
	}
	return &ConfigError{Problems: slices.Compact(lines)}
}

type configProblem struct {
	place string
	path  []string
	msg   string
}

func (p configProblem) String() string {
	return p.place + "data." + strings.Join(p.path, ".") + ": " + p.msg
}

func (p configProblem) less(q configProblem) bool {
	if a, b := placeLine(p.place), placeLine(q.place); a != b {
		return a < b
	}
	return strings.Join(p.path, ".") < strings.Join(q.path, ".")
}

func placeLine(place string) int {
	s := strings.TrimSuffix(place, ": ")
	n, _ := strconv.Atoi(s[strings.LastIndex(s, ":")+1:])
	return n
}

// describe says what is wrong at one place of the document under prefix
// (a built-in's section, or data.config itself) whose schema is root and
// whose owner (builtin:NAME, a policy) is named in the message.
func describe(owner string, prefix []string, root map[string]any, p schemaProblem, where configPlace) []configProblem {
	if where == nil {
		where = func([]string) string { return "" }
	}
	path := append(slices.Clone(prefix), p.loc...)
	one := func(msg string) []configProblem { return []configProblem{{where(path), path, msg}} }
	switch p.kind {
	case "additionalProperties":
		keys := schemaKeys(root, p.loc)
		var out []configProblem
		for _, name := range p.props {
			pp := append(slices.Clone(path), name)
			msg := fmt.Sprintf("unknown key (%s takes %s here)", owner, strings.Join(keys, ", "))
			if near := nearest(name, keys); near != "" {
				msg = fmt.Sprintf("unknown key; did you mean %s? (%s takes %s here)", near, owner, strings.Join(keys, ", "))
			}
			out = append(out, configProblem{where(pp), pp, msg})
		}
		return out
	case "type":
		return one(fmt.Sprintf("is %s, want %s", article(p.got), article(p.want)))
	case "minLength":
		if p.want == "1" {
			return one("is empty")
		}
		return one(fmt.Sprintf("is shorter than %s characters", p.want))
	case "maximum":
		return one(fmt.Sprintf("is %s, more than %s", p.got, p.want))
	case "minimum":
		return one(fmt.Sprintf("is %s, less than %s", p.got, p.want))
	case "required":
		quoted := make([]string, len(p.props))
		for i, name := range p.props {
			quoted[i] = "'" + name + "'"
		}
		if len(quoted) == 1 {
			return one("missing property " + quoted[0])
		}
		return one("missing properties " + strings.Join(quoted, ", "))
	case "minItems":
		return one(fmt.Sprintf("has %s items, want at least %s", p.got, p.want))
	case "maxItems":
		return one(fmt.Sprintf("has %s items, want at most %s", p.got, p.want))
	case "minProperties":
		return one(fmt.Sprintf("has %s keys, want at least %s", p.got, p.want))
	case "maxProperties":
		return one(fmt.Sprintf("has %s keys, want at most %s", p.got, p.want))
	}
	return one("is not allowed here: " + p.want)
}

// nearest is the name among names that k nearly is, or "".
func nearest(k string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(k, n) {
			return n
		}
		if d := editDistance(strings.ToLower(k), n); d == 1 || (d == 2 && len(k) >= 4) {
			return n
		}
	}
	return ""
}

func article(t string) string {
	switch t {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "null":
		return "empty (null)"
	case "integer":
		return "an integer"
	}
	return "a " + t
}

// schemaKeys lists the property names the schema allows at an instance
// location (following properties and items).
func schemaKeys(root map[string]any, loc []string) []string {
	s := followRef(root, root)
	for _, seg := range loc {
		if props, ok := s["properties"].(map[string]any); ok {
			if sub, ok := props[seg].(map[string]any); ok {
				s = followRef(root, sub)
				continue
			}
		}
		if items, ok := s["items"].(map[string]any); ok {
			s = followRef(root, items)
			continue
		}
		return nil
	}
	props, _ := s["properties"].(map[string]any)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// jsonValue turns a value decoded from YAML into the JSON value the schema
// describes; a value JSON cannot hold (a mapping with non-string keys) is
// an error.
func jsonValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		if _, ok := errors.AsType[*json.UnsupportedTypeError](err); ok {
			return nil, errors.New("has a key that is not a string")
		}
		return nil, fmt.Errorf("not a JSON value: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("not a JSON value: %v", err)
	}
	return out, nil
}

// followRef is the schema s refers to (#/$defs/NAME in root), or s.
func followRef(root, s map[string]any) map[string]any {
	for range 16 {
		if _, ok := s["$ref"]; !ok {
			return s
		}
		next, err := resolveRef(root, s["$ref"])
		if err != nil {
			return s
		}
		s = next
	}
	return s
}

// nearBuiltin is the built-in whose section name k nearly is: the same
// name in another case, one or two edits away (one for short names), or
// the name with a key glued on (slsa.level, slsa_level).
func nearBuiltin(k string, schemas map[string]builtinSchema) string {
	names := make([]string, 0, len(schemas))
	for n := range schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	lower := strings.ToLower(k)
	for _, n := range names {
		if rest, ok := strings.CutPrefix(lower, n); ok && rest != "" && strings.ContainsRune("._-:/ ", rune(rest[0])) {
			return n
		}
	}
	return nearest(k, names)
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of adjacent runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 64
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// yamlPlace finds where a path under data: is written in a configuration
// file: the deepest node of the path that exists.
func yamlPlace(doc *yaml.Node, name string) configPlace {
	return func(path []string) string {
		n := mappingValue(docRoot(doc), "data")
		line := 0
		if n != nil {
			line = n.Line
		}
		for _, seg := range path {
			if n == nil {
				break
			}
			switch n.Kind {
			case yaml.MappingNode:
				var key *yaml.Node
				key, n = mappingEntry(n, seg)
				if key != nil {
					line = key.Line
				}
			case yaml.SequenceNode:
				i, err := strconv.Atoi(seg)
				if err != nil || i < 0 || i >= len(n.Content) {
					n = nil
					break
				}
				n = n.Content[i]
				line = n.Line
			default:
				n = nil
			}
		}
		if line == 0 {
			return name + ": "
		}
		return fmt.Sprintf("%s:%d: ", name, line)
	}
}

func docRoot(doc *yaml.Node) *yaml.Node {
	if doc == nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	_, v := mappingEntry(n, key)
	return v
}

func mappingEntry(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}
