package inspect

import (
	"strconv"
	"strings"
)

// preferredDigests orders digest algorithms for an artifact's main digest.
var preferredDigests = []string{"sha256", "sha512", "sha384", "gitCommit", "sha1"}

// chainBuilder indexes artifacts by every "alg:value" digest they carry, so
// that a product of one step meets the same digest consumed by another
// whatever the order of the envelopes.
type chainBuilder struct {
	byKey map[string]int // "alg:value" (or "name:..." without a digest) -> artifact
	arts  []ChainArtifact
	steps []Step
	// producedVerified marks artifacts a verified envelope claims.
	producedVerified map[int]bool
}

func newChainBuilder() *chainBuilder {
	return &chainBuilder{byKey: map[string]int{}, producedVerified: map[int]bool{}}
}

// add makes a step of an envelope whose statement carries SLSA provenance.
func (c *chainBuilder) add(e *Envelope) {
	st := e.Statement
	if st == nil || st.Provenance == nil {
		return
	}
	step := Step{
		ID:       "s" + strconv.Itoa(e.Index),
		Name:     st.Step,
		Envelope: e.Index,
		Status:   e.Status,
		Consumes: []string{},
		Produces: []string{},
	}
	seen := map[int]bool{}
	for _, r := range st.Provenance.ResolvedDependencies {
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
}

// isSource says whether a dependency is a source checkout: a git commit,
// which no build step produces.
func isSource(r Resource) bool {
	if r.Digest["gitCommit"] != "" {
		return true
	}
	return r.Digest["sha1"] != "" && r.Name == "" && strings.HasPrefix(r.URI, "git+")
}

// artifact finds or makes the artifact for a resource.
func (c *chainBuilder) artifact(r Resource) int {
	keys := make([]string, 0, len(r.Digest))
	for _, alg := range sortedKeys(r.Digest) {
		keys = append(keys, strings.ToLower(alg)+":"+strings.ToLower(r.Digest[alg]))
	}
	if len(keys) == 0 {
		keys = append(keys, "name:"+r.Label())
	}
	for _, k := range keys {
		if i, ok := c.byKey[k]; ok {
			a := &c.arts[i]
			for alg, v := range r.Digest {
				if _, has := a.Digests[alg]; !has {
					a.Digests[alg] = v
				}
			}
			for _, k := range keys {
				if _, taken := c.byKey[k]; !taken {
					c.byKey[k] = i
				}
			}
			if a.Name == "" || a.Name == "(unnamed)" {
				a.Name = r.Label()
			}
			return i
		}
	}
	i := len(c.arts)
	a := ChainArtifact{
		ID:         "a" + strconv.Itoa(i+1),
		Name:       r.Label(),
		Digests:    map[string]string{},
		ProducedBy: []string{},
		ConsumedBy: []string{},
		Flags:      []string{},
	}
	for alg, v := range r.Digest {
		a.Digests[alg] = v
	}
	c.arts = append(c.arts, a)
	for _, k := range keys {
		c.byKey[k] = i
	}
	return i
}

// finish computes depths and flags, counts them into s, and returns the
// chain.
func (c *chainBuilder) finish(s *Summary) Chain {
	for i := range c.arts {
		a := &c.arts[i]
		a.Digest = mainDigest(a.Digests)
		if len(a.Digests) == 0 {
			a.Digests = nil
		}
		if len(a.ConsumedBy) > 0 && len(a.ProducedBy) == 0 && !a.Source {
			a.Flags = append(a.Flags, FlagUnproduced)
			s.UnproducedMaterials++
		}
		if len(a.ProducedBy) > 0 && !c.producedVerified[i] {
			a.Flags = append(a.Flags, FlagUnattested)
			s.UnattestedProducts++
		}
	}
	c.depths()
	s.Steps, s.Artifacts = len(c.steps), len(c.arts)
	return Chain{Steps: c.steps, Artifacts: c.arts}
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
