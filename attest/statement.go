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
		return nil, fmt.Errorf("%w: %v", ErrStatement, err)
	}
	pj, err := protojson.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStatement, err)
	}
	var out bytes.Buffer
	out.Grow(len(pj))
	if err := json.Compact(&out, pj); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStatement, err)
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
// only on a payload whose signature has been verified. It refuses another
// payloadType, duplicate JSON keys, statement types other than v1 and v0.1,
// and statements the bindings' Validate rejects.
func ParseStatement(payloadType string, payload []byte) (*Statement, error) {
	return DefaultLimits().ParseStatement(payloadType, payload)
}

// ParseStatement is ParseStatement with the subjects limit of l.
func (l Limits) ParseStatement(payloadType string, payload []byte) (*Statement, error) {
	l = l.orDefaults()
	if payloadType != PayloadType {
		return nil, fmt.Errorf("%w: %q, want %q", ErrPayloadType, payloadType, PayloadType)
	}
	if err := checkNoDuplicateKeys(payload); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStatement, err)
	}
	var head struct {
		Type string `json:"_type"`
	}
	if err := json.Unmarshal(payload, &head); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrStatement)
	}
	if head.Type != StatementTypeV1 && head.Type != StatementTypeV0_1 {
		return nil, fmt.Errorf("%w: unknown statement type %q", ErrStatement, head.Type)
	}
	var st Statement
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStatement, err)
	}
	if n := len(st.GetSubject()); n > l.Subjects {
		return nil, &LimitError{Name: "subjects", Max: l.Subjects, What: fmt.Sprintf("statement has %d subjects, more than %d", n, l.Subjects)}
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStatement, err)
	}
	return &st, nil
}
