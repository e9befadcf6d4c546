package scaffold

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Predicate types whose builder, build type and source are pinned.
const (
	slsaV1  = "https://slsa.dev/provenance/v1"
	slsaV02 = "https://slsa.dev/provenance/v0.2"
)

// Pins are the values a policy pins, from the evidence: what policy.yaml
// holds under the policy's section. A key the evidence does not show is
// empty and left out (and not required).
type Pins struct {
	PredicateTypes []string `json:"predicate_types,omitempty" yaml:"predicate_types,omitempty"`
	BuilderIDs     []string `json:"builder_ids,omitempty" yaml:"builder_ids,omitempty"`
	BuildTypes     []string `json:"build_types,omitempty" yaml:"build_types,omitempty"`
	Sources        []string `json:"sources,omitempty" yaml:"sources,omitempty"`
	Refs           []string `json:"refs,omitempty" yaml:"refs,omitempty"`
	Signers        []Signer `json:"signers,omitempty" yaml:"signers,omitempty"`
	Steps          []string `json:"steps,omitempty" yaml:"steps,omitempty"`
	Links          []Link   `json:"links,omitempty" yaml:"links,omitempty"`
}

// Signer is a signer the evidence shows: a key by its id, or a
// certificate by its identity (and issuer, for Sigstore).
type Signer struct {
	KeyID    string `json:"keyid,omitempty" yaml:"keyid,omitempty"`
	Identity string `json:"identity,omitempty" yaml:"identity,omitempty"`
	Issuer   string `json:"issuer,omitempty" yaml:"issuer,omitempty"`
}

// Link is two steps where the later consumed what the earlier produced.
type Link struct {
	From string `json:"from" yaml:"from"`
	To   string `json:"to" yaml:"to"`
}

// PinnedKey is a key of the configuration and how many values the
// evidence gave it.
type PinnedKey struct {
	Key   string
	Count int
}

// Keys are the keys the evidence gave values, in the order policy.yaml
// lists them; the policy requires each.
func (p Pins) Keys() []PinnedKey {
	var out []PinnedKey
	for _, k := range []PinnedKey{
		{"predicate_types", len(p.PredicateTypes)},
		{"builder_ids", len(p.BuilderIDs)},
		{"build_types", len(p.BuildTypes)},
		{"sources", len(p.Sources)},
		{"refs", len(p.Refs)},
		{"signers", len(p.Signers)},
		{"steps", len(p.Steps)},
		{"links", len(p.Links)},
	} {
		if k.Count > 0 {
			out = append(out, k)
		}
	}
	return out
}

func (p Pins) required() []string {
	var out []string
	for _, k := range p.Keys() {
		out = append(out, k.Key)
	}
	return out
}

// source is where an SLSA provenance says the build's source is, and the
// JSON pointers (within the input document) of the values, so that a test
// can change them. The rule is the generated policy's source() function,
// word for word: the first of v1 externalParameters.source (a string),
// externalParameters.source.uri, externalParameters.workflow.repository
// (with .ref), resolvedDependencies[0].uri; v0.2
// invocation.configSource.uri, materials[0].uri.
type source struct {
	repo, ref           string
	repoPtr, refPtr     string // "" when the value is not on its own
	joined              bool   // repo and ref are one string (repo@ref) at repoPtr
	joinedValueRepoOnly bool   // the string had no @ref
}

// refSuffix splits "repo@ref" when the part after the last @ is a git ref
// or a commit: the generated policy's split_source, the same expression.
var refSuffix = regexp.MustCompile(`^(.+)@(refs/.+|[0-9a-f]{7,64})$`)

func splitSource(s, ptr string) source {
	if m := refSuffix.FindStringSubmatch(s); m != nil {
		return source{repo: m[1], ref: m[2], repoPtr: ptr, joined: true}
	}
	return source{repo: s, repoPtr: ptr, joined: true, joinedValueRepoOnly: true}
}

func nonEmpty(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok && s != ""
}

func get(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func first(v any) any {
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return nil
	}
	return a[0]
}

// sourceOf reads the source of attestation i of a document, or false.
func sourceOf(att map[string]any, i int) (source, bool) {
	base := "/attestations/" + strconv.Itoa(i) + "/statement/predicate"
	pred := get(att, "statement", "predicate")
	switch get(att, "statement", "predicateType") {
	case slsaV1:
		ext := get(pred, "buildDefinition", "externalParameters")
		if s, ok := nonEmpty(get(ext, "source")); ok {
			return splitSource(s, base+"/buildDefinition/externalParameters/source"), true
		}
		if s, ok := nonEmpty(get(ext, "source", "uri")); ok {
			return splitSource(s, base+"/buildDefinition/externalParameters/source/uri"), true
		}
		if r, ok := nonEmpty(get(ext, "workflow", "repository")); ok {
			ref, _ := get(ext, "workflow", "ref").(string)
			src := source{repo: r, ref: ref, repoPtr: base + "/buildDefinition/externalParameters/workflow/repository"}
			if _, isString := get(ext, "workflow", "ref").(string); isString {
				src.refPtr = base + "/buildDefinition/externalParameters/workflow/ref"
			}
			return src, true
		}
		if s, ok := nonEmpty(get(first(get(pred, "buildDefinition", "resolvedDependencies")), "uri")); ok {
			return splitSource(s, base+"/buildDefinition/resolvedDependencies/0/uri"), true
		}
	case slsaV02:
		if s, ok := nonEmpty(get(pred, "invocation", "configSource", "uri")); ok {
			return splitSource(s, base+"/invocation/configSource/uri"), true
		}
		if s, ok := nonEmpty(get(first(get(pred, "materials")), "uri")); ok {
			return splitSource(s, base+"/materials/0/uri"), true
		}
	}
	return source{}, false
}

// builderID and buildType read what lib.builder_id and the policy's
// build_type read.
func builderID(att map[string]any) (string, bool) {
	pred := get(att, "statement", "predicate")
	switch get(att, "statement", "predicateType") {
	case slsaV1:
		s, ok := get(pred, "runDetails", "builder", "id").(string)
		return s, ok
	case slsaV02:
		s, ok := get(pred, "builder", "id").(string)
		return s, ok
	}
	return "", false
}

func buildType(att map[string]any) (string, bool) {
	pred := get(att, "statement", "predicate")
	switch get(att, "statement", "predicateType") {
	case slsaV1:
		s, ok := get(pred, "buildDefinition", "buildType").(string)
		return s, ok
	case slsaV02:
		s, ok := get(pred, "buildType").(string)
		return s, ok
	}
	return "", false
}

func isProvenance(att map[string]any) bool {
	t := get(att, "statement", "predicateType")
	return t == slsaV1 || t == slsaV02
}

// refPattern is the ref pattern a policy pins for a ref the evidence
// shows: any tag for a tag (releases are tagged anew), the ref itself,
// with glob characters escaped, for anything else; "" for a bare commit,
// which the next build will not share.
func refPattern(ref string) string {
	if strings.HasPrefix(ref, "refs/tags/") {
		return "refs/tags/*"
	}
	if !strings.HasPrefix(ref, "refs/") {
		return ""
	}
	return globEscape(ref)
}

// globEscape escapes the characters OPA's glob.match treats as special,
// so that a ref from the evidence matches only itself.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]{}\,!-`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// docs is the evidence: the policy input documents.
type docs []map[string]any

func (d docs) attestations(i int) []map[string]any {
	list, _ := d[i]["attestations"].([]any)
	out := make([]map[string]any, len(list))
	for j, a := range list {
		out[j], _ = a.(map[string]any)
	}
	return out
}

// covering are the indexes of the attestations that name document i's
// artifact.
func (d docs) covering(i int) []int {
	idx, _ := get(d[i], "artifact", "attestations").([]any)
	n := len(d.attestations(i))
	var out []int
	for _, v := range idx {
		var k int
		switch x := v.(type) {
		case float64:
			k = int(x)
		case int:
			k = x
		case int64:
			k = int(x)
		default:
			continue
		}
		if k >= 0 && k < n {
			out = append(out, k)
		}
	}
	return out
}

func addUnique(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// addValue adds s, "" included, once.
func addValue(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// pins reads what the evidence shows.
func (d docs) pins() (Pins, error) {
	var p Pins
	for i := range d {
		atts := d.attestations(i)
		for _, j := range d.covering(i) {
			att := atts[j]
			if att == nil {
				continue
			}
			if t, ok := att["predicateType"].(string); ok {
				p.PredicateTypes = addUnique(p.PredicateTypes, t)
			}
			for _, s := range signersOf(att) {
				if !slices.Contains(p.Signers, s) {
					p.Signers = append(p.Signers, s)
				}
			}
			if !isProvenance(att) {
				continue
			}
			// As the policy reads them: "" when the provenance
			// records none, pinned as such.
			b, _ := builderID(att)
			p.BuilderIDs = addValue(p.BuilderIDs, b)
			bt, _ := buildType(att)
			p.BuildTypes = addValue(p.BuildTypes, bt)
			if src, ok := sourceOf(att, j); ok {
				p.Sources = addUnique(p.Sources, src.repo)
				p.Refs = addUnique(p.Refs, refPattern(src.ref))
			}
		}
		// Steps are searched in the whole bundle, as builtin:chain does:
		// the earlier steps do not name the artifact.
		for j, att := range atts {
			name, ok := stepName(att)
			if !ok {
				continue
			}
			p.Steps = addUnique(p.Steps, name)
			for k := j + 1; k < len(atts); k++ {
				later, ok := stepName(atts[k])
				if !ok || later == name {
					continue
				}
				if _, _, ok := consumed(att, atts[k]); ok {
					l := Link{From: name, To: later}
					if !slices.Contains(p.Links, l) {
						p.Links = append(p.Links, l)
					}
				}
			}
		}
	}
	// A source the evidence shows without a ref leaves refs unpinned:
	// otherwise the evidence itself would fail its own policy.
	if len(p.Sources) > 0 && !everySourceHasRef(d) {
		p.Refs = nil
	}
	if len(p.PredicateTypes) == 0 {
		return p, fmt.Errorf("%w: no verified attestation names the artifact(s)", ErrNoEvidence)
	}
	return p, nil
}

func everySourceHasRef(d docs) bool {
	for i := range d {
		atts := d.attestations(i)
		for _, j := range d.covering(i) {
			if atts[j] == nil || !isProvenance(atts[j]) {
				continue
			}
			if src, ok := sourceOf(atts[j], j); ok && refPattern(src.ref) == "" {
				return false
			}
		}
	}
	return true
}

func signersOf(att map[string]any) []Signer {
	list, _ := att["signers"].([]any)
	var out []Signer
	for _, v := range list {
		m, _ := v.(map[string]any)
		if id, ok := nonEmpty(m["keyid"]); ok {
			out = append(out, Signer{KeyID: id})
			continue
		}
		if id, ok := nonEmpty(m["identity"]); ok {
			iss, _ := m["issuer"].(string)
			out = append(out, Signer{Identity: id, Issuer: iss})
		}
	}
	return out
}

func stepName(att map[string]any) (string, bool) {
	return nonEmpty(get(att, "step", "name"))
}

// consumed finds a product of step a that step b lists as a material with
// the same sha256: the index of that material in b's step.materials.
func consumed(a, b map[string]any) (product string, material int, ok bool) {
	products, _ := get(a, "step", "products").([]any)
	materials, _ := get(b, "step", "materials").([]any)
	for _, p := range products {
		pd, ok := nonEmpty(get(p, "digest", "sha256"))
		if !ok {
			continue
		}
		for k, m := range materials {
			if md, ok := nonEmpty(get(m, "digest", "sha256")); ok && md == pd {
				name, _ := get(p, "name").(string)
				return name, k, true
			}
		}
	}
	return "", 0, false
}
