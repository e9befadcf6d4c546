package policy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/policy/rules"
	"github.com/provenant/provenant/policy/trust"
	"github.com/provenant/provenant/provenance"
)

// Option gives a Verifier its trust material and settings (NewVerifier):
// keys, a trust file, CA roots and the certificate identity they vouch
// for, a Sigstore verifier, the threshold, limits, the clock, hints.
type Option func(*options) error

// Expectation is a requirement of one call (Verify, VerifyEntry,
// PolicyInputs): what the provenance must say (builder, source, predicate
// type, GitHub refs and inputs), the Rego policies that judge it, and, for
// VerifyEntry, the artifact the entry must be about. The same Verifier
// serves calls with different expectations.
type Expectation func(*options) error

type options struct {
	limits         attest.Limits
	keys           []*attest.PublicKey
	threshold      int
	builderID      string
	sourceURI      string
	predicateTypes []string
	policies       *rules.PolicySet
	exceptions     []rules.Exception
	failOnWarn     bool
	now            func() time.Time
	sig            sigstoreOpts // Sigstore bundles, slsa-verifier's checks (sigstore.go)
	trust          *trust.File  // trust file (policy/trust)
	thresholdSet   bool
	x509           *x509Opts // X.509-certified DSSE signatures (x509.go)
	hints          func(error) string
	artifact       *subjectDigests // VerifyEntry's artifact (ForArtifact)
	noArtifact     bool            // WithoutArtifactUnsafe
	parallelism    int             // WithParallelism; 0: GOMAXPROCS
}

// WithPolicies evaluates the compiled Rego policies for every artifact,
// after the built-in checks.
func WithPolicies(p *rules.PolicySet) Expectation {
	return func(o *options) error {
		if p == nil {
			return errors.New("nil policy set")
		}
		o.policies = p
		return nil
	}
}

// WithExceptions waives the findings the exceptions name (see
// rules.Config).
func WithExceptions(excs ...rules.Exception) Expectation {
	return func(o *options) error { o.exceptions = append(o.exceptions, excs...); return nil }
}

// WithHints has h say how a user can act on an error: a CLI names its
// flags there ("give --trusted-root"), which the library's own messages
// never do. A reason then reads "message; hint".
func WithHints(h func(error) string) Option {
	return func(o *options) error { o.hints = h; return nil }
}

// Explain is err's message, followed by the hint for it (see WithHints).
func (v *Verifier) Explain(err error) string { return Explain(v.o.hints, err.Error(), err) }

// Explain appends hints(err), if any, to msg (err's message, or a
// shorter one).
func Explain(hints func(error) string, msg string, err error) string {
	if hints == nil || err == nil {
		return msg
	}
	if h := hints(err); h != "" {
		return msg + "; " + h
	}
	return msg
}

// WithFailOnWarn makes warn findings deny, like deny and violation.
func WithFailOnWarn(yes bool) Expectation {
	return func(o *options) error { o.failOnWarn = yes; return nil }
}

// WithParallelism bounds how many artifacts' policies are evaluated at
// once (n >= 1); the default is GOMAXPROCS. The report is the same
// whatever n: evaluations come back, and are folded into the decision, in
// artifact order.
func WithParallelism(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("parallelism %d: want 1 or more", n)
		}
		o.parallelism = n
		return nil
	}
}

// WithClock sets the clock that decides whether an exception has expired.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("nil clock")
		}
		o.now = now
		return nil
	}
}

// WithKeys adds trusted public keys.
func WithKeys(keys ...*attest.PublicKey) Option {
	return func(o *options) error {
		o.keys = append(o.keys, keys...)
		return nil
	}
}

// WithThreshold requires n distinct trusted keys to sign each envelope.
func WithThreshold(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("threshold must be at least 1, not %d", n)
		}
		o.threshold = n
		o.thresholdSet = true
		return nil
	}
}

// WithBuilderID requires the provenance's builder id to match id (see
// provenance.MatchBuilderID).
func WithBuilderID(id string) Expectation {
	return func(o *options) error { o.builderID = id; return nil }
}

// WithSourceURI requires the provenance's source to match uri (see
// provenance.MatchSourceURI).
func WithSourceURI(uri string) Expectation {
	return func(o *options) error { o.sourceURI = uri; return nil }
}

// WithPredicateType requires statements of this predicate type instead of
// SLSA provenance (v1 or v0.2).
func WithPredicateType(t string) Expectation {
	return func(o *options) error {
		if t == "" {
			return errors.New("empty predicate type")
		}
		o.predicateTypes = []string{t}
		return nil
	}
}

// Verifier checks artifacts against bundles.
type Verifier struct {
	o options
}

// NewVerifier checks the options; at least one key is required, and the
// threshold cannot exceed the number of distinct keys.
func NewVerifier(opts ...Option) (*Verifier, error) {
	o := options{threshold: 1, predicateTypes: []string{provenance.PredicateSLSAv1, provenance.PredicateSLSAv0_2}, now: time.Now}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if err := o.globalThreshold(); err != nil {
		return nil, err
	}
	if err := o.checkX509(); err != nil {
		return nil, err
	}
	if len(o.keys) == 0 && o.sig.verifier == nil && o.trust == nil && o.x509 == nil {
		return nil, errors.New("no trusted key given")
	}
	distinct := map[string]bool{}
	for _, k := range o.keys {
		distinct[k.ID] = true
	}
	if o.trust != nil {
		for _, k := range o.trust.Keys {
			if !k.Revoked {
				distinct[k.KeyID] = true
			}
		}
	}
	if o.threshold > len(distinct) && len(distinct) > 0 {
		return nil, fmt.Errorf("threshold %d is more than the %d distinct trusted key(s) given", o.threshold, len(distinct))
	}
	return &Verifier{o: o}, nil
}

// with is v for one call: its options and the call's expectations. The
// expectations change a copy; v serves other calls unchanged.
func (v *Verifier) with(expect []Expectation) (*Verifier, error) {
	if len(expect) == 0 {
		return v, nil
	}
	c := &Verifier{o: v.o}
	c.o.sig.inputs = maps.Clone(v.o.sig.inputs)
	c.o.exceptions = slices.Clone(v.o.exceptions)
	for _, x := range expect {
		if x == nil {
			return nil, errors.New("nil expectation")
		}
		if err := x(&c.o); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Criteria are the expectations a report was checked against.
type Criteria struct {
	Keys           []string `json:"keys"`
	Threshold      int      `json:"threshold"`
	PredicateTypes []string `json:"predicateTypes"`
	BuilderID      string   `json:"builderId,omitempty"`
	SourceURI      string   `json:"sourceUri,omitempty"`
	// Policies are the Rego policies evaluated, when any.
	Policies []rules.PolicySource `json:"policies,omitempty"`
	// FailOn is "warn" when warnings deny too.
	FailOn string `json:"failOn,omitempty"`
	// Sigstore: trusted root, identities and slsa-verifier's checks.
	Sigstore *SigstoreCriteria `json:"sigstore,omitempty"`
	// Trust is the trust file, when one was given.
	Trust *TrustCriteria `json:"trust,omitempty"`
	// X509 are the CA roots and identities for certified signatures.
	X509 *X509Criteria `json:"x509,omitempty"`
}

// Artifact is the decision about one artifact.
type Artifact struct {
	Name    string            `json:"name"`
	Digests map[string]string `json:"digests"`
	Allowed bool              `json:"verified"`
	// Attestations are the envelopes that cover the artifact and passed
	// every check.
	Attestations []attest.Source `json:"attestations"`
	// Reasons says why the artifact is denied, one line each, naming
	// the envelope and the check.
	Reasons []string `json:"reasons,omitempty"`
	// SLSABuildLevel is the SLSA Build level the covering verified
	// provenance reached, by builtin:slsa (0: none); nil without it.
	SLSABuildLevel *int `json:"slsaBuildLevel,omitempty"`
	// Findings are the results of the Rego policies, when any ran.
	Findings []rules.Finding `json:"findings,omitempty"`
	// Cache, when set, says the artifact was not verified again: a
	// signed VSA of an earlier verification with the same criteria and
	// evidence allowed it (package policy/vsacache).
	Cache    *CacheHit `json:"cache,omitempty"`
	covering []int     // indexes of the verified envelopes whose subjects match
}

// CacheHit names the VSA that allowed an artifact in place of a full
// verification.
type CacheHit struct {
	// VSA is where the VSA was read: a file or a registry reference.
	VSA string `json:"vsa"`
	// Digest is "sha256:<hex>" of the VSA's envelope.
	Digest       string    `json:"digest"`
	VerifierID   string    `json:"verifierId"`
	TimeVerified time.Time `json:"timeVerified"`
	// Levels are the VSA's verifiedLevels.
	Levels []string `json:"verifiedLevels,omitempty"`
}

// String is the one line every report format prints for a hit:
// "from cache: VSA <where> (sha256:<12 hex>), verified at <time>".
func (c *CacheHit) String() string {
	return fmt.Sprintf("from cache: VSA %s (%.19s), verified at %s", c.VSA, c.Digest, c.TimeVerified.UTC().Format(time.RFC3339))
}

// NewReport is the report Verify would start from for these
// expectations: the criteria and the policy rules, no artifact, not
// allowed. A caller that judges some artifacts by other means (a VSA
// cache) fills it.
func (v *Verifier) NewReport(expect ...Expectation) (*Report, error) {
	v, err := v.with(expect)
	if err != nil {
		return nil, err
	}
	r := &Report{Criteria: v.criteria(), Attestations: []Attestation{}}
	if v.o.policies != nil {
		r.Rules = v.o.policies.Rules()
	}
	return r, nil
}

// Report is the outcome of a verification.
type Report struct {
	Allowed  bool     `json:"verified"`
	Criteria Criteria `json:"criteria"`
	// Attestations are the bundles' entries, verified once each.
	Attestations []Attestation `json:"envelopes"`
	Artifacts    []Artifact    `json:"artifacts"`
	// Warnings are notes about the run that do not deny, e.g. an expired
	// exception.
	Warnings []string `json:"warnings,omitempty"`
	// Rules lists the policy rules evaluated (each deny, warn and
	// violation rule body with its METADATA); empty without policies.
	Rules []rules.RuleInfo `json:"-"`
}

// Covering are the verified attestations whose subjects name artifact i
// of the report.
func (r *Report) Covering(i int) []*Attestation {
	var out []*Attestation
	for _, j := range r.Artifacts[i].covering {
		out = append(out, &r.Attestations[j])
	}
	return out
}

// Input is an artifact to gate: a file to hash, or known digests.
type Input struct {
	Name    string
	Path    string     // read and hashed when set
	Digests digest.Set // used as given when Path is empty
}

// Verify judges every input by the entries of the bundles: each entry is
// verified once (VerifyEntry's rules), each artifact is allowed only by
// verified attestations that name it and meet the expectations. It
// returns an error only for a bad expectation or an input that cannot be
// read (a missing artifact); every problem with the attestations is a
// denial in the report. With no input nothing is allowed.
func (v *Verifier) Verify(ctx context.Context, entries []attest.Entry, inputs []Input, expect ...Expectation) (*Report, error) {
	v, err := v.with(expect)
	if err != nil {
		return nil, err
	}
	r, err := v.check(ctx, entries, inputs)
	if err != nil {
		return nil, err
	}
	if v.o.policies != nil {
		if err := v.evaluatePolicies(ctx, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// PolicyInputs runs the built-in checks and returns the input document the
// Rego policies would see for each artifact, without evaluating any.
func (v *Verifier) PolicyInputs(ctx context.Context, entries []attest.Entry, inputs []Input, expect ...Expectation) ([]map[string]any, error) {
	v, err := v.with(expect)
	if err != nil {
		return nil, err
	}
	r, err := v.check(ctx, entries, inputs)
	if err != nil {
		return nil, err
	}
	b, err := newInputBuilder(r)
	if err != nil {
		return nil, err
	}
	docs := make([]map[string]any, len(r.Artifacts))
	for i := range r.Artifacts {
		docs[i] = b.document(&r.Artifacts[i])
	}
	return docs, nil
}

// evaluatePolicies runs the Rego policies for every artifact (compiled
// once, in LoadPolicies) and folds their findings into the decision.
func (v *Verifier) evaluatePolicies(ctx context.Context, r *Report) error {
	b, err := newInputBuilder(r)
	if err != nil {
		return err
	}
	now := v.o.now()
	r.Rules = v.o.policies.Rules()
	seen := map[string]bool{}
	r.Allowed = len(r.Artifacts) > 0
	// The inputs share the attestations (converted once); the
	// evaluations run in parallel and come back in artifact order, and
	// everything below runs in that order, so the report is the same
	// whatever the parallelism.
	ins := make([]ast.Value, len(r.Artifacts))
	for i := range r.Artifacts {
		if ins[i], err = b.value(&r.Artifacts[i]); err != nil {
			return err
		}
	}
	evals, err := v.o.policies.EvaluateAll(ctx, ins, b.ids, v.o.parallelism)
	if err != nil {
		return err
	}
	for i := range r.Artifacts {
		a := &r.Artifacts[i]
		a.Findings, a.SLSABuildLevel = evals[i].Findings, evals[i].Level
		for _, w := range rules.ApplyExceptions(v.o.exceptions, a.Name, a.Findings, now) {
			if !seen[w] {
				seen[w] = true
				r.Warnings = append(r.Warnings, w)
			}
		}
		for _, f := range a.Findings {
			if f.Denies(v.o.failOnWarn) {
				a.Allowed = false
			}
		}
		r.Allowed = r.Allowed && a.Allowed
	}
	return nil
}

// check runs the built-in checks: signatures, subjects, predicate type,
// builder and source.
func (v *Verifier) check(ctx context.Context, entries []attest.Entry, inputs []Input) (*Report, error) {
	r := &Report{Criteria: v.criteria()}
	for _, e := range entries {
		// Subjects are matched to each input below, not per entry.
		r.Attestations = append(r.Attestations, v.verifyEntry(ctx, e))
	}
	algs := v.algorithms(r.Attestations)
	idx := indexSubjects(r.Attestations)
	bad := v.bundleReasons(r.Attestations)
	r.Allowed = len(inputs) > 0
	for _, in := range inputs {
		digests := in.Digests
		if in.Path != "" {
			var err error
			digests, err = digest.FileContext(ctx, in.Path, algs...)
			if err != nil {
				return nil, fmt.Errorf("artifact %w", attest.FileError(err))
			}
		}
		a := v.decide(r.Attestations, idx, bad, in.Name, digests)
		r.Allowed = r.Allowed && a.Allowed
		r.Artifacts = append(r.Artifacts, a)
	}
	return r, nil
}

func (v *Verifier) criteria() Criteria {
	c := Criteria{Threshold: v.o.threshold, PredicateTypes: v.o.predicateTypes, BuilderID: v.o.builderID, SourceURI: v.o.sourceURI, Sigstore: v.sigstoreCriteria()}
	if v.o.policies != nil {
		c.Policies = v.o.policies.Sources()
		if v.o.failOnWarn {
			c.FailOn = rules.KindWarn
		}
	}
	seen := map[string]bool{}
	for _, k := range v.o.keys {
		if !seen[k.ID] {
			seen[k.ID] = true
			c.Keys = append(c.Keys, k.ID)
		}
	}
	if t := v.o.trust; t != nil {
		for _, k := range t.Keys {
			if !k.Revoked && !seen[k.KeyID] {
				seen[k.KeyID] = true
				c.Keys = append(c.Keys, k.KeyID)
			}
		}
		c.Trust = &TrustCriteria{File: t.File, Keys: t.Keys, Threshold: t.Threshold, Steps: t.Steps}
	}
	c.X509 = v.x509Criteria()
	return c
}

// algorithms lists the digest algorithms to compute for artifacts: sha256
// always, plus every supported algorithm some verified subject uses.
func (v *Verifier) algorithms(envs []Attestation) []string {
	want := map[string]bool{digest.SHA256: true}
	for _, e := range envs {
		for _, s := range e.Statement.GetSubject() {
			for alg := range s.GetDigest() {
				if digest.IsSupported(alg) {
					want[alg] = true
				}
			}
		}
	}
	var out []string
	for _, a := range digest.Supported {
		if want[a] {
			out = append(out, a)
		}
	}
	return out
}

type subjectRef struct {
	env     int
	digests map[string]string
}

// indexSubjects maps "alg:hex" to the subjects that carry it, so that each
// artifact is looked up, not scanned against every envelope.
func indexSubjects(envs []Attestation) map[string][]subjectRef {
	idx := map[string][]subjectRef{}
	for i, e := range envs {
		for _, s := range e.Statement.GetSubject() {
			for alg, val := range s.GetDigest() {
				if digest.IsSupported(alg) {
					k := alg + ":" + strings.ToLower(val)
					idx[k] = append(idx[k], subjectRef{env: i, digests: s.GetDigest()})
				}
			}
		}
	}
	return idx
}

// bundleReasons lists the envelopes that failed their checks, one reason
// each. They deny every artifact, so they are found once per bundle rather
// than once per artifact.
func (v *Verifier) bundleReasons(envs []Attestation) []string {
	var out []string
	for i := range envs {
		if e := &envs[i]; !e.Verified {
			out = append(out, fmt.Sprintf("%s: %s", e.Source, v.Explain(e.Err)))
		}
	}
	return out
}

// decide judges one artifact: bad are the bundle's failed envelopes (see
// bundleReasons), idx its verified subjects by digest.
func (v *Verifier) decide(envs []Attestation, idx map[string][]subjectRef, bad []string, name string, digests digest.Set) Artifact {
	a := Artifact{Name: name, Digests: digests, Attestations: []attest.Source{}}
	a.Reasons = append([]string(nil), bad...)
	covering := map[int]bool{}
	for alg, val := range digests {
		for _, ref := range idx[alg+":"+strings.ToLower(val)] {
			if attest.DigestsMatch(ref.digests, digests) {
				covering[ref.env] = true
			}
		}
	}
	envIdx := make([]int, 0, len(covering))
	for i := range covering {
		envIdx = append(envIdx, i)
	}
	sort.Ints(envIdx)
	a.covering = envIdx
	var others []string
	passed := 0
	for _, i := range envIdx {
		e := &envs[i]
		if !slices.Contains(v.o.predicateTypes, e.PredicateType()) {
			others = append(others, fmt.Sprintf("%s (%s)", e.Source, e.PredicateType()))
			continue
		}
		if problems := v.checkStatement(e); len(problems) > 0 {
			for _, p := range problems {
				a.Reasons = append(a.Reasons, fmt.Sprintf("%s: %s", e.Source, p))
			}
			continue
		}
		passed++
		a.Attestations = append(a.Attestations, e.Source)
	}
	if passed == 0 && len(a.Reasons) == 0 {
		msg := fmt.Sprintf("no verified attestation names this artifact (%s)", shortDigest(digests))
		if len(others) > 0 {
			msg = fmt.Sprintf("no %s names this artifact; only %s", describeTypes(v.o.predicateTypes), strings.Join(others, ", "))
		}
		a.Reasons = append(a.Reasons, msg)
	}
	a.Allowed = len(a.Reasons) == 0 && passed > 0
	return a
}

// checkStatement applies the expectations to one covering statement.
// Every covering statement of the requested type must pass: a second
// provenance for the same artifact from another builder is a conflict, not
// an alternative.
func (v *Verifier) checkStatement(e *Attestation) []string {
	if ps, done := v.checkGitHub(e); done {
		return ps
	}
	problems := v.checkRefs(e)
	problems = append(problems, checkVSAResult(e)...)
	if v.o.builderID != "" {
		claimed := ""
		if e.Provenance != nil {
			claimed = e.Provenance.BuilderID
		}
		switch {
		case !provenance.MatchBuilderID(claimed, v.o.builderID):
			problems = append(problems, fmt.Sprintf("builder id is %q, want %q", claimed, v.o.builderID))
		case !provenance.MatchBuilderID(e.VerifiedBuilder, v.o.builderID):
			// A builder id is a claim until a signer proves it.
			problems = append(problems, fmt.Sprintf("builder id %q is only claimed: no signer proves it (map the signing key to the builder in the trust file, keys[].builders, or sign with a certificate issued to the builder)", claimed))
		}
	}
	if v.o.sourceURI != "" {
		got := ""
		if e.Provenance != nil {
			got = e.Provenance.Source
		}
		if !provenance.MatchSourceURI(got, v.o.sourceURI) {
			if got == "" {
				problems = append(problems, fmt.Sprintf("provenance records no source, want %q", v.o.sourceURI))
			} else {
				problems = append(problems, fmt.Sprintf("source is %q, want %q", got, v.o.sourceURI))
			}
		}
	}
	return problems
}

func describeTypes(types []string) string {
	if len(types) == 2 && types[0] == provenance.PredicateSLSAv1 && types[1] == provenance.PredicateSLSAv0_2 {
		return "SLSA provenance"
	}
	return "statement of type " + strings.Join(types, " or ")
}

func shortDigest(d digest.Set) string {
	if v, ok := d[digest.SHA256]; ok {
		return "sha256:" + v
	}
	for _, alg := range digest.Supported {
		if v, ok := d[alg]; ok {
			return alg + ":" + v
		}
	}
	return "no digest"
}

// WithLimits sets the limits statements are parsed with (the subjects
// limit; bundles are read with ReadBundles' own). attest.DefaultLimits
// otherwise.
func WithLimits(l attest.Limits) Option {
	return func(o *options) error { o.limits = l; return nil }
}

// ReadBundles reads every bundle file. A file that cannot be opened or read
// is an error (an input error, not a denial); a file whose contents are not
// a bundle becomes an entry with Err set, so that it denies like any other
// bad envelope, unless the file is wholly something else that can be told
// (a JSON array, JSON documents spanning lines, a policy input document:
// attest.ShapeError), which is an error that says how to convert it.
func ReadBundles(paths []string) ([]attest.Entry, error) {
	return ReadBundlesLimited(paths, attest.DefaultLimits())
}

// ReadBundlesLimited is ReadBundles with limits other than the defaults.
func ReadBundlesLimited(paths []string, l attest.Limits) ([]attest.Entry, error) {
	var all []attest.Entry
	for _, p := range paths {
		entries, err := l.ReadBundleFile(p)
		if err != nil {
			be, ok := errors.AsType[*attest.BundleError](err)
			if !ok || !errors.Is(err, attest.ErrEmptyBundle) && !errors.Is(err, attest.ErrMalformed) {
				return nil, err
			}
			entries = append(entries, attest.Entry{Source: attest.Source{File: be.File, Line: be.Line}, Err: be.Err})
		}
		if malformed(entries) {
			// A JSON array, pretty-printed documents or a policy input
			// document: one error that says so (never a pass).
			if err := l.DetectBundleFile(p); err != nil {
				return nil, err
			}
		}
		all = append(all, entries...)
	}
	return all, nil
}

// malformed says whether an entry could not be read as one.
func malformed(entries []attest.Entry) bool {
	for _, e := range entries {
		if errors.Is(e.Err, attest.ErrMalformed) {
			return true
		}
	}
	return false
}

// checkVSAResult refuses a Verification Summary whose verification did
// not pass: verify accepting a VSA as evidence means it says PASSED.
func checkVSAResult(e *Attestation) []string {
	if e.PredicateType() != provenance.PredicateVSAv1 {
		return nil
	}
	vsa, err := provenance.ReadVSA(e.Statement)
	if err != nil {
		return []string{err.Error()}
	}
	if got := vsa.GetVerificationResult(); got != provenance.VSAPassed {
		return []string{fmt.Sprintf("verification summary result is %q, not %s", got, provenance.VSAPassed)}
	}
	return nil
}

// Keys are the distinct trusted keys: the keys given and the trust file's
// keys that are not revoked (each of which counts only inside its
// validity window).
func (v *Verifier) Keys() []*attest.PublicKey {
	var out []*attest.PublicKey
	seen := map[string]bool{}
	add := func(k *attest.PublicKey) {
		if !seen[k.ID] {
			seen[k.ID] = true
			out = append(out, k)
		}
	}
	for _, k := range v.o.keys {
		add(k)
	}
	if t := v.o.trust; t != nil {
		for _, k := range t.Keys {
			if !k.Revoked {
				add(k.Key)
			}
		}
	}
	return out
}
