package provenance

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"

	"github.com/provenant/provenant/attest/digest"
)

func testResultStatement(t *testing.T, predicate string, subjects ...*ita.ResourceDescriptor) *ita.Statement {
	t.Helper()
	st := statementWith(t, PredicateTestResult, predicate)
	if subjects != nil {
		st.Subject = subjects
	}
	return st
}

func TestReadTestResult(t *testing.T) {
	good := `{"result":"WARNED","configuration":[{"name":"source","uri":"git+https://github.com/o/r","digest":{"gitCommit":"0123456789abcdef0123456789abcdef01234567"}}],"url":"https://ci.example.com/runs/1","passedTests":["a"],"warnedTests":["b"],"failedTests":[]}`
	tr, err := ReadTestResult(testResultStatement(t, good))
	if err != nil {
		t.Fatal(err)
	}
	want := &TestResult{
		Result: TestWarned, URL: "https://ci.example.com/runs/1", PassedTests: []string{"a"}, WarnedTests: []string{"b"},
		Configuration: []Resource{{Name: "source", URI: "git+https://github.com/o/r", Digest: map[string]string{"gitCommit": "0123456789abcdef0123456789abcdef01234567"}}},
		Subjects:      []Resource{{Name: "a", Digest: map[string]string{"sha256": hashA}}},
	}
	if !reflect.DeepEqual(tr, want) {
		t.Errorf("ReadTestResult = %+v\nwant %+v", tr, want)
	}
}

// TestReadTestResultRefuses: every member rule of the specification, and
// subjects with names and digests.
func TestReadTestResultRefuses(t *testing.T) {
	cfg := `"configuration":[{"name":"c","uri":"https://x"}]`
	for _, c := range []struct {
		name, predicate string
		subjects        []*ita.ResourceDescriptor
		want            string
	}{
		{"no result", `{` + cfg + `}`, nil, `predicate.result "" is not PASSED, WARNED or FAILED`},
		{"lowercase result", `{"result":"passed",` + cfg + `}`, nil, `predicate.result "passed"`},
		{"other result", `{"result":"SKIPPED",` + cfg + `}`, nil, `"SKIPPED" is not`},
		{"no configuration", `{"result":"PASSED"}`, nil, "predicate.configuration is missing or empty"},
		{"empty configuration", `{"result":"PASSED","configuration":[]}`, nil, "predicate.configuration is missing or empty"},
		{"empty descriptor", `{"result":"PASSED","configuration":[{}]}`, nil, "predicate.configuration[0]"},
		{"bad configuration digest", `{"result":"PASSED","configuration":[{"name":"c","digest":{"sha256":"zz"}}]}`, nil, "predicate.configuration[0]"},
		{"unknown member", `{"result":"PASSED",` + cfg + `,"skippedTests":[]}`, nil, `member "skippedTests" is not in the in-toto test result predicate v0.1 spec`},
		{"extension member", `{"result":"PASSED",` + cfg + `,"example_x":1}`, nil, `member "example_x" is not in`},
		{"case variant", `{"result":"PASSED",` + cfg + `,"PassedTests":[]}`, nil, `(the spec spells it "passedTests")`},
		{"protobuf spelling", `{"result":"PASSED",` + cfg + `,"passed_tests":[]}`, nil, `the spec spells it "passedTests"`},
		{"tests not strings", `{"result":"PASSED",` + cfg + `,"passedTests":[1]}`, nil, "in-toto test result"},
		{"subject without digest", `{"result":"PASSED",` + cfg + `}`, []*ita.ResourceDescriptor{{Name: "a"}}, `subject[0] ("a") has no digest`},
		{"subject without name", `{"result":"PASSED",` + cfg + `}`, []*ita.ResourceDescriptor{{Digest: map[string]string{"sha256": hashA}}}, "subject[0] has no name"},
		{"subject twice", `{"result":"PASSED",` + cfg + `}`, []*ita.ResourceDescriptor{{Name: "a", Digest: map[string]string{"sha256": hashA}}, {Name: "a", Digest: map[string]string{"sha256": hashB}}}, `name "a" is listed twice`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadTestResult(testResultStatement(t, c.predicate, c.subjects...))
			if err == nil || !errors.Is(err, ErrTestResult) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ReadTestResult(%s) = %v, want an ErrTestResult saying %q", c.predicate, err, c.want)
			}
		})
	}
	if _, err := ReadTestResult(statementWith(t, PredicateLink, `{"name":"s"}`)); !errors.Is(err, ErrTestResult) {
		t.Errorf("another predicate type: %v", err)
	}
}

// TestNewTestResultStatement: what run writes reads back; nothing
// examined is refused.
func TestNewTestResultStatement(t *testing.T) {
	examined := []digest.Entry{{Artifact: digest.Artifact{Name: "src/a.c", Digests: digest.Set{"sha256": hashA}}}}
	st, err := NewTestResultStatement(TestResultRequest{Examined: examined, Result: TestPassed, Configuration: []*ita.ResourceDescriptor{{Name: "builder", Uri: LocalBuilderID}}})
	if err != nil {
		t.Fatal(err)
	}
	if tr, err := ReadTestResult(st); err != nil || tr.Result != TestPassed || tr.Subjects[0].Name != "src/a.c" {
		t.Errorf("read back: %+v, %v", tr, err)
	}
	if _, err := NewTestResultStatement(TestResultRequest{Result: TestPassed, Configuration: []*ita.ResourceDescriptor{{Name: "b", Uri: "x:y"}}}); err == nil {
		t.Error("no subjects accepted")
	}
	if _, err := NewTestResultStatement(TestResultRequest{Examined: examined, Result: "OK", Configuration: []*ita.ResourceDescriptor{{Name: "b", Uri: "x:y"}}}); err == nil {
		t.Error("result OK accepted")
	}
}
