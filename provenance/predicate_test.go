package provenance

import (
	"errors"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
)

const (
	commitA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
	v1Good  = `{"buildDefinition":{"buildType":"https://example.com/bt","externalParameters":{"source":"git+https://github.com/o/r"},"internalParameters":{"x":1},
		"resolvedDependencies":[{"uri":"git+https://github.com/o/r","digest":{"gitCommit":"` + commitA + `"}}]},
		"runDetails":{"builder":{"id":"https://b","version":{"b":"1"},"builderDependencies":[{"uri":"x"}]},"metadata":{"invocationId":"i","startedOn":"2024-01-01T00:00:00Z","finishedOn":"2024-01-01T00:01:00Z"},"byproducts":[{"name":"log","digest":{"sha256":"` + hashA + `"}}]}}`
	v02Good = `{"builder":{"id":"https://b"},"buildType":"bt","invocation":{"configSource":{"uri":"git+https://github.com/o/r","digest":{"sha1":"` + commitA + `"},"entryPoint":"e"},"parameters":{"a":1},"environment":{"b":2}},
		"buildConfig":{"steps":[]},"metadata":{"buildInvocationId":"i","buildStartedOn":"2024-01-01T00:00:00Z","buildFinishedOn":"2024-01-01T00:01:00Z","completeness":{"parameters":true,"environment":false,"materials":false},"reproducible":false},
		"materials":[{"uri":"git+https://github.com/o/r","digest":{"sha1":"` + commitA + `"}}]}`
)

// respell replaces old (which must be there) in a predicate.
func respell(t *testing.T, pred, old, new string) string {
	t.Helper()
	if !strings.Contains(pred, old) {
		t.Fatalf("no %s in %s", old, pred)
	}
	return strings.Replace(pred, old, new, 1)
}

// TestReadMembers: item 12 of issue 13. Summarize read predicates
// with protojson's DiscardUnknown, which takes "run_details" for
// runDetails while the policy input (a plain map) and inspect do not. The
// member names of the SLSA specifications are the only ones accepted at
// the levels they fix; extension fields named as the specifications ask
// are ignored alike by every reader.
func TestReadMembers(t *testing.T) {
	for _, c := range []struct{ name, typ, pred string }{
		{"v1", PredicateSLSAv1, v1Good},
		{"v0.2", PredicateSLSAv0_2, v02Good},
	} {
		if _, err := Read(statementWith(t, c.typ, c.pred)); err != nil {
			t.Fatalf("Read(%s, every spec member) = %v", c.name, err)
		}
	}
	refused := []struct {
		name, typ, pred, want string
	}{
		{"run_details", PredicateSLSAv1, respell(t, v1Good, `"runDetails"`, `"run_details"`), `SLSA provenance v1: predicate: member "run_details" is not in the SLSA provenance v1 spec (the spec spells it "runDetails")`},
		{"build_definition", PredicateSLSAv1, respell(t, v1Good, `"buildDefinition"`, `"build_definition"`), `predicate: member "build_definition" is not in the SLSA provenance v1 spec (the spec spells it "buildDefinition")`},
		{"build_type", PredicateSLSAv1, respell(t, v1Good, `"buildType"`, `"build_type"`), `predicate.buildDefinition: member "build_type"`},
		{"buildtype", PredicateSLSAv1, respell(t, v1Good, `"buildType"`, `"buildtype"`), `(the spec spells it "buildType")`},
		{"external_parameters beside externalParameters", PredicateSLSAv1, respell(t, v1Good, `"internalParameters"`, `"external_parameters"`), `member "external_parameters"`},
		{"resolved_dependencies", PredicateSLSAv1, respell(t, v1Good, `"resolvedDependencies"`, `"resolved_dependencies"`), `member "resolved_dependencies"`},
		{"Builder", PredicateSLSAv1, respell(t, v1Good, `"builder"`, `"Builder"`), `predicate.runDetails: member "Builder"`},
		{"builder ID", PredicateSLSAv1, respell(t, v1Good, `"id":"https://b"`, `"ID":"https://b"`), `predicate.runDetails.builder: member "ID" is not in the SLSA provenance v1 spec (the spec spells it "id")`},
		{"builder_dependencies", PredicateSLSAv1, respell(t, v1Good, `"builderDependencies"`, `"builder_dependencies"`), `member "builder_dependencies"`},
		{"invocation_id", PredicateSLSAv1, respell(t, v1Good, `"invocationId"`, `"invocation_id"`), `predicate.runDetails.metadata: member "invocation_id"`},
		{"invocationID", PredicateSLSAv1, respell(t, v1Good, `"invocationId"`, `"invocationID"`), `(the spec spells it "invocationId")`},
		{"dependency Digest", PredicateSLSAv1, respell(t, v1Good, `"digest":{"gitCommit"`, `"Digest":{"gitCommit"`), `predicate.buildDefinition.resolvedDependencies[0]: member "Digest"`},
		{"byproduct media_type", PredicateSLSAv1, respell(t, v1Good, `"name":"log"`, `"name":"log","media_type":"x"`), `predicate.runDetails.byproducts[0]: member "media_type"`},
		{"unknown member without an underscore", PredicateSLSAv1, respell(t, v1Good, `"buildDefinition"`, `"extra":1,"buildDefinition"`), `predicate: member "extra" is not in the SLSA provenance v1 spec`},
		{"misspelt member", PredicateSLSAv1, respell(t, v1Good, `"byproducts"`, `"byproduct"`), `member "byproduct" is not in`},
		{"dependency digest uppercase", PredicateSLSAv1, respell(t, v1Good, commitA, strings.ToUpper(commitA)), `predicate.buildDefinition.resolvedDependencies[0]: digest gitCommit`},
		{"dependency digest algorithm variant", PredicateSLSAv1, respell(t, v1Good, `"gitCommit"`, `"GitCommit"`), `digest algorithm "GitCommit"`},
		{"byproduct digest short", PredicateSLSAv1, respell(t, v1Good, hashA, hashA[:10]), `predicate.runDetails.byproducts[0]: digest sha256`},
		{"v0.2 build_type", PredicateSLSAv0_2, respell(t, v02Good, `"buildType"`, `"build_type"`), `SLSA provenance v0.2: predicate: member "build_type" is not in the SLSA provenance v0.2 spec (the spec spells it "buildType")`},
		{"v0.2 config_source", PredicateSLSAv0_2, respell(t, v02Good, `"configSource"`, `"config_source"`), `predicate.invocation: member "config_source"`},
		{"v0.2 entry_point", PredicateSLSAv0_2, respell(t, v02Good, `"entryPoint"`, `"entry_point"`), `predicate.invocation.configSource: member "entry_point"`},
		{"v0.2 Materials", PredicateSLSAv0_2, respell(t, v02Good, `"materials":[`, `"Materials":[`), `predicate: member "Materials"`},
		{"v0.2 material URI", PredicateSLSAv0_2, respell(t, v02Good, `"uri":"git+https://github.com/o/r","digest":{"sha1"`, `"URI":"git+https://github.com/o/r","digest":{"sha1"`), `member "URI"`},
		{"v0.2 completeness member", PredicateSLSAv0_2, respell(t, v02Good, `"materials":false`, `"hermetic":false`), `predicate.metadata.completeness: member "hermetic"`},
		{"v0.2 build_invocation_id", PredicateSLSAv0_2, respell(t, v02Good, `"buildInvocationId"`, `"build_invocation_id"`), `(the spec spells it "buildInvocationId")`},
		{"v0.2 both buildInvocationId and buildInvocationID", PredicateSLSAv0_2, respell(t, v02Good, `"buildInvocationId":"i"`, `"buildInvocationId":"i","buildInvocationID":"j"`), `predicate.metadata: member "buildInvocationID"`},
		{"v0.2 extension not a URI", PredicateSLSAv0_2, respell(t, v02Good, `"buildType"`, `"vendor_field":1,"buildType"`), `member "vendor_field" is not in the SLSA provenance v0.2 spec`},
		{"v0.2 configSource digest not hex", PredicateSLSAv0_2, respell(t, v02Good, `"sha1":"`+commitA+`"},"entryPoint"`, `"sha1":"zz"},"entryPoint"`), `predicate.invocation.configSource: digest sha1 "zz" is not lowercase hex`},
	}
	for _, c := range refused {
		_, err := Read(statementWith(t, c.typ, c.pred))
		if !errors.Is(err, ErrProvenance) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Read(%s) = %v, want ErrProvenance containing %q", c.name, err, c.want)
		}
	}
	_, err := Read(statementWith(t, PredicateSLSAv1, respell(t, v1Good, `"runDetails"`, `"run_details"`)))
	if me, ok := errors.AsType[*attest.MemberError](err); !ok || me.Member != "run_details" || me.Path != "predicate" || me.Spelling != "runDetails" {
		t.Errorf("Read(run_details) = %#v, want an *attest.MemberError", err)
	}

	accepted := []struct {
		name, typ, pred string
		invocation      string
	}{
		{"v1 vendor_field extensions at every level", PredicateSLSAv1, strings.NewReplacer(
			`"buildDefinition":{`, `"acme_top":1,"buildDefinition":{"acme_def":{"a":1},`,
			`"runDetails":{`, `"runDetails":{"acme_run":true,`,
			`"builder":{`, `"builder":{"acme_isHosted":true,`,
			`"metadata":{`, `"metadata":{"acme_queue":"q",`,
			`"name":"log"`, `"name":"log","acme_kind":"log"`).Replace(v1Good), "i"},
		{"v1 free-form parameters keep any names", PredicateSLSAv1, respell(t, v1Good, `{"x":1}`, `{"run_details":1,"Builder":{"ID":2}}`), "i"},
		{"v1 null members read as absent", PredicateSLSAv1, respell(t, v1Good, `"byproducts":[`, `"metadata_x":null,"byproducts":null,"x_byproducts":[`), "i"},
		{"v0.2 URI-named extension", PredicateSLSAv0_2, respell(t, v02Good, `"buildType"`, `"https://example.com/ext/v1":{"a":1},"buildType"`), "i"},
		{"v0.2 in-toto-golang's buildInvocationID", PredicateSLSAv0_2, respell(t, v02Good, `"buildInvocationId"`, `"buildInvocationID"`), "i"},
		{"v0.2 custom digest algorithm", PredicateSLSAv0_2, respell(t, v02Good, `"sha1":"`+commitA+`"},"entryPoint"`, `"gce_image_id":"123"},"entryPoint"`), "i"},
	}
	for _, c := range accepted {
		s, err := Read(statementWith(t, c.typ, c.pred))
		if err != nil {
			t.Errorf("Read(%s) = %v, want accepted", c.name, err)
			continue
		}
		if s.BuilderID != "https://b" || s.InvocationID != c.invocation {
			t.Errorf("Read(%s) = %+v", c.name, s)
		}
	}
	// Other predicate types are not SLSA provenance: their members are
	// their own specification's business.
	st := statementWith(t, PredicateVSAv1, `{"verifier_id":1}`)
	if _, err := Read(st); err == nil || errors.Is(err, ErrProvenance) {
		t.Errorf("Read(VSA) = %v, want the not-provenance error", err)
	}
}
