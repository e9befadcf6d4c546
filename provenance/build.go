package provenance

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
)

// Predicate types read and written.
const (
	PredicateSLSAv1   = "https://slsa.dev/provenance/v1"
	PredicateSLSAv0_2 = "https://slsa.dev/provenance/v0.2"
	// PredicateVSAv1 is the SLSA Verification Summary Attestation v1.
	PredicateVSAv1 = "https://slsa.dev/verification_summary/v1"
)

// BuildTypeAttest is the buildType of statements made by `provenant attest`,
// documented in docs/buildtypes/attest-v1.md.
const BuildTypeAttest = "https://github.com/provenant/provenant/blob/main/docs/buildtypes/attest-v1.md"

// LocalBuilderID is the builder id used when none is given: it says honestly
// that the statement was made on someone's machine, not by a hosted builder.
const LocalBuilderID = "urn:provenant:builder:local"

// Subjects turns hashed artifacts into in-toto subjects.
func Subjects(arts []digest.Artifact) []*ita.ResourceDescriptor {
	out := make([]*ita.ResourceDescriptor, len(arts))
	for i, a := range arts {
		out[i] = &ita.ResourceDescriptor{Name: a.Name, Digest: map[string]string(a.Digests)}
	}
	return out
}

// AttestOptions describe a statement made by `provenant attest`.
type AttestOptions struct {
	BuilderID   string // default LocalBuilderID
	BuildType   string // default BuildTypeAttest
	Source      string // source URI, e.g. git+https://github.com/org/repo@refs/tags/v1
	Started     time.Time
	Finished    time.Time
	Version     string // provenant's version, recorded as the builder version
	ExtraParams map[string]any
}

// NewAttestStatement builds an in-toto Statement v1 with an SLSA provenance
// v1 predicate for the given artifacts, and validates both.
func NewAttestStatement(arts []digest.Artifact, o AttestOptions) (*attest.Statement, error) {
	if len(arts) == 0 {
		return nil, fmt.Errorf("no artifacts to attest")
	}
	if o.BuilderID == "" {
		o.BuilderID = LocalBuilderID
	}
	// What is signed is published: a builder id must be an absolute URI
	// without credentials (as run checks it), and a source URI must not
	// carry a user name, password or token.
	if err := CheckBuilderID(o.BuilderID); err != nil {
		return nil, err
	}
	if err := CheckNoSecret("source", o.Source); err != nil {
		return nil, err
	}
	if o.BuildType == "" {
		o.BuildType = BuildTypeAttest
	}
	now := time.Now().UTC()
	if o.Started.IsZero() {
		o.Started = now
	}
	if o.Finished.IsZero() {
		o.Finished = now
	}
	names := make([]any, len(arts))
	for i, a := range arts {
		names[i] = a.Name
	}
	params := map[string]any{"artifacts": names}
	var deps []*ita.ResourceDescriptor
	if o.Source != "" {
		params["source"] = o.Source
		deps = append(deps, &ita.ResourceDescriptor{Uri: o.Source})
	}
	for k, v := range o.ExtraParams {
		params[k] = v
	}
	ext, err := structpb.NewStruct(params)
	if err != nil {
		return nil, err
	}
	builder := &slsa1.Builder{Id: o.BuilderID}
	if o.Version != "" {
		builder.Version = map[string]string{"provenant": o.Version}
	}
	pred := &slsa1.Provenance{
		BuildDefinition: &slsa1.BuildDefinition{
			BuildType:            o.BuildType,
			ExternalParameters:   ext,
			ResolvedDependencies: deps,
		},
		RunDetails: &slsa1.RunDetails{
			Builder: builder,
			Metadata: &slsa1.BuildMetadata{
				InvocationId: NewInvocationID(),
				StartedOn:    timestamppb.New(o.Started.UTC()),
				FinishedOn:   timestamppb.New(o.Finished.UTC()),
			},
		},
	}
	return NewStatement(arts, pred)
}

// NewStatement wraps a validated SLSA provenance v1 predicate in a Statement
// v1 about the artifacts.
func NewStatement(arts []digest.Artifact, pred *slsa1.Provenance) (*attest.Statement, error) {
	if err := pred.Validate(); err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	ps, err := toStruct(pred)
	if err != nil {
		return nil, err
	}
	st := &ita.Statement{
		Type:          ita.StatementTypeUri,
		Subject:       Subjects(arts),
		PredicateType: PredicateSLSAv1,
		Predicate:     ps,
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	return st, nil
}

// NewGenericStatement wraps any predicate (a JSON object) in a Statement v1.
func NewGenericStatement(arts []digest.Artifact, predicateType string, predicate []byte) (*attest.Statement, error) {
	var m map[string]any
	if err := json.Unmarshal(predicate, &m); err != nil || m == nil {
		return nil, fmt.Errorf("predicate is not a JSON object")
	}
	ps, err := structpb.NewStruct(m)
	if err != nil {
		return nil, err
	}
	st := &ita.Statement{
		Type:          ita.StatementTypeUri,
		Subject:       Subjects(arts),
		PredicateType: predicateType,
		Predicate:     ps,
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	return st, nil
}

func toStruct(m proto.Message) (*structpb.Struct, error) {
	b, err := protojson.Marshal(m)
	if err != nil {
		return nil, err
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(b, s); err != nil {
		return nil, err
	}
	return s, nil
}

// NewInvocationID returns a random UUID (version 4) string.
func NewInvocationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
