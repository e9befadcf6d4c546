package vsacache_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/rules"
	"github.com/provenant/provenant/policy/vsa"
	"github.com/provenant/provenant/policy/vsacache"
	"github.com/provenant/provenant/provenance"
	"github.com/provenant/provenant/provenance/provenancetest"
)

const gateID = "https://ci.example.com/gate"

var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// world is a release (app and lib, signed by the release key), a
// verifier that trusts that key, and the gate's VSA key.
type world struct {
	release, gate, other provenancetest.Key
	entries              []attest.Entry
	inputs               []policy.Input
	v                    *policy.Verifier
	dir                  string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{release: provenancetest.SeededKey(t, 1), gate: provenancetest.SeededKey(t, 9), other: provenancetest.SeededKey(t, 7)}
	line := provenancetest.StatementLine(t, provenancetest.Statement(t, provenancetest.Attestation{Subjects: []string{"app", "lib"}}), w.release)
	w.entries = provenancetest.Entries(t, line)
	w.inputs = []policy.Input{{Name: "app", Digests: provenancetest.ArtifactDigests("app")}, {Name: "lib", Digests: provenancetest.ArtifactDigests("lib")}}
	v, err := policy.NewVerifier(policy.WithKeys(w.release.Public), policy.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	w.v, w.dir = v, t.TempDir()
	return w
}

func (w *world) cache(t *testing.T, opts ...vsacache.Option) *vsacache.Cache {
	t.Helper()
	opts = append([]vsacache.Option{vsacache.WithClock(func() time.Time { return now })}, opts...)
	c, err := vsacache.New(vsacache.Dir(w.dir, attest.Limits{}), []*attest.PublicKey{w.gate.Public}, gateID, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// key is the policy descriptor and evidence digest of the world's gate
// with c.
func (w *world) key(t *testing.T, c *vsacache.Cache) (vsa.Descriptor, string) {
	t.Helper()
	r, err := w.v.NewReport()
	if err != nil {
		t.Fatal(err)
	}
	k, err := c.PolicyKey(r.Criteria)
	if err != nil {
		t.Fatal(err)
	}
	ev, ok := vsacache.EvidenceDigest(w.entries)
	if !ok {
		t.Fatal("evidence not usable")
	}
	return k, ev
}

// spec is a VSA to put in the cache by hand.
type spec struct {
	signer      attest.Signer
	subjects    []string
	verifierID  string
	resourceURI string
	result      string
	levels      []string
	policy      vsa.Descriptor
	inputs      []vsa.Descriptor
	time        time.Time
}

func (w *world) good(t *testing.T, c *vsacache.Cache) spec {
	k, ev := w.key(t, c)
	return spec{
		signer: w.gate.Signer, subjects: []string{"app"}, verifierID: gateID, resourceURI: "app", result: "PASSED",
		levels: []string{"SLSA_BUILD_LEVEL_1"}, policy: k,
		inputs: []vsa.Descriptor{{URI: "b.jsonl:1", Digest: map[string]string{"sha256": strings.TrimPrefix(w.entries[0].Digest, "sha256:")}}, {URI: vsacache.EvidenceURI, Digest: map[string]string{"sha256": ev}}},
		time:   now.Add(-time.Hour),
	}
}

// put signs s and stores it where the cache looks for app.
func (w *world) put(t *testing.T, c *vsacache.Cache, s spec) {
	t.Helper()
	arts := make([]digest.Artifact, len(s.subjects))
	for i, n := range s.subjects {
		arts[i] = digest.Artifact{Name: n, Digests: provenancetest.ArtifactDigests(n)}
	}
	inputs := make([]map[string]any, len(s.inputs))
	for i, d := range s.inputs {
		inputs[i] = map[string]any{"uri": d.URI, "digest": d.Digest}
	}
	pred, err := json.Marshal(map[string]any{
		"verifier":           map[string]any{"id": s.verifierID},
		"timeVerified":       s.time.Format(time.RFC3339),
		"resourceUri":        s.resourceURI,
		"policy":             map[string]any{"uri": s.policy.URI, "digest": s.policy.Digest},
		"inputAttestations":  inputs,
		"verificationResult": s.result,
		"verifiedLevels":     s.levels,
		"slsaVersion":        "1.0",
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := provenance.NewGenericStatement(arts, provenance.PredicateVSAv1, pred)
	if err != nil {
		t.Fatal(err)
	}
	env, err := attest.SignStatement(context.Background(), st, s.signer)
	if err != nil {
		t.Fatal(err)
	}
	line, err := attest.MarshalEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	w.putBytes(t, c, append(line, '\n'))
}

func (w *world) entryPath(t *testing.T, c *vsacache.Cache) string {
	k, _ := w.key(t, c)
	return filepath.Join(w.dir, vsacache.Name(provenancetest.ArtifactDigests("app")[digest.SHA256], k, gateID)+".intoto.jsonl")
}

func (w *world) putBytes(t *testing.T, c *vsacache.Cache, data []byte) {
	t.Helper()
	if err := os.WriteFile(w.entryPath(t, c), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCacheNeverUsesAStaleEntry: each case changes one thing of a good
// entry for app; the entry must not be used (app is verified fully, and
// allowed by its provenance), and the cases marked warn must say why.
func TestCacheNeverUsesAStaleEntry(t *testing.T) {
	tests := []struct {
		name   string
		opts   []vsacache.Option
		change func(w *world, s *spec)
		raw    func(t *testing.T, w *world, path string) // instead of a VSA
		warn   string
	}{
		{name: "another policy", change: func(_ *world, s *spec) { s.policy.Digest = map[string]string{"sha256": strings.Repeat("0", 64)} }},
		{name: "another policy uri", change: func(_ *world, s *spec) { s.policy.URI = "builtin:slsa" }},
		{name: "another digest", change: func(_ *world, s *spec) { s.subjects = []string{"lib"} }},
		{name: "two subjects", change: func(_ *world, s *spec) { s.subjects = []string{"app", "lib"} }},
		{name: "expired", change: func(_ *world, s *spec) { s.time = now.Add(-vsacache.DefaultMaxAge - time.Second) }},
		{name: "expired, shorter max age", opts: []vsacache.Option{vsacache.WithMaxAge(30 * time.Minute)}},
		{name: "future", change: func(_ *world, s *spec) { s.time = now.Add(vsacache.MaxSkew + time.Second) }, warn: "in the future"},
		{name: "untrusted signer", change: func(w *world, s *spec) { s.signer = w.other.Signer }, warn: "signature"},
		{name: "release key, not the gate's", change: func(w *world, s *spec) { s.signer = w.release.Signer }, warn: "signature"},
		{name: "FAILED", change: func(_ *world, s *spec) { s.result = "FAILED" }},
		{name: "another level", opts: []vsacache.Option{vsacache.WithLevels("SLSA_BUILD_LEVEL_2")}},
		{name: "no level", change: func(_ *world, s *spec) { s.levels = nil }, opts: []vsacache.Option{vsacache.WithLevels("SLSA_BUILD_LEVEL_1")}},
		{name: "changed evidence", change: func(_ *world, s *spec) {
			s.inputs[1].Digest = map[string]string{"sha256": strings.Repeat("1", 64)}
		}},
		{name: "no evidence", change: func(_ *world, s *spec) { s.inputs = s.inputs[:1] }},
		{name: "two evidence members", change: func(_ *world, s *spec) { s.inputs = append(s.inputs, s.inputs[1]) }},
		{name: "another verifier", change: func(_ *world, s *spec) { s.verifierID = "https://ci.example.com/other" }},
		{name: "another resource", change: func(_ *world, s *spec) { s.resourceURI = "lib" }},
		{name: "exception expired since", opts: []vsacache.Option{vsacache.WithPolicyConfig(&rules.Config{Exceptions: []rules.Exception{{Code: "x", Reason: "r", Expires: "2026-11-29"}}})},
			change: func(_ *world, s *spec) { s.time = now.Add(-20 * time.Hour) }},
		{name: "corrupt", raw: func(t *testing.T, w *world, p string) { write(t, p, "{not json\n") }, warn: "verified fully"},
		{name: "empty", raw: func(t *testing.T, w *world, p string) { write(t, p, "") }, warn: "verified fully"},
		{name: "two VSAs", raw: func(t *testing.T, w *world, p string) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			write(t, p, string(data)+string(data))
		}, warn: "verified fully"},
		{name: "symlink", raw: func(t *testing.T, w *world, p string) {
			good := p + ".good"
			if err := os.Rename(p, good); err != nil {
				t.Fatal(err)
			}
			attesttest.Symlink(t, good, p)
		}, warn: "symbolic link"},
		{name: "fifo", raw: func(t *testing.T, w *world, p string) {
			_ = os.Remove(p)
			attesttest.Mkfifo(t, p)
		}, warn: "not a regular file"},
		{name: "too large", opts: nil, raw: func(t *testing.T, w *world, p string) { write(t, p, strings.Repeat(" ", 17<<20)) }, warn: "verified fully"},
		{name: "directory", raw: func(t *testing.T, w *world, p string) {
			_ = os.Remove(p)
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}, warn: "directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			c := w.cache(t, tt.opts...)
			s := w.good(t, c)
			if tt.change != nil {
				tt.change(w, &s)
			}
			w.put(t, c, s)
			if tt.raw != nil {
				tt.raw(t, w, w.entryPath(t, c))
			}
			r, st, err := c.Verify(context.Background(), w.v, w.entries, w.inputs[:1])
			if err != nil {
				t.Fatal(err)
			}
			a := r.Artifacts[0]
			if a.Cache != nil || st.Hits != 0 {
				t.Fatalf("the entry was used: %+v", a.Cache)
			}
			if !a.Allowed || len(a.Attestations) != 1 || len(r.Attestations) != 1 {
				t.Errorf("app not verified fully: %+v", a)
			}
			got := strings.Join(r.Warnings, "\n")
			if tt.warn == "" && got != "" {
				t.Errorf("warnings = %q, want none for an ordinary miss", got)
			}
			if !strings.Contains(got, tt.warn) {
				t.Errorf("warnings = %q, want %q", got, tt.warn)
			}
		})
	}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCacheHits: a hand-made good entry is used, and so are the entries
// a cold run writes; the merged report keeps the inputs' order.
func TestCacheHits(t *testing.T) {
	w := newWorld(t)
	c := w.cache(t)
	w.put(t, c, w.good(t, c))
	r, st, err := c.Verify(context.Background(), w.v, w.entries, w.inputs[:1])
	if err != nil {
		t.Fatal(err)
	}
	if a := r.Artifacts[0]; !r.Allowed || a.Cache == nil || st.Hits != 1 || len(r.Attestations) != 0 {
		t.Fatalf("good entry not used: %+v, %+v", a, st)
	}

	// Cold: lib misses, is verified and gets an entry (app hits).
	w2 := newWorld(t)
	c2 := w2.cache(t, vsacache.WithSigner(w2.gate.Signer))
	r, st, err = c2.Verify(context.Background(), w2.v, w2.entries, w2.inputs)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Allowed || st != (vsacache.Stats{Hits: 0, Misses: 2, Written: 2}) {
		t.Fatalf("cold: allowed %v, %+v", r.Allowed, st)
	}
	r, st, err = c2.Verify(context.Background(), w2.v, w2.entries, w2.inputs)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Allowed || st != (vsacache.Stats{Hits: 2}) || r.Artifacts[0].Name != "app" || r.Artifacts[1].Name != "lib" || r.Artifacts[1].Cache == nil {
		t.Fatalf("warm: allowed %v, %+v, %+v", r.Allowed, st, r.Artifacts)
	}
	// Read-only: nothing written.
	w3 := newWorld(t)
	c3 := w3.cache(t)
	if _, st, err := c3.Verify(context.Background(), w3.v, w3.entries, w3.inputs); err != nil || st.Written != 0 || !c3.ReadOnly() {
		t.Fatalf("read-only: %+v %v", st, err)
	}
	if ents, _ := os.ReadDir(w3.dir); len(ents) != 0 {
		t.Errorf("read-only cache wrote %d entries", len(ents))
	}
}

// TestCacheDeniedNotWritten: a denied artifact gets no VSA, and a bundle
// with an unreadable line disables the cache.
func TestCacheDeniedNotWritten(t *testing.T) {
	w := newWorld(t)
	c := w.cache(t, vsacache.WithSigner(w.gate.Signer))
	bad := append(w.entries, provenancetest.Entries(t, "not json")...)
	r, st, err := c.Verify(context.Background(), w.v, bad, w.inputs)
	if err != nil {
		t.Fatal(err)
	}
	if r.Allowed || st.Written != 0 || !strings.Contains(strings.Join(r.Warnings, "\n"), "cannot be read") {
		t.Fatalf("unreadable evidence: allowed %v, %+v, warnings %q", r.Allowed, st, r.Warnings)
	}
	other := []policy.Input{{Name: "other", Digests: provenancetest.ArtifactDigests("other")}}
	r, st, err = c.Verify(context.Background(), w.v, w.entries, other)
	if err != nil || r.Allowed || st.Written != 0 {
		t.Fatalf("denied artifact: allowed %v, %+v, %v", r.Allowed, st, err)
	}
}

// TestCacheWriteRefusesLinks: a symbolic link at an entry's name is
// neither followed nor replaced silently; the decision stands.
func TestCacheWriteRefusesLinks(t *testing.T) {
	w := newWorld(t)
	c := w.cache(t, vsacache.WithSigner(w.gate.Signer))
	outside := filepath.Join(t.TempDir(), "outside")
	write(t, outside, "untouched\n")
	attesttest.Symlink(t, outside, w.entryPath(t, c))
	r, st, err := c.Verify(context.Background(), w.v, w.entries, w.inputs[:1])
	if err != nil {
		t.Fatal(err)
	}
	if !r.Allowed || st.Written != 0 || !strings.Contains(strings.Join(r.Warnings, "\n"), "not written") {
		t.Errorf("allowed %v, %+v, warnings %q", r.Allowed, st, r.Warnings)
	}
	if data, err := os.ReadFile(outside); err != nil || string(data) != "untouched\n" {
		t.Errorf("the link's target = %q, %v: written through", data, err)
	}
}
