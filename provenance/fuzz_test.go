package provenance

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
)

func FuzzRead(f *testing.F) {
	f.Add(true, []byte(v1("https://b", `{"source":"git+https://github.com/o/r@refs/heads/main"}`, `[{"uri":"x"}]`)))
	f.Add(true, []byte(v1("https://b", `{"workflow":{"repository":"https://github.com/o/r"}}`, "")))
	f.Add(false, []byte(`{"builder":{"id":"https://b"},"buildType":"bt","invocation":{"configSource":{"uri":"git+https://x"}},"materials":[{"uri":"m"}]}`))
	f.Add(false, []byte(`{"builder":{}}`))
	// Names the bindings read under another name (issue 13, item 12).
	f.Add(true, []byte(`{"buildDefinition":{"buildType":"a","externalParameters":{"x":1}},"run_details":{"builder":{"id":"https://evil"}},"runDetails":{"builder":{"id":"https://b"}}}`))
	f.Add(true, []byte(`{"build_definition":{"build_type":"a","external_parameters":{"x":1}},"runDetails":{"builder":{"id":"https://b"},"metadata":{"invocation_id":"i","acme_x":1}}}`))
	f.Add(false, []byte(`{"builder":{"id":"https://b"},"build_type":"bt","metadata":{"buildInvocationID":"i","buildInvocationId":"j"}}`))
	f.Add(false, []byte(`{"builder":{"id":"https://b"},"buildType":"bt","https://x/ext":1,"metadata":{"buildInvocationID":"i"}}`))
	m, _ := filepath.Glob(filepath.Join("..", "..", "shared", "vectors", "in-toto", "slsa-provenance-v1-predicate", "*.json"))
	for _, p := range m {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(true, b)
		}
	}
	f.Fuzz(func(t *testing.T, isV1 bool, predicate []byte) {
		var obj map[string]any
		if json.Unmarshal(predicate, &obj) != nil {
			return
		}
		ps, err := structpb.NewStruct(obj)
		if err != nil {
			return
		}
		typ := PredicateSLSAv0_2
		if isV1 {
			typ = PredicateSLSAv1
		}
		st := &attest.Statement{
			Type:          attest.StatementTypeV1,
			Subject:       []*ita.ResourceDescriptor{{Name: "a", Digest: map[string]string{"sha256": hashA}}},
			PredicateType: typ,
			Predicate:     ps,
		}
		s, err := Read(st)
		if err != nil {
			return
		}
		// The policy input reads the predicate as a plain map: it must find
		// what Summarize read, where the specification puts it.
		m := ps.AsMap()
		want := Provenance{PredicateType: typ, BuilderID: StringAt(m, "runDetails", "builder", "id"), BuildType: StringAt(m, "buildDefinition", "buildType"),
			InvocationID: StringAt(m, "runDetails", "metadata", "invocationId")}
		if !isV1 {
			want.BuilderID, want.BuildType = StringAt(m, "builder", "id"), StringAt(m, "buildType")
			want.InvocationID = StringAt(m, "metadata", "buildInvocationId") + StringAt(m, "metadata", "buildInvocationID")
		}
		if s.BuilderID != want.BuilderID || s.BuildType != want.BuildType || s.InvocationID != want.InvocationID {
			t.Fatalf("Read(%s %s) = %+v; the map view reads %+v", typ, predicate, s, want)
		}
		// Anything summarised names its type and a builder: an empty
		// builder id would match nothing, but must never be reported as read.
		if s.PredicateType != typ || s.BuilderID == "" {
			t.Fatalf("Read(%s %s) = %+v", typ, predicate, s)
		}
		// A builder id always matches itself, and the source too.
		if !MatchBuilderID(s.BuilderID, s.BuilderID) {
			t.Fatalf("MatchBuilderID(%q, itself) = false", s.BuilderID)
		}
		if s.Source != "" && !MatchSourceURI(s.Source, s.Source) {
			t.Fatalf("MatchSourceURI(%q, itself) = false", s.Source)
		}
	})
}

// FuzzReadLink: what ReadLink accepts is what the policy input's map view
// reads (the step name, every material and subject by name), and it
// converts to in-toto's classic form and back without loss.
func FuzzReadLink(f *testing.F) {
	d := `{"sha256":"` + hashA + `"}`
	f.Add([]byte(`{"name":"build","command":["make"],"materials":[{"name":"src/a.c","digest":`+d+`}],"byproducts":{"return-value":0},"environment":{}}`), "app")
	f.Add([]byte(`{"name":"build","Materials":[]}`), "app")
	f.Add([]byte(`{"name":"b","materials":[{"name":"m","digest":`+d+`},{"name":"m","digest":`+d+`}]}`), "x")
	f.Add([]byte(`{"name":"b","materials":[{"name":"m","digest":{"sha256":"ABC"}}]}`), "")
	f.Fuzz(func(t *testing.T, predicate []byte, subject string) {
		var obj map[string]any
		if json.Unmarshal(predicate, &obj) != nil {
			return
		}
		ps, err := structpb.NewStruct(obj)
		if err != nil {
			return
		}
		st := &attest.Statement{
			Type:          attest.StatementTypeV1,
			Subject:       []*ita.ResourceDescriptor{{Name: subject, Digest: map[string]string{"sha256": hashA}}},
			PredicateType: PredicateLink,
			Predicate:     ps,
		}
		l, err := ReadLink(st)
		if err != nil {
			return
		}
		m := ps.AsMap()
		if l.Name == "" || l.Name != StringAt(m, "name") {
			t.Fatalf("ReadLink(%s) names step %q; the map says %q", predicate, l.Name, StringAt(m, "name"))
		}
		mats, _ := m["materials"].([]any)
		if len(mats) != len(l.Materials) {
			t.Fatalf("ReadLink(%s) has %d materials; the map has %d", predicate, len(l.Materials), len(mats))
		}
		for _, x := range mats {
			name := StringAt(x.(map[string]any), "name")
			if _, ok := l.InToto().Materials[name]; !ok {
				t.Fatalf("material %q of the map is not in the classic link", name)
			}
		}
		if back := LinkFromInToto(l.InToto()); len(back.Materials) != len(l.Materials) || len(back.Products) != len(l.Products) {
			t.Fatalf("classic round trip lost artifacts: %+v -> %+v", l, back)
		}
	})
}
