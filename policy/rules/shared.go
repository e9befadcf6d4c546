package rules

import (
	"github.com/open-policy-agent/opa/v1/ast"
)

// A release gate evaluates the policies once per artifact, and the input
// of every artifact is the same document but for input.artifact: the
// attestations, their index and the expectations are shared. A rule that
// never reads input.artifact has the same value for every artifact, so it
// is evaluated once per gate and its value is used for every artifact;
// a policy that loops over input.attestations without looking at the
// artifact (the natural way to write "every attestation was built by our
// builder") then costs one pass over the bundle, not one per artifact.
//
// Which rules qualify is decided when the policies are compiled, and
// conservatively: a rule is evaluated per artifact when it, or any rule
// or function it may use, could see the artifact or has effects per
// evaluation. See readsArtifact.

// artifactMember is the member of the input document that differs from
// one artifact to the next (policy/input.go); every other member is the
// same for every artifact of a verification.
const artifactMember = "artifact"

// readsArtifact says whether the value of the deny/warn/violation rules
// named name in package pkg may depend on input.artifact, looking at
// those rules and at every rule and function they may use, transitively
// (for a reference with a variable, every rule it could select: OPA's
// over-approximation). It is true when one of them:
//
//   - reads input.artifact, the whole input (x := input, f(input),
//     walk(input, ...)) or an input member chosen at evaluation time
//     (input[k]);
//   - replaces a document or function with the with keyword (the rules
//     it calls then see another input or data);
//   - calls print(), whose output is written for each artifact.
//
// Anything else (input.attestations, input.index, input.expectations,
// input.schemaVersion, data, built-in functions) is the same for every
// artifact.
func readsArtifact(c *ast.Compiler, pkg, name string) bool {
	var todo []*ast.Rule
	for _, m := range c.Modules {
		if packageName(m) != pkg {
			continue
		}
		for _, r := range m.Rules {
			if v, ok := r.Head.Ref()[0].Value.(ast.Var); ok && string(v) == name {
				todo = append(todo, r)
			}
		}
	}
	seen := map[*ast.Rule]bool{}
	for len(todo) > 0 {
		r := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[r] {
			continue
		}
		seen[r] = true
		var uses []ast.Ref
		if ruleSeesArtifact(r, func(ref ast.Ref) { uses = append(uses, ref) }) {
			return true
		}
		for _, ref := range uses {
			todo = append(todo, c.GetRulesDynamicWithOpts(ref, ast.RulesOptions{IncludeHiddenModules: true})...)
		}
	}
	return false
}

// ruleSeesArtifact looks at one rule (its head, body and else branches)
// for what readsArtifact names, and reports every reference to data (a
// rule, a function, or a document that holds rules) to uses.
func ruleSeesArtifact(r *ast.Rule, uses func(ast.Ref)) bool {
	sees := false
	var vis *ast.GenericVisitor
	vis = ast.NewGenericVisitor(func(x any) bool {
		if sees {
			return true
		}
		switch x := x.(type) {
		case *ast.Expr:
			if len(x.With) > 0 || (x.IsCall() && isPrint(x.Operator())) {
				sees = true
				return true
			}
		case ast.Call:
			if len(x) > 0 {
				if op, ok := x[0].Value.(ast.Ref); ok && isPrint(op) {
					sees = true
					return true
				}
			}
		case ast.Var:
			// A bare input (not the head of a reference, which is
			// handled below): the whole document.
			if x.Equal(ast.InputRootDocument.Value) {
				sees = true
				return true
			}
		case ast.Ref:
			switch {
			case x.HasPrefix(ast.InputRootRef):
				if len(x) < 2 {
					sees = true
					return true
				}
				s, ok := x[1].Value.(ast.String)
				if !ok || string(s) == artifactMember {
					sees = true
					return true
				}
			case x.HasPrefix(ast.DefaultRootRef):
				uses(x)
			}
			// A head that is a variable (input, data or a local) was
			// looked at above or where the local was bound; a head that
			// is a call or a literal ([input][0], f(input).x) is walked
			// like the other terms, which may hold references of their
			// own.
			terms := x[1:]
			if _, ok := x[0].Value.(ast.Var); !ok {
				terms = x
			}
			for _, t := range terms {
				vis.Walk(t)
			}
			return true
		}
		return false
	})
	vis.Walk(r)
	return sees
}

// isPrint says whether op is print(), as written or as the compiler
// rewrites it.
func isPrint(op ast.Ref) bool {
	s := op.String()
	return s == "print" || s == "internal.print"
}

// loopingRules are the deny/warn/violation rule bodies (ids into
// PolicySet.rules) of the policies given (not provenant's built-in
// packages) that are evaluated per artifact and loop over
// input.attestations: each costs artifacts x attestations. c holds the
// compiled modules, perArtifact the refs evaluated per artifact.
func loopingRules(c *ast.Compiler, refs []ruleRef, perArtifact []int, infos []RuleInfo) []int {
	byLoc := map[Location]*ast.Rule{}
	for _, m := range c.Modules {
		for _, r := range m.Rules {
			if r.Location != nil {
				byLoc[Location{File: r.Location.File, Line: r.Location.Row}] = r
			}
		}
	}
	var out []int
	for _, i := range perArtifact {
		if reservedPackage(refs[i].pkg) {
			continue
		}
		for _, id := range refs[i].rules {
			r := byLoc[infos[id].Location]
			for b := r; b != nil; b = b.Else {
				if loopsOverAttestations(b.Body, ast.NewVarSet()) {
					out = append(out, id)
					break
				}
			}
		}
	}
	return out
}

// loopsOverAttestations says whether body (given the variables bound
// before it) reads input.attestations[x] with x a variable no earlier
// expression binds: an iteration over every attestation. A comprehension
// or an every inside an expression is a body of its own, which sees what
// was bound before its expression.
func loopsOverAttestations(body ast.Body, bound ast.VarSet) bool {
	bound = bound.Copy()
	// aliases are the variables that hold input.attestations itself.
	aliases := ast.NewVarSet()
	for _, e := range body {
		if v, ok := attestationsAlias(e); ok {
			aliases.Add(v)
		}
		loops := false
		vis := ast.NewGenericVisitor(func(x any) bool {
			if loops {
				return true
			}
			switch x := x.(type) {
			case *ast.ArrayComprehension:
				loops = loopsOverAttestations(x.Body, bound)
				return true
			case *ast.SetComprehension:
				loops = loopsOverAttestations(x.Body, bound)
				return true
			case *ast.ObjectComprehension:
				loops = loopsOverAttestations(x.Body, bound)
				return true
			case *ast.Every:
				// every a in input.attestations: the domain (which the
				// compiler puts in a variable first) is iterated.
				if d, ok := x.Domain.Value.(ast.Ref); ok && d.Equal(attestationsRef) {
					loops = true
					return true
				}
				if v, ok := x.Domain.Value.(ast.Var); ok && aliases.Contains(v) {
					loops = true
					return true
				}
				loops = loopsOverAttestations(x.Body, bound)
				return true
			case ast.Ref:
				if len(x) > 2 && x.HasPrefix(attestationsRef) {
					if v, ok := x[2].Value.(ast.Var); ok && !bound.Contains(v) {
						loops = true
						return true
					}
				}
			}
			return false
		})
		vis.Walk(e)
		if loops {
			return true
		}
		bound.Update(e.Vars(ast.VarVisitorParams{}))
	}
	return false
}

// attestationsAlias is v for an expression v = input.attestations (or
// the other way round).
func attestationsAlias(e *ast.Expr) (ast.Var, bool) {
	if !e.IsEquality() && !e.IsAssignment() {
		return "", false
	}
	terms := e.Terms.([]*ast.Term)
	a, b := terms[1], terms[2]
	for _, side := range [][2]*ast.Term{{a, b}, {b, a}} {
		v, isVar := side[0].Value.(ast.Var)
		r, isRef := side[1].Value.(ast.Ref)
		if isVar && isRef && r.Equal(attestationsRef) {
			return v, true
		}
	}
	return "", false
}

// attestationsRef is input.attestations.
var attestationsRef = ast.MustParseRef("input.attestations")
