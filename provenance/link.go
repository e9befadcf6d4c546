package provenance

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	linkv0 "github.com/in-toto/attestation/go/predicates/link/v0"
	ita "github.com/in-toto/attestation/go/v1"
	"github.com/in-toto/in-toto-golang/in_toto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
)

// PredicateLink is the in-toto link predicate v0.3
// (https://github.com/in-toto/attestation/blob/main/spec/predicates/link.md):
// the record of one supply-chain step in the attestation framework, with
// the step's products as the statement's subjects. Older link predicate
// types (https://in-toto.io/Link/v0.2) are not read.
const PredicateLink = "https://in-toto.io/attestation/link/v0.3"

// ErrLink: an in-toto link (a link predicate, or classic link metadata)
// that does not read as its specification defines it. ReadLink's errors
// wrap it.
var ErrLink = errors.New("in-toto link")

// Link is what an in-toto link says of one step, however it came: a link
// predicate v0.3 statement (ReadLink) or a step provenant ran (RunLink).
// Materials and Products are sorted by name, and each name is unique.
type Link struct {
	// Name is the step's name, as the layout names it.
	Name    string   `json:"name"`
	Command []string `json:"command,omitempty"`
	// Materials are the files before the step; Products are the files
	// after it (a link predicate's subjects).
	Materials []Resource `json:"materials"`
	Products  []Resource `json:"products"`
	// Byproducts and Environment are free-form (the exit status,
	// captured output...).
	Byproducts  map[string]any `json:"byproducts,omitempty"`
	Environment map[string]any `json:"environment,omitempty"`
}

// IsLink says whether a predicate type is the link predicate ReadLink
// reads.
func IsLink(predicateType string) bool { return predicateType == PredicateLink }

// linkV03 is the link predicate's members (spec/predicates/link.md). The
// specification allows no extension field.
var linkV03 = object(map[string]*shape{
	"name": nil, "command": nil, "materials": list(resourceDescriptor),
	"byproducts": nil, "environment": nil,
})

func init() {
	predicateRules[PredicateLink] = predicateRule{"in-toto link predicate v0.3", linkV03, func(string) bool { return false }}
}

// ReadLink reads a verified statement's link predicate v0.3. It is the one
// rule by which every command accepts a link predicate: exactly the
// specification's members (no extension field; a member that differs
// from one of them only in case or punctuation is refused by name), the
// in-toto bindings' reading, a non-empty step name, and, as the
// specification requires, a name and a digest on every material and
// every subject, unique within each list. Its errors wrap ErrLink.
func ReadLink(st *attest.Statement) (*Link, error) {
	if !IsLink(st.GetPredicateType()) {
		return nil, fmt.Errorf("%w: predicate type %q is not %s", ErrLink, st.GetPredicateType(), PredicateLink)
	}
	if err := checkPredicate(st); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLink, err)
	}
	var p linkv0.Link
	if err := fromStruct(st.GetPredicate(), &p); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLink, err)
	}
	if p.GetName() == "" {
		return nil, fmt.Errorf("%w: predicate.name (the step) is missing or empty", ErrLink)
	}
	l := &Link{Name: p.GetName(), Command: p.GetCommand()}
	var err error
	if l.Materials, err = linkResources("predicate.materials", p.GetMaterials()); err != nil {
		return nil, err
	}
	if l.Products, err = linkResources("subject", st.GetSubject()); err != nil {
		return nil, err
	}
	if b := p.GetByproducts(); b != nil {
		l.Byproducts = b.AsMap()
	}
	if e := p.GetEnvironment(); e != nil {
		l.Environment = e.AsMap()
	}
	return l, nil
}

// linkResources reads a link's materials or subjects: each needs a name
// and a digest (attest.CheckDigestSet), and names are unique.
func linkResources(path string, rds []*ita.ResourceDescriptor) ([]Resource, error) {
	return namedResources(ErrLink, path, rds)
}

// namedResources reads resource descriptors that each need a name and a
// digest (attest.CheckDigestSet), with unique names; its errors wrap
// kind.
func namedResources(kind error, path string, rds []*ita.ResourceDescriptor) ([]Resource, error) {
	out := make([]Resource, 0, len(rds))
	seen := make(map[string]bool, len(rds))
	for i, rd := range rds {
		where := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case rd.GetName() == "":
			return nil, fmt.Errorf("%w: %s has no name", kind, where)
		case len(rd.GetDigest()) == 0:
			return nil, fmt.Errorf("%w: %s (%q) has no digest", kind, where, rd.GetName())
		case seen[rd.GetName()]:
			return nil, fmt.Errorf("%w: %s: name %q is listed twice", kind, where, rd.GetName())
		}
		if err := attest.CheckDigestSet(rd.GetDigest()); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", kind, where, err)
		}
		seen[rd.GetName()] = true
		out = append(out, Resource{Name: rd.GetName(), URI: rd.GetUri(), Digest: rd.GetDigest()})
	}
	slices.SortFunc(out, func(a, b Resource) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// InToto is the link in in-toto's classic form (in-toto-golang's Link, the
// "signed" member of a .link file): materials and products as maps from
// name to digests, as the specification's conversion says.
func (l *Link) InToto() in_toto.Link {
	artifacts := func(rs []Resource) map[string]in_toto.HashObj {
		m := make(map[string]in_toto.HashObj, len(rs))
		for _, r := range rs {
			m[r.Name] = maps.Clone(r.Digest)
		}
		return m
	}
	command := l.Command
	if command == nil {
		command = []string{}
	}
	by, env := l.Byproducts, l.Environment
	if by == nil {
		by = map[string]any{}
	}
	if env == nil {
		env = map[string]any{}
	}
	return in_toto.Link{
		Type:        "link",
		Name:        l.Name,
		Materials:   artifacts(l.Materials),
		Products:    artifacts(l.Products),
		ByProducts:  by,
		Command:     command,
		Environment: env,
	}
}

// LinkFromInToto is a classic link (a .link file's "signed" member) in
// provenant's form, materials and products sorted by name.
func LinkFromInToto(l in_toto.Link) *Link {
	resources := func(m map[string]in_toto.HashObj) []Resource {
		out := make([]Resource, 0, len(m))
		for name, d := range m {
			out = append(out, Resource{Name: name, Digest: maps.Clone(d)})
		}
		slices.SortFunc(out, func(a, b Resource) int { return strings.Compare(a.Name, b.Name) })
		return out
	}
	return &Link{
		Name: l.Name, Command: l.Command,
		Materials: resources(l.Materials), Products: resources(l.Products),
		Byproducts: l.ByProducts, Environment: l.Environment,
	}
}

// RunLink is the link of a step run: its materials (the files before)
// and its products (every file under the product paths after the command,
// as in-toto records them, not only the new or changed ones that SLSA
// provenance names), with their sha256 digests only, so that in-toto's
// MATCH rules compare them with links other tools make. The command is
// recorded as given (callers pass it redacted) and the exit status as the
// "return-value" byproduct.
func RunLink(step string, command []string, exitCode int, materials, products []digest.Entry) *Link {
	resources := func(es []digest.Entry) []Resource {
		out := make([]Resource, 0, len(es))
		for _, e := range es {
			d := map[string]string{}
			if v, ok := e.Digests[digest.SHA256]; ok {
				d[digest.SHA256] = v
			}
			out = append(out, Resource{Name: e.Name, Digest: d})
		}
		slices.SortFunc(out, func(a, b Resource) int { return strings.Compare(a.Name, b.Name) })
		return out
	}
	return &Link{
		Name:        step,
		Command:     slices.Clone(command),
		Materials:   resources(materials),
		Products:    resources(products),
		Byproducts:  map[string]any{"return-value": exitCode},
		Environment: map[string]any{},
	}
}

// Statement is the link as an in-toto Statement v1 with the link predicate
// v0.3: its products are the subjects. A statement needs a subject, so a
// link without products has none.
func (l *Link) Statement() (*attest.Statement, error) {
	if len(l.Products) == 0 {
		return nil, fmt.Errorf("%w: step %q has no products, and a statement needs a subject", ErrLink, l.Name)
	}
	descriptors := func(rs []Resource) []*ita.ResourceDescriptor {
		out := make([]*ita.ResourceDescriptor, len(rs))
		for i, r := range rs {
			out[i] = &ita.ResourceDescriptor{Name: r.Name, Digest: maps.Clone(r.Digest)}
		}
		return out
	}
	p := &linkv0.Link{Name: l.Name, Command: l.Command, Materials: descriptors(l.Materials)}
	var err error
	if p.Byproducts, err = structOf(l.Byproducts); err != nil {
		return nil, fmt.Errorf("%w: byproducts: %w", ErrLink, err)
	}
	if p.Environment, err = structOf(l.Environment); err != nil {
		return nil, fmt.Errorf("%w: environment: %w", ErrLink, err)
	}
	ps, err := toStruct(p)
	if err != nil {
		return nil, err
	}
	st := &ita.Statement{
		Type:          ita.StatementTypeUri,
		Subject:       descriptors(l.Products),
		PredicateType: PredicateLink,
		Predicate:     ps,
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("%w: statement: %w", ErrLink, err)
	}
	return st, nil
}

// structOf converts a free-form object; ints become JSON numbers.
func structOf(m map[string]any) (*structpb.Struct, error) {
	if m == nil {
		return nil, nil
	}
	conv := make(map[string]any, len(m))
	for k, v := range m {
		if i, ok := v.(int); ok {
			v = float64(i)
		}
		conv[k] = v
	}
	return structpb.NewStruct(conv)
}
