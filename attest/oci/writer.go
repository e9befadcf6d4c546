package oci

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/provenant/provenant/attest"
)

// ErrRSAReferrer: an RSA key signs DSSE with RSA-PSS, which Sigstore
// verifiers do not expect, so its envelopes are not carried in Sigstore
// bundles.
var ErrRSAReferrer = errors.New("an RSA key's envelope cannot be stored as a Sigstore bundle referrer")

// Writer signs statements into DSSE envelopes and pushes them to an
// image's attestations: as .att layers, as referrers (the envelope in a
// keyed Sigstore bundle v0.3), or both. It implements attest.Writer, so
// provenance.Attest and provenance.Run push through it.
type Writer struct {
	c       *Client
	img     Image
	signer  attest.Signer
	storage Storage

	mu     sync.Mutex
	pushed []Pushed
}

var _ attest.Writer = (*Writer)(nil)

// NewWriter returns a Writer for the resolved image; storage StorageAuto
// is StorageAtt (a DSSE envelope's own layout).
func (c *Client) NewWriter(img Image, s attest.Signer, storage Storage) (*Writer, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: no signing key", attest.ErrKey)
	}
	if _, err := ParseStorage(string(storage)); err != nil {
		return nil, err
	}
	if storage == StorageAuto {
		storage = StorageAtt
	}
	if _, ok := s.Public().(*rsa.PublicKey); ok && storage != StorageAtt {
		return nil, ErrRSAReferrer
	}
	return &Writer{c: c, img: img, signer: s, storage: storage}, nil
}

// SetImage sets the image pushed to, for a writer made before the image
// existed (provenant run --image: the command builds it).
func (w *Writer) SetImage(img Image) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.img = img
}

func (w *Writer) image() Image {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.img
}

// Destination implements attest.Writer: the image.
func (w *Writer) Destination() string {
	if img := w.image(); img.Ref.Registry != "" {
		return img.Ref.String()
	}
	return "the image's registry"
}

// Check implements attest.Writer; a registry is checked when written to.
func (w *Writer) Check() error { return nil }

// Write implements attest.Writer: it signs st once and pushes the
// envelope in the writer's layouts.
func (w *Writer) Write(ctx context.Context, st *attest.Statement) error {
	img := w.image()
	if img.Descriptor.Digest == "" {
		return fmt.Errorf("%w: the image is not resolved", ErrNotPushable)
	}
	env, err := attest.SignStatement(ctx, st, w.signer)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	raw, err := attest.MarshalEnvelope(env)
	if err != nil {
		return err
	}
	var got []Pushed
	if w.storage == StorageAtt || w.storage == StorageBoth {
		p, err := w.c.PushEnvelope(ctx, img, raw)
		if err != nil {
			return err
		}
		got = append(got, p)
	}
	if w.storage == StorageReferrer || w.storage == StorageBoth {
		b, err := WrapEnvelope(env)
		if err != nil {
			return err
		}
		p, err := w.c.PushBundle(ctx, img, b)
		if err != nil {
			return err
		}
		got = append(got, p)
	}
	w.mu.Lock()
	w.pushed = append(w.pushed, got...)
	w.mu.Unlock()
	return nil
}

// Pushed lists what Write pushed.
func (w *Writer) Pushed() []Pushed {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Pushed(nil), w.pushed...)
}

// Push stores the entries of a bundle as attestations of the image, each
// in the layouts storage says (see Storage). An entry that cannot be
// stored as asked (an unreadable one, a Sigstore bundle with a
// certificate as a .att layer, a DSSE envelope with several signatures
// or a certificate as a referrer) is ErrNotPushable, before anything is
// pushed.
func (c *Client) Push(ctx context.Context, img Image, entries []attest.Entry, storage Storage) ([]Pushed, error) {
	if _, err := ParseStorage(string(storage)); err != nil {
		return nil, err
	}
	jobs := make([]planned, len(entries))
	for i, e := range entries {
		j, err := plan(e, storage)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Source, err)
		}
		jobs[i] = j
	}
	var out []Pushed
	for _, j := range jobs {
		if j.att != nil {
			p, err := c.PushEnvelope(ctx, img, j.att)
			if err != nil {
				return out, err
			}
			out = append(out, p)
		}
		if j.bundle != nil {
			p, err := c.PushBundle(ctx, img, j.bundle)
			if err != nil {
				return out, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

type planned struct{ att, bundle []byte }

// plan says what one entry becomes in storage.
func plan(e attest.Entry, storage Storage) (planned, error) {
	var p planned
	wantAtt := storage == StorageAtt || storage == StorageBoth
	wantRef := storage == StorageReferrer || storage == StorageBoth
	switch e.Kind() {
	case attest.EntryDSSE:
		raw, err := attest.MarshalEnvelope(e.Envelope)
		if err != nil {
			return p, err
		}
		if storage == StorageAuto || wantAtt {
			p.att = raw
		}
		if wantRef {
			if p.bundle, err = WrapEnvelope(e.Envelope); err != nil {
				return p, err
			}
		}
	case attest.EntryDSSECertificate:
		if wantRef {
			return p, fmt.Errorf("%w as a referrer: a DSSE envelope with an X.509 certificate (store it as a .att layer)", ErrNotPushable)
		}
		if len(e.Certs) != 1 {
			return p, fmt.Errorf("%w: a DSSE envelope with %d certificates (one signature with its chain is stored)", ErrNotPushable, len(e.Certs))
		}
		raw, err := attest.MarshalEnvelopeWithCert(e.Envelope, e.Certs[0])
		if err != nil {
			return p, err
		}
		p.att = raw
	case attest.EntrySigstore:
		if storage == StorageAuto || wantRef {
			p.bundle = e.Sigstore
		}
		if wantAtt {
			raw, err := UnwrapEnvelope(e.Sigstore)
			if err != nil {
				return p, err
			}
			p.att = raw
		}
	default:
		why := "unreadable"
		if e.Err != nil {
			why = e.Err.Error()
		}
		return p, fmt.Errorf("%w: %s", ErrNotPushable, why)
	}
	return p, nil
}

// WrapEnvelope carries a DSSE envelope with one signature in a Sigstore
// bundle v0.3 with a public-key hint (the signature's keyid), the shape
// sigstore-go writes for a keyed DSSE signature: verifiers check it with
// the key, with no log entry and no trusted time. The signature is not
// touched; its keyid moves to the hint.
func WrapEnvelope(env *attest.Envelope) ([]byte, error) {
	if env == nil || len(env.Signatures) != 1 {
		n := 0
		if env != nil {
			n = len(env.Signatures)
		}
		return nil, fmt.Errorf("%w as a referrer: a DSSE envelope with %d signatures (a Sigstore bundle holds one)", ErrNotPushable, n)
	}
	payload, err := decodeB64(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrNotPushable, err)
	}
	sig, err := decodeB64(env.Signatures[0].Sig)
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %v", ErrNotPushable, err)
	}
	b := &protobundle.Bundle{
		MediaType: MediaTypeBundle,
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{Hint: env.Signatures[0].KeyID}},
		},
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload:     payload,
			PayloadType: env.PayloadType,
			// No keyid: securesystemslib's verifier, under sigstore-go,
			// skips a signature whose keyid is not its key's fingerprint.
			// The keyid is not signed (it is not in the PAE); the hint
			// keeps it.
			Signatures: []*protodsse.Signature{{Sig: sig}},
		}},
	}
	raw, err := protojson.Marshal(b)
	if err != nil {
		return nil, err
	}
	// protojson's spacing is unstable on purpose: compact it.
	var v json.RawMessage = raw
	return json.Marshal(v)
}

// UnwrapEnvelope takes the DSSE envelope out of a keyed Sigstore bundle
// (a public-key hint, no certificate), for a .att layer. A bundle with a
// certificate or a message signature is ErrNotPushable: its verification
// material would be lost.
func UnwrapEnvelope(bundle []byte) ([]byte, error) {
	var b struct {
		VerificationMaterial struct {
			PublicKey   json.RawMessage `json:"publicKey"`
			Certificate json.RawMessage `json:"certificate"`
			X509Chain   json.RawMessage `json:"x509CertificateChain"`
		} `json:"verificationMaterial"`
		DSSEEnvelope *struct {
			Payload     []byte `json:"payload"`
			PayloadType string `json:"payloadType"`
			Signatures  []struct {
				Sig   []byte `json:"sig"`
				KeyID string `json:"keyid"`
			} `json:"signatures"`
		} `json:"dsseEnvelope"`
	}
	if err := attest.CheckJSON(bundle); err != nil || json.Unmarshal(bundle, &b) != nil {
		return nil, fmt.Errorf("%w: not a Sigstore bundle", ErrNotPushable)
	}
	vm := b.VerificationMaterial
	switch {
	case b.DSSEEnvelope == nil:
		return nil, fmt.Errorf("%w as a .att layer: the Sigstore bundle holds no DSSE envelope", ErrNotPushable)
	case vm.Certificate != nil || vm.X509Chain != nil || vm.PublicKey == nil:
		return nil, fmt.Errorf("%w as a .att layer: the Sigstore bundle is signed with a certificate, which a .att layer would lose (store it as a referrer)", ErrNotPushable)
	}
	env := attest.Envelope{PayloadType: b.DSSEEnvelope.PayloadType, Payload: base64.StdEncoding.EncodeToString(b.DSSEEnvelope.Payload)}
	for _, s := range b.DSSEEnvelope.Signatures {
		env.Signatures = append(env.Signatures, dsse.Signature{KeyID: s.KeyID, Sig: base64.StdEncoding.EncodeToString(s.Sig)})
	}
	return attest.MarshalEnvelope(&env)
}

func decodeB64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}
