package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// ConfigKey is the METADATA custom key under which a package declares the
// configuration it reads: a JSON Schema (written in YAML) of data.config
// as the package needs it.
//
//	# METADATA
//	# scope: package
//	# custom:
//	#   config:
//	#     required: [release]
//	#     properties:
//	#       release:
//	#         required: [builder_ids]
//	#         properties:
//	#           builder_ids: {type: array, items: {type: string}}
//	package release
//
// Every object schema that lists properties and says nothing of
// additionalProperties refuses other keys (a misspelt key configures
// nothing), except data.config itself, which the sections of other
// policies share.
const ConfigKey = "config"

// ErrConfigRequired marks a policy configuration that lacks a key a loaded
// policy declares as required (METADATA custom.config), or spells one
// wrongly: the policy would read nothing and allow. It comes wrapped in a
// ConfigError, which wraps ErrPolicy too.
var ErrConfigRequired = errors.New("the policy configuration lacks what a policy requires")

// declaredConfig is one package's declaration of the configuration it
// reads.
type declaredConfig struct {
	owner string // "policy release (dir/policy.rego:3)" or "builtin:chain"
	raw   map[string]any
}

// declarations reads the custom.config declarations of the packages'
// METADATA (package and subpackages scope) and checks each as a JSON
// Schema of the subset provenant implements (schema_subset.go). A
// declaration that is not such a schema, or uses a keyword provenant does
// not check, is a policy error naming its file and line, the package and
// the keyword.
func declarations(mods map[string]*ast.Module, order []string) ([]declaredConfig, error) {
	var out []declaredConfig
	var errs []string
	for _, file := range order {
		m := mods[file]
		for _, a := range m.Annotations {
			decl, ok := a.Custom[ConfigKey]
			if !ok {
				continue
			}
			loc := Location{File: file}
			if a.Location != nil {
				loc.Line = a.Location.Row
			}
			if a.Scope != "package" && a.Scope != "subpackages" {
				// On a rule it would declare nothing, silently.
				errs = append(errs, fmt.Sprintf("%s: METADATA custom.%s declares the configuration of a package: put it in the package's METADATA (scope: package), not a %s's", loc, ConfigKey, a.Scope))
				continue
			}
			d, err := compileDeclaration(decl)
			if kw, ok := errors.AsType[*unsupportedKeywordError](err); ok {
				errs = append(errs, fmt.Sprintf("%s: METADATA custom.%s: policy %s uses keyword %q (at %s), which provenant does not check; a declaration may use only %s (docs/policies.md)",
					loc, ConfigKey, packageName(m), kw.keyword, kw.path, strings.Join(SchemaKeywords(), ", ")))
				continue
			}
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: METADATA custom.%s: %v", loc, ConfigKey, err))
				continue
			}
			d.owner = owner(packageName(m), loc)
			out = append(out, d)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrPolicy, strings.Join(errs, "; "))
	}
	return out, nil
}

// owner names a declaring package for the user: builtin:NAME for a
// built-in policy, else the package and where it is declared.
func owner(pkg string, loc Location) string {
	if name, ok := strings.CutPrefix(loc.File, "builtin/"); ok {
		return BuiltinPrefix + strings.TrimSuffix(name, ".rego")
	}
	return fmt.Sprintf("policy %s (%s)", pkg, loc)
}

func compileDeclaration(decl any) (declaredConfig, error) {
	obj, ok := decl.(map[string]any)
	if !ok {
		return declaredConfig{}, errors.New("must be a JSON Schema (a mapping) of data.config")
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return declaredConfig{}, err
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return declaredConfig{}, err
	}
	if t, ok := raw["type"]; ok && t != "object" {
		return declaredConfig{}, fmt.Errorf("data.config is a mapping of sections, not %v", t)
	}
	raw["type"] = "object"
	closeObjects(raw, true)
	// A declaration is self-contained: checkSchema resolves a $ref only
	// to #/$defs/NAME of the declaration itself and refuses any other (a
	// file, a FIFO, /dev/zero, a URL); nothing is ever loaded.
	if err := checkSchema(raw, raw, "#"); err != nil {
		if _, ok := errors.AsType[*unsupportedKeywordError](err); ok {
			return declaredConfig{}, err
		}
		return declaredConfig{}, fmt.Errorf("not a valid JSON Schema: %v", err)
	}
	return declaredConfig{raw: raw}, nil
}

// closeObjects sets additionalProperties: false on every object schema
// that lists properties and leaves additionalProperties unsaid, below the
// root (top: the schema of data.config, which stays open).
func closeObjects(v any, top bool) {
	s, ok := v.(map[string]any)
	if !ok {
		return
	}
	props, hasProps := s["properties"].(map[string]any)
	if hasProps && !top {
		if _, said := s["additionalProperties"]; !said {
			s["additionalProperties"] = false
		}
	}
	for _, p := range props {
		closeObjects(p, false)
	}
	closeObjects(s["items"], false)
	if defs, ok := s["$defs"].(map[string]any); ok {
		for _, d := range defs {
			closeObjects(d, false)
		}
	}
}

// checkDeclared validates data (data.config; nil is an empty document)
// against every declaration: a required key missing, an unknown key in a
// declared section, a wrong type. A section nobody declares or owns whose
// name is a near miss of a declared one is an error too.
func checkDeclared(decls []declaredConfig, data map[string]any) error {
	if len(decls) == 0 {
		return nil
	}
	doc, err := jsonValue(orEmpty(data))
	if err != nil {
		return &ConfigError{Problems: []string{"data: " + err.Error()}}
	}
	var problems []string
	declared := map[string]bool{}
	for _, d := range decls {
		collectSections(d.raw, declared)
		for _, p := range validateSchema(d.raw, d.raw, doc, nil) {
			problems = append(problems, describeDeclared(d, p)...)
		}
	}
	schemas, err := builtinSchemas()
	if err != nil {
		return err
	}
	names := slices.Sorted(maps.Keys(declared))
	for _, k := range slices.Sorted(maps.Keys(orEmpty(data))) {
		if declared[k] {
			continue
		}
		if _, builtin := schemas[k]; builtin {
			continue
		}
		if near := nearest(k, names); near != "" {
			problems = append(problems, fmt.Sprintf("data.%s: unknown section; did you mean %s? A misspelt section configures nothing", k, near))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	return &ConfigError{Problems: slices.Compact(problems), required: true}
}

func orEmpty(data map[string]any) map[string]any {
	if data == nil {
		return map[string]any{}
	}
	return data
}

// collectSections adds the sections a declaration names (its top-level
// properties and required keys).
func collectSections(raw any, into map[string]bool) {
	s, _ := raw.(map[string]any)
	props, _ := s["properties"].(map[string]any)
	for k := range props {
		into[k] = true
	}
	if req, ok := s["required"].([]any); ok {
		for _, r := range req {
			if k, ok := r.(string); ok {
				into[k] = true
			}
		}
	}
}

// describeDeclared says what is wrong at one place of data.config against
// a declaration.
func describeDeclared(d declaredConfig, p schemaProblem) []string {
	if p.kind == "required" {
		path := strings.Join(append([]string{"data"}, p.loc...), ".")
		out := make([]string, 0, len(p.props))
		for _, m := range p.props {
			out = append(out, fmt.Sprintf("%s.%s: missing; %s requires it (set it under data: in the policy configuration)", path, m, d.owner))
		}
		return out
	}
	var out []string
	for _, c := range describe(d.owner, nil, d.raw, p, nil) {
		out = append(out, c.String())
	}
	return out
}
