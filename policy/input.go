package policy

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/provenant/provenant/policy/rules"
	"github.com/provenant/provenant/policy/trust"
	"github.com/provenant/provenant/provenance"
)

// inputBuilder makes the input document for each artifact. The
// attestations are the same for every artifact of a run, so they are
// converted to OPA's representation once and shared.
type inputBuilder struct {
	attestations []any
	ids          []string
	byEnvelope   map[int]int // index in Report.Envelopes -> in attestations
	expectations map[string]any
	// index is input.index: attestations by step and by predicate type.
	index     map[string]any
	attsValue ast.Value
	expValue  ast.Value
	idxValue  ast.Value
}

func newInputBuilder(r *Report) (*inputBuilder, error) {
	b := &inputBuilder{attestations: []any{}, byEnvelope: map[int]int{}}
	byStep, byType := map[string]any{}, map[string]any{}
	add := func(m map[string]any, key string, i int) {
		l, _ := m[key].([]any)
		m[key] = append(l, i)
	}
	for i := range r.Attestations {
		e := &r.Attestations[i]
		if !e.Verified || e.Payload == nil {
			continue
		}
		st, err := rules.JSONToAny(e.Payload)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Source, err)
		}
		signers := make([]any, 0, len(e.Signers))
		for _, s := range e.Signers {
			signers = append(signers, signerDoc(s))
		}
		id := e.Source.String()
		b.byEnvelope[i] = len(b.attestations)
		b.ids = append(b.ids, id)
		doc := map[string]any{
			"id":            id,
			"source":        map[string]any{"file": e.Source.File, "line": e.Source.Line},
			"digest":        e.Digest,
			"signers":       signers,
			"predicateType": e.PredicateType(),
			// verifiedBuilder: the builder id a signer proves ("" when
			// the statement's builder id is only claimed).
			"verifiedBuilder": e.VerifiedBuilder,
			"statement":       st,
		}
		if step := stepDoc(e); step != nil {
			doc["step"] = step
			add(byStep, step["name"].(string), len(b.attestations))
		}
		if tr := testResultDoc(e.TestResult); tr != nil {
			doc["testResult"] = tr
		}
		add(byType, e.PredicateType(), len(b.attestations))
		b.attestations = append(b.attestations, doc)
	}
	c := r.Criteria
	b.expectations = map[string]any{
		"keys":           stringsToAny(c.Keys),
		"threshold":      c.Threshold,
		"predicateTypes": stringsToAny(c.PredicateTypes),
		"builderId":      c.BuilderID,
		"sourceUri":      c.SourceURI,
	}
	b.index = map[string]any{"byStep": byStep, "byPredicateType": byType}
	var err error
	if b.attsValue, err = ast.InterfaceToValue(b.attestations); err != nil {
		return nil, err
	}
	if b.idxValue, err = ast.InterfaceToValue(b.index); err != nil {
		return nil, err
	}
	if b.expValue, err = ast.InterfaceToValue(b.expectations); err != nil {
		return nil, err
	}
	return b, nil
}

// stepDoc is the supply-chain step an attestation records, the same way
// whatever recorded it, so that a policy can state in-toto's artifact
// rules over attestations: an in-toto link predicate (its name, its
// materials, its subjects as products) or SLSA provenance v1 that names a
// step as provenant run does (externalParameters.step, the named
// resolvedDependencies, the subjects). nil when it records no step.
func stepDoc(e *Attestation) map[string]any {
	var (
		name                string
		materials, products []provenance.Resource
	)
	switch {
	case e.Link != nil:
		name, materials, products = e.Link.Name, e.Link.Materials, e.Link.Products
	case e.Provenance != nil:
		step, named, err := e.Provenance.Step()
		if err != nil || !named {
			return nil
		}
		name = step
		for _, d := range e.Provenance.Dependencies {
			if d.Name != "" {
				materials = append(materials, d)
			}
		}
		for _, s := range e.Statement.GetSubject() {
			products = append(products, provenance.Resource{Name: s.GetName(), Digest: s.GetDigest()})
		}
	default:
		return nil
	}
	artifacts := func(rs []provenance.Resource) []any {
		out := make([]any, 0, len(rs))
		for _, r := range rs {
			d := make(map[string]any, len(r.Digest))
			for alg, v := range r.Digest {
				d[alg] = v
			}
			out = append(out, map[string]any{"name": r.Name, "digest": d})
		}
		return out
	}
	return map[string]any{"name": name, "materials": artifacts(materials), "products": artifacts(products)}
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (b *inputBuilder) artifact(a *Artifact) map[string]any {
	covering := []any{}
	for _, env := range a.covering {
		if i, ok := b.byEnvelope[env]; ok {
			covering = append(covering, i)
		}
	}
	digests := map[string]any{}
	for alg, v := range a.Digests {
		digests[alg] = v
	}
	return map[string]any{
		"name":         a.Name,
		"digests":      digests,
		"attestations": covering,
		"verified":     a.Allowed,
		"reasons":      stringsToAny(a.Reasons),
	}
}

// document is the input document for one artifact, as Go values (for
// printing).
func (b *inputBuilder) document(a *Artifact) map[string]any {
	return map[string]any{
		"schemaVersion": rules.InputSchemaVersion,
		"artifact":      b.artifact(a),
		"attestations":  b.attestations,
		"index":         b.index,
		"expectations":  b.expectations,
	}
}

// value is the same document in OPA's representation, sharing the
// attestations converted once.
func (b *inputBuilder) value(a *Artifact) (ast.Value, error) {
	art, err := ast.InterfaceToValue(b.artifact(a))
	if err != nil {
		return nil, err
	}
	return ast.NewObject(
		[2]*ast.Term{ast.StringTerm("schemaVersion"), ast.StringTerm(rules.InputSchemaVersion)},
		[2]*ast.Term{ast.StringTerm("artifact"), ast.NewTerm(art)},
		[2]*ast.Term{ast.StringTerm("attestations"), ast.NewTerm(b.attsValue)},
		[2]*ast.Term{ast.StringTerm("index"), ast.NewTerm(b.idxValue)},
		[2]*ast.Term{ast.StringTerm("expectations"), ast.NewTerm(b.expValue)},
	), nil
}

// signerDoc is one signer as policies see it: a key with its trust-file
// name and validity window, an X.509 certificate's identity, or a Sigstore
// certificate's identity and claims.
func signerDoc(s Signer) map[string]any {
	doc := map[string]any{"keyid": s.KeyID}
	if k := s.Trusted; k != nil {
		doc["name"] = k.Name
		if !k.ValidFrom.IsZero() {
			doc["validFrom"] = trust.FormatTime(k.ValidFrom)
		}
		if !k.ValidUntil.IsZero() {
			doc["validUntil"] = trust.FormatTime(k.ValidUntil)
		}
	}
	if c := s.X509; c != nil {
		doc["identity"] = c.Identity
		doc["issuer"] = c.Issuer
	}
	if c := s.Certificate; c != nil {
		doc["identity"] = c.SubjectAlternativeName
		doc["issuer"] = c.Issuer
		doc["certificate"] = identityDoc(c)
	}
	return doc
}

// testResultDoc is an in-toto test result predicate as policies see it,
// read by provenance.ReadTestResult (exact members, a known result,
// subjects with names and digests): the result, the tests by outcome,
// the configuration and the subjects (what was examined). nil for other
// predicates.
func testResultDoc(tr *provenance.TestResult) map[string]any {
	if tr == nil {
		return nil
	}
	resources := func(rs []provenance.Resource) []any {
		out := make([]any, 0, len(rs))
		for _, r := range rs {
			d := make(map[string]any, len(r.Digest))
			for alg, v := range r.Digest {
				d[alg] = v
			}
			doc := map[string]any{"name": r.Name, "digest": d}
			if r.URI != "" {
				doc["uri"] = r.URI
			}
			out = append(out, doc)
		}
		return out
	}
	return map[string]any{
		"result":        tr.Result,
		"url":           tr.URL,
		"passedTests":   stringsToAny(tr.PassedTests),
		"warnedTests":   stringsToAny(tr.WarnedTests),
		"failedTests":   stringsToAny(tr.FailedTests),
		"configuration": resources(tr.Configuration),
		"subjects":      resources(tr.Subjects),
	}
}
