package sigstore

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/pem"
	"errors"
	"fmt"
	"io"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/regfile"
)

// keypair adapts an attest.Signer (a long-lived key) to sigstore-go's
// sign.Keypair, which otherwise only comes as an ephemeral key.
type keypair struct {
	s    attest.Signer
	pub  crypto.PublicKey
	hash protocommon.HashAlgorithm
	alg  protocommon.PublicKeyDetails
	hint string
}

func newKeypair(s attest.Signer) (*keypair, error) {
	if s == nil {
		return nil, errors.New("no signing key")
	}
	kp := &keypair{s: s, pub: s.Public()}
	switch k := kp.pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			kp.hash, kp.alg = protocommon.HashAlgorithm_SHA2_256, protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256
		case elliptic.P384():
			kp.hash, kp.alg = protocommon.HashAlgorithm_SHA2_384, protocommon.PublicKeyDetails_PKIX_ECDSA_P384_SHA_384
		default:
			return nil, fmt.Errorf("%w: unsupported ECDSA curve for Sigstore bundles", attest.ErrKey)
		}
	case ed25519.PublicKey:
		kp.hash, kp.alg = protocommon.HashAlgorithm_SHA2_512, protocommon.PublicKeyDetails_PKIX_ED25519
	default:
		// provenant's RSA keys sign with PSS (the securesystemslib
		// scheme); Sigstore clients verify RSA keys with PKCS#1 v1.5.
		return nil, fmt.Errorf("%w: Sigstore bundles are signed with ECDSA (P-256, P-384) or Ed25519 keys; provenant's RSA keys sign with PSS, which Sigstore verifiers do not expect", attest.ErrKey)
	}
	id, err := s.KeyID()
	if err != nil {
		return nil, err
	}
	kp.hint = id
	return kp, nil
}

func (k *keypair) GetHashAlgorithm() protocommon.HashAlgorithm       { return k.hash }
func (k *keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails { return k.alg }
func (k *keypair) GetHint() []byte                                   { return []byte(k.hint) }
func (k *keypair) GetPublicKey() crypto.PublicKey                    { return k.pub }

func (k *keypair) GetKeyAlgorithm() string {
	switch k.pub.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA"
	case ed25519.PublicKey:
		return "ED25519"
	}
	return ""
}

func (k *keypair) GetPublicKeyPem() (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(k.pub)
	return string(b), err
}

// SignData signs data (the artifact, or the DSSE PAE) and returns the
// signature and the digest recorded in a message signature.
func (k *keypair) SignData(ctx context.Context, data []byte) ([]byte, []byte, error) {
	h := crypto.SHA256
	switch k.hash {
	case protocommon.HashAlgorithm_SHA2_384:
		h = crypto.SHA384
	case protocommon.HashAlgorithm_SHA2_512:
		h = crypto.SHA512
	}
	digest := attest.HashData(h, data)
	sig, err := k.s.Sign(ctx, data)
	if err != nil {
		return nil, nil, err
	}
	return sig, digest, nil
}

// SignArtifact signs an artifact's bytes into a Sigstore bundle v0.3 with
// a message signature and a public-key hint. It is made offline: no
// certificate, no transparency-log entry, no timestamp, so the bundle
// carries no trusted time (a verifier trusts the key alone).
func SignArtifact(ctx context.Context, s attest.Signer, artifact []byte) ([]byte, error) {
	return signBundle(ctx, s, &sign.PlainData{Data: artifact})
}

// SignArtifactFile signs a file's bytes like SignArtifact. Only a regular
// file (after following links) is read: a named pipe or a device is refused
// without blocking. The bytes are held in memory, as an Ed25519 signature
// over a message needs them.
func SignArtifactFile(ctx context.Context, s attest.Signer, path string) ([]byte, error) {
	data, err := readArtifact(path)
	if err != nil {
		return nil, err
	}
	return SignArtifact(ctx, s, data)
}

// readArtifact reads a regular file's bytes (a named pipe or a device is
// refused without blocking).
func readArtifact(path string) ([]byte, error) {
	f, err := regfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("artifact %w", attest.FileError(err))
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("artifact %w", attest.FileError(err))
	}
	return data, nil
}

// SignStatement signs an in-toto statement (its canonical bytes, as
// attest.MarshalStatement makes them) into a Sigstore bundle v0.3 with a
// DSSE envelope (one signature) and a public-key hint, offline.
func SignStatement(ctx context.Context, s attest.Signer, st *attest.Statement) ([]byte, error) {
	payload, err := attest.MarshalStatement(st)
	if err != nil {
		return nil, err
	}
	return signBundle(ctx, s, &sign.DSSEData{Data: payload, PayloadType: attest.PayloadType})
}

func signBundle(ctx context.Context, s attest.Signer, content sign.Content) ([]byte, error) {
	kp, err := newKeypair(s)
	if err != nil {
		return nil, err
	}
	pb, err := sign.Bundle(content, kp, sign.BundleOptions{Context: ctx})
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	return marshalBundle(pb)
}

func marshalBundle(pb *protobundle.Bundle) ([]byte, error) {
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return nil, err
	}
	raw, err := protojson.Marshal(b.Bundle)
	if err != nil {
		return nil, err
	}
	// protojson's spacing is deliberately unstable: compact it.
	return compactJSON(raw)
}

// PublicKeyPEM is a convenience for documentation and tests.
func PublicKeyPEM(pub crypto.PublicKey) ([]byte, error) {
	der, err := cryptoutils.MarshalPublicKeyToDER(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// BundleWriter signs into one Sigstore bundle v0.3 file (the .sigstore.json
// shape), made offline with a public-key hint: a DSSE envelope for a
// statement (Write, an attest.Writer) or a message signature over an
// artifact (WriteArtifactSignature, what `provenant sign` writes). The file
// is written with attest.WriteFile: atomically, never through a link or
// over anything but a regular file, and over an existing file only with
// attest.WithOverwrite. A bundle holds one signature: a second Write
// without WithOverwrite is attest.ErrExists.
//
// NewKeylessBundleWriter makes the same file with a Keyless signer, and
// NewKeylessLineWriter appends keyless bundles, one a line, to a JSON
// Lines bundle (as attest.AppendLinesToBundle does).
type BundleWriter struct {
	path   string
	signer bundleSigner
	wopts  []attest.WriteOption
	lines  bool // append one bundle a line
}

// bundleSigner makes a bundle's bytes: with a long-lived key (keyed) or
// keyless.
type bundleSigner interface {
	SignStatement(ctx context.Context, st *attest.Statement) ([]byte, error)
	SignArtifact(ctx context.Context, artifact []byte) ([]byte, error)
}

// keyed signs with a long-lived key, offline.
type keyed struct{ s attest.Signer }

func (k keyed) SignStatement(ctx context.Context, st *attest.Statement) ([]byte, error) {
	return SignStatement(ctx, k.s, st)
}

func (k keyed) SignArtifact(ctx context.Context, artifact []byte) ([]byte, error) {
	return SignArtifact(ctx, k.s, artifact)
}

var _ attest.Writer = (*BundleWriter)(nil)

// NewBundleWriter returns a BundleWriter that signs with s into the file at
// path; opts are attest.WriteFile's (attest.WithOverwrite). A key that
// cannot sign a Sigstore bundle (RSA, see SignArtifact) is refused here,
// before any work.
func NewBundleWriter(path string, s attest.Signer, opts ...attest.WriteOption) (*BundleWriter, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: no file name", attest.ErrUnsafeDestination)
	}
	if _, err := newKeypair(s); err != nil {
		return nil, err
	}
	return &BundleWriter{path: path, signer: keyed{s}, wopts: opts}, nil
}

// NewKeylessBundleWriter returns a BundleWriter that signs keyless with k
// into one bundle file at path (replaced only with attest.WithOverwrite).
func NewKeylessBundleWriter(path string, k *Keyless, opts ...attest.WriteOption) (*BundleWriter, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: no file name", attest.ErrUnsafeDestination)
	}
	if k == nil {
		return nil, ErrNoToken
	}
	return &BundleWriter{path: path, signer: k, wopts: opts}, nil
}

// NewKeylessLineWriter returns a BundleWriter that signs keyless with k
// and appends each bundle as one line to the JSON Lines bundle at path:
// atomically, under the bundle's lock, only to a regular file that holds
// a bundle (or to a new file).
func NewKeylessLineWriter(path string, k *Keyless) (*BundleWriter, error) {
	w, err := NewKeylessBundleWriter(path, k)
	if err != nil {
		return nil, err
	}
	w.lines = true
	return w, nil
}

// Destination implements attest.Writer: the bundle's path.
func (w *BundleWriter) Destination() string { return w.path }

// Check implements attest.Writer with attest.CheckWrite (or
// attest.CheckAppend for a line writer).
func (w *BundleWriter) Check() error {
	if w.lines {
		return attest.CheckAppend(w.path)
	}
	return attest.CheckWrite(w.path, w.wopts...)
}

// Write implements attest.Writer: it signs st, then writes the file.
func (w *BundleWriter) Write(ctx context.Context, st *attest.Statement) error {
	b, err := w.signer.SignStatement(ctx, st)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	return w.write(b)
}

// WriteArtifactSignature signs the bytes of the artifact file (as
// SignArtifactFile does) into the bundle.
func (w *BundleWriter) WriteArtifactSignature(ctx context.Context, artifact string) error {
	data, err := readArtifact(artifact)
	if err != nil {
		return err
	}
	b, err := w.signer.SignArtifact(ctx, data)
	if err != nil {
		return err
	}
	return w.write(b)
}

func (w *BundleWriter) write(b []byte) error {
	if w.lines {
		if err := attest.AppendLinesToBundle(w.path, b); err != nil {
			return fmt.Errorf("writing the bundle: %w", err)
		}
		return nil
	}
	return attest.WriteFile(w.path, append(b, '\n'), 0o644, w.wopts...)
}
