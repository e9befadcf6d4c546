package inspect

import (
	"fmt"
	"path"
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
	byName map[string][]int // name key -> artifacts with that name
	// byKey finds an artifact by name key and one "alg:value" digest (or
	// the name key alone, for an artifact without a digest), in constant
	// time whatever the number of artifacts.
	byKey map[string]int
	arts  []ChainArtifact
	steps []Step
	facts []stepFacts // beside steps
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
	return &chainBuilder{byName: map[string][]int{}, byKey: map[string]int{}, producedVerified: map[int]bool{}, named: map[int]bool{}}
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

// nameKey is the name artifacts are compared by: a path is cleaned
// ("./build/app" is "build/app"); a URI is taken as written.
func nameKey(r Resource) string {
	if r.Name == "" {
		return "uri:" + r.Label()
	}
	return "name:" + path.Clean(strings.ReplaceAll(r.Name, "\\", "/"))
}

// artifact finds or makes the artifact for a resource: the one with the
// same name (or URI) and digests that agree.
func (c *chainBuilder) artifact(r Resource) int {
	name := nameKey(r)
	d := normDigests(r.Digest)
	keys := make([]string, 0, len(d))
	for _, alg := range sortedKeys(d) {
		keys = append(keys, name+"\x00"+alg+":"+d[alg])
	}
	if len(keys) == 0 {
		keys = append(keys, name)
	}
	for _, k := range keys {
		i, ok := c.byKey[k]
		if !ok {
			continue
		}
		a := &c.arts[i]
		have := normDigests(a.Digests)
		if !agree(have, d) {
			continue
		}
		for alg, v := range r.Digest {
			if _, has := have[strings.ToLower(alg)]; !has {
				a.Digests[alg] = v
			}
		}
		for _, k := range keys {
			if _, taken := c.byKey[k]; !taken {
				c.byKey[k] = i
			}
		}
		return i
	}
	i := len(c.arts)
	a := ChainArtifact{
		ID:         "a" + strconv.Itoa(i+1),
		Name:       r.Label(),
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
	c.byName[name] = append(c.byName[name], i)
	c.named[i] = r.Name != ""
	for _, k := range keys {
		if _, taken := c.byKey[k]; !taken {
			c.byKey[k] = i
		}
	}
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
	// Artifacts whose name a step produced (under any digest): no file
	// of a checkout.
	producedName := map[int]bool{}
	for _, ids := range c.byName {
		if slices.ContainsFunc(ids, func(i int) bool { return len(c.arts[i].ProducedBy) > 0 }) {
			for _, i := range ids {
				producedName[i] = true
			}
		}
	}
	for i := range c.arts {
		a := &c.arts[i]
		if len(a.Digests) == 0 {
			a.Digests = nil
		}
		if len(a.ConsumedBy) > 0 && len(a.ProducedBy) == 0 && !a.Source {
			// A file (a name with a digest) only: a URI is no file
			// of a checkout, nor a name a step produced.
			if c.named[i] && len(a.Digests) > 0 && !producedName[i] && slices.IndexFunc(a.ConsumedBy, func(id string) bool { return !hasSource(id) }) < 0 {
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

// maxSameDigest bounds the artifacts one artifact lists as sharing its
// digest: a tree of 500 empty files would otherwise list 250,000 pairs.
const maxSameDigest = 16

// sameDigests links artifacts that share a digest under different names,
// at most maxSameDigest for each.
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
		if len(ids) < 2 {
			continue
		}
		for _, i := range ids {
			a := &c.arts[i]
			for _, j := range ids {
				if len(a.SameDigest) >= maxSameDigest {
					break
				}
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
		// A conflict: one algorithm with two values among them (linear,
		// however many artifacts share the name).
		values := map[string]string{}
		bad := false
		for _, i := range ids {
			for alg, v := range normDigests(c.arts[i].Digests) {
				if w, ok := values[alg]; ok && w != v {
					bad = true
				}
				values[alg] = v
			}
		}
		if !bad {
			continue
		}
		const maxShown = 8 // in the message; Artifacts has them all
		f := Finding{Kind: FindingMismatch, Name: c.arts[ids[0]].Name}
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
			if len(parts) < maxShown {
				parts = append(parts, shortDigest(a.Digest)+"… "+strings.Join(seen, " and "))
			}
		}
		if len(ids) > maxShown {
			parts = append(parts, fmt.Sprintf("and %d more", len(ids)-maxShown))
		}
		f.Message = fmt.Sprintf("%s has %d different digests: %s", f.Name, len(ids), strings.Join(parts, "; "))
		out = append(out, f)
	}
	if out == nil {
		out = []Finding{}
	}
	return out
}

// namesOf names the steps, the first few of them.
func namesOf(names map[string]string, ids []string) string {
	const most = 5
	out := make([]string, 0, min(len(ids), most+1))
	for i, id := range ids {
		if i == most {
			out = append(out, fmt.Sprintf("and %d more", len(ids)-most))
			break
		}
		out = append(out, names[id])
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
