package provenance

import (
	"errors"
	"fmt"

	trv0 "github.com/in-toto/attestation/go/predicates/test_result/v0"
	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
)

// PredicateTestResult is the in-toto test result predicate v0.1
// (https://github.com/in-toto/attestation/blob/main/spec/predicates/test-result.md):
// the result of one run of a test suite (or a lint, a scan), whose
// subjects are what it examined.
const PredicateTestResult = "https://in-toto.io/attestation/test-result/v0.1"

// The results the test result predicate allows.
const (
	TestPassed = "PASSED"
	TestWarned = "WARNED"
	TestFailed = "FAILED"
)

// ErrTestResult: a test result predicate that does not read as its
// specification defines it. ReadTestResult's errors wrap it.
var ErrTestResult = errors.New("in-toto test result")

// TestResult is what a test result predicate says, with the statement's
// subjects (what was examined).
type TestResult struct {
	Result        string     `json:"result"`
	Configuration []Resource `json:"configuration"`
	URL           string     `json:"url,omitempty"`
	PassedTests   []string   `json:"passedTests,omitempty"`
	WarnedTests   []string   `json:"warnedTests,omitempty"`
	FailedTests   []string   `json:"failedTests,omitempty"`
	Subjects      []Resource `json:"subjects"`
}

// IsTestResult says whether a predicate type is the one ReadTestResult
// reads.
func IsTestResult(predicateType string) bool { return predicateType == PredicateTestResult }

// testResultV01 is the predicate's members; the specification allows no
// extension field.
var testResultV01 = object(map[string]*shape{
	"result": nil, "configuration": list(resourceDescriptor), "url": nil,
	"passedTests": nil, "warnedTests": nil, "failedTests": nil,
})

func init() {
	predicateRules[PredicateTestResult] = predicateRule{"in-toto test result predicate v0.1", testResultV01, func(string) bool { return false }}
}

// ReadTestResult reads a verified statement's test result predicate
// v0.1: exactly the specification's members (checkPredicate), the in-toto
// bindings' reading, a result of PASSED, WARNED or FAILED, at least one
// configuration entry, each a valid ResourceDescriptor, and subjects that
// each have a name and a digest, unique by name. Its errors wrap
// ErrTestResult.
func ReadTestResult(st *attest.Statement) (*TestResult, error) {
	if !IsTestResult(st.GetPredicateType()) {
		return nil, fmt.Errorf("%w: predicate type %q is not %s", ErrTestResult, st.GetPredicateType(), PredicateTestResult)
	}
	if err := checkPredicate(st); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTestResult, err)
	}
	var p trv0.TestResult
	if err := fromStruct(st.GetPredicate(), &p); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTestResult, err)
	}
	switch p.GetResult() {
	case TestPassed, TestWarned, TestFailed:
	default:
		return nil, fmt.Errorf("%w: predicate.result %q is not %s, %s or %s", ErrTestResult, p.GetResult(), TestPassed, TestWarned, TestFailed)
	}
	if len(p.GetConfiguration()) == 0 {
		return nil, fmt.Errorf("%w: predicate.configuration is missing or empty (the specification requires it)", ErrTestResult)
	}
	tr := &TestResult{Result: p.GetResult(), URL: p.GetUrl(), PassedTests: p.GetPassedTests(), WarnedTests: p.GetWarnedTests(), FailedTests: p.GetFailedTests()}
	for i, c := range p.GetConfiguration() {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("%w: predicate.configuration[%d]: %w", ErrTestResult, i, err)
		}
		if len(c.GetDigest()) > 0 {
			if err := attest.CheckDigestSet(c.GetDigest()); err != nil {
				return nil, fmt.Errorf("%w: predicate.configuration[%d]: %w", ErrTestResult, i, err)
			}
		}
		tr.Configuration = append(tr.Configuration, Resource{Name: c.GetName(), URI: c.GetUri(), Digest: c.GetDigest()})
	}
	subjects, err := namedResources(ErrTestResult, "subject", st.GetSubject())
	if err != nil {
		return nil, err
	}
	tr.Subjects = subjects
	return tr, nil
}

// TestResultRequest is what a test result statement records.
type TestResultRequest struct {
	// Examined are the subjects: what the step read (its materials).
	Examined []digest.Entry
	// Result is TestPassed, TestWarned or TestFailed.
	Result string
	// Configuration says how the tests ran (at least one entry).
	Configuration []*ita.ResourceDescriptor
	// URL links to the run, when there is one.
	URL string
}

// NewTestResultStatement builds an in-toto Statement v1 with a test
// result predicate v0.1, and reads it back with ReadTestResult: what it
// writes is what verify accepts.
func NewTestResultStatement(r TestResultRequest) (*attest.Statement, error) {
	if len(r.Examined) == 0 {
		return nil, errors.New("a test result needs subjects: nothing was examined")
	}
	pred := &trv0.TestResult{Result: r.Result, Configuration: r.Configuration, Url: r.URL}
	b, err := protojson.MarshalOptions{UseProtoNames: false}.Marshal(pred)
	if err != nil {
		return nil, err
	}
	ps := &structpb.Struct{}
	if err := protojson.Unmarshal(b, ps); err != nil {
		return nil, err
	}
	subjects := make([]*ita.ResourceDescriptor, len(r.Examined))
	for i, e := range r.Examined {
		subjects[i] = descriptor(e)
	}
	st := &ita.Statement{Type: ita.StatementTypeUri, Subject: subjects, PredicateType: PredicateTestResult, Predicate: ps}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	if _, err := ReadTestResult(st); err != nil {
		return nil, err
	}
	return st, nil
}
