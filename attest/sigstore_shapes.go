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
// parallel.
func (l Limits) ParseLine(src Source, data []byte) []Entry {
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) == nil && checkNoDuplicateKeysIfNotEnvelope(probe, data) == nil {
		if isSigstoreBundle(probe) {
			return []Entry{sigstoreEntry(src, data)}
		}
		if raw, ok := probe["attestations"]; ok && probe["payload"] == nil {
			return githubAttestations(src, data, raw)
		}
	}
	e := l.newEntry(src, data, probe)
	if e.Err == nil {
		if certs := signatureCerts(probe); certs != nil {
			e.HasCertificate = true
			e.Certs = certs
		}
	}
	return []Entry{e}
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

// githubAttestations expands GitHub's attestation API response.
func githubAttestations(src Source, data []byte, raw json.RawMessage) []Entry {
	bad := func(msg string) []Entry {
		sum := sha256.Sum256(data)
		return []Entry{{Source: src, Digest: "sha256:" + hex.EncodeToString(sum[:]),
			Err: fmt.Errorf("%w: GitHub attestations: %s", ErrMalformed, msg)}}
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
	out := make([]Entry, 0, len(list))
	for i, a := range list {
		var probe map[string]json.RawMessage
		if len(a.Bundle) == 0 || json.Unmarshal(a.Bundle, &probe) != nil || !isSigstoreBundle(probe) {
			sum := sha256.Sum256(a.Bundle)
			out = append(out, Entry{Source: src, Index: i + 1, Digest: "sha256:" + hex.EncodeToString(sum[:]),
				Err: fmt.Errorf("%w: GitHub attestation %d has no Sigstore bundle", ErrMalformed, i+1)})
			continue
		}
		e := sigstoreEntry(src, a.Bundle)
		e.Index = i + 1
		out = append(out, e)
	}
	return out
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
