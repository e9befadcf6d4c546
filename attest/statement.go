package attest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// Statement is an in-toto Statement, as the in-toto attestation Go bindings
// define it.
type Statement = ita.Statement

// PayloadType is the DSSE payloadType of in-toto statements.
const PayloadType = "application/vnd.in-toto+json"

// Statement types accepted when reading. New statements are always v1.
const (
	StatementTypeV1   = ita.StatementTypeUri
	StatementTypeV0_1 = "https://in-toto.io/Statement/v0.1"
)

// MarshalStatement encodes a statement as compact JSON: the exact bytes that
// are signed. It is protojson's encoding (fields in the bindings' order, map
// and Struct keys sorted, strings escaped as JSON requires) with the
// whitespace removed, because protojson deliberately varies its spacing.
// The result is deterministic for a given build.
//
// It is not OLPC canonical JSON (go-securesystemslib cjson): cjson writes
// control characters in strings raw, which is not JSON (a file name with a
// tab, a multi-line script in a predicate would make a statement no parser
// reads back), and it is an order of magnitude slower on statements with
// thousands of subjects or dependencies. Nothing needs canonical form: the
// signature covers the bytes as written.
func MarshalStatement(st *Statement) ([]byte, error) {
	if err := st.Validate(); err != nil {
		return nil, Errorf(ErrStatement, "%v", err)
	}
	if err := checkSubjectDigests(st); err != nil {
		return nil, Errorf(ErrStatement, "%w", err)
	}
	pj, err := protojson.Marshal(st)
	if err != nil {
		return nil, Errorf(ErrStatement, "%v", err)
	}
	var out bytes.Buffer
	out.Grow(len(pj))
	if err := json.Compact(&out, pj); err != nil {
		return nil, Errorf(ErrStatement, "%v", err)
	}
	return out.Bytes(), nil
}

// SignStatement validates st, encodes it canonically and signs it into a DSSE
// envelope with payloadType application/vnd.in-toto+json.
func SignStatement(ctx context.Context, st *Statement, signers ...Signer) (*Envelope, error) {
	payload, err := MarshalStatement(st)
	if err != nil {
		return nil, err
	}
	return SignPayload(ctx, PayloadType, payload, signers...)
}

// ParseStatement reads a verified payload as an in-toto Statement. Call it
// only on a payload whose signature has been verified. It is the one rule
// by which every command accepts a statement, so that the checks, the
// policy input (which reads the same bytes as plain JSON) and every report
// see one and the same statement. It refuses another payloadType,
// duplicate JSON keys, any member the in-toto Statement specification does
// not define (an unknown name, a protobuf field name such as
// "predicate_type", a case variant such as "_TYPE" or "Digest"; see
// MemberError), a null member, a "_type" other than exactly
// StatementTypeV1 or StatementTypeV0_1, a subject digest CheckDigestSet
// refuses, and statements the bindings' Validate rejects.
func ParseStatement(payloadType string, payload []byte) (*Statement, error) {
	return DefaultLimits().ParseStatement(payloadType, payload)
}

// ParseStatement is ParseStatement with the subjects limit of l.
func (l Limits) ParseStatement(payloadType string, payload []byte) (*Statement, error) {
	l = l.orDefaults()
	if payloadType != PayloadType {
		return nil, fmt.Errorf("%w: %q, want %q", ErrPayloadType, payloadType, PayloadType)
	}
	if err := checkStatementJSON(payload); err != nil {
		return nil, Errorf(ErrStatement, "%w", err)
	}
	// Every member is now one the bindings define under its JSON name:
	// protojson reads them strictly, as the policy input reads them.
	var st Statement
	if err := protojson.Unmarshal(payload, &st); err != nil {
		return nil, Errorf(ErrStatement, "%v", err)
	}
	if n := len(st.GetSubject()); n > l.Subjects {
		return nil, &LimitError{Name: "subjects", Max: l.Subjects, What: fmt.Sprintf("statement has %d subjects, more than %d", n, l.Subjects)}
	}
	if err := checkSubjectDigests(&st); err != nil {
		return nil, Errorf(ErrStatement, "%w", err)
	}
	if err := st.Validate(); err != nil {
		return nil, Errorf(ErrStatement, "%w", err)
	}
	return &st, nil
}

// checkSubjectDigests applies CheckDigestSet to every subject.
func checkSubjectDigests(st *Statement) error {
	for i, s := range st.GetSubject() {
		if err := CheckDigestSet(s.GetDigest()); err != nil {
			return fmt.Errorf("subject[%d]: %w", i, err)
		}
	}
	return nil
}
