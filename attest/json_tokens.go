package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// walkJSONTokens is the duplicate-key walk on encoding/json's Decoder.Token:
// the reference for walkJSON, which runs it only for the error of a
// document that is not JSON, so that the message (the byte offset and
// encoding/json's wording, "truncated JSON", "more than one JSON value")
// stays encoding/json's. Allocation-heavy (a token interface and a string
// for every key and value): never the path for a valid document.
func walkJSONTokens(data []byte, visit memberVisitor) error {
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
