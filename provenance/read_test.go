package provenance

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
)

// statementWith wraps a predicate given as JSON in a statement.
func statementWith(t testing.TB, predicateType, predicate string) *attest.Statement {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(predicate), &m); err != nil {
		t.Fatalf("predicate %s: %v", predicate, err)
	}
	ps, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return &attest.Statement{
		Type:          attest.StatementTypeV1,
		Subject:       []*ita.ResourceDescriptor{{Name: "a", Digest: map[string]string{"sha256": hashA}}},
		PredicateType: predicateType,
		Predicate:     ps,
	}
}

// v1 builds an SLSA provenance v1 predicate with the given
// externalParameters and resolvedDependencies.
func v1(builder, ext, deps string) string {
	if deps == "" {
		deps = "[]"
	}
	return fmt.Sprintf(`{"buildDefinition":{"buildType":"https://example.com/bt","externalParameters":%s,"resolvedDependencies":%s},
		"runDetails":{"builder":{"id":%q},"metadata":{"invocationId":"inv-1"}}}`, ext, deps, builder)
}

func TestSummarizeV1(t *testing.T) {
	const b = "https://github.com/actions/runner/github-hosted"
	cases := []struct {
		name, ext, deps, wantSource string
	}{
		{"source string", `{"source":"git+https://github.com/o/r@refs/heads/main"}`, `[{"uri":"git+https://github.com/o/other"}]`, "git+https://github.com/o/r@refs/heads/main"},
		{"source.uri", `{"source":{"uri":"https://github.com/o/r"}}`, "", "https://github.com/o/r"},
		{"GitHub workflow.repository", `{"workflow":{"repository":"https://github.com/o/r","ref":"refs/heads/main","path":".github/workflows/x.yml"}}`, "", "https://github.com/o/r"},
		{"first resolved dependency", `{"x":1}`, `[{"uri":"git+https://github.com/o/r@abc"},{"uri":"git+https://github.com/o/dep"}]`, "git+https://github.com/o/r@abc"},
		{"no source", `{"x":1}`, "", ""},
		{"source not a string", `{"source":7}`, "", ""},
	}
	for _, c := range cases {
		s, err := Read(statementWith(t, PredicateSLSAv1, v1(b, c.ext, c.deps)))
		if err != nil {
			t.Errorf("Read(%s) = %v", c.name, err)
			continue
		}
		if s.PredicateType != PredicateSLSAv1 || s.Version != "v1" || s.BuilderID != b || s.BuildType != "https://example.com/bt" || s.Source != c.wantSource || s.InvocationID != "inv-1" || s.V1 == nil {
			t.Errorf("Read(%s) = %+v, want source %q", c.name, *s, c.wantSource)
		}
	}
}

func TestReadV02(t *testing.T) {
	cases := []struct {
		name, pred, wantSource string
	}{
		{"configSource", `{"builder":{"id":"https://b"},"buildType":"bt","invocation":{"configSource":{"uri":"git+https://github.com/o/r@refs/heads/main","entryPoint":"x"}},"materials":[{"uri":"git+https://github.com/o/m"}],"metadata":{"buildInvocationId":"inv-2"}}`, "git+https://github.com/o/r@refs/heads/main"},
		{"materials", `{"builder":{"id":"https://b"},"buildType":"bt","materials":[{"uri":"git+https://github.com/o/m"},{"uri":"x"}],"metadata":{"buildInvocationId":"inv-2"}}`, "git+https://github.com/o/m"},
		{"none", `{"builder":{"id":"https://b"},"buildType":"bt","metadata":{"buildInvocationId":"inv-2"}}`, ""},
	}
	for _, c := range cases {
		s, err := Read(statementWith(t, PredicateSLSAv0_2, c.pred))
		if err != nil {
			t.Errorf("Read(v0.2 %s) = %v", c.name, err)
			continue
		}
		if s.PredicateType != PredicateSLSAv0_2 || s.Version != "v0.2" || s.BuilderID != "https://b" || s.BuildType != "bt" || s.Source != c.wantSource || s.InvocationID != "inv-2" || s.V02 == nil {
			t.Errorf("Read(v0.2 %s) = %+v, want source %q", c.name, *s, c.wantSource)
		}
	}
}

func TestReadErrors(t *testing.T) {
	cases := []struct {
		name, typ, pred, want string
	}{
		{"not provenance", "https://example.com/p", `{}`, "not SLSA provenance"},
		{"VSA", PredicateVSAv1, `{}`, "not SLSA provenance"},
		{"v1 empty", PredicateSLSAv1, `{}`, "v1"},
		{"v1 no builder id", PredicateSLSAv1, v1("", `{"a":1}`, ""), "builder"},
		{"v1 no externalParameters", PredicateSLSAv1, `{"buildDefinition":{"buildType":"bt"},"runDetails":{"builder":{"id":"b"}}}`, "externalParameters"},
		{"v1 wrong field type", PredicateSLSAv1, `{"buildDefinition":"x","runDetails":{"builder":{"id":"b"}}}`, "v1"},
		{"v0.2 no builder", PredicateSLSAv0_2, `{"buildType":"bt"}`, "builder.id"},
		{"v0.2 wrong field type", PredicateSLSAv0_2, `{"builder":"b"}`, "v0.2"},
	}
	for _, c := range cases {
		s, err := Read(statementWith(t, c.typ, c.pred))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Read(%s) = %+v, %v, want an error containing %q", c.name, s, err, c.want)
		}
	}
	st := statementWith(t, PredicateSLSAv1, `{}`)
	st.Predicate = nil
	if _, err := Read(st); err == nil {
		t.Errorf("Read(no predicate) = nil error")
	}
}

func TestIsProvenance(t *testing.T) {
	for typ, want := range map[string]bool{
		PredicateSLSAv1: true, PredicateSLSAv0_2: true, PredicateVSAv1: false,
		"https://slsa.dev/provenance/v0.1": false, "https://slsa.dev/provenance/v1.1": false, "": false,
	} {
		if got := IsProvenance(typ); got != want {
			t.Errorf("IsProvenance(%q) = %v, want %v", typ, got, want)
		}
	}
}

func TestMatchBuilderID(t *testing.T) {
	const wf = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml"
	cases := []struct {
		actual, want string
		match        bool
	}{
		{wf, wf, true},
		{wf + "@refs/tags/v1.9.0", wf, true},
		{wf + "@refs/tags/v1.9.0", wf + "@refs/tags/v1.9.0", true},
		{wf + "@refs/tags/v1.9.0", wf + "@refs/tags/v1.8.0", false},
		{wf, wf + "@refs/tags/v1.9.0", false},
		{wf + "x@refs/tags/v1", wf, false},
		{wf + ".evil.com", wf, false},
		{"https://evil.com/" + wf, wf, false},
		{"", wf, false},
		{strings.ToUpper(wf), wf, false},
		{"urn:provenant:builder:local", "urn:provenant:builder:local", true},
	}
	for _, c := range cases {
		if got := MatchBuilderID(c.actual, c.want); got != c.match {
			t.Errorf("MatchBuilderID(%q, %q) = %v, want %v", c.actual, c.want, got, c.match)
		}
	}
}

func TestMatchSourceURI(t *testing.T) {
	cases := []struct {
		actual, want string
		match        bool
	}{
		{"git+https://github.com/org/repo@refs/heads/main", "github.com/org/repo", true},
		{"git+https://github.com/org/repo.git@refs/heads/main", "github.com/org/repo", true},
		{"https://github.com/org/repo", "github.com/org/repo", true},
		{"https://github.com/org/repo/", "https://github.com/org/repo", true},
		{"git+https://github.com/org/repo@refs/heads/main", "git+https://github.com/org/repo@refs/heads/main", true},
		{"git+https://github.com/org/repo@refs/heads/main", "github.com/org/repo@refs/heads/main", true},
		{"git+https://github.com/org/repo@refs/heads/dev", "github.com/org/repo@refs/heads/main", false},
		{"https://github.com/org/repo", "github.com/org/repo@refs/heads/main", false},
		{"git+https://github.com/org/repo-evil@refs/heads/main", "github.com/org/repo", false},
		{"git+https://github.com/org/repo/sub@refs/heads/main", "github.com/org/repo", false},
		{"https://evil.com/github.com/org/repo", "github.com/org/repo", false},
		{"https://github.com.evil.com/org/repo", "github.com/org/repo", false},
		{"https://user@github.com/org/repo", "github.com/org/repo", false},
		{"git+https://github.com/other/repo", "github.com/org/repo", false},
		{"", "github.com/org/repo", false},
		{"github.com/org/repo", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		if got := MatchSourceURI(c.actual, c.want); got != c.match {
			t.Errorf("MatchSourceURI(%q, %q) = %v, want %v", c.actual, c.want, got, c.match)
		}
	}
}

func ExampleMatchBuilderID() {
	const builder = "https://github.com/org/builders/.github/workflows/release.yml"
	fmt.Println(MatchBuilderID(builder+"@refs/tags/v1", builder))
	fmt.Println(MatchBuilderID(builder+"@refs/tags/v1", builder+"@refs/tags/v2"))
	// Output:
	// true
	// false
}

func ExampleMatchSourceURI() {
	fmt.Println(MatchSourceURI("git+https://github.com/org/app.git@refs/heads/main", "github.com/org/app"))
	fmt.Println(MatchSourceURI("git+https://github.com/org/app@refs/heads/dev", "github.com/org/app@refs/heads/main"))
	// Output:
	// true
	// false
}
