package vsacache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/rules"
	"github.com/provenant/provenant/policy/vsa"
)

// EvidenceURI is the uri of the inputAttestations member that a cache VSA
// adds after the envelopes covering its artifact: its digest is the
// evidence digest (see EvidenceDigest).
const EvidenceURI = "https://github.com/provenant/provenant/blob/main/docs/verify.md#vsa-cache-evidence"

// DefaultMaxAge is how old a VSA may be to be used, unless told.
const DefaultMaxAge = 24 * time.Hour

// MaxSkew is how far in the future a VSA's timeVerified may be (clocks
// of different machines disagree); anything later is refused.
const MaxSkew = time.Minute

// keySchema versions what the policy digest covers.
const keySchema = "provenant-vsa-cache/v1"

// ErrNoVerifierID: the cache needs the verifier id its VSAs carry.
var ErrNoVerifierID = errors.New("the VSA cache needs a verifier id")

// ErrNoVSAKey: without a trusted key, no cached VSA can be used.
var ErrNoVSAKey = errors.New("the VSA cache needs a key that its VSAs are signed with")

// Option configures a Cache.
type Option func(*options) error

type options struct {
	signer  attest.Signer
	levels  []string
	maxAge  time.Duration
	now     func() time.Time
	limits  attest.Limits
	config  *rules.Config
	trust   map[string]string
	version string
}

// WithSigner signs the VSAs written for misses; without it the cache is
// read-only.
func WithSigner(s attest.Signer) Option {
	return func(o *options) error { o.signer = s; return nil }
}

// WithLevels: a VSA is used only if it verifies these levels (policy/vsa's
// rule: SLSA track levels are minimums, others must be listed).
func WithLevels(levels ...string) Option {
	return func(o *options) error { o.levels = append(o.levels, levels...); return nil }
}

// WithMaxAge bounds the age of a usable VSA (timeVerified); it must be
// positive.
func WithMaxAge(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("the VSA cache's maximum age must be positive, not %s", d)
		}
		o.maxAge = d
		return nil
	}
}

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option {
	return func(o *options) error { o.now = now; return nil }
}

// WithLimits bounds the reading of entries (line-bytes, signature checks).
func WithLimits(l attest.Limits) Option {
	return func(o *options) error { o.limits = l; return nil }
}

// WithPolicyConfig records the policy configuration (data and
// exceptions) in the policy digest: another configuration never hits.
func WithPolicyConfig(c *rules.Config) Option {
	return func(o *options) error { o.config = c; return nil }
}

// WithTrustMaterial records the digest of a trust file the verifier was
// built from (a trusted root, CA roots) under a name in the policy
// digest: other trust material never hits.
func WithTrustMaterial(name, dig string) Option {
	return func(o *options) error {
		if o.trust == nil {
			o.trust = map[string]string{}
		}
		o.trust[name] = dig
		return nil
	}
}

// WithVersion is recorded as verifier.version.provenant in written VSAs.
func WithVersion(v string) Option {
	return func(o *options) error { o.version = v; return nil }
}

// Cache judges artifacts by cached VSAs where it can.
type Cache struct {
	store      Store
	checker    *vsa.Checker
	verifierID string
	o          options
}

// New makes a cache over store, trusting VSAs signed by keys (at least
// one) for verifierID.
func New(store Store, keys []*attest.PublicKey, verifierID string, opts ...Option) (*Cache, error) {
	if verifierID == "" {
		return nil, ErrNoVerifierID
	}
	if len(keys) == 0 {
		return nil, ErrNoVSAKey
	}
	o := options{maxAge: DefaultMaxAge, now: time.Now}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if err := vsa.ValidateLevels(o.levels); err != nil {
		return nil, err
	}
	k, err := vsa.NewChecker(keys, o.limits)
	if err != nil {
		return nil, err
	}
	return &Cache{store: store, checker: k, verifierID: verifierID, o: o}, nil
}

// ReadOnly says that no VSA is written (no signer).
func (c *Cache) ReadOnly() bool { return c.o.signer == nil }

// String names the store.
func (c *Cache) String() string { return c.store.String() }

// Stats count what a Verify did.
type Stats struct {
	Hits, Misses, Written int
}

// Verify is policy.Verifier.Verify with the cache in front: the artifacts
// a usable VSA allows are not verified again (their Artifact.Cache says
// by which VSA); the others are verified by v with entries and expect,
// and, with a signer, each allowed one gets a VSA in the cache. A cache
// entry that cannot be read or verified is a miss with a warning in the
// report; an entry that cannot be written is a warning too (the decision
// stands). Artifacts keep their order.
func (c *Cache) Verify(ctx context.Context, v *policy.Verifier, entries []attest.Entry, inputs []policy.Input, expect ...policy.Expectation) (*policy.Report, Stats, error) {
	var st Stats
	base, err := v.NewReport(expect...)
	if err != nil {
		return nil, st, err
	}
	key, err := c.PolicyKey(base.Criteria)
	if err != nil {
		return nil, st, err
	}
	ev, evOK := EvidenceDigest(entries)
	var warnings []string
	if !evOK {
		warnings = append(warnings, fmt.Sprintf("VSA cache %s: an attestation given cannot be read, so no VSA is used or written", c.store))
	}
	hits := make([]*policy.Artifact, len(inputs))
	warns := make([]string, len(inputs))
	if evOK {
		c.lookupAll(ctx, inputs, &gate{key: key, evidence: ev, instants: c.instants(base.Criteria)}, hits, warns)
	}
	var missIn []policy.Input
	for i, in := range inputs {
		if hits[i] == nil {
			missIn = append(missIn, in)
		}
		if warns[i] != "" {
			warnings = append(warnings, warns[i])
		}
	}
	st.Hits, st.Misses = len(inputs)-len(missIn), len(missIn)
	r := base
	if len(missIn) > 0 {
		if r, err = v.Verify(ctx, entries, missIn, expect...); err != nil {
			return nil, st, err
		}
		if evOK && c.o.signer != nil {
			n, ws := c.write(ctx, r, key, ev)
			st.Written, warnings = n, append(warnings, ws...)
		}
	}
	// Merge, in input order.
	missed := r.Artifacts
	r.Artifacts = make([]policy.Artifact, 0, len(inputs))
	r.Allowed = len(inputs) > 0
	for i := range inputs {
		var a policy.Artifact
		if hits[i] != nil {
			a = *hits[i]
		} else {
			a, missed = missed[0], missed[1:]
		}
		r.Allowed = r.Allowed && a.Allowed
		r.Artifacts = append(r.Artifacts, a)
	}
	r.Warnings = append(r.Warnings, warnings...)
	return r, st, nil
}

// lookupAll looks every input up, on a few workers (reading, hashing and
// one signature check each); results go by index, so the order is the
// inputs'.
func (c *Cache) lookupAll(ctx context.Context, inputs []policy.Input, g *gate, hits []*policy.Artifact, warns []string) {
	workers := min(runtime.GOMAXPROCS(0), len(inputs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				hits[i], warns[i] = c.lookup(ctx, inputs[i], g)
			}
		})
	}
	for i := range inputs {
		next <- i
	}
	close(next)
	wg.Wait()
}

// PolicyKey is the policy a cache VSA records: uri as policy/vsa writes
// it, digest = sha256 over the JSON of the criteria (keys, threshold,
// predicate types, builder, source, Rego policies and their digests,
// fail-on, Sigstore identities and GitHub checks, trust file, X.509
// roots and identity), the policy configuration (data and exceptions),
// the trust material's digests and the limits (a tighter limit can deny
// what a looser one allowed).
func (c *Cache) PolicyKey(crit policy.Criteria) (vsa.Descriptor, error) {
	b, err := json.Marshal(struct {
		Schema   string            `json:"schema"`
		Criteria policy.Criteria   `json:"criteria"`
		Config   *rules.Config     `json:"config"`
		Trust    map[string]string `json:"trust"`
		Limits   attest.Limits     `json:"limits"`
	}{keySchema, crit, c.o.config, c.o.trust, c.o.limits.OrDefaults()})
	if err != nil {
		return vsa.Descriptor{}, err
	}
	sum := sha256.Sum256(b)
	return vsa.Descriptor{URI: vsa.PolicyURI(crit), Digest: map[string]string{digest.SHA256: hex.EncodeToString(sum[:])}}, nil
}

// EvidenceDigest is what a cache VSA's evidence member records: sha256
// over the sorted "sha256:<hex>" digests of every entry given (every line
// of every bundle and every attestation fetched from a registry, as
// read), one a line. ok is false when an entry could not be read (it has
// no digest, or an error): such evidence denies, and is never cached.
func EvidenceDigest(entries []attest.Entry) (string, bool) {
	ds := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Err != nil || !strings.HasPrefix(e.Digest, "sha256:") {
			return "", false
		}
		ds = append(ds, e.Digest)
	}
	sort.Strings(ds)
	h := sha256.New()
	for _, d := range ds {
		h.Write([]byte(d + "\n")) // a hash.Hash never fails to write
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// Name is the cache entry of an artifact (its sha256, hex) for a gate
// (policy digest and verifier id): "sha256-<hex>.<16 hex>.vsa", a valid
// OCI tag and file name, made of digests only.
func Name(artifactSHA256 string, key vsa.Descriptor, verifierID string) string {
	gate := sha256.Sum256([]byte(key.Digest[digest.SHA256] + "\n" + verifierID))
	return "sha256-" + artifactSHA256 + "." + hex.EncodeToString(gate[:8]) + ".vsa"
}

// lookup returns the artifact allowed by a usable VSA, or nil (a miss)
// with a warning when the entry was there but could not be used for a
// reason that is not an ordinary change (unreadable, not verified).
func (c *Cache) lookup(ctx context.Context, in policy.Input, g *gate) (*policy.Artifact, string) {
	digests := in.Digests
	if in.Path != "" {
		d, err := digest.File(in.Path, digest.SHA256)
		if err != nil {
			return nil, "" // verify reports it
		}
		digests = d
	}
	sha := strings.ToLower(digests[digest.SHA256])
	if !isHex64(sha) {
		return nil, ""
	}
	name := Name(sha, g.key, c.verifierID)
	data, where, found, err := c.store.Get(ctx, name)
	if err != nil {
		return nil, fmt.Sprintf("VSA cache entry %s: %v; verified fully", where, err)
	}
	if !found {
		return nil, ""
	}
	hit, err := c.judge(ctx, in, digests, g, data, where)
	if err != nil {
		var miss *missError
		if errors.As(err, &miss) {
			return nil, ""
		}
		return nil, fmt.Sprintf("VSA cache entry %s: %v; verified fully", where, err)
	}
	return hit, ""
}

// gate is what every entry is judged against in one Verify.
type gate struct {
	key      vsa.Descriptor
	evidence string
	instants []time.Time
}

// missError is an ordinary miss: the entry is sound but for other
// criteria, evidence, time or levels.
type missError struct{ why string }

func (e *missError) Error() string { return e.why }

func miss(format string, a ...any) error { return &missError{fmt.Sprintf(format, a...)} }

// judge decides whether one cache entry allows the artifact. Every check
// must pass; the first that does not makes a miss.
func (c *Cache) judge(ctx context.Context, in policy.Input, digests digest.Set, g *gate, data []byte, where string) (*policy.Artifact, error) {
	l := c.o.limits
	l.Envelopes = 1
	es, err := l.ReadBundle(bytes.NewReader(data), where)
	if err != nil {
		return nil, err
	}
	if len(es) != 1 {
		return nil, fmt.Errorf("%d entries, want one VSA", len(es))
	}
	e := es[0]
	if e.Err != nil {
		return nil, e.Err
	}
	sha := strings.ToLower(digests[digest.SHA256])
	// The one verification path: signature by a trusted key, then the
	// subject, verifier id, resource URI, PASSED and the levels.
	a, pred, err := c.checker.Entry(ctx, e, vsa.Check{
		SubjectDigests: []string{digest.SHA256 + ":" + sha},
		VerifierID:     c.verifierID,
		ResourceURI:    in.Name,
		Levels:         c.o.levels,
	})
	if err != nil {
		if a.Verified {
			return nil, miss("%v", err) // signed and sound, for something else
		}
		return nil, err
	}
	subjects := a.Statement.GetSubject()
	if len(subjects) != 1 {
		return nil, miss("%d subjects, want this artifact only", len(subjects))
	}
	if err := c.sameArtifact(in, digests, subjects[0].GetDigest()); err != nil {
		return nil, err
	}
	if got := pred.GetPolicy(); got.GetUri() != g.key.URI || !maps.Equal(got.GetDigest(), g.key.Digest) {
		return nil, miss("another policy")
	}
	evidence := 0
	for _, ia := range pred.GetInputAttestations() {
		if ia.GetUri() == EvidenceURI {
			evidence++
			if !maps.Equal(ia.GetDigest(), map[string]string{digest.SHA256: g.evidence}) {
				return nil, miss("other evidence")
			}
		}
	}
	if evidence != 1 {
		return nil, miss("%d evidence digests, want one", evidence)
	}
	if pred.GetTimeVerified() == nil {
		return nil, miss("no timeVerified")
	}
	t, now := pred.GetTimeVerified().AsTime(), c.o.now()
	switch {
	case t.After(now.Add(MaxSkew)):
		return nil, fmt.Errorf("timeVerified %s is in the future", t.Format(time.RFC3339))
	case now.Sub(t) > c.o.maxAge:
		return nil, miss("older than %s", c.o.maxAge)
	}
	if at, ok := changedSince(t, now, g.instants); ok {
		return nil, miss("the trust or the exceptions changed at %s", at.Format(time.RFC3339))
	}
	return &policy.Artifact{
		Name:         in.Name,
		Digests:      digests,
		Allowed:      true,
		Attestations: []attest.Source{},
		Cache: &policy.CacheHit{
			VSA:          where,
			Digest:       e.Digest,
			VerifierID:   c.verifierID,
			TimeVerified: t.UTC(),
			Levels:       pred.GetVerifiedLevels(),
		},
	}, nil
}

// sameArtifact: every digest of the VSA's subject is one this artifact
// has (computed now for a file; as given for --artifact-digest style
// inputs). An algorithm that cannot be computed is a miss.
func (c *Cache) sameArtifact(in policy.Input, have digest.Set, subject map[string]string) error {
	var more []string
	for alg := range subject {
		if _, ok := have[alg]; !ok {
			if in.Path == "" || !digest.IsSupported(alg) {
				return miss("the VSA's subject has a %s digest this artifact lacks", alg)
			}
			more = append(more, alg)
		}
	}
	if len(more) > 0 {
		d, err := digest.File(in.Path, more...)
		if err != nil {
			return miss("%v", err)
		}
		have = maps.Clone(have)
		maps.Copy(have, d)
	}
	for alg, val := range subject {
		if !strings.EqualFold(have[alg], val) {
			return miss("the VSA's subject %s digest is another artifact's", alg)
		}
	}
	return nil
}

// changedSince finds an instant in (t, now] at which the decision could
// have changed without the criteria changing: an exception's expiry, a
// trust-file key's validity bound.
func changedSince(t, now time.Time, instants []time.Time) (time.Time, bool) {
	for _, at := range instants {
		if at.After(t) && !at.After(now) {
			return at, true
		}
	}
	return time.Time{}, false
}

// instants are the times at which a decision can change by itself: the
// end of each exception's last day (a date that cannot be read is now:
// fail closed), each trust-file key's validFrom and validUntil.
func (c *Cache) instants(crit policy.Criteria) []time.Time {
	var instants []time.Time
	if c.o.config != nil {
		for _, e := range c.o.config.Exceptions {
			if e.Expires == "" {
				continue
			}
			d, err := time.Parse(time.DateOnly, e.Expires)
			if err != nil {
				d = c.o.now()
			}
			instants = append(instants, d.Add(24*time.Hour))
		}
	}
	if crit.Trust != nil {
		for _, k := range crit.Trust.Keys {
			for _, at := range []time.Time{k.ValidFrom, k.ValidUntil} {
				if !at.IsZero() {
					instants = append(instants, at)
				}
			}
		}
	}
	return instants
}

// write signs a VSA for each allowed artifact of r and stores it; it
// returns how many were written and a warning for each that was not.
func (c *Cache) write(ctx context.Context, r *policy.Report, key vsa.Descriptor, ev string) (int, []string) {
	sub := *r
	sub.Allowed = true
	sub.Artifacts = nil
	for _, a := range r.Artifacts {
		if a.Allowed && isHex64(strings.ToLower(a.Digests[digest.SHA256])) {
			sub.Artifacts = append(sub.Artifacts, a)
		}
	}
	if len(sub.Artifacts) == 0 {
		return 0, nil
	}
	envs, err := vsa.Envelopes(ctx, &sub, vsa.Request{
		Signer:     c.o.signer,
		VerifierID: c.verifierID,
		Version:    c.o.version,
		Time:       c.o.now(),
		Policy:     &key,
		Inputs:     []vsa.Descriptor{{URI: EvidenceURI, Digest: map[string]string{digest.SHA256: ev}}},
	})
	if err != nil {
		return 0, []string{fmt.Sprintf("VSA cache %s: no VSA written: %v", c.store, err)}
	}
	// Each write syncs its file and directory: a few at once overlap
	// the waits. Warnings go by index, in the artifacts' order.
	errs := make([]error, len(envs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(writers, len(envs)) {
		wg.Go(func() {
			for i := range next {
				line, err := attest.MarshalEnvelope(envs[i])
				if err == nil {
					name := Name(strings.ToLower(sub.Artifacts[i].Digests[digest.SHA256]), key, c.verifierID)
					_, err = c.store.Put(ctx, name, append(line, '\n'))
				}
				errs[i] = err
			}
		})
	}
	for i := range envs {
		next <- i
	}
	close(next)
	wg.Wait()
	var warnings []string
	n := 0
	for i, err := range errs {
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("VSA cache %s: %s: not written: %v", c.store, sub.Artifacts[i].Name, err))
			continue
		}
		n++
	}
	return n, warnings
}

// writers is how many cache entries are written at once.
const writers = 8

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	return !slices.ContainsFunc([]byte(s), func(b byte) bool {
		return (b < '0' || b > '9') && (b < 'a' || b > 'f')
	})
}
