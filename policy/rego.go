package policy

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
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/print"

	regolib "github.com/provenant/provenant/rego"
)

// ErrPolicy marks a policy that cannot be loaded, parsed or compiled. Its
// message names the file and line of every problem.
var ErrPolicy = errors.New("policy")

// BuiltinPrefix addresses the policies shipped with provenant:
// "builtin:slsa", "builtin:github", "builtin:chain".
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

var findingKinds = []string{KindDeny, KindViolation, KindWarn}

func isFindingKind(s string) bool {
	return s == KindDeny || s == KindWarn || s == KindViolation
}

// ruleKey wraps every value of a deny/warn/violation set rule, so that a
// finding can be traced to the rule body (and its METADATA) that made it.
const ruleKey = "__provenant_rule__"

// PolicyOption configures LoadPolicies.
type PolicyOption func(*policyOptions) error

type policyOptions struct {
	timeout time.Duration
	data    map[string]any
	print   io.Writer
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
// `data:` section of a policy configuration file).
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
	Kind        string         `json:"kind"`
	Package     string         `json:"package"`
	Title       string         `json:"title,omitempty"`
	Description string         `json:"description,omitempty"`
	Custom      map[string]any `json:"custom,omitempty"`
	Location    Location       `json:"location"`
}

// ID names the rule for reports that need one string: its code (METADATA
// custom.code) when set, else package.kind and the line.
func (r RuleInfo) ID() string {
	if c, ok := r.Custom["code"].(string); ok && c != "" {
		return c
	}
	return fmt.Sprintf("%s.%s:%d", r.Package, r.Kind, r.Location.Line)
}

type ruleRef struct {
	path ast.Ref
	pkg  string // "provenant.slsa"
	kind string
	// rules are the bodies of this kind in this package, for findings
	// that cannot be traced to one body (complete rules).
	rules []int
}

// PolicySet is a set of compiled Rego modules, ready to evaluate once per
// artifact. It is safe for concurrent use.
type PolicySet struct {
	query   rego.PreparedEvalQuery
	refs    []ruleRef
	rules   []RuleInfo
	sources []PolicySource
	timeout time.Duration
	data    map[string]any
}

// Sources lists the policies loaded, in the order given.
func (p *PolicySet) Sources() []PolicySource { return p.sources }

// Rules lists every deny/warn/violation rule body with its METADATA, in
// load order.
func (p *PolicySet) Rules() []RuleInfo { return p.rules }

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
	name string // path as shown in errors
	src  []byte
	from int // index into sources
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
					data, err := os.ReadFile(p)
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
					data, err := os.ReadFile(path)
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

// parseModules parses every file as Rego v1 with METADATA annotations, and
// adds the provenant.lib helper package unless a file defines it.
func parseModules(files []moduleFile) (map[string]*ast.Module, []string, error) {
	mods := map[string]*ast.Module{}
	var order []string
	var errs []string
	hasLib := false
	for _, f := range files {
		m, err := ast.ParseModuleWithOpts(f.name, string(f.src), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			errs = append(errs, regoErrorLines(err)...)
			continue
		}
		if _, dup := mods[f.name]; dup {
			continue // the same file named twice
		}
		if packageName(m) == "provenant.lib" {
			hasLib = true
		}
		mods[f.name] = m
		order = append(order, f.name)
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
	if e.Location != nil {
		return fmt.Sprintf("%s:%d: %s", e.Location.File, e.Location.Row, msg)
	}
	return msg
}

// LoadPolicies reads, parses and compiles the policies once: .rego files,
// directories (recursively; *_test.rego files are skipped) and
// builtin:NAME. Rules named deny, warn and violation in any package produce
// findings; a set of modules with none of them is an error, since nothing
// would be checked. Every parse or compile error is reported as
// "file:line: message" and wraps ErrPolicy.
func LoadPolicies(ctx context.Context, paths []string, opts ...PolicyOption) (*PolicySet, error) {
	o := policyOptions{timeout: DefaultPolicyTimeout}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no policy given", ErrPolicy)
	}
	files, sources, err := collectModules(paths, false)
	if err != nil {
		return nil, err
	}
	mods, order, err := parseModules(files)
	if err != nil {
		return nil, err
	}
	ps := &PolicySet{sources: sources, timeout: o.timeout, data: o.data}
	refIdx := map[string]int{}
	for _, name := range order {
		m := mods[name]
		pkg := packageName(m)
		for _, r := range m.Rules {
			ref := r.Head.Ref()
			if len(ref) != 1 {
				continue
			}
			v, ok := ref[0].Value.(ast.Var)
			if !ok || !isFindingKind(string(v)) {
				continue
			}
			kind := string(v)
			id := len(ps.rules)
			ps.rules = append(ps.rules, ruleInfo(r, kind, pkg))
			if r.Head.DocKind() == ast.PartialSetDoc && r.Head.Key != nil {
				key := r.Head.Key
				wrapped := ast.ObjectTerm(
					[2]*ast.Term{ast.StringTerm(ruleKey), ast.IntNumberTerm(id)},
					[2]*ast.Term{ast.StringTerm("value"), key},
				)
				wrapped.Location = key.Location
				r.Head.Key = wrapped
			}
			k := pkg + "\x00" + kind
			i, seen := refIdx[k]
			if !seen {
				i = len(ps.refs)
				refIdx[k] = i
				ps.refs = append(ps.refs, ruleRef{path: m.Package.Path.Copy(), pkg: pkg, kind: kind})
			}
			ps.refs[i].rules = append(ps.refs[i].rules, id)
		}
	}
	if len(ps.refs) == 0 {
		return nil, fmt.Errorf("%w: %s define no deny, warn or violation rule: nothing would be checked", ErrPolicy, strings.Join(paths, ", "))
	}
	caps := Capabilities()
	compiler := ast.NewCompiler().
		WithCapabilities(caps).
		WithEnablePrintStatements(true).
		WithDefaultRegoVersion(ast.RegoV1)
	compiler.Compile(mods)
	if compiler.Failed() {
		return nil, fmt.Errorf("%w: %s", ErrPolicy, strings.Join(regoErrorLines(compiler.Errors), "; "))
	}
	// One query for every rule: an array with, for each package and kind,
	// an array of zero or one value, so that an undefined rule does not
	// make the whole query undefined.
	parts := make([]string, len(ps.refs))
	for i, r := range ps.refs {
		ref := r.path.Copy().Append(ast.StringTerm(r.kind))
		parts[i] = fmt.Sprintf("[x | x := %s]", ref.String())
	}
	data := map[string]any{}
	if o.data != nil {
		data["config"] = o.data
	}
	var hook print.Hook = printHook{w: io.Discard}
	if o.print != nil {
		hook = printHook{w: o.print}
	}
	store := inmem.NewFromObject(data)
	r := rego.New(
		rego.Query("result := ["+strings.Join(parts, ", ")+"]"),
		rego.Compiler(compiler),
		rego.Store(store),
		rego.Capabilities(caps),
		rego.SetRegoVersion(ast.RegoV1),
		rego.StrictBuiltinErrors(true),
		rego.EnablePrintStatements(true),
		rego.PrintHook(hook),
	)
	pq, err := r.PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrPolicy, strings.Join(regoErrorLines(err), "; "))
	}
	ps.query = pq
	return ps, nil
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

// evaluate runs the policies over one input document and returns the
// findings, in rule order. It never fails: an evaluation error or a
// timeout becomes a finding of kind "error", which denies.
func (p *PolicySet) evaluate(ctx context.Context, input ast.Value, ids attestationIDs) []Finding {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	rs, err := p.query.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		if ctx.Err() != nil {
			return []Finding{{Kind: KindError, Message: fmt.Sprintf("policy evaluation did not finish within %s (--policy-timeout)", p.timeout)}}
		}
		return []Finding{{Kind: KindError, Message: "policy evaluation failed: " + strings.Join(regoErrorLines(err), "; ")}}
	}
	if len(rs) != 1 {
		return []Finding{{Kind: KindError, Message: "policy evaluation returned no result"}}
	}
	all, ok := rs[0].Bindings["result"].([]any)
	if !ok || len(all) != len(p.refs) {
		return []Finding{{Kind: KindError, Message: "policy evaluation returned an unexpected result"}}
	}
	var out []Finding
	for i, ref := range p.refs {
		vals, _ := all[i].([]any)
		for _, v := range vals {
			out = append(out, p.findings(ref, v, ids)...)
		}
	}
	sortFindings(out)
	return out
}

// findings normalises the value of one deny/warn/violation rule.
func (p *PolicySet) findings(ref ruleRef, v any, ids attestationIDs) []Finding {
	switch v := v.(type) {
	case []any: // a set (or an array)
		var out []Finding
		for _, item := range v {
			out = append(out, p.finding(ref, item, ids))
		}
		return out
	case bool:
		if !v {
			return nil
		}
		return []Finding{p.finding(ref, fmt.Sprintf("data.%s.%s is true", ref.pkg, ref.kind), ids)}
	case nil:
		return nil
	default:
		return []Finding{p.finding(ref, v, ids)}
	}
}

func (p *PolicySet) finding(ref ruleRef, item any, ids attestationIDs) Finding {
	f := Finding{Kind: ref.kind, Package: ref.pkg}
	rule := -1
	if len(ref.rules) == 1 {
		rule = ref.rules[0]
	}
	if m, ok := item.(map[string]any); ok {
		if n, ok := m[ruleKey].(json.Number); ok {
			if i, err := n.Int64(); err == nil && i >= 0 && int(i) < len(p.rules) {
				rule = int(i)
			}
			item = m["value"]
		}
	}
	if rule >= 0 {
		info := p.rules[rule]
		f.Title, f.Description, f.Custom = info.Title, info.Description, info.Custom
		loc := info.Location
		f.Location = &loc
		if c, ok := info.Custom["code"].(string); ok {
			f.Code = c
		}
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
				if s, ok := val.(string); ok {
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

// jsonToAny decodes JSON keeping numbers exact (json.Number).
func jsonToAny(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
