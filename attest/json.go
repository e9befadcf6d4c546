package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
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

// jsonFrame is an object or array being read by walkJSON (and by
// walkJSONTokens, which uses keys, wantKey and key).
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
	// first is, in an object read by walkJSON, where its member names
	// start in the scanner's list of names; many holds them all once
	// there are more than jsonFewKeys.
	first int
	many  map[string]struct{}
}

// memberVisitor sees every object member walkJSON reads, when the first
// token of its value is read: the frames that hold it (the last one is the
// object), its name, and that token (a json.Delim for an object or array,
// nil for null). An error stops the walk.
type memberVisitor func(stack []jsonFrame, name string, value json.Token) error

// jsonFewKeys is how many member names an object's duplicate check
// compares one by one; past it, they go into a map (an object of 100,000
// members costs 100,000 lookups, not 5 billion comparisons).
const jsonFewKeys = 16

// errJSONSyntax is walkJSON's own mark for a document that is not JSON;
// it never leaves the package (walkJSON then returns walkJSONTokens's
// error, which says where and why).
var errJSONSyntax = errors.New("not valid JSON")

// walkJSON is checkNoDuplicateKeys with a visitor of every member, so that
// a caller checks member names in the same pass.
//
// It is a single pass over the bytes that reads the JSON grammar exactly
// (RFC 8259, as encoding/json's scanner does: any byte from 0x20 up in a
// string, invalid UTF-8 included), compares member names after unescaping
// them as encoding/json does ("a" and "\u0061" are the same name, and so
// are two invalid UTF-8 sequences, both read as U+FFFD), and allocates
// only its two small stacks for a document without escaped names, when
// there is no visitor.
// Duplicates, depth and the visitor are met in the same order as
// walkJSONTokens meets them; a document that is not JSON gets
// walkJSONTokens's error (FuzzWalkJSONAgrees holds the two to the same
// answer on any input).
func walkJSON(data []byte, visit memberVisitor) error {
	s := jsonScanner{data: data, visit: visit, stack: make([]jsonFrame, 0, 4), names: make([][]byte, 0, 8)}
	err := s.document()
	if !errors.Is(err, errJSONSyntax) {
		return err
	}
	// Not JSON: encoding/json says where and why. It must find the same
	// fault (FuzzWalkJSONAgrees); if it ever did not, this still fails.
	if terr := walkJSONTokens(data, nil); terr != nil {
		return terr
	}
	return err
}

// jsonScanner is walkJSON's state.
type jsonScanner struct {
	data  []byte
	i     int
	visit memberVisitor
	stack []jsonFrame
	// names are the member names (unescaped) of the objects being read,
	// each object's from its frame's first.
	names [][]byte
	// split, when set, receives the members of the top-level object or
	// the elements of the top-level array (splitJSON).
	split *[]jsonSpan
}

// jsonSpan is a member (key set) or an element (key nil) of the
// top-level value: its value is data[start:end].
type jsonSpan struct {
	key        []byte
	start, end int
}

// splitJSON reads data as walkJSON does and returns the members of its
// top-level object (object true) or the elements of its top-level array.
// ok is false when data is neither, or walkJSON refuses it (a duplicate,
// the depth, not JSON): the caller then decodes it with encoding/json,
// which decides alike on everything splitJSON accepts.
func splitJSON(data []byte) (spans []jsonSpan, object, ok bool) {
	s := jsonScanner{data: data, stack: make([]jsonFrame, 0, 4), names: make([][]byte, 0, 8), split: &spans}
	s.space()
	if s.i >= len(data) || data[s.i] != '{' && data[s.i] != '[' {
		return nil, false, false
	}
	object = data[s.i] == '{'
	if s.document() != nil {
		return nil, false, false
	}
	return spans, object, true
}

// jsonObject is json.Unmarshal of data into a map[string]json.RawMessage
// (the values are data's own bytes, not copies) when splitJSON reads it
// as an object; walked says so, and then that data has no duplicate key
// and is within MaxJSONDepth. Anything else goes to encoding/json.
func jsonObject(data []byte) (m map[string]json.RawMessage, walked bool, err error) {
	spans, object, ok := splitJSON(data)
	if !ok || !object {
		err = json.Unmarshal(data, &m)
		return m, false, err
	}
	m = make(map[string]json.RawMessage, len(spans))
	for _, sp := range spans {
		m[string(sp.key)] = json.RawMessage(data[sp.start:sp.end:sp.end])
	}
	return m, true, nil
}

// jsonArray is json.Unmarshal of data into a []json.RawMessage, through
// splitJSON when it reads data as an array.
func jsonArray(data []byte) ([]json.RawMessage, error) {
	spans, object, ok := splitJSON(data)
	if !ok || object {
		var out []json.RawMessage
		err := json.Unmarshal(data, &out)
		return out, err
	}
	out := make([]json.RawMessage, len(spans))
	for i, sp := range spans {
		out[i] = json.RawMessage(data[sp.start:sp.end:sp.end])
	}
	return out, nil
}

// jsonString is json.Unmarshal of data into *dst: without encoding/json
// when data is a string literal without escapes, in valid UTF-8 (the
// string is then its bytes between the quotes, as encoding/json reads it).
func jsonString(data []byte, dst *string) error {
	if n := len(data); n >= 2 && data[0] == '"' && data[n-1] == '"' {
		s := jsonScanner{data: data}
		if raw, plain, err := s.str(); err == nil && plain && s.i == n {
			*dst = string(raw)
			return nil
		}
	}
	return json.Unmarshal(data, dst)
}

func (s *jsonScanner) document() error {
	s.space()
	if err := s.value(""); err != nil {
		return err
	}
	s.space()
	if s.i != len(s.data) {
		return errJSONSyntax // more than one value, or junk after it
	}
	return nil
}

func (s *jsonScanner) space() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value reads the value at s.i, the value of member name (for a
// container's frame; "" when it is not a member's).
func (s *jsonScanner) value(name string) error {
	if s.i >= len(s.data) {
		return errJSONSyntax
	}
	switch s.data[s.i] {
	case '{':
		return s.object(name)
	case '[':
		return s.array(name)
	}
	_, err := s.scalar(false)
	return err
}

// push opens a container (its first byte at s.i).
func (s *jsonScanner) push(f jsonFrame) error {
	s.i++
	s.stack = append(s.stack, f)
	if len(s.stack) > MaxJSONDepth {
		return fmt.Errorf("JSON nested deeper than %d levels", MaxJSONDepth)
	}
	return nil
}

func (s *jsonScanner) object(name string) error {
	if err := s.push(jsonFrame{isObject: true, name: name, first: len(s.names)}); err != nil {
		return err
	}
	top := len(s.stack) - 1
	s.space()
	if s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		s.pop()
		return nil
	}
	for {
		if s.i >= len(s.data) || s.data[s.i] != '"' {
			return errJSONSyntax
		}
		start := s.i
		raw, plain, err := s.str()
		if err != nil {
			return err
		}
		key := raw
		if !plain {
			if key, err = unquoteJSON(s.data[start:s.i]); err != nil {
				return err
			}
		}
		if err := s.member(top, key); err != nil {
			return err
		}
		if err := s.colon(); err != nil {
			return err
		}
		at := s.i
		if err := s.memberValue(key); err != nil {
			return err
		}
		if s.split != nil && top == 0 {
			*s.split = append(*s.split, jsonSpan{key: key, start: at, end: s.i})
		}
		if more, err := s.next('}'); !more {
			s.pop()
			return err
		}
	}
}

// member records key in the object at stack[top], failing when the object
// has it already.
func (s *jsonScanner) member(top int, key []byte) error {
	f := &s.stack[top]
	if f.many != nil {
		if _, dup := f.many[string(key)]; dup {
			return fmt.Errorf("%w %q", ErrDuplicateKey, key)
		}
		f.many[string(key)] = struct{}{}
		return nil
	}
	for _, k := range s.names[f.first:] {
		if bytes.Equal(k, key) {
			return fmt.Errorf("%w %q", ErrDuplicateKey, key)
		}
	}
	s.names = append(s.names, key)
	if len(s.names)-f.first > jsonFewKeys {
		f.many = make(map[string]struct{}, 2*jsonFewKeys)
		for _, k := range s.names[f.first:] {
			f.many[string(k)] = struct{}{}
		}
		s.names = s.names[:f.first]
	}
	return nil
}

// memberValue reads the value of member key of the innermost object: the
// visitor sees it at its first token, as walkJSONTokens shows it.
func (s *jsonScanner) memberValue(key []byte) error {
	if s.i >= len(s.data) {
		return errJSONSyntax
	}
	name := ""
	if s.visit != nil {
		name = string(key)
		s.stack[len(s.stack)-1].key = name
	}
	switch c := s.data[s.i]; c {
	case '{', '[':
		if s.visit != nil {
			if err := s.visit(s.stack, name, json.Delim(c)); err != nil {
				return err
			}
		}
		if c == '{' {
			return s.object(name)
		}
		return s.array(name)
	}
	tok, err := s.scalar(s.visit != nil)
	if err != nil {
		return err
	}
	if s.visit != nil {
		return s.visit(s.stack, name, tok)
	}
	return nil
}

func (s *jsonScanner) array(name string) error {
	if err := s.push(jsonFrame{name: name, index: -1}); err != nil {
		return err
	}
	top := len(s.stack) - 1
	s.space()
	if s.i < len(s.data) && s.data[s.i] == ']' {
		s.i++
		s.pop()
		return nil
	}
	for {
		s.stack[top].index++
		start := s.i
		if err := s.value(""); err != nil {
			return err
		}
		if s.split != nil && top == 0 {
			*s.split = append(*s.split, jsonSpan{start: start, end: s.i})
		}
		if more, err := s.next(']'); !more {
			s.pop()
			return err
		}
	}
}

// next reads what follows a member or an element: "," (more) or the
// container's closing byte; anything else is errJSONSyntax.
func (s *jsonScanner) next(closing byte) (more bool, err error) {
	s.space()
	if s.i < len(s.data) {
		switch s.data[s.i] {
		case ',':
			s.i++
			s.space()
			return true, nil
		case closing:
			s.i++
			return false, nil
		}
	}
	return false, errJSONSyntax
}

// colon reads the ":" after a member name, and the space around it.
func (s *jsonScanner) colon() error {
	s.space()
	if s.i >= len(s.data) || s.data[s.i] != ':' {
		return errJSONSyntax
	}
	s.i++
	s.space()
	return nil
}

func (s *jsonScanner) pop() {
	if f := s.stack[len(s.stack)-1]; f.isObject {
		s.names = s.names[:f.first]
	}
	s.stack = s.stack[:len(s.stack)-1]
}

// scalar reads a string, number, true, false or null at s.i; with token,
// it returns it as walkJSONTokens's visitor sees it (string, json.Number,
// bool, nil).
func (s *jsonScanner) scalar(token bool) (json.Token, error) {
	d, start := s.data, s.i
	switch c := d[s.i]; {
	case c == '"':
		raw, plain, err := s.str()
		if err != nil || !token {
			return nil, err
		}
		if plain {
			return string(raw), nil
		}
		v, err := unquoteJSON(d[start:s.i])
		return string(v), err
	case c == '-' || '0' <= c && c <= '9':
		if err := s.number(); err != nil {
			return nil, err
		}
		if !token {
			return nil, nil
		}
		return json.Number(d[start:s.i]), nil
	case bytes.HasPrefix(d[s.i:], []byte("true")):
		s.i += 4
		return true, nil
	case bytes.HasPrefix(d[s.i:], []byte("false")):
		s.i += 5
		return false, nil
	case bytes.HasPrefix(d[s.i:], []byte("null")):
		s.i += 4
		return nil, nil
	}
	return nil, errJSONSyntax
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *jsonScanner) number() error {
	d := s.data
	if d[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(d) && d[s.i] == '0':
		s.i++
	case s.i < len(d) && '1' <= d[s.i] && d[s.i] <= '9':
		s.digits()
	default:
		return errJSONSyntax
	}
	if s.i < len(d) && d[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return errJSONSyntax
		}
	}
	if s.i < len(d) && (d[s.i] == 'e' || d[s.i] == 'E') {
		s.i++
		if s.i < len(d) && (d[s.i] == '+' || d[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return errJSONSyntax
		}
	}
	return nil
}

func (s *jsonScanner) digits() int {
	n := 0
	for s.i < len(s.data) && '0' <= s.data[s.i] && s.data[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

// str reads the string whose opening quote is at s.i and returns its
// bytes between the quotes; plain says they are the string itself (no
// escape, valid UTF-8), so that it need not be unquoted.
func (s *jsonScanner) str() (raw []byte, plain bool, err error) {
	d := s.data
	start := s.i + 1
	plain = true
	ascii := true
	for i := start; i < len(d); {
		c := d[i]
		switch {
		case c == '"':
			s.i = i + 1
			raw = d[start:i]
			if !ascii && !utf8.Valid(raw) {
				plain = false
			}
			return raw, plain, nil
		case c < 0x20:
			return nil, false, errJSONSyntax
		case c == '\\':
			plain = false
			if i+1 >= len(d) {
				return nil, false, errJSONSyntax
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex4(d[i+2:i+6]) {
					return nil, false, errJSONSyntax
				}
				i += 6
			default:
				return nil, false, errJSONSyntax
			}
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			i++
		}
	}
	return nil, false, errJSONSyntax
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// unquoteJSON unescapes a JSON string literal (quotes included) exactly as
// encoding/json does: the rare names and values with escapes or invalid
// UTF-8 are read by encoding/json itself.
func unquoteJSON(lit []byte) ([]byte, error) {
	var v string
	if err := json.Unmarshal(lit, &v); err != nil {
		return nil, errJSONSyntax
	}
	return []byte(v), nil
}

// TopLevelMember returns the value of member name of the JSON object data,
// as written (data's own bytes), when data is one JSON object without a
// duplicate member within MaxJSONDepth (as a payload ParseStatement
// accepted is); ok is false otherwise, or when it has no such member.
// The name is compared after unescaping, as encoding/json reads it.
func TopLevelMember(data []byte, name string) (value json.RawMessage, ok bool) {
	spans, object, ok := splitJSON(data)
	if !ok || !object {
		return nil, false
	}
	for _, sp := range spans {
		if string(sp.key) == name {
			return json.RawMessage(data[sp.start:sp.end:sp.end]), true
		}
	}
	return nil, false
}

// onlyKeyIDAndSig says that raw is a list of objects whose members are all
// named exactly "keyid" or "sig" (DSSE's, written without escapes) with a
// string, number, true, false or null value, as nearly every envelope's
// signatures are: no member can then be read as "cert" (encoding/json
// matches names case-insensitively), and signatureCerts has nothing to
// find without decoding the list again. It allocates nothing; false only
// means "look closer".
func onlyKeyIDAndSig(raw []byte) bool {
	s := jsonScanner{data: raw}
	eat := func(c byte) bool {
		s.space()
		if s.i < len(raw) && raw[s.i] == c {
			s.i++
			return true
		}
		return false
	}
	if !eat('[') {
		return false
	}
	if !eat(']') {
		for {
			if !eat('{') || !s.keyIDAndSigMembers() {
				return false
			}
			if eat(',') {
				continue
			}
			if eat(']') {
				break
			}
			return false
		}
	}
	s.space()
	return s.i == len(raw)
}

// keyIDAndSigMembers reads the members of an object whose "{" was just
// read, and its "}", for onlyKeyIDAndSig.
func (s *jsonScanner) keyIDAndSigMembers() bool {
	s.space()
	if s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		return true
	}
	for {
		if s.i >= len(s.data) || s.data[s.i] != '"' {
			return false
		}
		key, plain, err := s.str()
		if err != nil || !plain || string(key) != "keyid" && string(key) != "sig" || s.colon() != nil {
			return false
		}
		if s.i >= len(s.data) || s.data[s.i] == '{' || s.data[s.i] == '[' {
			return false
		}
		if _, err := s.scalar(false); err != nil {
			return false
		}
		if more, err := s.next('}'); !more {
			return err == nil
		}
	}
}
