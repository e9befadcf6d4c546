package provenance

import (
	"fmt"
	"strings"

	slsa02 "github.com/in-toto/attestation/go/predicates/provenance/v02"
	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
)

// Summary is the part of an SLSA provenance predicate (v1 or v0.2) that
// verification checks, read the same way from both versions.
type Summary struct {
	PredicateType string `json:"predicateType"`
	BuilderID     string `json:"builderId"`
	BuildType     string `json:"buildType"`
	// Source is the primary source the build ran from: v1
	// externalParameters.source (or .workflow.repository, GitHub's
	// buildType), else the first resolvedDependency; v0.2
	// invocation.configSource.uri, else the first material. Dependencies
	// beyond the first are not sources: matching them would let a build
	// that merely depends on a repository pass for it.
	Source       string `json:"source,omitempty"`
	InvocationID string `json:"invocationId,omitempty"`
}

// IsProvenance says whether a predicate type is SLSA provenance that
// Summarize reads.
func IsProvenance(predicateType string) bool {
	return predicateType == PredicateSLSAv1 || predicateType == PredicateSLSAv0_2
}

// Summarize reads the statement's SLSA provenance predicate. It is the
// one rule by which every command accepts an SLSA provenance predicate:
// the member names of its version's specification (see checkPredicate),
// then the in-toto bindings' own reading and Validate. Its errors wrap
// ErrProvenance, and a *attest.MemberError for a member it refuses.
func Summarize(st *attest.Statement) (*Summary, error) {
	s := &Summary{PredicateType: st.GetPredicateType()}
	switch st.GetPredicateType() {
	case PredicateSLSAv1:
		var p slsa1.Provenance
		if err := checkPredicate(st); err != nil {
			return nil, fmt.Errorf("%w v1: %w", ErrProvenance, err)
		}
		if err := fromStruct(st.GetPredicate(), &p); err != nil {
			return nil, fmt.Errorf("%w v1: %w", ErrProvenance, err)
		}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("%w v1: %w", ErrProvenance, err)
		}
		bd, rd := p.GetBuildDefinition(), p.GetRunDetails()
		s.BuilderID = rd.GetBuilder().GetId()
		s.BuildType = bd.GetBuildType()
		s.InvocationID = rd.GetMetadata().GetInvocationId()
		ext := bd.GetExternalParameters().AsMap()
		switch {
		case StringAt(ext, "source") != "":
			s.Source = StringAt(ext, "source")
		case StringAt(ext, "source", "uri") != "":
			s.Source = StringAt(ext, "source", "uri")
		case StringAt(ext, "workflow", "repository") != "":
			s.Source = StringAt(ext, "workflow", "repository")
		case len(bd.GetResolvedDependencies()) > 0:
			s.Source = bd.GetResolvedDependencies()[0].GetUri()
		}
	case PredicateSLSAv0_2:
		var p slsa02.Provenance
		if err := checkPredicate(st); err != nil {
			return nil, fmt.Errorf("%w v0.2: %w", ErrProvenance, err)
		}
		if err := fromStruct(st.GetPredicate(), &p); err != nil {
			return nil, fmt.Errorf("%w v0.2: %w", ErrProvenance, err)
		}
		s.BuilderID = p.GetBuilder().GetId()
		if s.BuilderID == "" {
			return nil, fmt.Errorf("%w v0.2: builder.id required", ErrProvenance)
		}
		s.BuildType = p.GetBuildType()
		s.InvocationID = p.GetMetadata().GetBuildInvocationId()
		if s.InvocationID == "" {
			// in-toto-golang's spelling, which checkPredicate accepts
			// only when buildInvocationId is absent.
			s.InvocationID = StringAt(st.GetPredicate().AsMap(), "metadata", "buildInvocationID")
		}
		if u := p.GetInvocation().GetConfigSource().GetUri(); u != "" {
			s.Source = u
		} else if len(p.GetMaterials()) > 0 {
			s.Source = p.GetMaterials()[0].GetUri()
		}
	default:
		return nil, fmt.Errorf("predicate type %q is not SLSA provenance", st.GetPredicateType())
	}
	return s, nil
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
