package layout

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/in-toto/in-toto-golang/in_toto"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/provenance"
)

// Errors that are the caller's to fix (an input error, not a denial).
var (
	// ErrInspectionsNotAllowed: the layout has inspections, which run
	// the layout's commands on this machine, and running them was not
	// allowed (WithInspections).
	ErrInspectionsNotAllowed = errors.New("the layout has inspections, which run its commands on this machine, and running them was not allowed")
	// ErrMissingParameter: the layout uses a parameter that was given
	// no value (WithParameters).
	ErrMissingParameter = errors.New("the layout uses parameters that were given no value")
	// ErrNoEvidence: neither a link directory nor link statements were
	// given.
	ErrNoEvidence = errors.New("no links to verify the layout with: neither a link directory nor a bundle was given")
	// ErrBadParameter: a parameter name in-toto cannot substitute.
	ErrBadParameter = errors.New("bad layout parameter")
)

// maxDepth bounds the nesting of sublayouts (a link directory can be a
// symbolic link to itself).
const maxDepth = 8

// Option gives a Verifier its trust material and settings.
type Option func(*options) error

type options struct {
	keys          []*attest.PublicKey
	intermediates [][]byte
	limits        attest.Limits
	now           func() time.Time
}

// WithLayoutKeys are the keys that must each have signed the root layout
// (in-toto's rule: every layout key given must have a valid signature).
// The same key given twice counts once.
func WithLayoutKeys(keys ...*attest.PublicKey) Option {
	return func(o *options) error {
		for _, k := range keys {
			if k == nil {
				return errors.New("nil layout key")
			}
		}
		o.keys = append(o.keys, keys...)
		return nil
	}
}

// WithIntermediateCerts adds PEM intermediate certificates for
// functionaries that sign links with certificates (the layout's root CAs
// and certificate constraints say which), beside the layout's own
// intermediates.
func WithIntermediateCerts(pems ...[]byte) Option {
	return func(o *options) error { o.intermediates = append(o.intermediates, pems...); return nil }
}

// WithLimits bounds what the files and bundles read can cost (line-bytes
// per file, envelopes for the number of link files and bundle entries,
// signatures per file).
func WithLimits(l attest.Limits) Option {
	return func(o *options) error { o.limits = l; return nil }
}

// WithClock sets the clock that decides whether a layout has expired.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("nil clock")
		}
		o.now = now
		return nil
	}
}

// Verifier checks supply chains against root layouts signed by its keys.
type Verifier struct {
	o     options
	roots []rootKey
}

// NewVerifier checks the options: at least one layout key is required.
func NewVerifier(opts ...Option) (*Verifier, error) {
	o := options{limits: attest.DefaultLimits(), now: time.Now}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if len(o.keys) == 0 {
		return nil, errors.New("no layout key given")
	}
	v := &Verifier{o: o}
	for _, k := range o.keys {
		if slices.ContainsFunc(v.roots, func(r rootKey) bool { return sameKey(r.pub, k) }) {
			continue
		}
		r, err := newRootKey(k)
		if err != nil {
			return nil, fmt.Errorf("layout key %s: %w", k.Source, err)
		}
		v.roots = append(v.roots, r)
	}
	return v, nil
}

func sameKey(a, b *attest.PublicKey) bool {
	if a.ID == b.ID {
		return true
	}
	eq, ok := a.Key.(interface{ Equal(any) bool })
	return ok && eq.Equal(b.Key)
}

// Evidence is what one verification is given besides the layout: where
// the links are, the layout's parameters, whether inspections may run.
type Evidence func(*call) error

type call struct {
	linkDir   string
	entries   []attest.Entry
	bundles   bool
	params    map[string]string
	inspect   bool
	artifacts []string
}

// WithLinkDir reads link files (<step>.<keyid8>.link, and sublayouts'
// directories <step>.<keyid8>/) from dir. A directory that cannot be
// read is an input error.
func WithLinkDir(dir string) Evidence {
	return func(c *call) error {
		if dir == "" {
			return errors.New("empty link directory name")
		}
		c.linkDir = dir
		return nil
	}
}

// WithLinkEntries offers the entries of provenant bundles
// (policy.ReadBundlesLimited) as evidence: each is verified by
// policy.Verifier.VerifyEntry against the layout's functionary keys, and
// those carrying an in-toto link predicate v0.3 count for the step their
// predicate names, if their signer is its functionary. Entries of other
// predicate types are set aside with a warning; an entry that does not
// verify denies.
func WithLinkEntries(entries ...attest.Entry) Evidence {
	return func(c *call) error { c.entries, c.bundles = append(c.entries, entries...), true; return nil }
}

// WithParameters substitutes the layout's parameters ({NAME} in its
// expected commands, artifact rules and inspection commands).
func WithParameters(params map[string]string) Evidence {
	return func(c *call) error {
		for name := range params {
			if !parameterName().MatchString(name) {
				return fmt.Errorf("%w: %q: a name is letters, digits, '_' and '-'", ErrBadParameter, name)
			}
		}
		c.params = maps.Clone(params)
		return nil
	}
}

// WithInspections lets the layout's inspections run: each in turn, in one
// fresh scratch directory that holds copies of the artifacts (a file by
// its base name; a directory's contents), removed afterwards. Without it
// a layout with inspections is refused (ErrInspectionsNotAllowed).
func WithInspections(artifacts ...string) Evidence {
	return func(c *call) error { c.inspect, c.artifacts = true, append(c.artifacts, artifacts...); return nil }
}

// Verify verifies the supply chain the layout at path describes. It
// returns an error for what the caller must fix (an unreadable layout
// file or link directory, ErrNoEvidence, ErrMissingParameter,
// ErrInspectionsNotAllowed, an artifact that cannot be copied); every
// problem of the layout, its links and rules is a denial in the report.
func (v *Verifier) Verify(ctx context.Context, path string, ev ...Evidence) (*Report, error) {
	c := &call{}
	for _, e := range ev {
		if err := e(c); err != nil {
			return nil, err
		}
	}
	if c.linkDir == "" && !c.bundles {
		return nil, ErrNoEvidence
	}
	if c.linkDir != "" {
		if info, err := os.Stat(c.linkDir); err != nil {
			return nil, fmt.Errorf("link directory: %w", attest.FileError(err))
		} else if !info.IsDir() {
			return nil, fmt.Errorf("link directory %s: not a directory", c.linkDir)
		}
	}
	rep := &Report{Layout: Info{File: path}, Steps: []Step{}, Checks: []Check{}}
	md, err := readMetadata(path, v.o.limits)
	if err != nil {
		if !errors.Is(err, ErrMetadata) && !errors.Is(err, attest.ErrLimit) {
			return nil, fmt.Errorf("layout %s: %w", path, err)
		}
		rep.fail(Check{ID: "layout-format", File: path}, fmt.Sprintf("%s: %v", path, err))
		return rep, nil
	}
	rep.Layout.Form = md.form
	w := &walk{v: v, c: c, rep: rep}
	if err := w.root(ctx, md); err != nil {
		return nil, err
	}
	rep.Allowed = len(rep.Checks) > 0 && !slices.ContainsFunc(rep.Checks, func(c Check) bool { return !c.Passed })
	return rep, nil
}

// root verifies the root layout. A panic in in-toto-golang (it has
// some on input its validation lets through) is a denial, not a crash.
func (w *walk) root(ctx context.Context, md *metadata) (err error) {
	defer func() {
		if p := recover(); p != nil {
			w.rep.fail(Check{ID: "layout-format", File: md.source}, fmt.Sprintf("in-toto-golang failed on this layout or its links: %v", p))
			err = nil
		}
	}()
	_, err = w.layout(ctx, md, w.v.roots, w.c.linkDir, w.c.params, "")
	return err
}

func (r *Report) fail(c Check, reasons ...string) {
	c.Passed, c.Reasons = false, reasons
	r.Checks = append(r.Checks, c)
}

func (r *Report) pass(c Check) {
	c.Passed = true
	r.Checks = append(r.Checks, c)
}

// walk is one verification: the root layout and its sublayouts.
type walk struct {
	v   *Verifier
	c   *call
	rep *Report
}

// candidate is one piece of evidence for a step.
type candidate struct {
	source string
	keyID  string   // the signature's key id
	fids   []string // the functionaries (by key material) it counts for
	link   *in_toto.Link
	sub    *metadata // a sublayout, verified by sub's functionary
	subKey rootKey   // the functionary key that signed the sublayout
	err    error     // why it does not count
	report *Link     // its line in the report
}

// layout verifies one layout (the root, or a sublayout whose prefix is
// "step/") and returns its summary link, or nil when it is denied.
func (w *walk) layout(ctx context.Context, md *metadata, roots []rootKey, linkDir string, params map[string]string, prefix string) (*in_toto.Link, error) {
	depth := strings.Count(prefix, "/")
	item := func(name string) string { return prefix + name }
	root := prefix == ""
	file := ""
	if root {
		file = md.source
	}

	// 1. Signatures, before anything the layout says is used.
	l, signers, err := w.signedLayout(ctx, md, roots)
	if err != nil {
		w.rep.fail(Check{ID: "layout-signature", Item: strings.TrimSuffix(prefix, "/"), File: file}, err.Error())
		return nil, nil
	}
	w.rep.pass(Check{ID: "layout-signature", Item: strings.TrimSuffix(prefix, "/"), File: file})
	if root {
		w.rep.Layout.Keys, w.rep.Layout.Expires = signers, l.Expires
	}

	// 2. Its form: in-toto-golang's validation, and what provenant adds.
	funcs, err := checkLayout(l)
	if err != nil {
		w.rep.fail(Check{ID: "layout-format", Item: strings.TrimSuffix(prefix, "/"), File: file}, err.Error())
		return nil, nil
	}
	w.rep.pass(Check{ID: "layout-format", Item: strings.TrimSuffix(prefix, "/"), File: file})

	// 3. Expiry.
	expires, _ := time.Parse(in_toto.ISO8601DateSchema, l.Expires) // validated
	if now := w.v.o.now(); !now.Before(expires) {
		w.rep.fail(Check{ID: "layout-expiry", Item: strings.TrimSuffix(prefix, "/"), File: file},
			fmt.Sprintf("the layout expired on %s", expires.UTC().Format(time.RFC3339)))
		return nil, nil
	}
	w.rep.pass(Check{ID: "layout-expiry", Item: strings.TrimSuffix(prefix, "/"), File: file})

	// 4. Parameters, then the rules they complete.
	used := unsubstituted(l)
	if l, err = in_toto.SubstituteParameters(l, params); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadParameter, err)
	}
	if missing := unsubstituted(l); len(missing) > 0 {
		if root {
			return nil, fmt.Errorf("%w: %s", ErrMissingParameter, strings.Join(missing, ", "))
		}
		w.rep.fail(Check{ID: "layout-rules", Item: strings.TrimSuffix(prefix, "/")},
			fmt.Sprintf("the sublayout uses parameters %s, and sublayouts are given none", strings.Join(missing, ", ")))
		return nil, nil
	}
	if root {
		for _, name := range sortedIDs(params) {
			if !slices.Contains(used, name) {
				w.rep.Warnings = append(w.rep.Warnings, fmt.Sprintf("parameter %s is not used by the layout", name))
			}
		}
	}
	if err := checkRules(l); err != nil {
		w.rep.fail(Check{ID: "layout-rules", Item: strings.TrimSuffix(prefix, "/"), File: file}, err.Error())
		return nil, nil
	}
	w.rep.pass(Check{ID: "layout-rules", Item: strings.TrimSuffix(prefix, "/"), File: file})
	if len(l.Inspect) > 0 && !w.c.inspect {
		var runs []string
		for _, in := range l.Inspect {
			runs = append(runs, fmt.Sprintf("%s (%s)", in.Name, strings.Join(in.Run, " ")))
		}
		return nil, fmt.Errorf("%w: %s", ErrInspectionsNotAllowed, strings.Join(runs, ", "))
	}
	if root && len(l.Inspect) == 0 && len(w.c.artifacts) > 0 {
		w.rep.Warnings = append(w.rep.Warnings, "the layout has no inspections: the artifacts given for them were not used")
	}

	// 5. Links: signatures by the step's functionaries, thresholds.
	cands, err := w.linkFiles(ctx, l, funcs, linkDir, root)
	if err != nil {
		return nil, err
	}
	if root && w.c.bundles {
		if !w.bundleLinks(ctx, l, funcs, cands) {
			return nil, nil
		}
	}
	if !w.thresholds(l, cands, prefix, linkDir) {
		return nil, nil
	}

	// 6. Sublayouts, each verified on its own and replaced by its summary.
	if depth >= maxDepth && slices.ContainsFunc(l.Steps, func(s in_toto.Step) bool {
		return slices.ContainsFunc(cands[s.Name], func(c *candidate) bool { return c.sub != nil })
	}) {
		w.rep.fail(Check{ID: "sublayout", Item: strings.TrimSuffix(prefix, "/")}, fmt.Sprintf("sublayouts nest deeper than %d levels", maxDepth))
		return nil, nil
	}
	denied := false
	for _, s := range l.Steps {
		for _, c := range cands[s.Name] {
			if c.sub == nil {
				continue
			}
			dir := filepath.Join(linkDir, fmt.Sprintf(in_toto.SublayoutLinkDirFormat, s.Name, c.keyID))
			summary, err := w.layout(ctx, c.sub, []rootKey{c.subKey}, dir, nil, prefix+s.Name+"/")
			if err != nil {
				return nil, err
			}
			if summary == nil {
				w.rep.fail(Check{ID: "sublayout", Item: item(s.Name)}, fmt.Sprintf("%s: the sublayout is denied (see its checks, %s/...)", c.source, item(s.Name)))
				denied = true
				continue
			}
			c.link = summary
			c.report.Link = provenance.LinkFromInToto(*summary)
			w.rep.pass(Check{ID: "sublayout", Item: item(s.Name)})
		}
	}
	if denied {
		return nil, nil
	}

	// 7. One link per step: every counted link records the same artifacts.
	reduced, ok := w.reduce(l, cands, prefix)
	if !ok {
		return nil, nil
	}
	w.commandWarnings(l, cands, prefix)

	// 8. The steps' artifact rules.
	items, names := stepItems(l.Steps)
	if !w.artifactRules(items, names, reduced, prefix, "step-rules") {
		return nil, nil
	}

	// 9. Inspections, in a scratch directory, then their rules.
	if len(l.Inspect) > 0 {
		links, ok, err := w.inspections(ctx, l, prefix)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, nil
		}
		maps.Copy(links, reduced)
		items, names := inspectionItems(l.Inspect)
		if !w.artifactRules(items, names, links, prefix, "inspection-rules") {
			return nil, nil
		}
	}

	summary, err := in_toto.GetSummaryLink(l, reduced, strings.TrimSuffix(prefix, "/"), false)
	if err != nil {
		w.rep.fail(Check{ID: "sublayout", Item: strings.TrimSuffix(prefix, "/")}, err.Error())
		return nil, nil
	}
	link, _ := summary.GetPayload().(in_toto.Link)
	return &link, nil
}

// signedLayout checks that every layout key signed the layout, then reads
// it; it returns the key ids that signed.
func (w *walk) signedLayout(ctx context.Context, md *metadata, roots []rootKey) (in_toto.Layout, []string, error) {
	var ids []string
	for _, r := range roots {
		ids = append(ids, r.intoto.KeyID)
	}
	if md.form == FormDSSE {
		pubs := make([]*attest.PublicKey, len(roots))
		for i, r := range roots {
			pubs[i] = r.pub
		}
		ver, err := w.v.o.limits.VerifyEnvelope(ctx, md.env, pubs, len(pubs))
		if err != nil {
			return in_toto.Layout{}, nil, fmt.Errorf("%s: not signed by every layout key (%s): %v", md.source, shortList(ids), attest.Detail(err))
		}
		signed, kind, err := decodeSigned(ver.Payload)
		if err != nil {
			return in_toto.Layout{}, nil, fmt.Errorf("%s: %w", md.source, err)
		}
		if kind != "layout" {
			return in_toto.Layout{}, nil, fmt.Errorf("%s: signed, but a %s, not a layout", md.source, kind)
		}
		return signed.(in_toto.Layout), ids, nil
	}
	for _, r := range roots {
		switch signedByKey(md.mb, r.intoto) {
		case signatureAbsent:
			return in_toto.Layout{}, nil, fmt.Errorf("%s: no signature by layout key %s (%s)", md.source, short(r.intoto.KeyID), r.pub.Source)
		case signatureBad:
			return in_toto.Layout{}, nil, fmt.Errorf("%s: the signature by layout key %s (%s) does not verify: the layout was changed after it was signed, or signed by another key", md.source, short(r.intoto.KeyID), r.pub.Source)
		}
	}
	if md.kind != "layout" {
		return in_toto.Layout{}, nil, fmt.Errorf("%s: signed, but a %s, not a layout", md.source, md.kind)
	}
	return md.mb.Signed.(in_toto.Layout), ids, nil
}

// signedByKey says whether a signature of the metablock verifies with the
// key. A signature's key id is a hint: the one that names the key (by
// in-toto's id for it) is tried first, then the others, so that a layout
// signed under another id for the same key (an in-toto key file with
// another scheme or hash algorithms) verifies by the key's material.
func signedByKey(mb *in_toto.Metablock, key in_toto.Key) signatureState {
	sigs := slices.Clone(mb.Signatures)
	slices.SortStableFunc(sigs, func(a, b in_toto.Signature) int {
		return boolRank(a.KeyID != key.KeyID) - boolRank(b.KeyID != key.KeyID)
	})
	for _, sig := range sigs {
		k := key
		k.KeyID = sig.KeyID
		if mb.VerifySignature(k) == nil {
			return signatureGood
		}
	}
	if _, err := mb.GetSignatureForKeyID(key.KeyID); err != nil {
		return signatureAbsent
	}
	return signatureBad
}

// signatureState is what signedByKey found.
type signatureState int

const (
	signatureGood   signatureState = iota
	signatureAbsent                // no signature names the key, and none verifies with it
	signatureBad                   // one names the key, and none verifies with it
)

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func shortList(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = short(id)
	}
	return strings.Join(out, ", ")
}

// checkLayout applies in-toto-golang's validation (ValidateMetablock) and
// what it leaves out: at least one step, thresholds of at least one (a
// step with none could never be reduced to a link: in-toto-golang
// panics), inspections with a command, and keys provenant reads whose
// ids are their own.
func checkLayout(l in_toto.Layout) (map[string]functionary, error) {
	// An empty rule makes in-toto-golang's validation panic.
	for _, s := range l.Steps {
		if slices.ContainsFunc(append(slices.Clone(s.ExpectedMaterials), s.ExpectedProducts...), func(r []string) bool { return len(r) == 0 }) {
			return nil, fmt.Errorf("step %q has an empty artifact rule", s.Name)
		}
	}
	for _, in := range l.Inspect {
		if slices.ContainsFunc(append(slices.Clone(in.ExpectedMaterials), in.ExpectedProducts...), func(r []string) bool { return len(r) == 0 }) {
			return nil, fmt.Errorf("inspection %q has an empty artifact rule", in.Name)
		}
	}
	if err := in_toto.ValidateMetablock(in_toto.Metablock{Signed: l}); err != nil {
		return nil, err
	}
	if len(l.Steps) == 0 {
		return nil, errors.New("the layout has no steps: it verifies nothing")
	}
	for _, s := range l.Steps {
		if s.Threshold < 1 {
			return nil, fmt.Errorf("step %q: threshold %d: at least one link is needed", s.Name, s.Threshold)
		}
		if len(s.PubKeys) == 0 && len(s.CertificateConstraints) == 0 {
			return nil, fmt.Errorf("step %q names no functionary", s.Name)
		}
	}
	for _, in := range l.Inspect {
		if len(in.Run) == 0 || in.Run[0] == "" {
			return nil, fmt.Errorf("inspection %q has no command to run", in.Name)
		}
		if in.Type != "inspection" {
			return nil, fmt.Errorf("inspection %q: _type is %q, not \"inspection\"", in.Name, in.Type)
		}
	}
	funcs, err := functionaries(l.Keys)
	if err != nil {
		return nil, err
	}
	for _, s := range l.Steps {
		for _, id := range s.PubKeys {
			if _, ok := funcs[id]; !ok {
				return nil, fmt.Errorf("step %q: functionary %s is not among the layout's keys", s.Name, short(id))
			}
		}
	}
	return funcs, nil
}

// linkFiles reads the link files of every step from dir: the files named
// <step>.<8 characters>.link, as in-toto names them. An unreadable root
// link directory is an input error; a sublayout's missing directory is no
// links.
func (w *walk) linkFiles(ctx context.Context, l in_toto.Layout, funcs map[string]functionary, dir string, root bool) (map[string][]*candidate, error) {
	out := map[string][]*candidate{}
	if dir == "" {
		return out, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if root {
			return nil, fmt.Errorf("link directory: %w", attest.FileError(err))
		}
		return out, nil
	}
	read := 0
	max := w.v.o.limits.Envelopes
	if max <= 0 {
		max = attest.DefaultEnvelopes
	}
	for _, s := range l.Steps {
		for _, e := range entries {
			name := e.Name()
			prefix, ok := linkFilePrefix(name, s.Name)
			if !ok {
				continue
			}
			read++
			path := filepath.Join(dir, name)
			c := &candidate{source: path}
			if read > max {
				c.err = &attest.LimitError{Name: "envelopes", Max: max, What: fmt.Sprintf("more than %d link files", max)}
			} else {
				w.linkFile(ctx, c, s, l, funcs, prefix)
			}
			out[s.Name] = append(out[s.Name], c)
		}
	}
	return out, nil
}

// linkFilePrefix says whether a file name is a link file of step, and
// returns its key id prefix.
func linkFilePrefix(name, step string) (string, bool) {
	rest, ok := strings.CutPrefix(name, step+".")
	if !ok {
		return "", false
	}
	prefix, ok := strings.CutSuffix(rest, ".link")
	if !ok || len(prefix) != 8 || strings.Contains(prefix, ".") {
		return "", false
	}
	return prefix, true
}

// linkFile reads and verifies one link file of step s: the signature
// whose key id starts with the file name's prefix must be a
// functionary's (by key, or by a certificate the step's constraints
// accept) and verify; then the link must name the step.
func (w *walk) linkFile(ctx context.Context, c *candidate, s in_toto.Step, l in_toto.Layout, funcs map[string]functionary, prefix string) {
	md, err := readMetadata(c.source, w.v.o.limits)
	if err != nil {
		c.err = err
		return
	}
	var sigs []in_toto.Signature
	for _, sig := range md.signatures() {
		if strings.HasPrefix(sig.KeyID, prefix) {
			sigs = append(sigs, sig)
		}
	}
	if len(sigs) == 0 {
		c.err = fmt.Errorf("no signature by a key whose id starts with %q, as the file name says", prefix)
		return
	}
	var payload any
	var kind string
	for _, sig := range sigs {
		c.keyID = sig.KeyID
		payload, kind, c.fids, c.subKey, err = w.verifyLink(ctx, md, sig, s, l, funcs)
		if err == nil {
			break
		}
	}
	if err != nil {
		c.err = err
		return
	}
	switch kind {
	case "link":
		link := payload.(in_toto.Link)
		if link.Name != s.Name {
			c.err = fmt.Errorf("the link records step %q, not %q", link.Name, s.Name)
			return
		}
		c.link = &link
	case "layout":
		if c.subKey.pub == nil {
			c.err = errors.New("a sublayout signed with a certificate is not supported")
			return
		}
		c.sub = md
	default:
		c.err = fmt.Errorf("signed, but neither a link nor a layout")
	}
}

// verifyLink checks one signature of a link file for step s and returns
// the verified payload, its kind, the functionary it counts for, and, for
// a key functionary, the key (a sublayout's root).
func (w *walk) verifyLink(ctx context.Context, md *metadata, sig in_toto.Signature, s in_toto.Step, l in_toto.Layout, funcs map[string]functionary) (any, string, []string, rootKey, error) {
	if f, ok := funcs[sig.KeyID]; ok && slices.Contains(s.PubKeys, sig.KeyID) {
		payload, kind, err := w.verifyWith(ctx, md, f.key, f.pub)
		if err != nil {
			return nil, "", nil, rootKey{}, err
		}
		return payload, kind, []string{f.pub.ID}, rootKey{pub: f.pub, intoto: f.key}, nil
	}
	if sig.Certificate != "" && len(s.CertificateConstraints) > 0 && md.mb != nil {
		pub, err := w.certificateFunctionary(sig, s, l)
		if err != nil {
			return nil, "", nil, rootKey{}, err
		}
		payload, kind, err := w.verifyWith(ctx, md, in_toto.Key{}, nil, sig)
		if err != nil {
			return nil, "", nil, rootKey{}, err
		}
		return payload, kind, []string{pub.ID}, rootKey{}, nil
	}
	if _, ok := funcs[sig.KeyID]; ok {
		return nil, "", nil, rootKey{}, fmt.Errorf("signed by %s, who is not a functionary of step %q", short(sig.KeyID), s.Name)
	}
	return nil, "", nil, rootKey{}, fmt.Errorf("signed by %s, which is not a key of the layout", short(sig.KeyID))
}

// verifyWith verifies md with a functionary's key (or, given sig, with the
// certificate it carries) and decodes the signed payload.
func (w *walk) verifyWith(ctx context.Context, md *metadata, key in_toto.Key, pub *attest.PublicKey, certSig ...in_toto.Signature) (any, string, error) {
	if md.form == FormDSSE {
		ver, err := w.v.o.limits.VerifyEnvelope(ctx, md.env, []*attest.PublicKey{pub}, 1)
		if err != nil {
			return nil, "", fmt.Errorf("the signature by %s does not verify: %v", short(pub.ID), attest.Detail(err))
		}
		return decodeSigned(ver.Payload)
	}
	if len(certSig) > 0 {
		k, err := certSig[0].GetCertificate()
		if err != nil {
			return nil, "", fmt.Errorf("the signature's certificate: %v", err)
		}
		key = k
	}
	if err := md.mb.VerifySignature(key); err != nil {
		return nil, "", fmt.Errorf("the signature by %s does not verify: the link was changed after it was signed, or signed by another key", short(key.KeyID))
	}
	return md.mb.Signed, md.kind, nil
}

// thresholds records, for every step, what its evidence was and whether
// enough distinct functionaries signed links that verified. Evidence that
// does not verify denies, even when the threshold is met without it.
func (w *walk) thresholds(l in_toto.Layout, cands map[string][]*candidate, prefix, linkDir string) bool {
	ok := true
	for _, s := range l.Steps {
		st := Step{Name: prefix + s.Name, Threshold: s.Threshold, Functionaries: slices.Clone(s.PubKeys), Links: []Link{}}
		if st.Functionaries == nil {
			st.Functionaries = []string{}
		}
		distinct := map[string]bool{}
		var reasons []string
		for _, c := range cands[s.Name] {
			rl := Link{Source: c.source}
			if c.err != nil {
				rl.Problem = c.err.Error()
				reasons = append(reasons, fmt.Sprintf("%s: %s", c.source, c.err))
			} else {
				rl.KeyID, rl.Counted, rl.Sublayout = c.keyID, true, c.sub != nil
				if c.link != nil {
					rl.Link = provenance.LinkFromInToto(*c.link)
				}
				for _, f := range c.fids {
					distinct[f] = true
				}
			}
			st.Links = append(st.Links, rl)
		}
		w.rep.Steps = append(w.rep.Steps, st)
		for i, c := range cands[s.Name] {
			c.report = &w.rep.Steps[len(w.rep.Steps)-1].Links[i]
		}
		if len(distinct) < s.Threshold {
			var where []string
			if linkDir != "" {
				where = append(where, fmt.Sprintf("no %s.<keyid8>.link in %s", s.Name, linkDir))
			}
			if w.c.bundles && prefix == "" {
				where = append(where, "no link statement for it in the bundles")
			}
			found := fmt.Sprintf("no link (%s)", strings.Join(where, ", "))
			if n := len(cands[s.Name]); n > 0 {
				found = fmt.Sprintf("%d link(s), %d from distinct functionaries that verified", n, len(distinct))
			}
			reasons = append([]string{fmt.Sprintf("step %q needs links from %d functionary(ies) (%s), found %s", s.Name, s.Threshold, shortList(s.PubKeys), found)}, reasons...)
		}
		check := Check{ID: "step-links", Item: prefix + s.Name}
		if len(reasons) > 0 {
			w.rep.fail(check, reasons...)
			ok = false
			continue
		}
		w.rep.pass(check)
	}
	return ok
}

// reduce checks that the counted links of each step record the same
// materials and products (as in-toto's ReduceStepsMetadata does, naming
// the links that differ) and returns one link per step.
func (w *walk) reduce(l in_toto.Layout, cands map[string][]*candidate, prefix string) (map[string]in_toto.Metadata, bool) {
	out := map[string]in_toto.Metadata{}
	ok := true
	for _, s := range l.Steps {
		var first *candidate
		for _, c := range cands[s.Name] {
			if c.err != nil || c.link == nil {
				continue
			}
			if first == nil {
				first = c
				continue
			}
			if !reflect.DeepEqual(c.link.Materials, first.link.Materials) || !reflect.DeepEqual(c.link.Products, first.link.Products) {
				w.rep.fail(Check{ID: "step-links", Item: prefix + s.Name}, fmt.Sprintf("%s and %s record different materials or products for step %q", first.source, c.source, s.Name))
				ok = false
			}
		}
		if first != nil {
			out[s.Name] = &in_toto.Metablock{Signed: *first.link}
		}
	}
	return out, ok
}

// commandWarnings notes each link whose command differs from the step's
// expected command (in-toto warns, and so does provenant).
func (w *walk) commandWarnings(l in_toto.Layout, cands map[string][]*candidate, prefix string) {
	for _, s := range l.Steps {
		for _, c := range cands[s.Name] {
			if c.err != nil || c.link == nil || c.sub != nil {
				continue
			}
			if want, got := strings.Join(s.ExpectedCommand, " "), strings.Join(c.link.Command, " "); want != got {
				w.rep.Warnings = append(w.rep.Warnings, fmt.Sprintf("step %s: %s ran %q, the layout expects %q", prefix+s.Name, c.source, got, want))
			}
		}
	}
}

// artifactRules applies the rules of each step (or inspection) with
// in-toto-golang's VerifyArtifacts, one item at a time so that every
// failing item is reported.
func (w *walk) artifactRules(items []any, names []string, links map[string]in_toto.Metadata, prefix, id string) bool {
	ok := true
	for i, it := range items {
		check := Check{ID: id, Item: prefix + names[i]}
		if err := in_toto.VerifyArtifacts([]any{it}, links); err != nil {
			w.rep.fail(check, err.Error())
			ok = false
			continue
		}
		w.rep.pass(check)
	}
	return ok
}

func stepItems(steps []in_toto.Step) ([]any, []string) {
	items, names := make([]any, len(steps)), make([]string, len(steps))
	for i, s := range steps {
		items[i], names[i] = s, s.Name
	}
	return items, names
}

func inspectionItems(ins []in_toto.Inspection) ([]any, []string) {
	items, names := make([]any, len(ins)), make([]string, len(ins))
	for i, in := range ins {
		items[i], names[i] = in, in.Name
	}
	return items, names
}

// bundleLinks verifies the bundle entries against the layout's
// functionary keys (policy.Verifier.VerifyEntry, the one verification
// path) and adds those carrying a link predicate to their step's
// candidates. It returns false when an entry does not verify.
func (w *walk) bundleLinks(ctx context.Context, l in_toto.Layout, funcs map[string]functionary, cands map[string][]*candidate) bool {
	var pubs []*attest.PublicKey
	byMaterial := map[string][]string{} // provenant key id -> layout key ids
	for _, id := range sortedIDs(funcs) {
		f := funcs[id]
		pubs = append(pubs, f.pub)
		byMaterial[f.pub.ID] = append(byMaterial[f.pub.ID], id)
	}
	check := Check{ID: "link-bundle"}
	pv, err := policy.NewVerifier(policy.WithKeys(pubs...), policy.WithLimits(w.v.o.limits), policy.WithClock(w.v.o.now))
	if err != nil {
		w.rep.fail(check, err.Error())
		return false
	}
	steps := map[string]in_toto.Step{}
	for _, s := range l.Steps {
		steps[s.Name] = s
	}
	var reasons []string
	other := 0
	for _, e := range w.c.entries {
		a := pv.VerifyEntry(ctx, e, policy.WithoutArtifactUnsafe())
		source := a.Source.String()
		if !a.Verified {
			reasons = append(reasons, fmt.Sprintf("%s: not verified with the layout's keys: %v", source, a.Err))
			continue
		}
		if a.Link == nil {
			other++
			continue
		}
		s, ok := steps[a.Link.Name]
		if !ok {
			w.rep.Warnings = append(w.rep.Warnings, fmt.Sprintf("%s: a link for step %q, which the layout does not have: not used", source, a.Link.Name))
			continue
		}
		link := a.Link.InToto()
		c := &candidate{source: source, link: &link}
		for _, kid := range a.KeyIDs() {
			for _, id := range byMaterial[kid] {
				if slices.Contains(s.PubKeys, id) && !slices.Contains(c.fids, kid) {
					c.fids = append(c.fids, kid)
					c.keyID = id
				}
			}
		}
		if len(c.fids) == 0 {
			c.err = fmt.Errorf("signed by %s, not by a functionary of step %q", shortList(a.KeyIDs()), s.Name)
		}
		cands[s.Name] = append(cands[s.Name], c)
	}
	if other > 0 {
		w.rep.Warnings = append(w.rep.Warnings, fmt.Sprintf("%d verified attestation(s) in the bundles are not in-toto links and were not used", other))
	}
	if len(reasons) > 0 {
		w.rep.fail(check, reasons...)
		return false
	}
	w.rep.pass(check)
	return true
}

func sortedIDs[V any](m map[string]V) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
