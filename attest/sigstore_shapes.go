package attest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// SigstoreBundleMediaTypePrefix starts the mediaType of every Sigstore
// bundle version (v0.1 and v0.2 as "...bundle+json;version=0.x", v0.3 as
// "...bundle.v0.3+json").
const SigstoreBundleMediaTypePrefix = "application/vnd.dev.sigstore.bundle"

// CheckJSON fails when data is not exactly one JSON value, repeats an
// object key, or nests deeper than MaxJSONDepth. Verifiers run it on every
// document before decoding it, so that every parser reads the same thing.
func CheckJSON(data []byte) error {
	return checkNoDuplicateKeys(data)
}

// ParseLine reads one line (or one whole document) of a bundle: a DSSE
// envelope, a Sigstore bundle, or GitHub's attestation API shape
// {"attestations":[{"bundle":...},...]}, which becomes one entry per
// bundle, numbered with Entry.Index.
//
// ParseLine is what ReadBundle does with each line; it is exported for
// readers that stream lines themselves (ScanBundle) and parse them in
// parallel. Such readers count the entries against l.Envelopes across
// lines themselves; ParseLine refuses a single line that holds more (one
// entry whose Err is a *LimitError), before copying any of them.
func (l Limits) ParseLine(src Source, data []byte) []Entry {
	entries, err := l.parseLine(src, data, l.orDefaults().Envelopes)
	if err != nil {
		sum := sha256.Sum256(data)
		return []Entry{{Source: src, Digest: "sha256:" + hex.EncodeToString(sum[:]), Err: err}}
	}
	return entries
}

// tooManyEntries is the envelopes limit's error for a line of n entries
// that takes a bundle past max.
func TooManyEntries(max, n int) *LimitError {
	what := fmt.Sprintf("bundle has more than %d entries", max)
	if n > 1 {
		what += fmt.Sprintf(": this line holds %d Sigstore bundles, each an entry", n)
	}
	return &LimitError{Name: "envelopes", Max: max, What: what}
}

// parseLine is ParseLine for a bundle that may hold room more entries; a
// line with more is a *LimitError (the envelopes limit).
func (l Limits) parseLine(src Source, data []byte, room int) ([]Entry, error) {
	max := l.orDefaults().Envelopes
	if room < 1 {
		return nil, TooManyEntries(max, 1)
	}
	// One pass reads the line's members and checks it for duplicates
	// (walked); only a line it cannot take is decoded by encoding/json,
	// and then walked by the checks below, as before.
	probe, walked, err := jsonObject(data)
	if err != nil {
		probe = nil
	}
	if err == nil && (walked || checkNoDuplicateKeysIfNotEnvelope(probe, data) == nil) {
		if isSigstoreBundle(probe) {
			return []Entry{sigstoreEntry(src, data)}, nil
		}
		if raw, ok := probe["attestations"]; ok && probe["payload"] == nil {
			return githubAttestations(src, data, raw, room, max)
		}
	}
	e := l.newEntry(src, data, probe, walked)
	if e.Err == nil {
		if certs := signatureCerts(probe); certs != nil {
			e.HasCertificate = true
			e.Certs = certs
		}
	}
	return []Entry{e}, nil
}

func isSigstoreBundle(probe map[string]json.RawMessage) bool {
	var mt string
	if json.Unmarshal(probe["mediaType"], &mt) != nil {
		return false
	}
	return strings.HasPrefix(mt, SigstoreBundleMediaTypePrefix)
}

func sigstoreEntry(src Source, data []byte) Entry {
	sum := sha256.Sum256(data)
	return Entry{Source: src, Digest: "sha256:" + hex.EncodeToString(sum[:]), Sigstore: bytes.Clone(data)}
}

// githubAttestations expands GitHub's attestation API response into at
// most room entries (max is the envelopes limit, for the error).
func githubAttestations(src Source, data []byte, raw json.RawMessage, room, max int) ([]Entry, error) {
	bad := func(msg string) ([]Entry, error) {
		sum := sha256.Sum256(data)
		return []Entry{{Source: src, Digest: "sha256:" + hex.EncodeToString(sum[:]),
			Err: Errorf(ErrMalformed, "GitHub attestations: %s", msg)}}, nil
	}
	var list []struct {
		Bundle json.RawMessage `json:"bundle"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return bad(`"attestations" is not a list of objects`)
	}
	if len(list) == 0 {
		return bad("no attestation in the list")
	}
	if len(list) > room {
		return nil, TooManyEntries(max, len(list))
	}
	out := make([]Entry, 0, len(list))
	for i, a := range list {
		var probe map[string]json.RawMessage
		if len(a.Bundle) == 0 || json.Unmarshal(a.Bundle, &probe) != nil || !isSigstoreBundle(probe) {
			sum := sha256.Sum256(a.Bundle)
			out = append(out, Entry{Source: src, Index: i + 1, Digest: "sha256:" + hex.EncodeToString(sum[:]),
				Err: Errorf(ErrMalformed, "GitHub attestation %d has no Sigstore bundle", i+1)})
			continue
		}
		e := sigstoreEntry(src, a.Bundle)
		e.Index = i + 1
		out = append(out, e)
	}
	return out, nil
}

// checkNoDuplicateKeysIfNotEnvelope runs the duplicate-key walk for the
// shapes that are not DSSE envelopes; ParseEnvelope runs it for envelopes,
// after its cheaper checks, so that no line is walked twice.
func checkNoDuplicateKeysIfNotEnvelope(probe map[string]json.RawMessage, data []byte) error {
	if _, ok := probe["payload"]; ok {
		return nil
	}
	return checkNoDuplicateKeys(data)
}
