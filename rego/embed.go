// Package regolib is the Rego library shipped inside provenant: the ready
// policies that `--policy builtin:NAME` names, the helper package
// data.provenant.lib they share, and their *_test.rego tests.
//
// The files are plain Rego v1 and are embedded with go:embed, so a binary
// needs nothing beside it, with the JSON Schemas policies are checked
// against: the policy input's (InputSchema) and each built-in's section of
// data.config (ConfigSchema). The Go package is named regolib so that it does
// not clash with OPA's rego package where both are imported.
package regolib

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// FS holds every .rego file of this directory, tests included.
//
//go:embed *.rego
var FS embed.FS

// InputSchema is the JSON Schema of the policy input document,
// docs/policy-input.schema.json (this copy has the same bytes; a test
// checks). Policies are compiled against it, so that a reference to a
// field the input cannot have is a compile error.
//
//go:embed policy-input.schema.json
var InputSchema []byte

//go:embed *.config.schema.json
var configSchemas embed.FS

// ConfigSchema is the JSON Schema of the section of data.config that the
// built-in policy name reads (data.config.NAME), or false when it reads
// none. Unknown keys and wrong types in that section are load errors.
func ConfigSchema(name string) ([]byte, bool) {
	b, err := configSchemas.ReadFile(name + ".config.schema.json")
	return b, err == nil
}

// LibFile is the helper module (package provenant.lib) loaded with every
// policy set.
const LibFile = "lib.rego"

// Builtins lists the names that `builtin:NAME` accepts, sorted.
func Builtins() []string {
	entries, _ := fs.ReadDir(FS, ".")
	var out []string
	for _, e := range entries {
		n := e.Name()
		if n == LibFile || strings.HasSuffix(n, "_test.rego") || path.Ext(n) != ".rego" {
			continue
		}
		out = append(out, strings.TrimSuffix(n, ".rego"))
	}
	sort.Strings(out)
	return out
}
