package attest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/provenant/provenant/attest/regfile"
)

// Envelope is a DSSE envelope, as go-securesystemslib defines it.
type Envelope = dsse.Envelope

// MaxEnvelopeBytes is the default limit on one bundle line (or one
// single-document bundle); see Limits.
const MaxEnvelopeBytes = DefaultLineBytes

// Source says where an envelope came from: a file and the line it starts on.
type Source struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

func (s Source) String() string {
	if s.Line <= 0 {
		return s.File
	}
	return fmt.Sprintf("%s:%d", s.File, s.Line)
}

// Entry is one envelope of a bundle, or the reason it could not be read.
type Entry struct {
	Source   Source
	Envelope *Envelope // nil when Err is set
	// Digest is "sha256:<hex>" of the envelope's bytes as they stand in
	// the bundle (without the line break).
	Digest string
	Err    error // wraps ErrMalformed
	// Sigstore holds the raw JSON of a Sigstore bundle
	// (application/vnd.dev.sigstore.bundle...) when the entry is one;
	// Envelope is then nil. Package attest/sigstore reads and verifies it.
	Sigstore []byte
	// Index is the position of the entry within its line when one line
	// holds several (GitHub's {"attestations":[{"bundle":...}]}), from 1;
	// 0 otherwise.
	Index int
	// HasCertificate says that a DSSE signature carries an X.509
	// certificate ("cert"), as slsa-github-generator's legacy envelopes
	// do: such an envelope has no log entry and cannot be verified
	// offline.
	HasCertificate bool
	// Certs are the "cert" fields of the envelope's signatures, in
	// signature order ("" for a signature without one), read from the
	// raw JSON (dsse.Signature drops them); untrusted until verified.
	Certs []string
}

// EntryKind says what an entry of a bundle is, which decides how it is
// verified. It is read from the entry once, by Kind.
type EntryKind string

// Kinds of entries.
const (
	// EntryUnreadable: the entry could not be read (Err says why).
	EntryUnreadable EntryKind = "unreadable"
	// EntryDSSE: a DSSE envelope, verified with keys.
	EntryDSSE EntryKind = "dsse"
	// EntryDSSECertificate: a DSSE envelope whose signatures carry X.509
	// certificate chains ("cert"), verified against CA roots (or, from
	// slsa-github-generator's legacy flow, not verifiable offline).
	EntryDSSECertificate EntryKind = "dsse-certificate"
	// EntrySigstore: a Sigstore bundle (keyed or keyless, a DSSE statement
	// or a message signature), also one of GitHub's attestations.
	EntrySigstore EntryKind = "sigstore"
)

// Kind says what the entry is.
func (e Entry) Kind() EntryKind {
	switch {
	case e.Err != nil:
		return EntryUnreadable
	case e.Sigstore != nil:
		return EntrySigstore
	case e.Envelope == nil:
		return EntryUnreadable
	case e.HasCertificate:
		return EntryDSSECertificate
	default:
		return EntryDSSE
	}
}

// ReadBundleFile reads a bundle from a file with the default limits; see
// ReadBundle.
func ReadBundleFile(path string) ([]Entry, error) {
	return DefaultLimits().ReadBundleFile(path)
}

// ReadBundle reads a bundle with the default limits; see Limits.ReadBundle.
func ReadBundle(r io.Reader, name string) ([]Entry, error) {
	return DefaultLimits().ReadBundle(r, name)
}

// ReadBundleFile reads a bundle from a file; see ReadBundle. Only a
// regular file (after following links) is read: a named pipe or a device
// is refused without blocking (see package regfile).
func (l Limits) ReadBundleFile(path string) ([]Entry, error) {
	f, err := regfile.Open(path)
	if err != nil {
		return nil, FileError(err)
	}
	defer func() { _ = f.Close() }()
	return l.ReadBundle(f, path)
}

// ReadBundle reads DSSE envelopes and Sigstore bundles from r: either JSON
// Lines (one a line, blank lines ignored) or a single JSON document that may
// span many lines. A line that cannot be read becomes an Entry with Err set;
// the returned error is for I/O failures, limits (ErrLimit), and a bundle
// with no envelope at all (ErrEmptyBundle).
//
// The envelopes limit counts entries, not lines: every Sigstore bundle of a
// GitHub attestations list counts, and a line that holds too many is
// refused before any of its bundles is copied. A bundle past a limit
// (ErrLimit) is refused whole: no entry is returned, so that nothing in it
// costs a signature check.
//
// Lines are parsed a batch at a time, the lines of a batch in parallel
// (parseBatch); the envelopes limit is then counted line by line in
// order, so the entries, the errors and where the read stops are the same
// as one line at a time.
func (l Limits) ReadBundle(r io.Reader, name string) ([]Entry, error) {
	l = l.orDefaults()
	var entries []Entry
	var batch []bundleLine
	size := 0
	// flush parses the batch and counts its entries, in line order, as
	// parseLine with the room left would: a line after the limit is
	// refused whole, and so is a GitHub attestations line holding more
	// entries than the room left.
	flush := func() error {
		l.parseBatch(name, batch)
		for _, b := range batch {
			err := b.err
			switch room := l.Envelopes - len(entries); {
			case room < 1:
				err = TooManyEntries(l.Envelopes, 1)
			case err == nil && len(b.entries) > room:
				err = TooManyEntries(l.Envelopes, len(b.entries))
			}
			if err != nil {
				return &BundleError{File: name, Line: b.lineNo, Err: err}
			}
			entries = append(entries, b.entries...)
		}
		batch, size = batch[:0], 0
		return nil
	}
	var flushErr error
	err := l.ScanBundle(r, name, func(lineNo int, data []byte) error {
		batch = append(batch, bundleLine{lineNo: lineNo, data: data})
		if size += len(data); len(batch) >= batchLines || size >= batchBytes {
			flushErr = flush()
			return flushErr
		}
		return nil
	})
	if err == nil || err != flushErr {
		// The lines read before the scan stopped come first: an error
		// of theirs is the one a line-by-line read meets first.
		if ferr := flush(); ferr != nil {
			err = ferr
		}
	}
	if errors.Is(err, ErrLimit) {
		return nil, err
	}
	return entries, err
}

// A batch of ReadBundle holds at most batchLines lines and, unless one
// line is larger, batchBytes bytes.
const (
	batchLines = 128
	batchBytes = 1 << 20
)

// bundleLine is a line of a batch and, once parsed, its entries.
type bundleLine struct {
	lineNo  int
	data    []byte
	entries []Entry
	err     error
}

// parseBatch parses each line of batch with the whole envelopes limit as
// its room (ReadBundle counts the room afterwards), on up to GOMAXPROCS
// goroutines; a single line is parsed on the caller's.
func (l Limits) parseBatch(name string, batch []bundleLine) {
	parse := func(i int) {
		b := &batch[i]
		b.entries, b.err = l.parseLine(Source{name, b.lineNo}, b.data, l.Envelopes)
	}
	workers := min(runtime.GOMAXPROCS(0), len(batch))
	if workers <= 1 {
		for i := range batch {
			parse(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(batch); i = int(next.Add(1)) - 1 {
				parse(i)
			}
		})
	}
	wg.Wait()
}

// ScanBundle calls emit with each non-blank line of a bundle (without its
// line break and surrounding space), or once with the whole bundle when it
// is one JSON document spanning lines, until emit returns an error. Lines
// longer than l.LineBytes are refused without being buffered whole, and so
// are bundles of more than l.Envelopes lines (a line holds at least one
// entry; callers that expand lines count entries too, as ReadBundle
// does). A bundle with no line is ErrEmptyBundle. Errors name the file and
// line.
func (l Limits) ScanBundle(r io.Reader, name string, emit func(lineNo int, data []byte) error) error {
	l = l.orDefaults()
	br := bufio.NewReaderSize(r, scanBufferSize(r))
	lineNo, count := 0, 0
	for {
		line, err := readLine(br, l.LineBytes)
		if err != nil && !errors.Is(err, io.EOF) {
			return &BundleError{File: name, Line: lineNo + 1, Err: err}
		}
		if len(line) == 0 && errors.Is(err, io.EOF) {
			break
		}
		lineNo++
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) > 0 {
			if count == 0 && trimmed[0] == '{' && !json.Valid(trimmed) {
				// Not JSON Lines: the first envelope spans several lines.
				rest, rerr := io.ReadAll(io.LimitReader(br, int64(l.LineBytes+1-len(line))))
				if rerr != nil {
					return &BundleError{File: name, Err: rerr}
				}
				doc := append(line, rest...)
				if len(doc) > l.LineBytes {
					return &BundleError{File: name, Err: &LimitError{Name: "line-bytes", Max: l.LineBytes, What: fmt.Sprintf("document longer than %d bytes", l.LineBytes)}}
				}
				return emit(lineNo, bytes.TrimSpace(doc))
			}
			count++
			if count > l.Envelopes {
				return &BundleError{File: name, Line: lineNo, Err: TooManyEntries(l.Envelopes, 1)}
			}
			if err := emit(lineNo, trimmed); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if count == 0 {
		return &BundleError{File: name, Err: fmt.Errorf("%w: no envelope found", ErrEmptyBundle)}
	}
	return nil
}

// scanBufferSize is 64 KiB, or less for a reader that says it holds less
// (bytes.Reader, strings.Reader, bytes.Buffer): a VSA cache entry of 1.5
// KB is read with a buffer its size, not 64 KiB to clear and collect.
func scanBufferSize(r io.Reader) int {
	const size = 64 << 10
	if lr, ok := r.(interface{ Len() int }); ok {
		return min(size, max(lr.Len()+1, 16))
	}
	return size
}

// readLine returns the next line with its line break, failing when it is
// longer than limit, without buffering more than limit bytes. The break is
// kept so that a document spanning lines is read as written.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > limit+1 {
			return nil, &LimitError{Name: "line-bytes", Max: limit, What: fmt.Sprintf("line longer than %d bytes", limit)}
		}
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return line, err
		}
		return line, nil
	}
}

// newEntry makes the entry of one line; probe is its top-level object, if
// it is one, and walked says that checkNoDuplicateKeys passed it already.
func (l Limits) newEntry(src Source, data []byte, probe map[string]json.RawMessage, walked bool) Entry {
	sum := sha256.Sum256(data)
	e := Entry{Source: src, Digest: "sha256:" + hex.EncodeToString(sum[:])}
	var env *Envelope
	var err error
	if probe != nil {
		env, err = l.orDefaults().parseEnvelope(data, probe, walked)
	} else {
		env, err = l.ParseEnvelope(data)
	}
	if err != nil {
		e.Err = err
	} else {
		e.Envelope = env
	}
	return e
}

// ParseEnvelope reads one DSSE envelope with the default limits; see
// Limits.ParseEnvelope.
func ParseEnvelope(data []byte) (*Envelope, error) {
	return DefaultLimits().ParseEnvelope(data)
}

// ParseEnvelope reads one DSSE envelope from JSON and checks its shape: no
// duplicate keys, a payloadType, a base64 payload, and between one and
// l.Signatures signatures, each in base64. It does not verify anything.
// The cheap checks come first, so that junk is refused before the
// duplicate-key walk or any base64 decoding.
func (l Limits) ParseEnvelope(data []byte) (*Envelope, error) {
	l = l.orDefaults()
	if len(data) > l.LineBytes {
		return nil, &LimitError{Name: "line-bytes", Max: l.LineBytes, What: fmt.Sprintf("envelope of %d bytes, more than %d", len(data), l.LineBytes)}
	}
	probe, walked, err := jsonObject(data)
	if err != nil || probe == nil {
		if err := checkNoDuplicateKeys(data); err != nil {
			return nil, Errorf(ErrMalformed, "%v", err)
		}
		return nil, Errorf(ErrMalformed, "not a JSON object")
	}
	return l.parseEnvelope(data, probe, walked)
}

// parseEnvelope checks an envelope whose top-level object is already
// decoded into probe (walked: and checked by checkNoDuplicateKeys). Member
// names must be spelled exactly: encoding/json matches struct fields
// case-insensitively, so {"payload":A,"Payload":B} would be read
// differently by other parsers.
func (l Limits) parseEnvelope(data []byte, probe map[string]json.RawMessage, walked bool) (*Envelope, error) {
	if err := exactNames(probe, "payloadType", "payload", "signatures"); err != nil {
		return nil, err
	}
	var sigs []json.RawMessage
	if raw, ok := probe["signatures"]; ok {
		var err error
		if sigs, err = jsonArray(raw); err != nil {
			return nil, Errorf(ErrMalformed, "signatures is not a list")
		}
	}
	if len(sigs) > l.Signatures {
		return nil, &LimitError{Name: "signatures", Max: l.Signatures, What: fmt.Sprintf("envelope has %d signatures, more than %d", len(sigs), l.Signatures)}
	}
	if !walked {
		if err := checkNoDuplicateKeys(data); err != nil {
			return nil, Errorf(ErrMalformed, "%v", err)
		}
	}
	if _, ok := probe["mediaType"]; ok {
		return nil, Errorf(ErrMalformed, "this is a Sigstore bundle, not a DSSE envelope (ReadBundle reads it as a Sigstore entry, which package attest/sigstore verifies)")
	}
	if _, ok := probe["_type"]; ok {
		return nil, Errorf(ErrMalformed, "this is an unsigned in-toto statement, not a DSSE envelope")
	}
	var env Envelope
	if _, ok := probe["payload"]; !ok {
		return nil, Errorf(ErrMalformed, "no payload")
	}
	if jsonString(probe["payload"], &env.Payload) != nil {
		return nil, Errorf(ErrMalformed, "payload is not a string")
	}
	if raw, ok := probe["payloadType"]; !ok || jsonString(raw, &env.PayloadType) != nil || env.PayloadType == "" {
		return nil, Errorf(ErrMalformed, "no payloadType")
	}
	if _, err := decodeBase64(env.Payload); err != nil {
		return nil, Errorf(ErrMalformed, "payload is not base64")
	}
	if len(sigs) == 0 {
		return nil, Errorf(ErrMalformed, "envelope has no signatures")
	}
	env.Signatures = make([]dsse.Signature, len(sigs))
	for i, raw := range sigs {
		fields, _, err := jsonObject(raw)
		if err != nil || fields == nil {
			return nil, Errorf(ErrMalformed, "signature %d is not an object", i+1)
		}
		if err := exactNames(fields, "keyid", "sig", "cert"); err != nil {
			return nil, fmt.Errorf("signature %d: %w", i+1, err)
		}
		s := &env.Signatures[i]
		if raw, ok := fields["keyid"]; ok && string(raw) != "null" && jsonString(raw, &s.KeyID) != nil {
			return nil, Errorf(ErrMalformed, "signature %d: keyid is not a string", i+1)
		}
		if raw, ok := fields["sig"]; ok && jsonString(raw, &s.Sig) != nil {
			return nil, Errorf(ErrMalformed, "signature %d: sig is not a string", i+1)
		}
		if s.Sig == "" {
			return nil, Errorf(ErrMalformed, "signature %d is empty", i+1)
		}
		if _, err := decodeBase64(s.Sig); err != nil {
			return nil, Errorf(ErrMalformed, "signature %d is not base64", i+1)
		}
	}
	return &env, nil
}

// exactNames refuses a member whose name equals one of names except for
// case.
func exactNames(obj map[string]json.RawMessage, names ...string) error {
	for k := range obj {
		for _, n := range names {
			if k != n && strings.EqualFold(k, n) {
				return Errorf(ErrMalformed, "member %q differs from %q only in case", k, n)
			}
		}
	}
	return nil
}

// decodeBase64 accepts standard and URL-safe base64, as DSSE requires, with
// or without padding.
func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// MarshalEnvelope encodes an envelope as one compact JSON line (no newline).
func MarshalEnvelope(env *Envelope) ([]byte, error) {
	return json.Marshal(env)
}

// SignPayload signs payload with every signer into one DSSE envelope.
func SignPayload(ctx context.Context, payloadType string, payload []byte, signers ...Signer) (*Envelope, error) {
	if len(signers) == 0 {
		return nil, fmt.Errorf("%w: no signer", ErrKey)
	}
	ds := make([]dsse.Signer, len(signers))
	for i, s := range signers {
		ds[i] = s
	}
	es, err := dsse.NewEnvelopeSigner(ds...)
	if err != nil {
		return nil, err
	}
	return es.SignPayload(ctx, payloadType, payload)
}

// Verified is an envelope whose signatures met the threshold.
type Verified struct {
	PayloadType string
	Payload     []byte
	// KeyIDs are the distinct trusted keys whose signatures verified, in
	// the order of the signatures.
	KeyIDs []string
	// Checks is how many signature checks (one signature against one
	// key) the verification spent.
	Checks int
	// Incomplete: the signature-checks limit ended the search after the
	// threshold was met; more trusted keys may have signed than KeyIDs
	// lists.
	Incomplete bool
}
