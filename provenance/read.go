package provenance

import (
	"errors"
	"fmt"
	"strings"
	"time"

	slsa02 "github.com/in-toto/attestation/go/predicates/provenance/v02"
	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/provenant/provenant/attest"
)

// Provenance is an SLSA provenance predicate, v1 or v0.2, read once by
// Read and seen the same way from both versions. It is what every check,
// report and policy input reads of a provenance: the fields the versions
// share are mapped onto one name each (see each field), the bindings'
// messages stay available for the rest.
type Provenance struct {
	PredicateType string `json:"predicateType"`
	// Version is "v1" or "v0.2".
	Version   string `json:"-"`
	BuilderID string `json:"builderId"`
	BuildType string `json:"buildType"`
	// Source is the primary source the build ran from: v1
	// externalParameters.source (or .source.uri, or .workflow.repository,
	// GitHub's buildType), else the first resolvedDependency; v0.2
	// invocation.configSource.uri, else the first material. Dependencies
	// beyond the first are not sources: matching them would let a build
	// that merely depends on a repository pass for it.
	Source string `json:"source,omitempty"`
	// SourceRef is the ref the build ran for when the predicate says it
	// apart from Source (v1 externalParameters.workflow.ref).
	SourceRef    string `json:"-"`
	InvocationID string `json:"invocationId,omitempty"`
	// StartedOn and FinishedOn are the build's times (RFC 3339, UTC), ""
	// when absent: v1 runDetails.metadata.startedOn and
	// finishedOn, v0.2 metadata.buildStartedOn and buildFinishedOn.
	StartedOn  string `json:"-"`
	FinishedOn string `json:"-"`
	// ExternalParameters: v1 buildDefinition.externalParameters, v0.2
	// invocation.parameters (nil when absent).
	ExternalParameters map[string]any `json:"-"`
	// InternalParameters: v1 buildDefinition.internalParameters, v0.2
	// invocation.environment (nil when absent).
	InternalParameters map[string]any `json:"-"`
	// ConfigSource is v0.2's invocation.configSource; nil for v1.
	ConfigSource *Resource `json:"-"`
	// Dependencies: v1 resolvedDependencies, v0.2 materials.
	Dependencies []Resource `json:"-"`
	// Byproducts: v1 runDetails.byproducts; none in v0.2.
	Byproducts []Resource `json:"-"`
	// V1 and V02 are the in-toto bindings' messages (one of them is set).
	V1  *slsa1.Provenance  `json:"-"`
	V02 *slsa02.Provenance `json:"-"`
}

// Resource is the part of an in-toto ResourceDescriptor that provenance
// names: a dependency, a material, a byproduct, a v0.2 config source.
type Resource struct {
	Name   string            `json:"name,omitempty"`
	URI    string            `json:"uri,omitempty"`
	Digest map[string]string `json:"digest,omitempty"`
}

// IsProvenance says whether a predicate type is SLSA provenance that Read
// reads.
func IsProvenance(predicateType string) bool {
	return predicateType == PredicateSLSAv1 || predicateType == PredicateSLSAv0_2
}

// Read reads the statement's SLSA provenance predicate. It is the one rule
// by which every command accepts an SLSA provenance predicate: the member
// names of its version's specification (see checkPredicate), then the
// in-toto bindings' own reading and Validate. Its errors wrap
// ErrProvenance, and a *attest.MemberError for a member it refuses.
func Read(st *attest.Statement) (*Provenance, error) {
	p := &Provenance{PredicateType: st.GetPredicateType()}
	switch st.GetPredicateType() {
	case PredicateSLSAv1:
		var v slsa1.Provenance
		if err := checkPredicate(st); err != nil {
			return nil, fmt.Errorf("%w v1: %w", ErrProvenance, err)
		}
		if err := fromStruct(st.GetPredicate(), &v); err != nil {
			return nil, fmt.Errorf("%w v1: %w", ErrProvenance, err)
		}
		if err := v.Validate(); err != nil {
			return nil, fmt.Errorf("%w v1: %w", ErrProvenance, err)
		}
		p.Version, p.V1 = "v1", &v
		bd, rd := v.GetBuildDefinition(), v.GetRunDetails()
		p.BuilderID = rd.GetBuilder().GetId()
		p.BuildType = bd.GetBuildType()
		p.InvocationID = rd.GetMetadata().GetInvocationId()
		p.StartedOn = timeString(rd.GetMetadata().GetStartedOn())
		p.FinishedOn = timeString(rd.GetMetadata().GetFinishedOn())
		p.ExternalParameters = bd.GetExternalParameters().AsMap()
		if ip := bd.GetInternalParameters(); ip != nil {
			p.InternalParameters = ip.AsMap()
		}
		p.Dependencies = resourcesOf(bd.GetResolvedDependencies())
		p.Byproducts = resourcesOf(rd.GetByproducts())
		ext := p.ExternalParameters
		switch {
		case StringAt(ext, "source") != "":
			p.Source = StringAt(ext, "source")
		case StringAt(ext, "source", "uri") != "":
			p.Source = StringAt(ext, "source", "uri")
		case StringAt(ext, "workflow", "repository") != "":
			p.Source = StringAt(ext, "workflow", "repository")
			p.SourceRef = StringAt(ext, "workflow", "ref")
		case len(p.Dependencies) > 0:
			p.Source = p.Dependencies[0].URI
		}
	case PredicateSLSAv0_2:
		var v slsa02.Provenance
		if err := checkPredicate(st); err != nil {
			return nil, fmt.Errorf("%w v0.2: %w", ErrProvenance, err)
		}
		if err := fromStruct(st.GetPredicate(), &v); err != nil {
			return nil, fmt.Errorf("%w v0.2: %w", ErrProvenance, err)
		}
		p.Version, p.V02 = "v0.2", &v
		p.BuilderID = v.GetBuilder().GetId()
		if p.BuilderID == "" {
			return nil, fmt.Errorf("%w v0.2: builder.id required", ErrProvenance)
		}
		p.BuildType = v.GetBuildType()
		p.InvocationID = v.GetMetadata().GetBuildInvocationId()
		if p.InvocationID == "" {
			// in-toto-golang's spelling, which checkPredicate accepts
			// only when buildInvocationId is absent.
			p.InvocationID = StringAt(st.GetPredicate().AsMap(), "metadata", "buildInvocationID")
		}
		p.StartedOn = timeString(v.GetMetadata().GetBuildStartedOn())
		p.FinishedOn = timeString(v.GetMetadata().GetBuildFinishedOn())
		inv := v.GetInvocation()
		if inv.GetParameters() != nil {
			p.ExternalParameters = inv.GetParameters().AsMap()
		}
		if inv.GetEnvironment() != nil {
			p.InternalParameters = inv.GetEnvironment().AsMap()
		}
		if cs := inv.GetConfigSource(); cs != nil {
			p.ConfigSource = &Resource{URI: cs.GetUri(), Digest: cs.GetDigest()}
		}
		for _, m := range v.GetMaterials() {
			p.Dependencies = append(p.Dependencies, Resource{URI: m.GetUri(), Digest: m.GetDigest()})
		}
		if u := inv.GetConfigSource().GetUri(); u != "" {
			p.Source = u
		} else if len(p.Dependencies) > 0 {
			p.Source = p.Dependencies[0].URI
		}
	default:
		return nil, fmt.Errorf("predicate type %q is not SLSA provenance", st.GetPredicateType())
	}
	return p, nil
}

// Step is the step the provenance names: v1
// buildDefinition.externalParameters.step, as provenant run records it.
// named is false when there is none; a step that is not a non-empty
// string is an error.
func (p *Provenance) Step() (step string, named bool, err error) {
	v, ok := p.ExternalParameters["step"]
	if p.Version != "v1" || !ok {
		return "", false, nil
	}
	s, _ := v.(string)
	if s == "" {
		return "", true, errors.New("externalParameters.step is not a non-empty string")
	}
	return s, true, nil
}

func resourcesOf(rds []*ita.ResourceDescriptor) []Resource {
	out := make([]Resource, 0, len(rds))
	for _, rd := range rds {
		out = append(out, Resource{Name: rd.GetName(), URI: rd.GetUri(), Digest: rd.GetDigest()})
	}
	return out
}

// timeString formats a predicate's time in RFC 3339, UTC; "" when absent.
func timeString(t *timestamppb.Timestamp) string {
	if t == nil {
		return ""
	}
	return t.AsTime().UTC().Format(time.RFC3339Nano)
}

func fromStruct(s *structpb.Struct, m proto.Message) error {
	if s == nil {
		return fmt.Errorf("no predicate")
	}
	b, err := protojson.Marshal(s)
	if err != nil {
		return err
	}
	// checkPredicate has refused every member the bindings could read
	// under another name; what is left unknown is an extension field.
	return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(b, m)
}

// StringAt reads the string at a path of object keys in a decoded JSON
// object; "" when anything on the way is absent or of another type.
func StringAt(m map[string]any, path ...string) string {
	var cur any = m
	for _, p := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = obj[p]
	}
	s, _ := cur.(string)
	return s
}

// MatchBuilderID says whether a builder id satisfies an expected one. An
// expectation without "@" accepts any ref of that builder
// (".../builder.yml" matches ".../builder.yml@refs/tags/v1"); with "@" the
// ids must be equal.
func MatchBuilderID(actual, want string) bool {
	if actual == want {
		return true
	}
	if strings.Contains(want, "@") {
		return false
	}
	base, _, found := strings.Cut(actual, "@")
	return found && base == want
}

// MatchSourceURI says whether a source URI satisfies an expected one.
// Both are compared without a "git+" prefix, URL scheme, trailing ".git" or
// slash, so "github.com/org/repo" matches
// "git+https://github.com/org/repo@refs/heads/main". An expectation without
// "@" ignores the ref; with "@" the refs must be equal too.
func MatchSourceURI(actual, want string) bool {
	if actual == "" || want == "" {
		return false
	}
	a, aref := splitSource(actual)
	w, wref := splitSource(want)
	if a != w {
		return false
	}
	return wref == "" || aref == wref
}

func splitSource(u string) (repo, ref string) {
	u = strings.TrimPrefix(u, "git+")
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	// The ref follows the last "@" after the first path separator, so that
	// "user@host/path" keeps its user part.
	if slash := strings.Index(u, "/"); slash >= 0 {
		if at := strings.LastIndex(u[slash:], "@"); at >= 0 {
			u, ref = u[:slash+at], u[slash+at+1:]
		}
	}
	u = strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git")
	return u, ref
}
