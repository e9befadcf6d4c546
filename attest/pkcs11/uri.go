package pkcs11

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/regfile"
)

// Errors. All wrap attest.ErrKey.
var (
	// ErrURI: the string is not a PKCS#11 URI provenant can use.
	ErrURI = fmt.Errorf("%w: PKCS#11 URI", attest.ErrKey)
	// ErrPIN: no PIN was given, or the token refused it.
	ErrPIN = fmt.Errorf("%w: PKCS#11 PIN", attest.ErrKey)
	// ErrNoPIN: the URI has no pin-value or pin-source, and no PIN was
	// supplied (attest.WithPIN). It wraps ErrPIN.
	ErrNoPIN = fmt.Errorf("%w: no PIN", ErrPIN)
)

// maxPINSourceBytes bounds a pin-source file.
const maxPINSourceBytes = 64 << 10

// scheme is the URI scheme of RFC 7512.
const scheme = "pkcs11:"

// IsURI says whether s is meant as a PKCS#11 URI (it starts with "pkcs11:",
// in any case). It does not say that the URI is valid.
func IsURI(s string) bool {
	return len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme)
}

// URI is a parsed RFC 7512 PKCS#11 URI. The PIN it may carry is kept
// unexported and never printed: String and GoString leave it out.
type URI struct {
	// Token selection (path attributes). Empty means "any".
	Token        string // token: the token label
	Manufacturer string // manufacturer: the token's manufacturer id
	Model        string // model
	Serial       string // serial: the token's serial number
	SlotID       *uint  // slot-id

	// Key selection (path attributes). At least one of Object and ID.
	Object string // object: the key's CKA_LABEL
	ID     []byte // id: the key's CKA_ID (percent-encoded bytes in the URI)
	Type   string // type: empty or "private"

	// Query attributes.
	ModulePath string // module-path: the PKCS#11 module (a shared library)
	PINSource  string // pin-source: a file holding the PIN ("file:" URI or absolute path)

	pin    string // pin-value
	hasPIN bool
	// attrs keeps the attributes in their original order for String.
	attrs []attr
}

type attr struct {
	query     bool
	name, enc string // enc: the value as written (still percent-encoded)
	sensitive bool
}

// pathAttrs and queryAttrs are the RFC 7512 attributes provenant understands.
// Others are refused (fail closed) unless they start with "x-" (vendor
// attributes, which RFC 7512 lets a consumer ignore).
var (
	pathAttrs  = []string{"token", "manufacturer", "model", "serial", "slot-id", "object", "id", "type"}
	queryAttrs = []string{"module-path", "module-name", "pin-value", "pin-source"}
)

// ParseURI parses an RFC 7512 URI. It checks the syntax and the attributes
// provenant needs (a module-path, and an object or id naming the key); it
// does not open anything.
func ParseURI(s string) (*URI, error) {
	if !IsURI(s) {
		return nil, fmt.Errorf("%w: %q does not start with %q", ErrURI, redactString(s), scheme)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, fmt.Errorf("%w: the URI contains a control character; percent-encode it", ErrURI)
	}
	rest := s[len(scheme):]
	path, query, _ := strings.Cut(rest, "?")
	if strings.Contains(query, "?") {
		return nil, fmt.Errorf("%w: more than one '?'", ErrURI)
	}
	u := &URI{}
	seen := map[string]bool{}
	add := func(part string, isQuery bool) error {
		sep := ";"
		if isQuery {
			sep = "&"
		}
		if part == "" {
			return nil
		}
		for _, kv := range strings.Split(part, sep) {
			name, enc, ok := strings.Cut(kv, "=")
			if !ok || name == "" {
				return fmt.Errorf("%w: attribute %q is not name=value", ErrURI, redactAttr(kv))
			}
			if strings.HasPrefix(name, "x-") {
				continue
			}
			known := pathAttrs
			if isQuery {
				known = queryAttrs
			}
			if !slices.Contains(known, name) {
				where := "path"
				if isQuery {
					where = "query"
				}
				if slices.Contains(pathAttrs, name) || slices.Contains(queryAttrs, name) {
					return fmt.Errorf("%w: attribute %q belongs in the %s part", ErrURI, name, otherPart(isQuery))
				}
				return fmt.Errorf("%w: unsupported %s attribute %q (supported: %s; query: %s)", ErrURI, where, name,
					strings.Join(pathAttrs, ", "), strings.Join(queryAttrs, ", "))
			}
			if seen[name] {
				return fmt.Errorf("%w: attribute %q appears twice", ErrURI, name)
			}
			seen[name] = true
			val, err := url.PathUnescape(enc)
			if err != nil {
				if name == "pin-value" {
					return fmt.Errorf("%w: pin-value is not correctly percent-encoded", ErrURI)
				}
				return fmt.Errorf("%w: attribute %q: bad percent-encoding", ErrURI, name)
			}
			if err := u.set(name, val); err != nil {
				return err
			}
			u.attrs = append(u.attrs, attr{query: isQuery, name: name, enc: enc, sensitive: name == "pin-value"})
		}
		return nil
	}
	if err := add(path, false); err != nil {
		return nil, err
	}
	if err := add(query, true); err != nil {
		return nil, err
	}
	if u.ModulePath == "" {
		return nil, fmt.Errorf("%w: %s needs module-path=/path/to/module.so (the PKCS#11 library)", ErrURI, u)
	}
	if u.Object == "" && u.ID == nil {
		return nil, fmt.Errorf("%w: %s names no key: add object=LABEL or id=%%XX", ErrURI, u)
	}
	if u.hasPIN && u.PINSource != "" {
		return nil, fmt.Errorf("%w: %s has both pin-value and pin-source; give one", ErrURI, u)
	}
	return u, nil
}

func (u *URI) set(name, val string) error {
	switch name {
	case "token":
		u.Token = val
	case "manufacturer":
		u.Manufacturer = val
	case "model":
		u.Model = val
	case "serial":
		u.Serial = val
	case "slot-id":
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil {
			return fmt.Errorf("%w: slot-id %q is not a number", ErrURI, val)
		}
		id := uint(n)
		u.SlotID = &id
	case "object":
		if val == "" {
			return fmt.Errorf("%w: empty object", ErrURI)
		}
		u.Object = val
	case "id":
		if val == "" {
			return fmt.Errorf("%w: empty id", ErrURI)
		}
		u.ID = []byte(val)
	case "type":
		if val != "private" {
			return fmt.Errorf("%w: type=%q: signing needs type=private (or no type)", ErrURI, val)
		}
		u.Type = val
	case "module-path":
		if !strings.HasPrefix(val, "/") {
			return fmt.Errorf("%w: module-path %q must be an absolute path", ErrURI, val)
		}
		u.ModulePath = val
	case "module-name":
		return fmt.Errorf("%w: module-name is not supported; give module-path=/path/to/module.so", ErrURI)
	case "pin-value":
		u.pin, u.hasPIN = val, true
	case "pin-source":
		p := strings.TrimPrefix(val, "file:")
		p = strings.TrimPrefix(p, "//") // file:///path
		if !strings.HasPrefix(p, "/") {
			return fmt.Errorf("%w: pin-source %q must be a file: URI or an absolute path", ErrURI, val)
		}
		u.PINSource = p
	}
	return nil
}

// HasPIN says whether the URI carries a pin-value.
func (u *URI) HasPIN() bool { return u.hasPIN }

// String returns the URI as written, without its pin-value: the form to use
// in messages.
func (u *URI) String() string {
	var path, query []string
	for _, a := range u.attrs {
		if a.sensitive {
			continue
		}
		if a.query {
			query = append(query, a.name+"="+a.enc)
		} else {
			path = append(path, a.name+"="+a.enc)
		}
	}
	s := scheme + strings.Join(path, ";")
	if len(query) > 0 {
		s += "?" + strings.Join(query, "&")
	}
	return s
}

// GoString keeps %#v from printing the PIN.
func (u *URI) GoString() string { return "pkcs11.URI(" + strconv.Quote(u.String()) + ")" }

// PIN returns the user PIN: the URI's pin-value, else the contents of its
// pin-source file (a regular file of at most 64 KiB, without a trailing
// newline), else what supply returns (attest.WithPIN; nil for none). An
// empty PIN counts as none. With none, it fails with ErrNoPIN. Nothing is
// read from the environment.
func (u *URI) PIN(supply attest.PasswordFunc) (string, error) {
	if u.hasPIN {
		return u.pin, nil
	}
	if u.PINSource != "" {
		data, err := regfile.ReadFile(u.PINSource, maxPINSourceBytes)
		if err != nil {
			return "", fmt.Errorf("%w: pin-source %q: %v", ErrPIN, u.PINSource, errors.Unwrap(err))
		}
		return strings.TrimRight(string(data), "\r\n"), nil
	}
	if supply != nil {
		b, err := supply()
		if err != nil {
			return "", fmt.Errorf("%w: %s: %w", ErrPIN, u, err)
		}
		pin := string(b)
		clear(b)
		if pin != "" {
			return pin, nil
		}
	}
	return "", fmt.Errorf("%w for %s (the URI has no pin-value or pin-source)", ErrNoPIN, u)
}

// Redact returns s with any pin-value attribute removed, for messages about
// strings that may not even parse as URIs.
func Redact(s string) string { return redactString(s) }

func redactString(s string) string {
	// Remove every "pin-value=..." up to the next separator, wherever it is.
	var b strings.Builder
	for {
		i := indexASCIIFold(s, "pin-value")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		end := strings.IndexAny(s[i:], "&;?#")
		if end < 0 {
			s = ""
		} else {
			s = s[i+end:]
		}
		b.WriteString("pin-value=REDACTED")
	}
	return b.String()
}

// indexASCIIFold is strings.Index ignoring ASCII case, on bytes: unlike
// strings.ToLower, it keeps every index valid in s when s is not UTF-8
// (ToLower replaces invalid bytes with a three-byte U+FFFD).
func indexASCIIFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		match := true
		for j := 0; j < len(sub); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

func redactAttr(kv string) string {
	if strings.HasPrefix(strings.ToLower(kv), "pin-value") {
		return "pin-value=REDACTED"
	}
	return kv
}

func otherPart(isQuery bool) string {
	if isQuery {
		return "path (before '?', separated by ';')"
	}
	return "query (after '?', separated by '&')"
}

// scrub makes sure err's message cannot carry the PIN, whatever a module or
// library put in it.
func scrub(err error, pin string) error {
	if err == nil || pin == "" || !strings.Contains(err.Error(), pin) {
		return err
	}
	return &scrubbed{msg: strings.ReplaceAll(err.Error(), pin, "REDACTED"), err: err}
}

type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }

// Unwrap keeps errors.Is working (for ErrPIN, attest.ErrKey).
func (e *scrubbed) Unwrap() error { return e.err }
