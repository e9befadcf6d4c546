package rules

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/print"

	regolib "github.com/provenant/provenant/rego"
)

// InputSchemaVersion names the version of the policy input document,
// described in docs/policy-input.md (JSON Schema:
// docs/policy-input.schema.json).
const InputSchemaVersion = "https://github.com/provenant/provenant/blob/main/docs/policy-input.md#v1"

// ErrPolicy marks a policy that cannot be loaded, parsed or compiled. Its
// message names the file and line of every problem.
var ErrPolicy = errors.New("policy")

// BuiltinPrefix addresses the policies shipped with provenant:
// "builtin:slsa", "builtin:github", "builtin:chain", "builtin:layout".
const BuiltinPrefix = "builtin:"

// DefaultPolicyTimeout bounds one evaluation of the policies for one
// artifact.
const DefaultPolicyTimeout = 10 * time.Second

// Rule kinds: the rule names that produce findings, as in conftest.
const (
	KindDeny      = "deny"
	KindWarn      = "warn"
	KindViolation = "violation"
	// KindError is a finding made by provenant itself when a policy
	// cannot be evaluated; it denies.
	KindError = "error"
)

// findingRule matches the names of the rules that make findings, as
// conftest does: deny, violation and warn, alone or with suffixes
// (deny_root, warn_no_tag_latest).
var findingRule = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(deny|violation|warn)(_[a-zA-Z0-9]+)*$`) })

// findingKind is the kind of findings a rule named name makes, or "" when
// it makes none.
func findingKind(name string) string {
	m := findingRule().FindStringSubmatch(name)
	if m == nil {
		return ""
	}
	return m[1]
}

// ruleKey wraps every value of a deny/warn/violation set rule, so that a
// finding can be traced to the rule body (and its METADATA) that made it.
const ruleKey = "__provenant_rule__"

// PolicyOption configures LoadPolicies.
type PolicyOption func(*policyOptions) error

type policyOptions struct {
	timeout     time.Duration
	data        map[string]any
	print       io.Writer
	regoVersion ast.RegoVersion
	// noInputSchema compiles without the input schema, for tests that
	// load policies written for other inputs (conftest's examples).
	noInputSchema bool
	// noSharing evaluates every rule per artifact (shared.go), for the
	// tests that compare both ways.
	noSharing bool
}

// withoutInputSchema is for tests only.
func withoutInputSchema() PolicyOption {
	return func(o *policyOptions) error { o.noInputSchema = true; return nil }
}

// withoutSharing is for tests only.
func withoutSharing() PolicyOption {
	return func(o *policyOptions) error { o.noSharing = true; return nil }
}

// Rego versions for WithRegoVersion.
const (
	RegoV1 = "v1"
	RegoV0 = "v0"
)

// ErrRegoV0 marks a parse error in a policy file that parses as Rego v0:
// it was written for OPA before 1.0 (or for conftest with --rego-version
// v0) and loads with WithRegoVersion(RegoV0).
var ErrRegoV0 = errors.New("parses as Rego v0")

// ErrRegoV1 marks a parse error in a policy file loaded as Rego v0 that
// parses as Rego v1: with WithRegoVersion(RegoV0), a v1 file needs
// `import rego.v1`.
var ErrRegoV1 = errors.New("parses as Rego v1 (add import rego.v1 to load it with Rego v0 files)")

// WithRegoVersion parses the policy files given (not the built-in ones,
// which are v1) as Rego v1 (the default) or v0, the syntax of OPA before
// 1.0 that conftest selects with --rego-version v0. A v0 file with
// `import rego.v1` is v1 syntax and loads either way.
func WithRegoVersion(v string) PolicyOption {
	return func(o *policyOptions) error {
		switch v {
		case RegoV1, "":
			o.regoVersion = ast.RegoV1
		case RegoV0:
			o.regoVersion = ast.RegoV0
		default:
			return fmt.Errorf("the Rego version must be %s or %s, not %q", RegoV1, RegoV0, v)
		}
		return nil
	}
}

func newPolicyOptions(opts []PolicyOption) (policyOptions, error) {
	o := policyOptions{timeout: DefaultPolicyTimeout, regoVersion: ast.RegoV1}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	return o, nil
}

// WithPolicyTimeout bounds each evaluation (one artifact).
func WithPolicyTimeout(d time.Duration) PolicyOption {
	return func(o *policyOptions) error {
		if d <= 0 {
			return fmt.Errorf("policy timeout must be positive, not %s", d)
		}
		o.timeout = d
		return nil
	}
}

// WithPolicyData makes data available to policies as data.config (the
// `data:` section of a policy configuration file). The sections of the
// built-in policies are checked against their schemas when the policies
// load.
func WithPolicyData(data map[string]any) PolicyOption {
	return func(o *policyOptions) error { o.data = data; return nil }
}

// WithPrintOutput sends the output of Rego print() calls to w, each line
// prefixed with the file and line of the call. Without it, print() output
// is discarded.
func WithPrintOutput(w io.Writer) PolicyOption {
	return func(o *policyOptions) error { o.print = w; return nil }
}

// PolicySource is one --policy argument and the digest of what it loaded.
type PolicySource struct {
	URI string `json:"uri"`
	// Digest is sha256 over "sha256(file)  name\n" for every file loaded
	// from URI, sorted by name (the sha256sum format).
	Digest map[string]string `json:"digest"`
	Files  []string          `json:"files"`
}

// Location is a place in a policy file.
type Location struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

func (l Location) String() string { return fmt.Sprintf("%s:%d", l.File, l.Line) }

// RuleInfo describes one deny/warn/violation rule body and its METADATA.
type RuleInfo struct {
	Kind string `json:"kind"`
	// Name is the rule's name in its package: its kind, or the kind with a
	// conftest suffix (deny_unsigned).
	Name        string         `json:"name,omitempty"`
	Package     string         `json:"package"`
	Title       string         `json:"title,omitempty"`
	Description string         `json:"description,omitempty"`
	Custom      map[string]any `json:"custom,omitempty"`
	Location    Location       `json:"location"`
}

// ID names the rule in the machine formats (a SARIF rule, a JUnit test
// case), which GitHub code scanning and CI test histories need stable
// across runs and edits: its code (METADATA custom.code) when set, else
// package.name (main.deny, main.deny_unsigned) with the words of its
// title when it has one (main.deny/release-builder). It never holds a
// line number, so editing other lines of the file does not change it;
// rule bodies of one name without a title share one id.
func (r RuleInfo) ID() string {
	if c, ok := r.Custom["code"].(string); ok && c != "" {
		return c
	}
	name := r.Name
	if name == "" {
		name = r.Kind
	}
	id := r.Package + "." + name
	if words := strings.FieldsFunc(strings.ToLower(r.Title), func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9')
	}); len(words) > 0 {
		id += "/" + strings.Join(words, "-")
	}
	return id
}

type ruleRef struct {
	path ast.Ref
	pkg  string // "provenant.slsa"
	kind string // deny, violation or warn
	name string // the rule's name: the kind, or the kind with a suffix
	// rules are the bodies of this rule in this package, for findings
	// that cannot be traced to one body (complete rules).
	rules []int
	// nested: the rule has a ref head (deny[msg] if ..., deny.x contains
	// ...), so its document is an object whose leaves are wrapped values.
	nested bool
	// multi: a multi-value rule without a ref head (deny contains x): its
	// document is a set of wrapped values.
	multi bool
}

// ruleShape is how a deny/warn/violation rule body's values were wrapped.
type ruleShape struct {
	// multi: a multi-value rule (contains): each wrapped value is one
	// element. Otherwise a single-value rule with a ref head, whose
	// wrapped value is the rule's value, with the ref after the name as
	// its path.
	multi bool
	// isDefault: a default rule, whose value is the fallback of the
	// others.
	isDefault bool
}

// PolicySet is a set of compiled Rego modules, ready to evaluate once per
// artifact. It is safe for concurrent use.
type PolicySet struct {
	// perArtifact evaluates the rules that may read input.artifact (and
	// the SLSA level), once per artifact; shared the others, once per
	// set of inputs (shared.go). Either may be nil.
	perArtifact *compiledQuery
	shared      *compiledQuery
	refs        []ruleRef
	rules       []RuleInfo
	shapes      []ruleShape // per rule, as rules
	// looping are the rule bodies evaluated per artifact that loop over
	// input.attestations (ids into rules; shared.go).
	looping []int
	// slsaLevel: builtin:slsa is loaded, and each evaluation gives the
	// SLSA Build level reached.
	slsaLevel bool
	sources   []PolicySource
	timeout   time.Duration
	data      map[string]any
	// print receives print() output (nil: discarded).
	print io.Writer
}

// Sources lists the policies loaded, in the order given.
func (p *PolicySet) Sources() []PolicySource { return p.sources }

// Rules lists every deny/warn/violation rule body with its METADATA, in
// load order.
func (p *PolicySet) Rules() []RuleInfo { return p.rules }

// LoopingRules are the rule bodies of the policies given (not the
// built-in ones) that are evaluated for each artifact, since they may see
// it, and that loop over input.attestations: together they cost
// artifacts x attestations. docs/policies.md ("Keep a policy linear")
// says how to write them otherwise.
func (p *PolicySet) LoopingRules() []RuleInfo {
	out := make([]RuleInfo, len(p.looping))
	for i, id := range p.looping {
		out[i] = p.rules[id]
	}
	return out
}

// Timeout is the bound on one evaluation.
func (p *PolicySet) Timeout() time.Duration { return p.timeout }

// Data is the data.config document.
func (p *PolicySet) Data() map[string]any { return p.data }

// Capabilities are OPA's built-in functions minus the network ones
// (http.send, net.*) and opa.runtime (which can expose the process's
// environment, where tokens and passwords live): a policy's verdict depends
// only on its input and data, and a policy cannot copy a secret into a
// finding that ends up in a log or a SARIF upload.
func Capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	kept := caps.Builtins[:0:0]
	for _, b := range caps.Builtins {
		if b.Name == "http.send" || strings.HasPrefix(b.Name, "net.") || b.Name == "opa.runtime" {
			continue
		}
		kept = append(kept, b)
	}
	caps.Builtins = kept
	caps.AllowNet = []string{}
	return caps
}

type moduleFile struct {
	name    string // path as shown in errors
	src     []byte
	from    int  // index into sources
	builtin bool // shipped in the binary: always Rego v1
}

// collectModules reads the .rego files named by paths: files, directories
// (walked recursively) and builtin:NAME. *_test.rego files are skipped
// unless tests is set.
func collectModules(paths []string, tests bool) ([]moduleFile, []PolicySource, error) {
	var files []moduleFile
	var sources []PolicySource
	for _, p := range paths {
		src := PolicySource{URI: p}
		idx := len(sources)
		add := func(name string, data []byte) {
			files = append(files, moduleFile{name: name, src: data, from: idx})
			src.Files = append(src.Files, name)
		}
		if name, ok := strings.CutPrefix(p, BuiltinPrefix); ok {
			names := []string{name + ".rego"}
			if tests {
				names = append(names, name+"_test.rego")
			}
			if name == "" || name == "lib" || strings.ContainsAny(name, "/\\.") {
				return nil, nil, fmt.Errorf("%w: unknown built-in policy %q (have: %s)", ErrPolicy, p, strings.Join(regolib.Builtins(), ", "))
			}
			for i, n := range names {
				data, err := fs.ReadFile(regolib.FS, n)
				if err != nil {
					if i == 0 {
						return nil, nil, fmt.Errorf("%w: unknown built-in policy %q (have: %s)", ErrPolicy, p, strings.Join(regolib.Builtins(), ", "))
					}
					continue
				}
				add("builtin/"+n, data)
				files[len(files)-1].builtin = true
			}
		} else {
			info, err := os.Stat(p)
			if err != nil {
				if pe, ok := errors.AsType[*fs.PathError](err); ok {
					return nil, nil, fmt.Errorf("%s: %w", p, pe.Err)
				}
				return nil, nil, err
			}
			if !info.IsDir() {
				if !strings.HasSuffix(p, ".rego") {
					return nil, nil, fmt.Errorf("%w: %s: not a .rego file", ErrPolicy, p)
				}
				if tests || !strings.HasSuffix(p, "_test.rego") {
					data, err := readPolicyFile(p)
					if err != nil {
						return nil, nil, err
					}
					add(p, data)
				}
			} else {
				err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
					if err != nil {
						return err
					}
					if d.IsDir() || !strings.HasSuffix(path, ".rego") {
						return nil
					}
					if !tests && strings.HasSuffix(path, "_test.rego") {
						return nil
					}
					data, err := readPolicyFile(path)
					if err != nil {
						return err
					}
					add(path, data)
					return nil
				})
				if err != nil {
					return nil, nil, err
				}
			}
			if len(src.Files) == 0 {
				return nil, nil, fmt.Errorf("%w: %s: no .rego policy files", ErrPolicy, p)
			}
		}
		src.Digest = map[string]string{"sha256": digestFiles(files[len(files)-len(src.Files):])}
		sources = append(sources, src)
	}
	return files, sources, nil
}

// MaxPolicyFileBytes bounds one policy file or policy configuration.
const MaxPolicyFileBytes = 16 << 20

// readPolicyFile reads a policy or configuration file: a regular file
// (after following links) of at most MaxPolicyFileBytes. A FIFO, a device
// (/dev/zero) or a directory is refused before it is opened, so that it
// can neither block nor fill memory.
func readPolicyFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s: not a regular file (%s)", ErrPolicy, path, info.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s: not a regular file", ErrPolicy, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxPolicyFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxPolicyFileBytes {
		return nil, fmt.Errorf("%w: %s: larger than %d MiB", ErrPolicy, path, MaxPolicyFileBytes>>20)
	}
	return data, nil
}

func digestFiles(files []moduleFile) string {
	lines := make([]string, len(files))
	for i, f := range files {
		sum := sha256.Sum256(f.src)
		lines[i] = hex.EncodeToString(sum[:]) + "  " + f.name + "\n"
	}
	sort.Strings(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "")))
	return hex.EncodeToString(sum[:])
}

// parseModules parses every file with METADATA annotations, the built-in
// ones as Rego v1 and the others as version says, and adds the
// provenant.lib helper package unless a file defines it. A file that fails
// to parse as v1 but parses as v0 makes the error wrap ErrRegoV0. With
// reserve, a file that is not built-in may not define a provenant.*
// package while a built-in policy is loaded.
func parseModules(files []moduleFile, version ast.RegoVersion, reserve bool) (map[string]*ast.Module, []string, error) {
	mods := map[string]*ast.Module{}
	var order []string
	var errs []string
	var v0, v1 []string
	srcs := map[string][]byte{}
	hasLib := false
	withBuiltins := reserve && slices.ContainsFunc(files, func(f moduleFile) bool { return f.builtin })
	for _, f := range files {
		v := version
		if f.builtin {
			v = ast.RegoV1
		}
		m, err := ast.ParseModuleWithOpts(f.name, string(f.src), ast.ParserOptions{RegoVersion: v, ProcessAnnotation: true})
		if err != nil {
			errs = append(errs, regoErrorLines(err)...)
			other := ast.RegoV0
			if v == ast.RegoV0 {
				other = ast.RegoV1
			}
			if _, err := ast.ParseModuleWithOpts(f.name, string(f.src), ast.ParserOptions{RegoVersion: other}); err == nil {
				if other == ast.RegoV0 {
					v0 = append(v0, f.name)
				} else {
					v1 = append(v1, f.name)
				}
			}
			continue
		}
		if v == ast.RegoV0 {
			errs = append(errs, v1Misread(m)...)
		}
		if prev, dup := srcs[f.name]; dup {
			if !bytes.Equal(prev, f.src) {
				// A local builtin/slsa.rego and builtin:slsa: keeping
				// one would drop the other's rules.
				errs = append(errs, fmt.Sprintf("%s: two different policy files have this name", f.name))
			}
			continue // the same file named twice
		}
		srcs[f.name] = f.src
		if packageName(m) == "provenant.lib" {
			hasLib = true
		}
		if !f.builtin && withBuiltins && reservedPackage(packageName(m)) {
			errs = append(errs, fmt.Sprintf("%s:%d: package %s belongs to provenant's built-in policies, which are loaded: a policy file of yours could change what they decide (the level a VSA records, what lib.provenance holds); name your package otherwise", f.name, m.Package.Location.Row, packageName(m)))
		}
		mods[f.name] = m
		order = append(order, f.name)
	}
	if len(v0) > 0 {
		return nil, nil, fmt.Errorf("%w: %s; %s %w", ErrPolicy, strings.Join(errs, "; "), strings.Join(v0, ", "), ErrRegoV0)
	}
	if len(v1) > 0 {
		return nil, nil, fmt.Errorf("%w: %s; %s %w", ErrPolicy, strings.Join(errs, "; "), strings.Join(v1, ", "), ErrRegoV1)
	}
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("%w: %s", ErrPolicy, strings.Join(errs, "; "))
	}
	if !hasLib {
		data, err := fs.ReadFile(regolib.FS, regolib.LibFile)
		if err != nil {
			return nil, nil, err
		}
		name := "builtin/" + regolib.LibFile
		m, err := ast.ParseModuleWithOpts(name, string(data), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s", ErrPolicy, strings.Join(regoErrorLines(err), "; "))
		}
		mods[name] = m
		order = append(order, name)
	}
	return mods, order, nil
}

// v1Misread finds Rego v1 syntax that Rego v0 reads as something else:
// `deny["x"] if { cond }` is, in v0, a rule deny that always contains "x"
// and a second rule named if. A v0 module with a rule named after a v1
// keyword is such a misreading (unless the module imports the keyword,
// which the parser then reads as v1).
func v1Misread(m *ast.Module) []string {
	var out []string
	for _, r := range m.Rules {
		name := r.Head.Ref()[0].Value.String()
		switch name {
		case "if", "contains", "in", "every":
			out = append(out, fmt.Sprintf("%s:%d: a rule named %q: Rego v1 syntax read as Rego v0, which splits the rule before it in two; add import rego.v1 to this file", r.Location.File, r.Location.Row, name))
		}
	}
	return out
}

// reservedPackage: the packages of provenant's own Rego (provenant.lib,
// provenant.slsa, ...), which no other file may define while a built-in
// policy is loaded.
func reservedPackage(pkg string) bool {
	return pkg == "provenant" || strings.HasPrefix(pkg, "provenant.")
}

func packageName(m *ast.Module) string {
	return strings.TrimPrefix(m.Package.Path.String(), "data.")
}

// regoErrorLines turns OPA's parse errors (ast.Errors, or rego.Errors when
// they come through the rego package), compile errors (ast.Errors) and
// evaluation errors (topdown.Error) into "file:line: message" lines.
func regoErrorLines(err error) []string {
	if err == nil {
		return nil
	}
	if es, ok := errors.AsType[ast.Errors](err); ok {
		out := make([]string, 0, len(es))
		for _, e := range es {
			out = append(out, astErrorLine(e))
		}
		return out
	}
	if es, ok := errors.AsType[rego.Errors](err); ok {
		var out []string
		for _, e := range es {
			out = append(out, regoErrorLines(e)...)
		}
		return out
	}
	if e, ok := errors.AsType[*ast.Error](err); ok {
		return []string{astErrorLine(e)}
	}
	if e, ok := errors.AsType[*topdown.Error](err); ok {
		msg := e.Message
		if e.Location != nil {
			return []string{fmt.Sprintf("%s:%d: %s: %s", e.Location.File, e.Location.Row, e.Code, msg)}
		}
		return []string{e.Code + ": " + msg}
	}
	return []string{err.Error()}
}

func astErrorLine(e *ast.Error) string {
	msg := e.Code + ": " + e.Message
	if e.Code == ast.TypeErr {
		switch d := e.Details.(type) {
		case *ast.RefErrInvalidDetail:
			msg += refHint(d)
		case *ast.RefErrUnsupportedDetail:
			// d.Ref[d.Pos] has a type (d.Have) that has no members.
			if d.Pos >= 0 && d.Pos+1 < len(d.Ref) {
				msg += refHint(&ast.RefErrInvalidDetail{Ref: d.Ref, Pos: d.Pos + 1, Have: d.Have})
			}
		}
	}
	if e.Location != nil {
		return fmt.Sprintf("%s:%d: %s", e.Location.File, e.Location.Row, msg)
	}
	return msg
}

// statementMembers are the members of an in-toto Statement: a policy that
// reads them from input (or from an attestation) was written for a bare
// statement.
var statementMembers = map[string]bool{"_type": true, "subject": true, "predicateType": true, "predicate": true}

// refHint explains a reference the input schema rules out: which field,
// what the document has there, and where a statement is.
func refHint(d *ast.RefErrInvalidDetail) string {
	if d.Pos < 0 || d.Pos >= len(d.Ref) {
		return ""
	}
	field := d.Ref[:d.Pos+1].String()
	parent := d.Ref[:d.Pos].String()
	var b strings.Builder
	fmt.Fprintf(&b, ": the policy input has no %s", field)
	if len(d.OneOf) > 0 {
		names := make([]string, len(d.OneOf))
		for i, v := range d.OneOf {
			names[i] = strings.Trim(v.String(), `"`)
		}
		sort.Strings(names)
		fmt.Fprintf(&b, " (%s has %s)", parent, strings.Join(names, ", "))
	} else if d.Have != nil {
		fmt.Fprintf(&b, " (%s is %s)", parent, d.Have)
	}
	if s, ok := d.Ref[d.Pos].Value.(ast.String); ok && statementMembers[string(s)] {
		fmt.Fprintf(&b, "; a statement is at input.attestations[_].statement, e.g. input.attestations[_].statement.%s", string(s))
	}
	b.WriteString(" (docs/policy-input.md)")
	return b.String()
}

// everyShadow copies the modules that use `every`, with each
// `every k, v in D { B }` written as `some k, v in D` followed by B, or
// returns nil when none does. OPA's type checker does not give the
// variables of an every the type of its domain, so `every att in
// input.attestations { att.predicate... }` would escape the input schema;
// the copy is compiled for its type errors only (checkEveryRefs).
func everyShadow(mods map[string]*ast.Module) map[string]*ast.Module {
	uses := false
	for _, m := range mods {
		ast.WalkExprs(m, func(e *ast.Expr) bool {
			if _, ok := e.Terms.(*ast.Every); ok {
				uses = true
			}
			return uses
		})
	}
	if !uses {
		return nil
	}
	out := make(map[string]*ast.Module, len(mods))
	for name, m := range mods {
		c := m.Copy()
		if _, err := ast.Transform(everyFlattener{}, c); err != nil {
			return nil
		}
		out[name] = c
	}
	return out
}

type everyFlattener struct{}

func (everyFlattener) Transform(x any) (any, error) {
	if b, ok := x.(ast.Body); ok {
		return flattenEvery(b), nil
	}
	return x, nil
}

func flattenEvery(b ast.Body) ast.Body {
	out := make(ast.Body, 0, len(b))
	for _, e := range b {
		ev, ok := e.Terms.(*ast.Every)
		if !ok {
			out.Append(e)
			continue
		}
		member := ast.CallTerm(ast.NewTerm(ast.Member.Ref()), ev.Value, ev.Domain)
		if ev.Key != nil {
			member = ast.CallTerm(ast.NewTerm(ast.MemberWithKey.Ref()), ev.Key, ev.Value, ev.Domain)
		}
		some := ast.NewExpr(&ast.SomeDecl{Symbols: []*ast.Term{member}})
		some.Location = e.Location
		out.Append(some)
		for _, inner := range flattenEvery(ev.Body) {
			out.Append(inner)
		}
	}
	return out
}

// checkEveryRefs compiles the shadow of everyShadow and returns its
// reference errors against the input schema: fields the input cannot have,
// read through the variable of an every. Other errors of the shadow (it is
// not the policy) are ignored.
func checkEveryRefs(shadow map[string]*ast.Module, o policyOptions) error {
	if shadow == nil || o.noInputSchema {
		return nil
	}
	c, err := newCompiler(o)
	if err != nil {
		return err
	}
	c.Compile(shadow)
	var lines []string
	for _, e := range c.Errors {
		switch e.Details.(type) {
		case *ast.RefErrInvalidDetail, *ast.RefErrUnsupportedDetail:
			if e.Code == ast.TypeErr {
				lines = append(lines, astErrorLine(e))
			}
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrPolicy, strings.Join(lines, "; "))
}

// inputSchema is the policy input's JSON Schema, for OPA's type checker.
var inputSchema = sync.OnceValues(func() (*ast.SchemaSet, error) {
	var schema any
	if err := json.Unmarshal(regolib.InputSchema, &schema); err != nil {
		return nil, fmt.Errorf("the policy input schema: %w", err)
	}
	ss := ast.NewSchemaSet()
	ss.Put(ast.SchemaRootRef, schema)
	return ss, nil
})

// newCompiler is the compiler for policies: provenant's capabilities,
// print() enabled, Rego v1 by default, and the input schema unless o says
// otherwise.
func newCompiler(o policyOptions) (*ast.Compiler, error) {
	c := ast.NewCompiler().
		WithCapabilities(Capabilities()).
		WithEnablePrintStatements(true).
		WithDefaultRegoVersion(ast.RegoV1)
	if !o.noInputSchema {
		ss, err := inputSchema()
		if err != nil {
			return nil, err
		}
		c = c.WithSchemas(ss)
	}
	return c, nil
}

// LoadPolicies reads, parses and compiles the policies once: .rego files,
// directories (recursively; *_test.rego files are skipped) and
// builtin:NAME. Rules named deny, warn and violation in any package produce
// findings; a set of modules with none of them is an error, since nothing
// would be checked. Every parse or compile error is reported as
// "file:line: message" and wraps ErrPolicy.
func LoadPolicies(ctx context.Context, paths []string, opts ...PolicyOption) (*PolicySet, error) {
	o, err := newPolicyOptions(opts)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no policy given", ErrPolicy)
	}
	if err := validateData(o.data, nil); err != nil {
		return nil, err
	}
	files, sources, err := collectModules(paths, false)
	if err != nil {
		return nil, err
	}
	mods, order, err := parseModules(files, o.regoVersion, true)
	if err != nil {
		return nil, err
	}
	decls, err := declarations(mods, order)
	if err != nil {
		return nil, err
	}
	ps := &PolicySet{sources: sources, timeout: o.timeout, data: o.data, print: o.print}
	if err := ps.findRules(mods, order); err != nil {
		return nil, err
	}
	if len(ps.refs) == 0 {
		return nil, fmt.Errorf("%w: %s define no deny, warn or violation rule: nothing would be checked", ErrPolicy, strings.Join(paths, ", "))
	}
	caps := Capabilities()
	compiler, err := newCompiler(o)
	if err != nil {
		return nil, err
	}
	shadow := everyShadow(mods)
	compiler.Compile(mods)
	if compiler.Failed() {
		return nil, fmt.Errorf("%w: %s", ErrPolicy, strings.Join(regoErrorLines(compiler.Errors), "; "))
	}
	if err := checkEveryRefs(shadow, o); err != nil {
		return nil, err
	}
	// The configuration the policies declare, once they compile.
	if err := checkDeclared(decls, o.data); err != nil {
		return nil, err
	}
	// The SLSA Build level reached comes from builtin:slsa, in the same
	// evaluation as the findings of each artifact.
	for _, src := range ps.sources {
		if src.URI == BuiltinPrefix+"slsa" {
			ps.slsaLevel = true
			break
		}
	}
	// Two queries: the rules that may read the artifact, evaluated for
	// each, and those that cannot, evaluated once (shared.go).
	perArtifact, shared := &compiledQuery{level: ps.slsaLevel}, &compiledQuery{}
	for i, r := range ps.refs {
		if o.noSharing || readsArtifact(compiler, r.pkg, r.name) {
			perArtifact.refs = append(perArtifact.refs, i)
		} else {
			shared.refs = append(shared.refs, i)
		}
	}
	ps.looping = loopingRules(compiler, ps.refs, perArtifact.refs, ps.rules)
	data := map[string]any{}
	if o.data != nil {
		data["config"] = o.data
	}
	var hook print.Hook = printHook{w: io.Discard}
	if o.print != nil {
		hook = printHook{w: o.print}
	}
	store := inmem.NewFromObject(data)
	for _, q := range []*compiledQuery{perArtifact, shared} {
		if len(q.refs) == 0 && !q.level {
			continue
		}
		r := rego.New(
			rego.Query(q.text(ps.refs)),
			rego.Compiler(compiler),
			rego.Store(store),
			rego.Capabilities(caps),
			rego.SetRegoVersion(ast.RegoV1),
			rego.StrictBuiltinErrors(true),
			rego.EnablePrintStatements(true),
			rego.PrintHook(hook),
		)
		if q.prepared, err = r.PrepareForEval(ctx); err != nil {
			return nil, fmt.Errorf("%w: %s", ErrPolicy, strings.Join(regoErrorLines(err), "; "))
		}
		if q == shared {
			ps.shared = q
		} else {
			ps.perArtifact = q
		}
	}
	return ps, nil
}

// compiledQuery is one prepared query over some of a PolicySet's rules.
type compiledQuery struct {
	prepared rego.PreparedEvalQuery
	// refs are the rules it evaluates (indexes into PolicySet.refs).
	refs []int
	// level: it also gives builtin:slsa's reached level.
	level bool
}

// text is the query: an array with, for each rule of q (a package and
// kind), an array of zero or one value, so that an undefined rule does
// not make the whole query undefined; and the level when asked.
func (q *compiledQuery) text(refs []ruleRef) string {
	parts := make([]string, len(q.refs))
	for i, j := range q.refs {
		ref := refs[j].path.Copy().Append(ast.StringTerm(refs[j].name))
		parts[i] = fmt.Sprintf("[x | x := %s]", ref.String())
	}
	query := "result := [" + strings.Join(parts, ", ") + "]"
	if q.level {
		query += "\nlevel := [x | x := data.provenant.slsa.reached_level]"
	}
	return query
}

// queryResult is what one evaluation of a compiledQuery gave: its rules'
// values in its order and the level, or why it failed (fail is then set).
type queryResult struct {
	values []any
	level  int
	fail   string
	// findings, for the shared query in EvaluateAll, are the findings of
	// each rule, made once for every artifact, by index into
	// PolicySet.refs.
	findings map[int][]Finding
}

// findingsOf are the findings made once of rule i (an index into
// PolicySet.refs), if they were.
func (r *queryResult) findingsOf(i int) ([]Finding, bool) {
	if r == nil || r.findings == nil {
		return nil, false
	}
	f, ok := r.findings[i]
	return f, ok
}

// run evaluates q over input, within the policy timeout.
func (p *PolicySet) run(ctx context.Context, q *compiledQuery, input ast.Value, opts []rego.EvalOption) queryResult {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	rs, err := q.prepared.Eval(ctx, append([]rego.EvalOption{rego.EvalParsedInput(input)}, opts...)...)
	if err != nil {
		if ctx.Err() != nil {
			return queryResult{fail: fmt.Sprintf("policy evaluation did not finish within %s (the policy timeout)", p.timeout)}
		}
		return queryResult{fail: "policy evaluation failed: " + strings.Join(regoErrorLines(err), "; ")}
	}
	if len(rs) != 1 {
		return queryResult{fail: "policy evaluation returned no result"}
	}
	all, ok := rs[0].Bindings["result"].([]any)
	if !ok || len(all) != len(q.refs) {
		return queryResult{fail: "policy evaluation returned an unexpected result"}
	}
	out := queryResult{values: all}
	if q.level {
		n, ok := reachedLevel(rs[0].Bindings["level"])
		if !ok {
			return queryResult{fail: fmt.Sprintf("builtin:slsa gave no valid reached level: %v", rs[0].Bindings["level"])}
		}
		out.level = n
	}
	return out
}

// findRules finds every rule named deny, violation or warn (or with a
// conftest suffix, deny_NAME) in any package and in any head form, and
// wraps its values so that each finding can be traced to the rule body
// that made it:
//
//   - deny contains x (and Rego v0's deny[x] { ... }): each x becomes
//     {ruleKey: id, "value": x};
//   - a ref head, deny[x] if ..., deny[x] := v, deny.a.b := v, and every
//     else branch and default: the value becomes {ruleKey: id, "value":
//     v, "path": [x]}; deny.a[x] contains y: each y becomes {ruleKey: id,
//     "value": y, "path": ["a", x]};
//   - a complete rule (deny := v, deny if ...) is evaluated as it stands.
//
// A function with such a name is an error: it cannot be evaluated without
// arguments, and skipping it would skip a check.
func (ps *PolicySet) findRules(mods map[string]*ast.Module, order []string) error {
	refIdx := map[string]int{}
	var errs []string
	for _, file := range order {
		m := mods[file]
		pkg := packageName(m)
		for _, r := range m.Rules {
			ref := r.Head.Ref()
			v, ok := ref[0].Value.(ast.Var)
			if !ok {
				continue
			}
			name := string(v)
			kind := findingKind(name)
			if kind == "" {
				continue
			}
			if len(r.Head.Args) > 0 {
				errs = append(errs, fmt.Sprintf("%s: %s is a function; a rule named %s makes findings and takes no arguments (write %s contains msg if ...)", Location{File: file, Line: r.Location.Row}, name, name, name))
				continue
			}
			id := len(ps.rules)
			info := ruleInfo(r, kind, pkg)
			info.Name = name
			ps.rules = append(ps.rules, info)
			shape := ruleShape{multi: r.Head.RuleKind() == ast.MultiValue, isDefault: r.Default}
			ps.shapes = append(ps.shapes, shape)
			nested := len(ref) > 1
			switch {
			case shape.multi && r.Head.Key != nil:
				r.Head.Key = wrapTerm(r.Head.Key, id, ref[1:], nested)
			case nested:
				for b := r; b != nil; b = b.Else {
					if b.Head.Value != nil {
						b.Head.Value = wrapTerm(b.Head.Value, id, b.Head.Ref()[1:], true)
					}
				}
			}
			k := pkg + "\x00" + name
			i, seen := refIdx[k]
			if !seen {
				i = len(ps.refs)
				refIdx[k] = i
				ps.refs = append(ps.refs, ruleRef{path: m.Package.Path.Copy(), pkg: pkg, kind: kind, name: name})
			}
			ps.refs[i].rules = append(ps.refs[i].rules, id)
			ps.refs[i].nested = ps.refs[i].nested || nested
			ps.refs[i].multi = ps.refs[i].multi || (shape.multi && !nested)
		}
	}
	errs = append(errs, ps.uniqueCodes()...)
	if len(errs) > 0 {
		return fmt.Errorf("%w: %s", ErrPolicy, strings.Join(errs, "; "))
	}
	return nil
}

// reservedCodePrefix starts the ids of provenant's own checks in reports
// (the SARIF rules provenant.verify and provenant.policy-error): no
// policy code may start with it.
const reservedCodePrefix = "provenant."

func reservedCode(code string) bool { return strings.HasPrefix(code, reservedCodePrefix) }

// uniqueCodes checks that a code (METADATA custom.code) names the rules of
// one package only: an exception that names a code waives the rules that
// declare it, so a code reused by another package would waive that
// package's rules too. It also refuses the reserved codes.
func (ps *PolicySet) uniqueCodes() []string {
	owner := map[string]int{}
	var errs []string
	for i, r := range ps.rules {
		code, _ := r.Custom["code"].(string)
		if code == "" {
			continue
		}
		if reservedCode(code) {
			errs = append(errs, fmt.Sprintf("%s: code %q: codes that start with %q name provenant's own checks (a SARIF rule such as provenant.verify); a policy's finding must not pass for one of them; rename it", r.Location, code, reservedCodePrefix))
			continue
		}
		j, seen := owner[code]
		if !seen {
			owner[code] = i
			continue
		}
		if first := ps.rules[j]; first.Package != r.Package {
			errs = append(errs, fmt.Sprintf("%s: code %q is declared by package %s and by package %s (%s): a code names the rules of one package, so that an exception for it waives only them; rename one", r.Location, code, first.Package, r.Package, first.Location))
		}
	}
	return errs
}

// wrapTerm wraps a rule's value (or a multi-value rule's element) with the
// rule's id and, for a ref head, the terms of the ref after the rule name.
func wrapTerm(t *ast.Term, id int, path ast.Ref, withPath bool) *ast.Term {
	items := [][2]*ast.Term{
		{ast.StringTerm(ruleKey), ast.IntNumberTerm(id)},
		{ast.StringTerm("value"), t},
	}
	if withPath {
		terms := make([]*ast.Term, len(path))
		for i, p := range path {
			terms[i] = p.Copy()
		}
		items = append(items, [2]*ast.Term{ast.StringTerm("path"), ast.ArrayTerm(terms...)})
	}
	w := ast.ObjectTerm(items...)
	w.Location = t.Location
	return w
}

type printHook struct{ w io.Writer }

func (h printHook) Print(c print.Context, msg string) error {
	if c.Location != nil {
		_, err := fmt.Fprintf(h.w, "%s:%d: %s\n", c.Location.File, c.Location.Row, msg)
		return err
	}
	_, err := fmt.Fprintln(h.w, msg)
	return err
}

// ruleInfo reads a rule's METADATA: rule and document scope first, then
// the package's.
func ruleInfo(r *ast.Rule, kind, pkg string) RuleInfo {
	info := RuleInfo{Kind: kind, Package: pkg}
	if r.Location != nil {
		info.Location = Location{File: r.Location.File, Line: r.Location.Row}
	}
	var chain []*ast.Annotations
	chain = append(chain, r.Annotations...)
	for _, a := range r.Module.Annotations {
		if a.Scope == "package" || a.Scope == "subpackages" {
			chain = append(chain, a)
		}
	}
	for _, a := range chain {
		if info.Title == "" {
			info.Title = a.Title
		}
		if info.Description == "" {
			info.Description = a.Description
		}
		for k, v := range a.Custom {
			if info.Custom == nil {
				info.Custom = map[string]any{}
			}
			if _, set := info.Custom[k]; !set {
				info.Custom[k] = v
			}
		}
	}
	return info
}

// Evaluate runs the policies over one input document and returns the
// findings, in rule order, and, when builtin:slsa is loaded, the SLSA Build
// level the covering verified provenance reached (0: none; nil without
// builtin:slsa). It never fails: an evaluation error or a timeout becomes a
// finding of kind "error", which denies, and the level is then 0.
// ids are the attestations' ids ("file:line"), in input.attestations
// order, by which a finding that names its attestation by index is
// resolved.
func (p *PolicySet) Evaluate(ctx context.Context, input ast.Value, ids []string) ([]Finding, *int) {
	return p.evaluate(ctx, input, ids, nil)
}

// Evaluation is the result of evaluating the policies over one input:
// what Evaluate returns.
type Evaluation struct {
	Findings []Finding
	// Level is the SLSA Build level reached (nil without builtin:slsa).
	Level *int
}

// EvaluateAll evaluates the policies over every input, as Evaluate does
// for each, on up to workers goroutines (GOMAXPROCS when workers < 1)
// sharing the prepared query (inputs are independent, and OPA's prepared
// query is safe for concurrent evaluation). The results are in input order, and the
// output of print() calls is written input by input in that order,
// whatever the parallelism, so that what a caller prints is the same as
// a sequential evaluation's. It fails only when ctx is done.
func (p *PolicySet) EvaluateAll(ctx context.Context, inputs []ast.Value, ids []string, workers int) ([]Evaluation, error) {
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	out := make([]Evaluation, len(inputs))
	// prints[i] holds input i's print() output until every earlier
	// input's has been written.
	var prints []bytes.Buffer
	if p.print != nil {
		prints = make([]bytes.Buffer, len(inputs))
	}
	// The rules that cannot read the artifact are evaluated once, over
	// the first input: the others differ from it only in
	// input.artifact. They call no print() (readsArtifact).
	var shared *queryResult
	if p.shared != nil && len(inputs) > 0 {
		r := p.run(ctx, p.shared, inputs[0], nil)
		if r.fail == "" {
			// Their findings too are the same for every artifact.
			r.findings = make(map[int][]Finding, len(p.shared.refs))
			for j, i := range p.shared.refs {
				r.findings[i] = p.refFindings(p.refs[i], r.values[j], ids)
			}
		}
		shared = &r
	}
	eval := func(i int) {
		var opts []rego.EvalOption
		if prints != nil {
			opts = append(opts, rego.EvalPrintHook(printHook{w: &prints[i]}))
		}
		out[i].Findings, out[i].Level = p.evaluate(ctx, inputs[i], ids, shared, opts...)
	}
	workers = min(workers, len(inputs))
	if workers <= 1 {
		for i := range inputs {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			eval(i)
		}
	} else {
		var (
			next atomic.Int64
			wg   sync.WaitGroup
		)
		for range workers {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= len(inputs) || ctx.Err() != nil {
						return
					}
					eval(i)
				}
			})
		}
		wg.Wait()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i := range prints {
		if _, err := prints[i].WriteTo(p.print); err != nil {
			break // print() output is best effort, as with Evaluate
		}
	}
	return out, nil
}

func (p *PolicySet) evaluate(ctx context.Context, input ast.Value, ids []string, shared *queryResult, opts ...rego.EvalOption) ([]Finding, *int) {
	var level *int
	if p.slsaLevel {
		level = new(int)
	}
	fail := func(msg string) ([]Finding, *int) {
		return []Finding{{Kind: KindError, Message: msg}}, level
	}
	// all holds every rule's value, in p.refs order, whichever query
	// gave it.
	all := make([]any, len(p.refs))
	if p.shared != nil {
		if shared == nil {
			r := p.run(ctx, p.shared, input, opts)
			shared = &r
		}
		if shared.fail != "" {
			return fail(shared.fail)
		}
		for j, i := range p.shared.refs {
			all[i] = shared.values[j]
		}
	}
	if p.perArtifact != nil {
		r := p.run(ctx, p.perArtifact, input, opts)
		if r.fail != "" {
			return fail(r.fail)
		}
		for j, i := range p.perArtifact.refs {
			all[i] = r.values[j]
		}
		if p.perArtifact.level {
			*level = r.level
		}
	}
	var out []Finding
	for i, ref := range p.refs {
		if f, ok := shared.findingsOf(i); ok {
			out = append(out, f...) // copies: exceptions mark each artifact's own
			continue
		}
		out = append(out, p.refFindings(ref, all[i], ids)...)
	}
	sortFindings(out)
	return out, level
}

// refFindings are the findings of one rule (a package and name) from its
// value in the query's result.
func (p *PolicySet) refFindings(ref ruleRef, value any, ids []string) []Finding {
	var out []Finding
	vals, _ := value.([]any)
	for _, v := range vals {
		switch {
		case ref.nested:
			out = append(out, p.nestedFindings(ref, v, ids)...)
		case ref.multi:
			set, _ := v.([]any)
			for _, item := range set {
				out = append(out, p.nestedFindings(ref, item, ids)...)
			}
		default:
			out = append(out, p.findings(ref, p.soleRule(ref), v, nil, ids)...)
		}
	}
	return out
}

// reachedLevel reads the [level] binding: one integer from 0 to 3.
func reachedLevel(v any) (int, bool) {
	vals, ok := v.([]any)
	if !ok || len(vals) != 1 {
		return 0, false
	}
	num, ok := vals[0].(json.Number)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(num.String())
	if err != nil || n < 0 || n > 3 {
		return 0, false
	}
	return n, true
}

// soleRule is the rule body a value of ref comes from when it cannot be
// told otherwise: the only body that is not a default, or -1.
func (p *PolicySet) soleRule(ref ruleRef) int {
	sole := -1
	for _, id := range ref.rules {
		if p.shapes[id].isDefault {
			continue
		}
		if sole >= 0 {
			return -1
		}
		sole = id
	}
	return sole
}

// findings normalises one value of a deny/warn/violation rule: a set or an
// array is one finding per element, true is one finding naming the rule,
// false none, anything else (a string, an object, null, a number) one
// finding.
func (p *PolicySet) findings(ref ruleRef, rule int, v any, path []any, ids attestationIDs) []Finding {
	switch v := v.(type) {
	case []any: // a set (or an array)
		var out []Finding
		for _, item := range v {
			out = append(out, p.finding(ref, rule, item, path, ids))
		}
		return out
	case bool:
		if !v {
			return nil
		}
		return []Finding{p.finding(ref, rule, p.docName(ref, path)+" is true", nil, ids)}
	default:
		return []Finding{p.finding(ref, rule, v, path, ids)}
	}
}

// docName names the document of a rule: data.pkg.deny, with its path.
func (p *PolicySet) docName(ref ruleRef, path []any) string {
	r := ref.path.Copy().Append(ast.StringTerm(ref.name))
	for _, e := range path {
		t, err := ast.InterfaceToValue(e)
		if err != nil {
			return r.String()
		}
		r = r.Append(ast.NewTerm(t))
	}
	return r.String()
}

// nestedFindings walks the document of a rule with a ref head: an object
// whose leaves are the values wrapped by findRules. A value that is not
// wrapped (a rule of another package under the same path) is a finding
// too: nothing under a deny document is ignored.
func (p *PolicySet) nestedFindings(ref ruleRef, v any, ids attestationIDs) []Finding {
	switch v := v.(type) {
	case map[string]any:
		if rule, ok := wrappedRule(v, ref); ok {
			path, _ := v["path"].([]any)
			if p.shapes[rule].multi {
				return []Finding{p.finding(ref, rule, v["value"], path, ids)}
			}
			if b, ok := v["value"].(bool); ok && b && len(path) > 0 {
				// deny[msg] if ...: the key is the finding.
				return []Finding{p.finding(ref, rule, path[len(path)-1], path[:len(path)-1], ids)}
			}
			return p.findings(ref, rule, v["value"], path, ids)
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []Finding
		for _, k := range keys {
			out = append(out, p.nestedFindings(ref, v[k], ids)...)
		}
		return out
	case []any:
		var out []Finding
		for _, item := range v {
			out = append(out, p.nestedFindings(ref, item, ids)...)
		}
		return out
	default:
		return p.findings(ref, -1, v, nil, ids)
	}
}

// wrappedRule is the rule id of a value wrapped by findRules for one of
// ref's rule bodies. A look-alike that names another rule is not
// wrapped: a policy cannot pass its findings off as another rule's.
func wrappedRule(m map[string]any, ref ruleRef) (int, bool) {
	num, ok := m[ruleKey].(json.Number)
	if !ok {
		return 0, false
	}
	i, err := num.Int64()
	if err != nil || !slices.Contains(ref.rules, int(i)) {
		return 0, false
	}
	return int(i), true
}

// finding makes one finding of an item: a string (the message) or an
// object with a msg. rule is the rule body it comes from, or -1. path,
// when set, is kept in the finding's details.
func (p *PolicySet) finding(ref ruleRef, rule int, item any, path []any, ids attestationIDs) Finding {
	f := Finding{Kind: ref.kind, Package: ref.pkg}
	if rule >= 0 {
		info := p.rules[rule]
		f.Title, f.Description, f.Custom = info.Title, info.Description, info.Custom
		loc := info.Location
		f.Location = &loc
		if c, ok := info.Custom["code"].(string); ok {
			f.Code = c
		}
	}
	if len(path) > 0 {
		f.Details = map[string]any{"path": path}
	}
	switch v := item.(type) {
	case string:
		f.Message = v
	case map[string]any:
		for k, val := range v {
			switch k {
			case "msg":
				if s, ok := val.(string); ok {
					f.Message = s
					continue
				}
			case "code":
				// A reserved code stays in the details: the finding
				// keeps its rule's code and cannot pass for one of
				// provenant's own checks.
				if s, ok := val.(string); ok && !reservedCode(s) {
					f.Code = s
					continue
				}
			case "title":
				if s, ok := val.(string); ok {
					f.Title = s
					continue
				}
			case "attestation":
				if id, ok := ids.resolve(val); ok {
					f.Attestation = id
					continue
				}
			}
			if f.Details == nil {
				f.Details = map[string]any{}
			}
			f.Details[k] = val
		}
		if f.Message == "" {
			b, _ := json.Marshal(v)
			f.Message = string(b)
		}
	default:
		b, _ := json.Marshal(v)
		f.Message = string(b)
	}
	return f
}

// attestationIDs resolves what a finding says about its attestation: an id
// ("file:line") or an index into input.attestations.
type attestationIDs []string

func (ids attestationIDs) resolve(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, v != ""
	case json.Number:
		i, err := v.Int64()
		if err == nil && i >= 0 && int(i) < len(ids) {
			return ids[i], true
		}
	}
	return "", false
}

func sortFindings(fs []Finding) {
	rank := map[string]int{KindError: 0, KindDeny: 1, KindViolation: 2, KindWarn: 3}
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if rank[a.Kind] != rank[b.Kind] {
			return rank[a.Kind] < rank[b.Kind]
		}
		if a.Package != b.Package {
			return a.Package < b.Package
		}
		la, lb := 0, 0
		if a.Location != nil {
			la = a.Location.Line
		}
		if b.Location != nil {
			lb = b.Location.Line
		}
		if la != lb {
			return la < lb
		}
		return a.Message < b.Message
	})
}

// JSONToAny decodes JSON keeping numbers exact (json.Number), the way
// documents are given to policies.
func JSONToAny(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
