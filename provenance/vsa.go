package provenance

import (
	"errors"
	"fmt"
	"sort"

	vsa "github.com/in-toto/attestation/go/predicates/vsa/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/provenant/provenant/attest"
)

// VSA is a SLSA Verification Summary Attestation v1 predicate, as the
// in-toto attestation Go bindings define it.
type VSA = vsa.VerificationSummary

// VSAPassed is the verificationResult of a VSA whose verification passed.
const VSAPassed = "PASSED"

// ErrVSA marks a VSA predicate that cannot be read.
var ErrVSA = errors.New("verification summary")

// vsaMembers are the predicate's member names in the SLSA VSA v1
// specification (https://slsa.dev/spec/v1.0/verification_summary).
var vsaMembers = map[string]bool{
	"verifier": true, "timeVerified": true, "resourceUri": true, "policy": true,
	"inputAttestations": true, "verificationResult": true, "verifiedLevels": true,
	"dependencyLevels": true, "slsaVersion": true,
}

// ReadVSA reads a statement's SLSA VSA v1 predicate through the in-toto
// bindings. Member names must be the specification's exactly: protojson
// would also accept the protobuf names (verification_result), which a
// policy reading the JSON would not see, so they are refused.
func ReadVSA(st *attest.Statement) (*VSA, error) {
	if err := checkVSAMembers(st); err != nil {
		return nil, err
	}
	b, err := protojson.Marshal(st.GetPredicate())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrVSA, err)
	}
	return unmarshalVSA(b)
}

// ReadVSAPayload is ReadVSA for a statement and the payload it was parsed
// from (attest.ParseStatement's, which it accepted): the predicate is read
// from the payload's bytes, the bytes the signature covers, instead of
// being encoded again from the statement's protobuf Struct first (one
// JSON encoding less on every VSA a gate checks). A payload without the
// statement's predicate is an error.
func ReadVSAPayload(st *attest.Statement, payload []byte) (*VSA, error) {
	if err := checkVSAMembers(st); err != nil {
		return nil, err
	}
	b, ok := attest.TopLevelMember(payload, "predicate")
	if !ok {
		return nil, fmt.Errorf("%w: the payload has no predicate", ErrVSA)
	}
	return unmarshalVSA(b)
}

// checkVSAMembers: st is a VSA whose predicate has only the
// specification's members.
func checkVSAMembers(st *attest.Statement) error {
	if st.GetPredicateType() != PredicateVSAv1 {
		return fmt.Errorf("%w: predicate type is %q, not %s", ErrVSA, st.GetPredicateType(), PredicateVSAv1)
	}
	pred := st.GetPredicate()
	if pred == nil {
		return fmt.Errorf("%w: no predicate", ErrVSA)
	}
	var unknown []string
	for k := range pred.GetFields() {
		if !vsaMembers[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("%w: predicate member %q is not in the SLSA VSA v1 specification", ErrVSA, unknown[0])
	}
	return nil
}

// unmarshalVSA reads a VSA predicate's JSON. Nested resource descriptors
// (policy, inputAttestations) may carry more of the ResourceDescriptor's
// members than the binding models (name, annotations); they are not read.
func unmarshalVSA(b []byte) (*VSA, error) {
	var v VSA
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrVSA, err)
	}
	return &v, nil
}
