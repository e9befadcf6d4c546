package inspect

import (
	"cmp"
	"encoding/json"
	"math"
	"sort"
	"strings"

	ita "github.com/in-toto/attestation/go/v1"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/provenance"
)

// readStatement reads what a statement claims. Predicates are read as plain
// JSON, field by field, so that a predicate that breaks one rule (a bad
// timestamp) still shows everything else it says; PredicateError says what
// was missing.
func readStatement(st *attest.Statement) *Statement {
	out := &Statement{
		Type:          st.GetType(),
		PredicateType: st.GetPredicateType(),
		Subjects:      resources(st.GetSubject()),
	}
	pred := map[string]any{}
	if p := st.GetPredicate(); p != nil {
		pred = p.AsMap()
	}
	switch st.GetPredicateType() {
	case provenance.PredicateSLSAv1:
		out.Provenance = readSLSAv1(pred)
		if out.Provenance.BuilderID == "" || out.Provenance.BuildType == "" {
			out.PredicateError = "SLSA provenance v1 without runDetails.builder.id or buildDefinition.buildType"
		}
	case provenance.PredicateSLSAv0_2:
		out.Provenance = readSLSAv02(pred)
		if out.Provenance.BuilderID == "" {
			out.PredicateError = "SLSA provenance v0.2 without builder.id"
		}
	case provenance.PredicateVSAv1:
		out.VSA = readVSA(pred)
		if out.VSA.VerifierID == "" || out.VSA.Result == "" {
			out.PredicateError = "VSA without verifier.id or verificationResult"
		}
	}
	// The predicate is shown as it is written, but judged by the rule
	// verify applies: a predicate verify refuses says why here.
	if out.Provenance != nil && out.PredicateError == "" {
		if _, err := provenance.Summarize(st); err != nil {
			out.PredicateError = err.Error()
		}
	}
	return out
}

func resources(rds []*ita.ResourceDescriptor) []Resource {
	out := make([]Resource, 0, len(rds))
	for _, rd := range rds {
		out = append(out, Resource{Name: rd.GetName(), URI: rd.GetUri(), Digest: rd.GetDigest()})
	}
	return out
}

func readSLSAv1(p map[string]any) *Provenance {
	bd, _ := p["buildDefinition"].(map[string]any)
	rd, _ := p["runDetails"].(map[string]any)
	out := &Provenance{
		Version:              "v1",
		BuilderID:            provenance.StringAt(rd, "builder", "id"),
		BuildType:            provenance.StringAt(bd, "buildType"),
		InvocationID:         provenance.StringAt(rd, "metadata", "invocationId"),
		StartedOn:            provenance.StringAt(rd, "metadata", "startedOn"),
		FinishedOn:           provenance.StringAt(rd, "metadata", "finishedOn"),
		ResolvedDependencies: resourceList(bd["resolvedDependencies"]),
		Byproducts:           resourceList(rd["byproducts"]),
	}
	ext, _ := bd["externalParameters"].(map[string]any)
	out.ExternalParameters = rawJSON(ext)
	uri := ""
	switch {
	case provenance.StringAt(ext, "source") != "":
		uri = provenance.StringAt(ext, "source")
	case provenance.StringAt(ext, "source", "uri") != "":
		uri = provenance.StringAt(ext, "source", "uri")
	case provenance.StringAt(ext, "workflow", "repository") != "":
		uri = provenance.StringAt(ext, "workflow", "repository")
	case len(out.ResolvedDependencies) > 0:
		uri = out.ResolvedDependencies[0].URI
	}
	if uri != "" {
		out.Source = newSource(uri, provenance.StringAt(ext, "workflow", "ref"), out.ResolvedDependencies)
	}
	return out
}

func readSLSAv02(p map[string]any) *Provenance {
	inv, _ := p["invocation"].(map[string]any)
	out := &Provenance{
		Version:              "v0.2",
		BuilderID:            provenance.StringAt(p, "builder", "id"),
		BuildType:            provenance.StringAt(p, "buildType"),
		InvocationID:         cmp.Or(provenance.StringAt(p, "metadata", "buildInvocationId"), provenance.StringAt(p, "metadata", "buildInvocationID")),
		StartedOn:            provenance.StringAt(p, "metadata", "buildStartedOn"),
		FinishedOn:           provenance.StringAt(p, "metadata", "buildFinishedOn"),
		ResolvedDependencies: resourceList(p["materials"]),
		Byproducts:           []Resource{},
	}
	if params, ok := inv["parameters"].(map[string]any); ok {
		out.ExternalParameters = rawJSON(params)
	}
	cs, _ := inv["configSource"].(map[string]any)
	switch {
	case provenance.StringAt(cs, "uri") != "":
		deps := out.ResolvedDependencies
		if d := digestMap(cs["digest"]); len(d) > 0 {
			deps = append([]Resource{{URI: provenance.StringAt(cs, "uri"), Digest: d}}, deps...)
		}
		out.Source = newSource(provenance.StringAt(cs, "uri"), "", deps)
	case len(out.ResolvedDependencies) > 0:
		out.Source = newSource(out.ResolvedDependencies[0].URI, "", out.ResolvedDependencies)
	}
	return out
}

// newSource splits a source URI into repository and ref and finds its
// commit among the dependencies: the one with the same repository and a
// git commit (or sha1) digest.
func newSource(uri, ref string, deps []Resource) *Source {
	s := &Source{URI: uri}
	repo, uriRef := splitRef(uri)
	s.Repository = repo
	s.Ref = ref
	if uriRef != "" {
		s.Ref = uriRef
	}
	for _, d := range deps {
		if d.URI == "" {
			continue
		}
		if r, _ := splitRef(d.URI); !sameRepo(r, repo) {
			continue
		}
		if c := commitOf(d.Digest); c != "" {
			s.Commit = c
			if s.Ref == "" {
				_, s.Ref = splitRef(d.URI)
			}
			break
		}
	}
	return s
}

func commitOf(d map[string]string) string {
	for _, alg := range []string{"gitCommit", "sha1"} {
		if v := d[alg]; v != "" {
			return v
		}
	}
	return ""
}

// splitRef splits "git+https://host/org/repo@refs/heads/main" into
// "git+https://host/org/repo" and "refs/heads/main". The ref follows the
// last "@" after the host, so "user@host/path" keeps its user part.
func splitRef(uri string) (repo, ref string) {
	rest := uri
	scheme := ""
	if i := strings.Index(rest, "://"); i >= 0 {
		scheme, rest = rest[:i+3], rest[i+3:]
	}
	if slash := strings.Index(rest, "/"); slash >= 0 {
		if at := strings.LastIndex(rest[slash:], "@"); at >= 0 {
			return scheme + rest[:slash+at], rest[slash+at+1:]
		}
	}
	return uri, ""
}

func sameRepo(a, b string) bool {
	norm := func(u string) string {
		u = strings.TrimPrefix(u, "git+")
		if i := strings.Index(u, "://"); i >= 0 {
			u = u[i+3:]
		}
		return strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git")
	}
	return norm(a) == norm(b)
}

func readVSA(p map[string]any) *VSA {
	out := &VSA{
		VerifierID:     provenance.StringAt(p, "verifier", "id"),
		TimeVerified:   provenance.StringAt(p, "timeVerified"),
		ResourceURI:    provenance.StringAt(p, "resourceUri"),
		Result:         provenance.StringAt(p, "verificationResult"),
		SLSAVersion:    provenance.StringAt(p, "slsaVersion"),
		VerifiedLevels: []string{},
	}
	if pol, ok := p["policy"].(map[string]any); ok {
		r := resource(pol)
		out.Policy = &r
	}
	out.InputAttestations = resourceList(p["inputAttestations"])
	if len(out.InputAttestations) == 0 {
		out.InputAttestations = nil
	}
	if levels, ok := p["verifiedLevels"].([]any); ok {
		for _, l := range levels {
			if s, ok := l.(string); ok {
				out.VerifiedLevels = append(out.VerifiedLevels, s)
			}
		}
	}
	if deps, ok := p["dependencyLevels"].(map[string]any); ok && len(deps) > 0 {
		out.DependencyLevels = map[string]int{}
		for k, v := range deps {
			if n, ok := v.(float64); ok && n >= 0 && n <= math.MaxInt32 {
				out.DependencyLevels[k] = int(n)
			}
		}
	}
	return out
}

func resourceList(v any) []Resource {
	list, _ := v.([]any)
	out := make([]Resource, 0, len(list))
	for _, item := range list {
		if m, ok := item.(map[string]any); ok {
			out = append(out, resource(m))
		}
	}
	return out
}

func resource(m map[string]any) Resource {
	return Resource{Name: provenance.StringAt(m, "name"), URI: provenance.StringAt(m, "uri"), Digest: digestMap(m["digest"])}
}

func digestMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// rawJSON encodes a parameter object compactly, keys sorted (encoding/json
// sorts map keys), so that the same parameters always print the same.
func rawJSON(m map[string]any) json.RawMessage {
	if m == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return b
}

// stringParam reads a top-level string parameter.
func stringParam(ext json.RawMessage, key string) string {
	if len(ext) == 0 {
		return ""
	}
	var p map[string]any
	if json.Unmarshal(ext, &p) != nil {
		return ""
	}
	return provenance.StringAt(p, key)
}

// workflowPath reads externalParameters.workflow.path (GitHub's build
// types).
func workflowPath(ext json.RawMessage) string {
	if len(ext) == 0 {
		return ""
	}
	var p map[string]any
	if json.Unmarshal(ext, &p) != nil {
		return ""
	}
	return provenance.StringAt(p, "workflow", "path")
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
