package policy

import (
	"context"
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
	"github.com/provenant/provenant/provenance"
)

// ErrTrustFile marks errors in a trust file (docs/trust.md): a file that
// does not parse, an unknown field, a bad date, a key file that cannot be
// read. Every such error reads "file:line: what is wrong".
var ErrTrustFile = errors.New("trust file")

// MaxTrustFileBytes bounds a trust file, read only if it is a regular
// file.
const MaxTrustFileBytes = 4 << 20

// Trust is a parsed trust file: keys with validity windows and
// revocations, a global threshold, and per-step rules.
type Trust struct {
	// File is the trust file's path, as given.
	File string `json:"file"`
	// Keys are the keys the file lists, in order.
	Keys []*TrustKey `json:"keys"`
	// Threshold is the number of distinct usable keys that must sign
	// every envelope; 0 when the file does not set it (then 1, or
	// --threshold).
	Threshold int `json:"threshold,omitempty"`
	// Steps are the per-step rules, by step name.
	Steps map[string]*StepRule `json:"steps,omitempty"`
}

// TrustKey is one key of a trust file.
type TrustKey struct {
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
	keyIDs    []string
}

// usableAt says why the key does not count at t, or "" when it does.
func (k *TrustKey) usableAt(t time.Time, judged string) string {
	switch {
	case k.Revoked:
		return "is revoked"
	case !k.ValidFrom.IsZero() && t.Before(k.ValidFrom):
		return fmt.Sprintf("is not valid before %s (judged at %s)", fmtTime(k.ValidFrom), judged)
	case !k.ValidUntil.IsZero() && !t.Before(k.ValidUntil):
		return fmt.Sprintf("expired at %s (judged at %s)", fmtTime(k.ValidUntil), judged)
	}
	return ""
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// LoadTrust reads a trust file; key paths are relative to its directory.
func LoadTrust(path string) (*Trust, error) {
	data, err := regfile.ReadFile(path, MaxTrustFileBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTrustFile, attest.FileError(err))
	}
	return ParseTrust(data, path)
}

// ParseTrust reads a trust file's contents; name is its path, for
// messages and for resolving relative key paths.
func ParseTrust(data []byte, name string) (*Trust, error) {
	p := trustParser{file: name, dir: filepath.Dir(name)}
	t, err := p.parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTrustFile, err)
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

func (p *trustParser) parse(data []byte) (*Trust, error) {
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
		return nil, fmt.Errorf("%s:1: empty trust file: list the trusted keys under keys:", p.file)
	}
	root := doc.Content[0]
	t := &Trust{File: p.file}
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

func (p *trustParser) keys(t *Trust, n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return p.errorf(n, "keys must be a non-empty list")
	}
	names := map[string]*TrustKey{}
	for i, item := range n.Content {
		what := fmt.Sprintf("keys[%d]", i)
		k := &TrustKey{Source: p.at(item)}
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
						return p.errorf(b, "%s.builders: %s signs only with Sigstore certificates, never with a key: a key cannot prove it (verify its bundles with --trusted-root and --source-uri)", what, id)
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
			return p.errorf(item, "%s: validFrom %s is not before validUntil %s", what, fmtTime(k.ValidFrom), fmtTime(k.ValidUntil))
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

func (p *trustParser) steps(t *Trust, n *yaml.Node) error {
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
					i := slices.IndexFunc(t.Keys, func(k *TrustKey) bool { return k.Name == id })
					if i < 0 {
						return p.errorf(item, "%s: no key with id %q in keys", what, id)
					}
					if slices.Contains(rule.Keys, id) {
						return p.errorf(item, "%s: key %q is listed twice", what, id)
					}
					rule.Keys = append(rule.Keys, id)
					rule.keyIDs = append(rule.keyIDs, t.Keys[i].KeyID)
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

// WithTrust trusts the keys of a trust file, each inside its validity
// window and never when revoked, and applies its threshold (unless
// WithThreshold sets one: they must then agree) and its step rules.
func WithTrust(t *Trust) Option {
	return func(o *options) error {
		if t == nil {
			return errors.New("nil trust file")
		}
		o.trust = t
		return nil
	}
}

// SigstoreOptions trusts the file's keys that are not revoked for keyed
// Sigstore bundles, each inside its validity window; sigstore-go judges
// the window at the bundle's verified times (log entry, timestamp). Give
// them to the sigstore.Verifier passed to WithSigstore.
func (t *Trust) SigstoreOptions() []sigstore.Option {
	var out []sigstore.Option
	for _, k := range t.Keys {
		if !k.Revoked {
			out = append(out, sigstore.WithKeyValidity(k.Key, k.ValidFrom, k.ValidUntil))
		}
	}
	return out
}

// keyByID finds a trust file key by securesystemslib key id.
func (t *Trust) keyByID(id string) *TrustKey {
	for _, k := range t.Keys {
		if k.KeyID == id {
			return k
		}
	}
	return nil
}

// TrustCriteria records a trust file in a report's criteria.
type TrustCriteria struct {
	File      string               `json:"file"`
	Keys      []*TrustKey          `json:"keys"`
	Threshold int                  `json:"threshold,omitempty"`
	Steps     map[string]*StepRule `json:"steps,omitempty"`
}

// globalThreshold applies the trust file's threshold unless WithThreshold
// gave one; two different values are an error.
func (o *options) globalThreshold() error {
	if o.trust == nil || o.trust.Threshold == 0 {
		return nil
	}
	if o.thresholdSet && o.threshold != o.trust.Threshold {
		return fmt.Errorf("--threshold %d conflicts with threshold %d in %s", o.threshold, o.trust.Threshold, o.trust.File)
	}
	o.threshold = o.trust.Threshold
	return nil
}

// judgedAt names the time signatures are judged at, for messages.
func judgedAt(t time.Time, how string) string {
	return fmtTime(t) + ", " + how
}

// verifyWithTrust verifies a DSSE envelope against the --key keys and the
// trust file's keys usable at verification time (a DSSE envelope carries
// no trusted time). When it fails, it says which unusable keys (revoked,
// expired, not yet valid) did sign. All of it, unusable keys included,
// spends one envelope's signature-checks limit (see attest.Limits).
func (v *Verifier) verifyWithTrust(ctx context.Context, env *attest.Envelope) (*attest.Verified, error) {
	t := v.o.trust
	if t == nil {
		return v.o.limits.VerifyEnvelope(ctx, env, v.o.keys, v.o.threshold)
	}
	now := v.o.now().UTC()
	judged := judgedAt(now, "verification time: a DSSE envelope carries no trusted time")
	var keys []*attest.PublicKey
	for _, k := range v.o.keys {
		if tk := t.keyByID(k.ID); tk != nil && tk.Revoked {
			continue // revocation wins over --key
		}
		keys = append(keys, k)
	}
	type unusable struct {
		k   *TrustKey
		why string
	}
	var out []unusable
	var outKeys []*attest.PublicKey
	for _, k := range t.Keys {
		if why := k.usableAt(now, judged); why != "" {
			out = append(out, unusable{k, why})
			outKeys = append(outKeys, k.Key)
			continue
		}
		keys = append(keys, k.Key)
	}
	distinct := map[string]bool{}
	for _, k := range keys {
		distinct[k.ID] = true
	}
	var err error
	var signed []*attest.PublicKey
	if len(distinct) < v.o.threshold {
		err = fmt.Errorf("%w: %d trusted key(s) usable at %s, threshold %d", attest.ErrSignature, len(distinct), fmtTime(now), v.o.threshold)
		if len(outKeys) > 0 {
			res, _, _ := v.o.limits.VerifySignatures(ctx, env, outKeys)
			for _, r := range res {
				if r.Key != nil {
					signed = append(signed, r.Key)
				}
			}
		}
	} else {
		var ver *attest.Verified
		ver, signed, err = v.o.limits.VerifyEnvelopeNoting(ctx, env, keys, v.o.threshold, outKeys)
		if err == nil {
			return ver, nil
		}
	}
	var notes []string
	for _, u := range out {
		if slices.Contains(signed, u.k.Key) {
			notes = append(notes, fmt.Sprintf("key %q (%s) signed but %s", u.k.Name, u.k.Source, u.why))
		}
	}
	if len(notes) > 0 {
		return nil, fmt.Errorf("%w; %s", err, strings.Join(notes, "; "))
	}
	return nil, err
}

// checkTrustedKeyTime judges a keyed Sigstore bundle's signer at
// verification time when the bundle carries no trusted time (sigstore-go
// checked the window at the verified times otherwise).
func (v *Verifier) checkTrustedKeyTime(keyID string, verifiedTimes int) error {
	t := v.o.trust
	if t == nil || keyID == "" {
		return nil
	}
	k := t.keyByID(keyID)
	if k == nil {
		return nil
	}
	if k.Revoked {
		return fmt.Errorf("signature: key %q (%s) is revoked", k.Name, k.Source)
	}
	if verifiedTimes > 0 {
		return nil
	}
	now := v.o.now().UTC()
	if why := k.usableAt(now, judgedAt(now, "verification time: the bundle carries no log entry or timestamp")); why != "" {
		return fmt.Errorf("signature: key %q (%s) %s", k.Name, k.Source, why)
	}
	return nil
}

// checkStep applies the trust file's rule for the statement's step, if
// any, to the verified signers.
func (v *Verifier) checkStep(p *provenance.Provenance, signers []string) error {
	t := v.o.trust
	if t == nil || len(t.Steps) == 0 || p == nil {
		return nil
	}
	step, named, err := p.Step()
	if err != nil {
		return err
	}
	if !named {
		return nil
	}
	rule, ok := t.Steps[step]
	if !ok {
		return nil
	}
	var signed []string
	for i, id := range rule.keyIDs {
		if slices.Contains(signers, id) {
			signed = append(signed, rule.Keys[i])
		}
	}
	if len(signed) >= rule.Threshold {
		return nil
	}
	who := "none of them signed"
	if len(signed) > 0 {
		who = fmt.Sprintf("%d signed (%s)", len(signed), strings.Join(signed, ", "))
	}
	return fmt.Errorf("signature: step %q needs %d of its key(s) %s (%s) among the usable signers; %s",
		step, rule.Threshold, strings.Join(rule.Keys, ", "), rule.Source, who)
}

// trustedSigner describes a verified signer for the report and the
// policy input, with its name and window from the trust file.
func (v *Verifier) trustedSigner(keyID string) *TrustKey {
	if v.o.trust == nil {
		return nil
	}
	return v.o.trust.keyByID(keyID)
}

// keyBuilder is the builder id that the verified key signers prove for a
// provenance claiming builder claimed: claimed when a trust-file key
// among them is mapped to it (keys[].builders), else "".
func (v *Verifier) keyBuilder(signers []string, claimed string) string {
	if v.o.trust == nil || claimed == "" {
		return ""
	}
	for _, id := range signers {
		k := v.o.trust.keyByID(id)
		if k == nil || k.Revoked {
			continue
		}
		for _, b := range k.Builders {
			if !github.KeylessBuilder(b) && provenance.MatchBuilderID(claimed, b) {
				return claimed
			}
		}
	}
	return ""
}
