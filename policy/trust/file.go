package trust

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/regfile"
	"github.com/provenant/provenant/attest/sigstore"
	"github.com/provenant/provenant/policy/github"
)

// ErrFile marks errors in a trust file (docs/trust.md): a file that
// does not parse, an unknown field, a bad date, a key file that cannot be
// read. Every such error reads "file:line: what is wrong".
var ErrFile = errors.New("trust file")

// Error is an error in a trust file. Its message is the problem's own
// ("file:line: what is wrong"); errors.Is(err, ErrFile) holds.
type Error struct{ Err error }

func (e *Error) Error() string   { return e.Err.Error() }
func (e *Error) Unwrap() []error { return []error{ErrFile, e.Err} }

// MaxFileBytes bounds a trust file, read only if it is a regular
// file.
const MaxFileBytes = 4 << 20

// File is a parsed trust file: keys with validity windows and
// revocations, a global threshold, and per-step rules.
type File struct {
	// File is the trust file's path, as given.
	File string `json:"file"`
	// Keys are the keys the file lists, in order.
	Keys []*Key `json:"keys"`
	// Threshold is the number of distinct usable keys that must sign
	// every envelope; 0 when the file does not set it (then 1, or
	// --threshold).
	Threshold int `json:"threshold,omitempty"`
	// Steps are the per-step rules, by step name.
	Steps map[string]*StepRule `json:"steps,omitempty"`
}

// Key is one key of a trust file.
type Key struct {
	// Name is the key's id in the trust file: a local name.
	Name string `json:"name"`
	// KeyID is the securesystemslib key id, computed from the key.
	KeyID string `json:"keyid"`
	// Source is "file:line" of the key's entry.
	Source string `json:"source"`
	// ValidFrom and ValidUntil bound the window in which the key counts
	// (ValidUntil excluded); zero means open.
	ValidFrom  time.Time `json:"validFrom,omitzero"`
	ValidUntil time.Time `json:"validUntil,omitzero"`
	// Revoked keys never count.
	Revoked bool `json:"revoked,omitempty"`
	// Builders are the builder ids the key signs for: a statement signed
	// with it proves its builder.id when it matches one of them (an id
	// without "@" matches any ref of that builder). A builder id that no
	// signer proves is only a claim: it meets no --builder-id and no SLSA
	// level above 1.
	Builders []string          `json:"builders,omitempty"`
	Key      *attest.PublicKey `json:"-"`
}

// StepRule says which keys must sign the statements of one step, and how
// many of them.
type StepRule struct {
	Keys      []string `json:"keys"` // names of TrustKeys
	Threshold int      `json:"threshold"`
	Source    string   `json:"source"` // file:line
	// KeyIDs are the key ids of Keys, in order.
	KeyIDs []string `json:"-"`
}

// UsableAt says why the key does not count at t, or "" when it does;
// judged names the time for the message.
func (k *Key) UsableAt(t time.Time, judged string) string {
	switch {
	case k.Revoked:
		return "is revoked"
	case !k.ValidFrom.IsZero() && t.Before(k.ValidFrom):
		return fmt.Sprintf("is not valid before %s (judged at %s)", FormatTime(k.ValidFrom), judged)
	case !k.ValidUntil.IsZero() && !t.Before(k.ValidUntil):
		return fmt.Sprintf("expired at %s (judged at %s)", FormatTime(k.ValidUntil), judged)
	}
	return ""
}

// FormatTime writes a time as trust files and reports do (RFC 3339, UTC).
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Load reads a trust file; key paths are relative to its directory.
func Load(path string) (*File, error) {
	data, err := regfile.ReadFile(path, MaxFileBytes)
	if err != nil {
		return nil, &Error{attest.FileError(err)}
	}
	return Parse(data, path)
}

// Parse reads a trust file's contents; name is its path, for
// messages and for resolving relative key paths.
func Parse(data []byte, name string) (*File, error) {
	p := trustParser{file: name, dir: filepath.Dir(name)}
	t, err := p.parse(data)
	if err != nil {
		return nil, &Error{err}
	}
	return t, nil
}

type trustParser struct {
	file, dir string
}

func (p *trustParser) errorf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p.file, n.Line, fmt.Sprintf(format, args...))
}

func (p *trustParser) at(n *yaml.Node) string { return fmt.Sprintf("%s:%d", p.file, n.Line) }

// fields walks a mapping node, refusing unknown and repeated keys.
func (p *trustParser) fields(n *yaml.Node, what string, known []string, each func(key string, k, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return p.errorf(n, "%s must be a mapping", what)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return p.errorf(k, "%s: keys must be plain names", what)
		}
		if !slices.Contains(known, k.Value) {
			return p.errorf(k, "%s: unknown field %q (known: %s)", what, k.Value, strings.Join(known, ", "))
		}
		if seen[k.Value] {
			return p.errorf(k, "%s: field %q given twice", what, k.Value)
		}
		seen[k.Value] = true
		if err := each(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *trustParser) str(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" || n.Value == "" {
		return "", p.errorf(n, "%s must be a non-empty string", what)
	}
	return n.Value, nil
}

func (p *trustParser) integer(n *yaml.Node, what string) (int, error) {
	var i int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&i) != nil || i < 1 {
		return 0, p.errorf(n, "%s must be a whole number of at least 1, not %q", what, n.Value)
	}
	return i, nil
}

func (p *trustParser) time(n *yaml.Node, what string) (time.Time, error) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!timestamp" || n.Tag == "!!str") {
		if t, err := time.Parse(time.RFC3339, n.Value); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, p.errorf(n, "%s %q is not an RFC 3339 time (e.g. 2025-01-01T00:00:00Z)", what, n.Value)
}

func (p *trustParser) parse(data []byte) (*File, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if rest, ok := strings.CutPrefix(msg, "line "); ok {
			if i := strings.Index(rest, ": "); i > 0 {
				return nil, fmt.Errorf("%s:%s: %s", p.file, rest[:i], rest[i+2:])
			}
		}
		return nil, fmt.Errorf("%s: %s", p.file, msg)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("%s:1: empty trust file (list the trusted keys under keys)", p.file)
	}
	root := doc.Content[0]
	t := &File{File: p.file}
	var stepsNode, keysNode *yaml.Node
	err := p.fields(root, "trust file", []string{"keys", "threshold", "steps"}, func(key string, k, v *yaml.Node) error {
		switch key {
		case "keys":
			keysNode = v
		case "steps":
			stepsNode = v
		case "threshold":
			n, err := p.integer(v, "threshold")
			if err != nil {
				return err
			}
			t.Threshold = n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if keysNode == nil {
		return nil, p.errorf(root, "no keys: list the trusted keys under keys:")
	}
	if err := p.keys(t, keysNode); err != nil {
		return nil, err
	}
	usable := 0
	for _, k := range t.Keys {
		if !k.Revoked {
			usable++
		}
	}
	if t.Threshold > usable {
		return nil, p.errorf(root, "threshold %d is more than the %d key(s) that are not revoked", t.Threshold, usable)
	}
	if stepsNode != nil {
		if err := p.steps(t, stepsNode); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (p *trustParser) keys(t *File, n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return p.errorf(n, "keys must be a non-empty list")
	}
	names := map[string]*Key{}
	for i, item := range n.Content {
		what := fmt.Sprintf("keys[%d]", i)
		k := &Key{Source: p.at(item)}
		var path string
		err := p.fields(item, what, []string{"id", "path", "validFrom", "validUntil", "revoked", "builders"}, func(key string, _, v *yaml.Node) error {
			var err error
			switch key {
			case "builders":
				if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
					return p.errorf(v, "%s.builders must be a non-empty list of builder ids", what)
				}
				for _, b := range v.Content {
					id, err := p.str(b, what+".builders[]")
					if err != nil {
						return err
					}
					if slices.Contains(k.Builders, id) {
						return p.errorf(b, "%s.builders: %q is listed twice", what, id)
					}
					if github.KeylessBuilder(id) {
						return p.errorf(b, "%s.builders: %s signs only with Sigstore certificates, never with a key: a key cannot prove it (verify its bundles with a Sigstore trusted root and its source repository)", what, id)
					}
					k.Builders = append(k.Builders, id)
				}
			case "id":
				k.Name, err = p.str(v, what+".id")
			case "path":
				path, err = p.str(v, what+".path")
			case "validFrom":
				k.ValidFrom, err = p.time(v, what+".validFrom")
			case "validUntil":
				k.ValidUntil, err = p.time(v, what+".validUntil")
			case "revoked":
				if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(&k.Revoked) != nil {
					return p.errorf(v, "%s.revoked must be true or false, not %q", what, v.Value)
				}
			}
			return err
		})
		if err != nil {
			return err
		}
		if k.Name == "" {
			return p.errorf(item, "%s has no id", what)
		}
		what = fmt.Sprintf("key %q", k.Name)
		if path == "" {
			return p.errorf(item, "%s has no path", what)
		}
		if prev, dup := names[k.Name]; dup {
			return p.errorf(item, "%s is listed twice (first at %s)", what, prev.Source)
		}
		if !k.ValidFrom.IsZero() && !k.ValidUntil.IsZero() && !k.ValidFrom.Before(k.ValidUntil) {
			return p.errorf(item, "%s: validFrom %s is not before validUntil %s", what, FormatTime(k.ValidFrom), FormatTime(k.ValidUntil))
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(p.dir, path)
		}
		pub, err := attest.LoadPublicKey(path)
		if err != nil {
			return p.errorf(item, "%s: %v", what, err)
		}
		k.Key, k.KeyID = pub, pub.ID
		for _, prev := range t.Keys {
			if prev.KeyID == k.KeyID || sameKey(prev.Key, pub) {
				return p.errorf(item, "%s is the same key as %q (%s)", what, prev.Name, prev.Source)
			}
		}
		names[k.Name] = k
		t.Keys = append(t.Keys, k)
	}
	return nil
}

func sameKey(a, b *attest.PublicKey) bool {
	eq, ok := a.Key.(interface{ Equal(any) bool })
	if ok {
		return eq.Equal(b.Key)
	}
	return false
}

func (p *trustParser) steps(t *File, n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return p.errorf(n, "steps must be a mapping of step names to {keys, threshold}")
	}
	t.Steps = map[string]*StepRule{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, v := n.Content[i], n.Content[i+1]
		name, err := p.str(kn, "a step name")
		if err != nil {
			return err
		}
		if _, dup := t.Steps[name]; dup {
			return p.errorf(kn, "step %q is listed twice", name)
		}
		what := fmt.Sprintf("step %q", name)
		rule := &StepRule{Source: p.at(kn)}
		err = p.fields(v, what, []string{"keys", "threshold"}, func(key string, _, v *yaml.Node) error {
			switch key {
			case "threshold":
				n, err := p.integer(v, what+": threshold")
				if err != nil {
					return err
				}
				rule.Threshold = n
			case "keys":
				if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
					return p.errorf(v, "%s: keys must be a non-empty list of key ids", what)
				}
				for _, item := range v.Content {
					id, err := p.str(item, what+": a key id")
					if err != nil {
						return err
					}
					i := slices.IndexFunc(t.Keys, func(k *Key) bool { return k.Name == id })
					if i < 0 {
						return p.errorf(item, "%s: no key with id %q in keys", what, id)
					}
					if slices.Contains(rule.Keys, id) {
						return p.errorf(item, "%s: key %q is listed twice", what, id)
					}
					rule.Keys = append(rule.Keys, id)
					rule.KeyIDs = append(rule.KeyIDs, t.Keys[i].KeyID)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(rule.Keys) == 0 {
			return p.errorf(v, "%s has no keys", what)
		}
		if rule.Threshold == 0 {
			rule.Threshold = 1
		}
		if rule.Threshold > len(rule.Keys) {
			return p.errorf(v, "%s: threshold %d is more than its %d key(s)", what, rule.Threshold, len(rule.Keys))
		}
		t.Steps[name] = rule
	}
	return nil
}

// SigstoreOptions trusts the file's keys that are not revoked for keyed
// Sigstore bundles, each inside its validity window; sigstore-go judges
// the window at the bundle's verified times (log entry, timestamp). Give
// them to the sigstore.Verifier passed to WithSigstore.
func (t *File) SigstoreOptions() []sigstore.Option {
	var out []sigstore.Option
	for _, k := range t.Keys {
		if !k.Revoked {
			out = append(out, sigstore.WithKeyValidity(k.Key, k.ValidFrom, k.ValidUntil))
		}
	}
	return out
}

// KeyByID finds a key by its key id.
func (t *File) KeyByID(id string) *Key {
	for _, k := range t.Keys {
		if k.KeyID == id {
			return k
		}
	}
	return nil
}
