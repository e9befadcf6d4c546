package layout

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"

	"github.com/in-toto/in-toto-golang/in_toto"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/regfile"
)

// ErrMetadata: a layout or link file that is not in-toto metadata as the
// specification and in-toto-golang define it.
var ErrMetadata = errors.New("in-toto metadata")

// The forms in-toto-golang reads and writes.
const (
	// FormMetablock is the classic signed wrapper: {"signed": ...,
	// "signatures": [{"keyid", "sig", "cert"}]}, the signature over the
	// canonical JSON of "signed".
	FormMetablock = "metablock"
	// FormDSSE is a DSSE envelope with payload type
	// application/vnd.in-toto+json (in-toto-golang's --use-dsse).
	FormDSSE = "dsse"
)

// metadata is a layout or link file as read, before any signature is
// checked: its wrapper, and the signed part still undecoded (DSSE) or
// decoded exactly as its signature will cover it (metablock).
type metadata struct {
	source string
	form   string
	env    *attest.Envelope
	mb     *in_toto.Metablock // Signed holds the decoded layout or link
	kind   string             // "layout" or "link" (metablock; DSSE after verification)
}

// signatures are the signatures' key ids and certificates, in order.
func (m *metadata) signatures() []in_toto.Signature {
	if m.mb != nil {
		return m.mb.Signatures
	}
	out := make([]in_toto.Signature, len(m.env.Signatures))
	for i, s := range m.env.Signatures {
		out[i] = in_toto.Signature{KeyID: s.KeyID}
	}
	return out
}

// readMetadata reads a layout or link file: a regular file (never a FIFO
// or a device) of at most l.LineBytes. An error reading it is returned
// without the file's name, which callers put before it (and decide
// whether it is an input error); a file that is not in-toto metadata is
// an ErrMetadata.
func readMetadata(path string, l attest.Limits) (*metadata, error) {
	if l.LineBytes <= 0 {
		l.LineBytes = attest.DefaultLineBytes
	}
	data, err := regfile.ReadFile(path, int64(l.LineBytes))
	if err != nil {
		if errors.Is(err, regfile.ErrTooLarge) {
			return nil, &attest.LimitError{Name: "line-bytes", Max: l.LineBytes, What: fmt.Sprintf("larger than %d bytes", l.LineBytes)}
		}
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			return nil, pe.Err
		}
		return nil, err
	}
	return parseMetadata(path, data, l)
}

// parseMetadata reads the wrapper of a layout or link: exactly one JSON
// object without repeated keys, in one of the two forms, with no more than
// l.Signatures signatures. A metablock's "signed" member is decoded here
// (its signature covers the canonical JSON of what is decoded), with the
// specification's member names only.
func parseMetadata(source string, data []byte, l attest.Limits) (*metadata, error) {
	if l.Signatures <= 0 {
		l.Signatures = attest.DefaultSignatures
	}
	if err := attest.CheckJSON(data); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMetadata, err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil || top == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMetadata)
	}
	m := &metadata{source: source}
	if _, ok := top["payloadType"]; ok {
		env, err := l.ParseEnvelope(data)
		if err != nil {
			return nil, fmt.Errorf("%w: DSSE envelope: %w", ErrMetadata, err)
		}
		if env.PayloadType != in_toto.PayloadType {
			return nil, fmt.Errorf("%w: DSSE payload type %q, not %q", ErrMetadata, env.PayloadType, in_toto.PayloadType)
		}
		m.form, m.env = FormDSSE, env
		return m, nil
	}
	if err := exactMembers("", top, []string{"signed", "signatures"}, []string{"signed", "signatures"}); err != nil {
		return nil, err
	}
	var sigs []map[string]json.RawMessage
	if err := json.Unmarshal(top["signatures"], &sigs); err != nil {
		return nil, fmt.Errorf("%w: signatures is not a list of objects", ErrMetadata)
	}
	if len(sigs) > l.Signatures {
		return nil, &attest.LimitError{Name: "signatures", Max: l.Signatures, What: fmt.Sprintf("%s has %d signatures, more than %d", source, len(sigs), l.Signatures)}
	}
	mb := &in_toto.Metablock{Signatures: make([]in_toto.Signature, len(sigs))}
	for i, s := range sigs {
		where := fmt.Sprintf("signatures[%d]", i)
		if err := exactMembers(where, s, []string{"keyid", "sig", "cert"}, []string{"keyid", "sig"}); err != nil {
			return nil, err
		}
		raw, _ := json.Marshal(s)
		if err := json.Unmarshal(raw, &mb.Signatures[i]); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrMetadata, where, err)
		}
	}
	signed, kind, err := decodeJSON(top["signed"]) // checked with the whole document
	if err != nil {
		return nil, err
	}
	mb.Signed = signed
	m.form, m.mb, m.kind = FormMetablock, mb, kind
	return m, nil
}

// shape is what in-toto's specification fixes of a JSON object: its
// members (each with its own shape, nil for free-form), which of them are
// required, or, for a map keyed by anything (a layout's keys), its values'
// shape; elem is an array's elements' shape.
type shape struct {
	members  map[string]*shape
	required []string
	values   *shape
	elem     *shape
}

var (
	keyShape = &shape{
		members: map[string]*shape{
			"keyid": nil, "keyid_hash_algorithms": nil, "keytype": nil, "scheme": nil,
			"keyval": {members: map[string]*shape{"public": nil, "private": nil, "certificate": nil}},
		},
		required: []string{"keyid", "keytype", "keyval", "scheme"},
	}
	keyMap     = &shape{values: keyShape}
	constraint = &shape{members: map[string]*shape{
		"common_name": nil, "dns_names": nil, "emails": nil, "organizations": nil, "roots": nil, "uris": nil,
	}}
	stepShape = &shape{
		members: map[string]*shape{
			"_type": nil, "name": nil, "pubkeys": nil, "cert_constraints": {elem: constraint},
			"expected_command": nil, "threshold": nil, "expected_materials": nil, "expected_products": nil,
		},
		required: []string{"_type", "name", "pubkeys", "expected_command", "threshold", "expected_materials", "expected_products"},
	}
	inspectionShape = &shape{
		members:  map[string]*shape{"_type": nil, "name": nil, "run": nil, "expected_materials": nil, "expected_products": nil},
		required: []string{"_type", "name", "run", "expected_materials", "expected_products"},
	}
	layoutShape = &shape{
		members: map[string]*shape{
			"_type": nil, "steps": {elem: stepShape}, "inspect": {elem: inspectionShape},
			"keys": keyMap, "rootcas": keyMap, "intermediatecas": keyMap, "expires": nil, "readme": nil,
		},
		required: []string{"_type", "steps", "inspect", "keys", "expires", "readme"},
	}
	linkShape = &shape{
		members: map[string]*shape{
			"_type": nil, "name": nil, "materials": nil, "products": nil,
			"byproducts": nil, "command": nil, "environment": nil,
		},
		required: []string{"_type", "name", "materials", "products", "byproducts", "command", "environment"},
	}
)

// decodeSigned decodes the signed part of a layout or link: "_type" says
// which; every object the specification fixes has exactly its members
// (a case or punctuation variant is named as such); then in-toto-golang's
// types, which refuse unknown members and wrong types.
func decodeSigned(data []byte) (any, string, error) {
	if err := attest.CheckJSON(data); err != nil {
		return nil, "", fmt.Errorf("%w: the signed payload is not valid JSON: %v", ErrMetadata, err)
	}
	return decodeJSON(data)
}

// decodeJSON is decodeSigned for data attest.CheckJSON has accepted.
func decodeJSON(data []byte) (any, string, error) {
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return nil, "", fmt.Errorf("%w: the signed part is not a JSON object", ErrMetadata)
	}
	typ, _ := obj["_type"].(string)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	switch typ {
	case "layout":
		if err := checkShape("", obj, layoutShape); err != nil {
			return nil, "", err
		}
		var l in_toto.Layout
		if err := dec.Decode(&l); err != nil {
			return nil, "", fmt.Errorf("%w: layout: %v", ErrMetadata, err)
		}
		return l, typ, nil
	case "link":
		if err := checkShape("", obj, linkShape); err != nil {
			return nil, "", err
		}
		var l in_toto.Link
		if err := dec.Decode(&l); err != nil {
			return nil, "", fmt.Errorf("%w: link: %v", ErrMetadata, err)
		}
		return l, typ, nil
	}
	return nil, "", fmt.Errorf("%w: _type is %s, not \"layout\" or \"link\"", ErrMetadata, quote(obj["_type"]))
}

func quote(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		b = append(b[:80], "…"...)
	}
	return string(b)
}

// checkShape checks v against s; path says where v is, for messages.
func checkShape(path string, v any, s *shape) error {
	if s == nil || v == nil {
		return nil
	}
	switch {
	case s.elem != nil:
		list, ok := v.([]any)
		if !ok {
			return nil // the typed decoding refuses it
		}
		for i, e := range list {
			if err := checkShape(fmt.Sprintf("%s[%d]", path, i), e, s.elem); err != nil {
				return err
			}
		}
	case s.values != nil:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for _, k := range sortedKeys(obj) {
			if err := checkShape(join(path, k), obj[k], s.values); err != nil {
				return err
			}
		}
	case s.members != nil:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		names := make([]string, 0, len(s.members))
		for n := range s.members {
			names = append(names, n)
		}
		raw := make(map[string]json.RawMessage, len(obj))
		for k := range obj {
			raw[k] = nil
		}
		if err := exactMembers(path, raw, names, s.required); err != nil {
			return err
		}
		for _, k := range sortedKeys(obj) {
			if err := checkShape(join(path, k), obj[k], s.members[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// exactMembers refuses a member not among names (naming the
// specification's spelling when it is a variant of one) and a missing
// required member.
func exactMembers[V any](path string, obj map[string]V, names, required []string) error {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(names, k) {
			return fmt.Errorf("%w: %w", ErrMetadata, &attest.MemberError{Path: path, Member: k, Spec: "in-toto metadata", Spelling: attest.Resembles(k, names...)})
		}
	}
	for _, r := range required {
		if _, ok := obj[r]; !ok {
			where := ""
			if path != "" {
				where = path + ": "
			}
			return fmt.Errorf("%w: %smember %q is missing", ErrMetadata, where, r)
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
