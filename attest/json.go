package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxJSONDepth is the deepest nesting of arrays and objects accepted in an
// envelope or a signed payload.
const MaxJSONDepth = 128

// checkNoDuplicateKeys walks a JSON document and fails when an object repeats
// a key, when nesting exceeds MaxJSONDepth, or when the document is not
// exactly one JSON value. It only reads tokens; decoding is left to the
// caller's parser, which then sees a document every parser reads alike.
func checkNoDuplicateKeys(data []byte) error {
	return walkJSON(data, nil)
}

// jsonFrame is an object or array being read by walkJSON.
type jsonFrame struct {
	keys     map[string]struct{}
	isObject bool
	wantKey  bool
	// name is the member name under which this container is the value
	// ("" at the top and for array elements); index, for an array, is the
	// index of the element being read.
	name  string
	index int
	// key is, in an object, the last member name read.
	key string
}

// memberVisitor sees every object member walkJSON reads, when the first
// token of its value is read: the frames that hold it (the last one is the
// object), its name, and that token (a json.Delim for an object or array,
// nil for null). An error stops the walk.
type memberVisitor func(stack []jsonFrame, name string, value json.Token) error

// walkJSON is checkNoDuplicateKeys with a visitor of every member, so that
// a caller checks member names in the same pass.
func walkJSON(data []byte, visit memberVisitor) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []jsonFrame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			// Only reached before a complete value: after one, the
			// loop returns below.
			return errors.New("unexpected end of JSON input")
		}
		if err != nil {
			return jsonSyntaxError(err)
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].isObject && stack[top].wantKey {
			if key, ok := tok.(string); ok {
				if _, dup := stack[top].keys[key]; dup {
					return fmt.Errorf("%w %q", ErrDuplicateKey, key)
				}
				stack[top].keys[key] = struct{}{}
				stack[top].wantKey = false
				stack[top].key = key
				continue
			}
		}
		name := ""
		if top >= 0 && stack[top].isObject {
			name = stack[top].key
			if visit != nil && tok != json.Delim('}') {
				if err := visit(stack, name, tok); err != nil {
					return err
				}
			}
			stack[top].wantKey = true // a value was read; the next token is a key
		}
		if top >= 0 && !stack[top].isObject && tok != json.Delim(']') {
			stack[top].index++ // the first token of an element
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, jsonFrame{keys: map[string]struct{}{}, isObject: true, wantKey: true, name: name})
		case json.Delim('['):
			stack = append(stack, jsonFrame{name: name, index: -1})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if n := len(stack) - 1; n >= 0 && stack[n].isObject {
				stack[n].wantKey = true
			}
		}
		if len(stack) > MaxJSONDepth {
			return fmt.Errorf("JSON nested deeper than %d levels", MaxJSONDepth)
		}
		if len(stack) == 0 {
			// One complete value read: anything after it but space is an error.
			if _, err := dec.Token(); err != io.EOF {
				if err == nil {
					return errors.New("more than one JSON value")
				}
				return jsonSyntaxError(err)
			}
			return nil
		}
	}
}

func jsonSyntaxError(err error) error {
	if err == io.ErrUnexpectedEOF {
		return errors.New("truncated JSON")
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Errorf("not valid JSON at byte %d: %v", se.Offset, se)
	}
	return err
}
