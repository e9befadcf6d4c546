package provenance

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
)

// ErrProvenance: an SLSA provenance predicate that does not read as its
// specification defines it. Read's errors wrap it.
var ErrProvenance = errors.New("SLSA provenance")

// shape is what the SLSA provenance specifications fix of a JSON value:
// the member names of an object (each with its own shape), the shape of an
// array's elements, or a DigestSet. A nil *shape is free-form
// (externalParameters, a string, anything the spec does not structure).
type shape struct {
	members map[string]*shape
	elem    *shape
	digest  bool
	// alias lists other spellings accepted for a member, for producers
	// that are everywhere: in-toto-golang writes v0.2's
	// metadata.buildInvocationId as "buildInvocationID", and so does
	// every slsa-github-generator provenance v0.2.
	alias map[string]string
}

func object(members map[string]*shape) *shape { return &shape{members: members} }
func list(elem *shape) *shape                 { return &shape{elem: elem} }

var digestSet = &shape{digest: true}

// resourceDescriptor is in-toto's ResourceDescriptor, as SLSA v1 uses it.
var resourceDescriptor = object(map[string]*shape{
	"name": nil, "uri": nil, "digest": digestSet, "content": nil,
	"downloadLocation": nil, "mediaType": nil, "annotations": nil,
})

// slsaV1 is https://slsa.dev/spec/v1.0/provenance (schema/provenance.cue).
var slsaV1 = object(map[string]*shape{
	"buildDefinition": object(map[string]*shape{
		"buildType":            nil,
		"externalParameters":   nil,
		"internalParameters":   nil,
		"resolvedDependencies": list(resourceDescriptor),
	}),
	"runDetails": object(map[string]*shape{
		"builder": object(map[string]*shape{
			"id":                  nil,
			"builderDependencies": list(resourceDescriptor),
			"version":             nil,
		}),
		"metadata": object(map[string]*shape{
			"invocationId": nil, "startedOn": nil, "finishedOn": nil,
		}),
		"byproducts": list(resourceDescriptor),
	}),
})

// slsaV02 is https://slsa.dev/spec/v0.2/provenance.
var slsaV02 = object(map[string]*shape{
	"builder":   object(map[string]*shape{"id": nil}),
	"buildType": nil,
	"invocation": object(map[string]*shape{
		"configSource": object(map[string]*shape{"uri": nil, "digest": digestSet, "entryPoint": nil}),
		"parameters":   nil,
		"environment":  nil,
	}),
	"buildConfig": nil,
	"metadata": {
		members: map[string]*shape{
			"buildInvocationId": nil, "buildStartedOn": nil, "buildFinishedOn": nil,
			"completeness": object(map[string]*shape{"parameters": nil, "environment": nil, "materials": nil}),
			"reproducible": nil,
		},
		alias: map[string]string{"buildInvocationID": "buildInvocationId"},
	},
	"materials": list(object(map[string]*shape{"uri": nil, "digest": digestSet})),
})

// predicateRule is one version's schema and its extension rule.
type predicateRule struct {
	spec  string
	shape *shape
	// extension says whether a member name that is not the
	// specification's is an extension field the specification allows.
	extension func(name string) bool
}

var predicateRules = map[string]predicateRule{
	// "Extension fields SHOULD use names of the form <vendor>_<fieldname>
	// ... Non-extension field names never contain an underscore."
	PredicateSLSAv1: {"SLSA provenance v1", slsaV1, func(name string) bool { return strings.Contains(name, "_") }},
	// "Producers MAY add extension fields using field names that are URIs."
	PredicateSLSAv0_2: {"SLSA provenance v0.2", slsaV02, func(name string) bool {
		u, err := url.Parse(name)
		return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
	}},
}

// checkPredicate applies the member rule of the SLSA provenance
// specifications to a statement's predicate (v1 or v0.2; nil for other
// predicate types, whose members their own specifications fix). At every
// level the specification fixes (buildDefinition, runDetails, builder,
// metadata, ResourceDescriptors; v0.2's builder, invocation,
// configSource, metadata, completeness, materials) it refuses a member
// that is not the specification's: a protobuf field name ("run_details"),
// a case variant ("buildtype"), an unknown name. It accepts extension
// fields named as each specification asks (v1: "<vendor>_<fieldname>",
// v0.2: a URI) unless they resemble a specification member: the checks
// ignore them and a policy reads them under their own name, so both see
// the same predicate. externalParameters, internalParameters, parameters,
// environment and buildConfig are free-form. Digests follow
// attest.CheckDigestSet. A null member reads as absent, as the
// specifications say it must.
func checkPredicate(st *attest.Statement) error {
	rule, ok := predicateRules[st.GetPredicateType()]
	if !ok {
		return nil
	}
	if st.GetPredicate() == nil {
		return errors.New("no predicate")
	}
	return rule.check("predicate", rule.shape, structpb.NewStructValue(st.GetPredicate()))
}

func (r predicateRule) check(path string, s *shape, v *structpb.Value) error {
	switch {
	case s == nil:
		return nil
	case s.digest:
		// protojson refuses a digest that is not an object of strings.
		d, ok := stringMap(v)
		if !ok {
			return nil
		}
		if err := attest.CheckDigestSet(d); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	case s.elem != nil:
		for i, e := range v.GetListValue().GetValues() {
			if err := r.check(fmt.Sprintf("%s[%d]", path, i), s.elem, e); err != nil {
				return err
			}
		}
	case s.members != nil:
		obj := v.GetStructValue()
		if obj == nil {
			return nil // not an object: protojson refuses it
		}
		names := make([]string, 0, len(s.members))
		for n := range s.members {
			names = append(names, n)
		}
		keys := make([]string, 0, len(obj.GetFields()))
		for k := range obj.GetFields() {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if canon, ok := s.alias[k]; ok {
				if _, both := obj.GetFields()[canon]; both {
					return &attest.MemberError{Path: path, Member: k, Spec: r.spec, Spelling: canon}
				}
				continue
			}
			sub, known := s.members[k]
			if !known {
				if spelling := attest.Resembles(k, names...); spelling != "" || !r.extension(k) {
					return &attest.MemberError{Path: path, Member: k, Spec: r.spec, Spelling: spelling}
				}
				continue // an extension field
			}
			sp := path + "." + k
			if sub != nil && sub.digest {
				sp = path // its errors say "digest" already
			}
			if err := r.check(sp, sub, obj.GetFields()[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

func stringMap(v *structpb.Value) (map[string]string, bool) {
	obj := v.GetStructValue()
	if obj == nil {
		return nil, false
	}
	out := make(map[string]string, len(obj.GetFields()))
	for k, f := range obj.GetFields() {
		s, ok := f.GetKind().(*structpb.Value_StringValue)
		if !ok {
			return nil, false
		}
		out[k] = s.StringValue
	}
	return out, true
}
