package inspect

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// preferredDigests orders digest algorithms for an artifact's main digest.
var preferredDigests = []string{"sha256", "sha512", "sha384", "gitCommit", "sha1"}

// chainBuilder indexes artifacts by name, each name holding the
// artifacts seen under it with digests that disagree, so that a product
// of one step meets the same (name, digest) consumed by another whatever
// the order of the envelopes.
type chainBuilder struct {
	byName map[string][]int // label -> artifacts with that label
	arts   []ChainArtifact
	steps  []Step
	facts  []stepFacts // beside steps
	// producedVerified marks artifacts a verified envelope claims.
	producedVerified map[int]bool
	// named marks artifacts known by a name (a file), not a URI.
	named map[int]bool
}

// stepFacts are what a step records of where it ran, compared across the
// bundle's steps.
type stepFacts struct {
	builder, repo, commit string
	dirty                 bool
	exit                  *int
}

func newChainBuilder() *chainBuilder {
	return &chainBuilder{byName: map[string][]int{}, producedVerified: map[int]bool{}, named: map[int]bool{}}
}

// add makes a step of an envelope whose statement carries SLSA provenance.
func (c *chainBuilder) add(e *Envelope) {
	st := e.Statement
	if st == nil || st.Provenance == nil {
		return
	}
	p := st.Provenance
	step := Step{
		ID:       "s" + strconv.Itoa(e.Index),
		Name:     st.Step,
		Envelope: e.Index,
		Status:   e.Status,
		Consumes: []string{},
		Produces: []string{},
		Flags:    []string{},
		Notes:    []string{},
	}
	facts := stepFacts{builder: p.BuilderID}
	if s := p.Source; s != nil {
		facts.repo, facts.commit = normRepo(s.Repository), strings.ToLower(s.Commit)
		facts.dirty = s.Dirty != nil && *s.Dirty
	}
	if p.Command != nil {
		facts.exit = p.Command.ExitStatus
	}
	seen := map[int]bool{}
	for _, r := range p.ResolvedDependencies {
		ai := c.artifact(r)
		a := &c.arts[ai]
		if isSource(r) {
			a.Source = true
		}
		if !seen[ai] {
			seen[ai] = true
			step.Consumes = append(step.Consumes, a.ID)
			a.ConsumedBy = append(a.ConsumedBy, step.ID)
		}
	}
	clear(seen)
	for _, r := range st.Subjects {
		ai := c.artifact(r)
		a := &c.arts[ai]
		if !seen[ai] {
			seen[ai] = true
			step.Produces = append(step.Produces, a.ID)
			a.ProducedBy = append(a.ProducedBy, step.ID)
		}
		// A predicate verify refuses attests nothing, whoever signed it.
		if e.Verified() && st.PredicateError == "" {
			c.producedVerified[ai] = true
		}
	}
	c.steps = append(c.steps, step)
	c.facts = append(c.facts, facts)
}

// isSource says whether a dependency is a source checkout: a git commit,
// which no build step produces.
func isSource(r Resource) bool {
	if r.Digest["gitCommit"] != "" {
		return true
	}
	return r.Digest["sha1"] != "" && r.Name == "" && strings.HasPrefix(r.URI, "git+")
}

// normDigests lowercases algorithm names and values, as digests compare.
func normDigests(d map[string]string) map[string]string {
	out := make(map[string]string, len(d))
	for alg, v := range d {
		out[strings.ToLower(alg)] = strings.ToLower(v)
	}
	return out
}

// agree says whether two digest sets name the same content: at least one
// algorithm in common, and every common algorithm the same value. Two
// empty sets agree (an artifact known by name only).
func agree(a, b map[string]string) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	common := false
	for alg, v := range a {
		if w, ok := b[alg]; ok {
			if v != w {
				return false
			}
			common = true
		}
	}
	return common
}

// conflict says whether two digest sets name different content: an
// algorithm in common with different values.
func conflict(a, b map[string]string) bool {
	for alg, v := range a {
		if w, ok := b[alg]; ok && v != w {
			return true
		}
	}
	return false
}

// artifact finds or makes the artifact for a resource: the one with the
// same name (or URI) and digests that agree.
func (c *chainBuilder) artifact(r Resource) int {
	label := r.Label()
	d := normDigests(r.Digest)
	for _, i := range c.byName[label] {
		a := &c.arts[i]
		if agree(normDigests(a.Digests), d) {
			for alg, v := range r.Digest {
				if _, has := normDigests(a.Digests)[strings.ToLower(alg)]; !has {
					a.Digests[alg] = v
				}
			}
			return i
		}
	}
	i := len(c.arts)
	a := ChainArtifact{
		ID:         "a" + strconv.Itoa(i+1),
		Name:       label,
		Digests:    map[string]string{},
		ProducedBy: []string{},
		ConsumedBy: []string{},
		SameDigest: []string{},
		Flags:      []string{},
	}
	for alg, v := range r.Digest {
		a.Digests[alg] = v
	}
	c.arts = append(c.arts, a)
	c.byName[label] = append(c.byName[label], i)
	c.named[i] = r.Name != ""
	return i
}

// finish computes depths and flags, counts them into s, and returns the
// chain and its findings.
func (c *chainBuilder) finish(s *Summary) (Chain, []Finding) {
	c.sameDigests()
	for i := range c.arts {
		c.arts[i].Digest = mainDigest(c.arts[i].Digests)
	}
	stepByID := make(map[string]int, len(c.steps))
	for i, st := range c.steps {
		stepByID[st.ID] = i
	}
	findings := c.mismatches()
	s.Mismatches = len(findings)
	hasSource := func(id string) bool { return c.facts[stepByID[id]].commit != "" }
	for i := range c.arts {
		a := &c.arts[i]
		if len(a.Digests) == 0 {
			a.Digests = nil
		}
		if len(a.ConsumedBy) > 0 && len(a.ProducedBy) == 0 && !a.Source {
			// A file (a name with a digest) only: a URI is no file
			// of a checkout, nor a name another step produced with
			// another digest.
			if c.named[i] && len(a.Digests) > 0 && !a.Has(FlagMismatch) && slices.IndexFunc(a.ConsumedBy, func(id string) bool { return !hasSource(id) }) < 0 {
				a.Flags = append(a.Flags, FlagCheckout)
				s.CheckoutMaterials++
			} else {
				a.Flags = append(a.Flags, FlagUnproduced)
				s.UnproducedMaterials++
			}
		}
		if len(a.ProducedBy) > 0 && !c.producedVerified[i] {
			a.Flags = append(a.Flags, FlagUnattested)
			s.UnattestedProducts++
		}
	}
	c.unusual()
	for _, st := range c.steps {
		if len(st.Flags) > 0 {
			s.UnusualSteps++
		}
	}
	c.depths()
	s.Steps, s.Artifacts = len(c.steps), len(c.arts)
	return Chain{Steps: c.steps, Artifacts: c.arts}, findings
}

// sameDigests links artifacts that share a digest under different names.
func (c *chainBuilder) sameDigests() {
	byDigest := map[string][]int{}
	for i := range c.arts {
		for alg, v := range normDigests(c.arts[i].Digests) {
			k := alg + ":" + v
			byDigest[k] = append(byDigest[k], i)
		}
	}
	for _, k := range sortedKeys(byDigest) {
		ids := byDigest[k]
		for _, i := range ids {
			for _, j := range ids {
				a := &c.arts[i]
				if i != j && !slices.Contains(a.SameDigest, c.arts[j].ID) {
					a.SameDigest = append(a.SameDigest, c.arts[j].ID)
				}
			}
		}
	}
	for i := range c.arts {
		slices.SortFunc(c.arts[i].SameDigest, compareIDs)
	}
}

// compareIDs orders "a12" after "a9".
func compareIDs(x, y string) int {
	nx, _ := strconv.Atoi(x[1:])
	ny, _ := strconv.Atoi(y[1:])
	return nx - ny
}

// mismatches finds the names steps see with different digests (sources
// aside: a step that ran from another commit is flagged on the step), and
// flags their artifacts.
func (c *chainBuilder) mismatches() []Finding {
	names := make([]string, 0)
	for name, ids := range c.byName {
		if len(ids) > 1 {
			names = append(names, name)
		}
	}
	slices.SortFunc(names, func(x, y string) int { return c.byName[x][0] - c.byName[y][0] })
	stepNames := make(map[string]string, len(c.steps))
	for _, s := range c.steps {
		stepNames[s.ID] = s.Name
	}
	var out []Finding
	for _, name := range names {
		var ids []int
		for _, i := range c.byName[name] {
			if c.arts[i].Source || len(c.arts[i].Digests) == 0 {
				continue
			}
			ids = append(ids, i)
		}
		bad := false
		for x := range ids {
			for y := x + 1; y < len(ids); y++ {
				if conflict(normDigests(c.arts[ids[x]].Digests), normDigests(c.arts[ids[y]].Digests)) {
					bad = true
				}
			}
		}
		if !bad {
			continue
		}
		f := Finding{Kind: FindingMismatch, Name: name}
		var parts []string
		for _, i := range ids {
			a := &c.arts[i]
			a.Flags = append(a.Flags, FlagMismatch)
			f.Artifacts = append(f.Artifacts, a.ID)
			var seen []string
			if len(a.ProducedBy) > 0 {
				seen = append(seen, "produced by "+namesOf(stepNames, a.ProducedBy))
			}
			if len(a.ConsumedBy) > 0 {
				seen = append(seen, "consumed by "+namesOf(stepNames, a.ConsumedBy))
			}
			parts = append(parts, shortDigest(a.Digest)+"… "+strings.Join(seen, " and "))
		}
		f.Message = fmt.Sprintf("%s has %d different digests: %s", name, len(ids), strings.Join(parts, "; "))
		out = append(out, f)
	}
	if out == nil {
		out = []Finding{}
	}
	return out
}

func namesOf(names map[string]string, ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = names[id]
	}
	return strings.Join(out, ", ")
}

// unusual flags the steps whose builder, source repository or commit is
// not the one most steps of the bundle name (the first seen wins a tie),
// that ran from a tree with uncommitted changes, or whose command failed.
func (c *chainBuilder) unusual() {
	common := func(get func(stepFacts) string) (string, int) {
		count := map[string]int{}
		var order []string
		for _, f := range c.facts {
			if v := get(f); v != "" {
				if count[v] == 0 {
					order = append(order, v)
				}
				count[v]++
			}
		}
		best := ""
		for _, v := range order {
			if count[v] > count[best] {
				best = v
			}
		}
		return best, count[best]
	}
	builder, nb := common(func(f stepFacts) string { return f.builder })
	repo, nr := common(func(f stepFacts) string { return f.repo })
	commit, nc := common(func(f stepFacts) string {
		if f.repo != repo {
			return ""
		}
		return f.commit
	})
	for i := range c.steps {
		s, f := &c.steps[i], c.facts[i]
		note := func(flag, text string) {
			s.Flags = append(s.Flags, flag)
			s.Notes = append(s.Notes, text)
		}
		if f.builder != "" && f.builder != builder {
			note(StepOtherBuilder, fmt.Sprintf("builder %s, not %s like %s", f.builder, builder, plural(nb, "other step", "other steps")))
		}
		if f.repo != "" && f.repo != repo {
			note(StepOtherRepository, fmt.Sprintf("source repository %s, not %s like %s", f.repo, repo, plural(nr, "other step", "other steps")))
		} else if f.repo != "" && f.commit != "" && commit != "" && f.commit != commit {
			note(StepOtherCommit, fmt.Sprintf("source commit %s, not %s like %s", f.commit, commit, plural(nc, "other step", "other steps")))
		}
		if f.dirty {
			note(StepDirtySource, "the source tree had uncommitted changes (dirty)")
		}
		if f.exit != nil && *f.exit != 0 {
			note(StepCommandFailed, fmt.Sprintf("the command exited with status %d", *f.exit))
		}
	}
}

// normRepo is a repository URI as compared: without "git+", the scheme,
// a trailing "/" or ".git".
func normRepo(u string) string {
	if u == "" {
		return ""
	}
	u = strings.TrimPrefix(u, "git+")
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	return strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git")
}

// depths sets each step's depth: one more than the deepest step that
// produced something it consumes. A cycle (which a forged bundle can
// make) is cut where it is found.
func (c *chainBuilder) depths() {
	stepIdx := make(map[string]int, len(c.steps))
	for i, s := range c.steps {
		stepIdx[s.ID] = i
	}
	artIdx := func(id string) int {
		n, _ := strconv.Atoi(id[1:])
		return n - 1
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]int, len(c.steps))
	// An explicit stack: a chain of 10,000 steps must not recurse 10,000
	// frames deep.
	type frame struct{ step, next int }
	for root := range c.steps {
		if state[root] != unvisited {
			continue
		}
		stack := []frame{{step: root}}
		state[root] = visiting
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			s := &c.steps[f.step]
			pushed := false
			for f.next < len(s.Consumes) && !pushed {
				a := &c.arts[artIdx(s.Consumes[f.next])]
				for _, pid := range a.ProducedBy {
					p := stepIdx[pid]
					if state[p] == unvisited {
						state[p] = visiting
						stack = append(stack, frame{step: p})
						pushed = true
						break
					}
				}
				if !pushed {
					f.next++
				}
			}
			if pushed {
				continue
			}
			// All producers are done (or on the stack: a cycle).
			depth := 0
			for _, aid := range s.Consumes {
				for _, pid := range c.arts[artIdx(aid)].ProducedBy {
					p := stepIdx[pid]
					if p != f.step && state[p] == done && c.steps[p].Depth+1 > depth {
						depth = c.steps[p].Depth + 1
					}
				}
			}
			s.Depth = depth
			state[f.step] = done
			stack = stack[:len(stack)-1]
		}
	}
}

func mainDigest(d map[string]string) string {
	for _, alg := range preferredDigests {
		if v, ok := d[alg]; ok {
			return alg + ":" + v
		}
	}
	for _, alg := range sortedKeys(d) {
		return alg + ":" + d[alg]
	}
	return ""
}
