package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/provenant/provenant/attest/regfile"
	"github.com/provenant/provenant/attest/safetext"
)

// A file given as a bundle is sometimes something else that is easy to
// make from one: a JSON array of envelopes, several pretty-printed JSON
// documents, or the policy input document verify prints. Reading such a
// file gives one "malformed envelope" per line; DetectBundleShape names
// what the file is instead, so that a single line can say how to convert
// it. It only ever changes the message of a bundle that did not read: it
// never makes one read.

// ErrNotBundle: a file given as a bundle is a JSON array or several
// JSON documents spanning lines (ShapeError says which and how to convert
// it).
var ErrNotBundle = errors.New("not a bundle")

// ErrPolicyInput: a file given as a bundle is a policy input document
// (docs/policy-input.md), which is made from a bundle and is not one.
var ErrPolicyInput = errors.New("a policy input document, not a bundle")

// BundleShape names what a file that is not a bundle holds.
type BundleShape int

const (
	// ShapeUnknown: nothing recognised (the file's own errors stand).
	ShapeUnknown BundleShape = iota
	// ShapeArray: one JSON array (of envelopes, usually).
	ShapeArray
	// ShapeDocuments: several JSON documents, at least one spanning
	// lines (pretty-printed envelopes, one after another).
	ShapeDocuments
	// ShapePolicyInput: one or more policy input documents: objects with
	// an "artifact" object and an "attestations" array.
	ShapePolicyInput
)

// ShapeError says that File is not a bundle but Count values of Shape,
// and how to convert it when it can be.
type ShapeError struct {
	File  string
	Shape BundleShape
	Count int
}

func (e *ShapeError) Error() string {
	name := safetext.Line(e.File)
	switch e.Shape {
	case ShapeArray:
		return fmt.Sprintf("%s is a JSON array of %d value(s), not a bundle (JSON Lines, one envelope a line): convert it with jq -c '.[]' %s > %s",
			name, e.Count, shellWord(e.File), shellWord(linesName(e.File)))
	case ShapeDocuments:
		return fmt.Sprintf("%s holds %d JSON documents spanning lines, not a bundle (JSON Lines, one envelope a line): convert it with jq -c . %s > %s",
			name, e.Count, shellWord(e.File), shellWord(linesName(e.File)))
	case ShapePolicyInput:
		return fmt.Sprintf("%s holds %d policy input document(s), what a policy reads, not a bundle: give the bundle it was made from", name, e.Count)
	}
	return name + ": " + ErrNotBundle.Error()
}

func (e *ShapeError) Unwrap() error {
	if e.Shape == ShapePolicyInput {
		return ErrPolicyInput
	}
	return ErrNotBundle
}

// linesName is where a converted bundle goes: FILE.json becomes
// FILE.jsonl; anything else gets ".lines.jsonl" added.
func linesName(file string) string {
	if s, ok := strings.CutSuffix(file, ".json"); ok {
		return s + ".jsonl"
	}
	return file + ".lines.jsonl"
}

// shellWord quotes s for a POSIX shell when it needs it.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-+:@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(safetext.Line(s), "'", `'\''`) + "'"
}

// DetectBundleFile reads the file at path (a regular file, at most
// LineBytes of it: a larger one is not recognised) and returns a
// *ShapeError when it is one of the shapes above, nil otherwise.
func (l Limits) DetectBundleFile(path string) error {
	l = l.orDefaults()
	f, err := regfile.Open(path)
	if err != nil {
		return nil // the read that failed first says why
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, int64(l.LineBytes)+1))
	if err != nil || len(data) > l.LineBytes {
		return nil
	}
	shape, n := DetectBundleShape(data, l.Envelopes)
	if shape == ShapeUnknown {
		return nil
	}
	return &ShapeError{File: path, Shape: shape, Count: n}
}

// DetectBundleShape says what data holds when it is one of the shapes
// above, and how many values: a file that is not wholly JSON values (at
// most maxValues of them) is ShapeUnknown. JSON Lines of objects on one
// line each (a bundle, well-formed or not) is never recognised.
func DetectBundleShape(data []byte, maxValues int) (BundleShape, int) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var vals []json.RawMessage
	for {
		var v json.RawMessage
		if err := dec.Decode(&v); err == io.EOF {
			break
		} else if err != nil {
			return ShapeUnknown, 0
		}
		if len(vals) == maxValues {
			return ShapeUnknown, 0
		}
		vals = append(vals, v)
	}
	if len(vals) == 0 {
		return ShapeUnknown, 0
	}
	inputs := 0
	for _, v := range vals {
		if isPolicyInput(v) {
			inputs++
		}
	}
	switch {
	case inputs == len(vals):
		return ShapePolicyInput, inputs
	case len(vals) == 1 && vals[0][0] == '[':
		var elems []json.RawMessage
		if json.Unmarshal(vals[0], &elems) != nil {
			return ShapeUnknown, 0
		}
		return ShapeArray, len(elems)
	case len(vals) > 1:
		for _, v := range vals {
			if bytes.ContainsAny(v, "\n\r") {
				return ShapeDocuments, len(vals)
			}
		}
	}
	return ShapeUnknown, 0
}

// isPolicyInput says whether v is an object with an "artifact" object and
// an "attestations" array, the members every policy input document has.
func isPolicyInput(v json.RawMessage) bool {
	if v[0] != '{' {
		return false
	}
	var doc struct {
		Artifact     json.RawMessage `json:"artifact"`
		Attestations json.RawMessage `json:"attestations"`
	}
	if json.Unmarshal(v, &doc) != nil {
		return false
	}
	return len(doc.Artifact) > 0 && doc.Artifact[0] == '{' && len(doc.Attestations) > 0 && doc.Attestations[0] == '['
}
