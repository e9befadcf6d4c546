package sigstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/regfile"
)

// Bundle is a Sigstore bundle, as sigstore-go reads it.
type Bundle = bundle.Bundle

// ErrBundle: a Sigstore bundle is not well-formed.
var ErrBundle = errors.New("malformed Sigstore bundle")

// MaxBundleBytes is the largest bundle ParseBundle accepts.
const MaxBundleBytes = attest.MaxEnvelopeBytes

// ParseBundle reads one Sigstore bundle from JSON: no duplicate keys (the
// same check as every other document provenant reads), a known media type
// (v0.1, v0.2 or v0.3, both spellings), the fields each version requires,
// and, for a DSSE envelope, exactly one signature. It verifies nothing.
func ParseBundle(data []byte) (*Bundle, error) {
	if len(data) > MaxBundleBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBundle, MaxBundleBytes)
	}
	if err := attest.CheckJSON(data); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBundle, err)
	}
	var b Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	if b.Bundle == nil || b.GetVerificationMaterial() == nil {
		return nil, fmt.Errorf("%w: no verification material", ErrBundle)
	}
	if env := b.GetDsseEnvelope(); env != nil {
		if n := len(env.GetSignatures()); n != 1 {
			return nil, fmt.Errorf("%w: the DSSE envelope has %d signatures; a Sigstore bundle must carry exactly one", ErrBundle, n)
		}
	} else if b.GetMessageSignature() == nil {
		return nil, fmt.Errorf("%w: neither a DSSE envelope nor a message signature", ErrBundle)
	}
	return &b, nil
}

// LoadBundle reads a bundle file that holds one Sigstore bundle (the
// .sigstore.json shape): a regular file of at most MaxBundleBytes.
func LoadBundle(path string) (*Bundle, error) {
	data, err := regfile.ReadFile(path, MaxBundleBytes)
	if err != nil {
		return nil, attest.FileError(err)
	}
	b, err := ParseBundle(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

func compactJSON(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SignedWithCertificate says whether a bundle's verification material is a
// certificate (keyless signing) rather than a public-key hint.
func SignedWithCertificate(b *Bundle) bool {
	vm := b.GetVerificationMaterial()
	return vm.GetCertificate() != nil || vm.GetX509CertificateChain() != nil
}
