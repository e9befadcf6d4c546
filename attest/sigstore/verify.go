package sigstore

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/regfile"
)

// Sentinel errors; every verification error wraps one of them.
var (
	// ErrVerify: the bundle does not verify (signature, log entry,
	// timestamp, certificate chain).
	ErrVerify = errors.New("sigstore verification")
	// ErrIdentity: the bundle verifies, but its signer is not one the
	// verifier trusts.
	ErrIdentity = errors.New("signer identity")
	// ErrNoTrustedTime: a certificate bundle with no log entry and no
	// timestamp.
	ErrNoTrustedTime = errors.New("carries a certificate but no transparency-log entry or timestamp: it cannot be verified offline (no trusted time for the short-lived certificate)")
)

// Identity is an expected certificate identity: the subject alternative
// name and the OIDC issuer, each given exactly or as a regular expression
// (Go syntax, unanchored, as cosign's --certificate-identity-regexp).
type Identity struct {
	SAN, SANRegexp       string
	Issuer, IssuerRegexp string
}

func (id Identity) String() string {
	san, iss := id.SAN, id.Issuer
	if san == "" {
		san = "~" + id.SANRegexp
	}
	if iss == "" {
		iss = "~" + id.IssuerRegexp
	}
	return san + " from " + iss
}

// Option configures a Verifier.
type Option func(*options) error

type options struct {
	material   []root.TrustedMaterial
	hasRoot    bool
	keys       []trustedKey
	identities []Identity
	anyIdent   bool
}

type trustedKey struct {
	key      *attest.PublicKey
	from, to time.Time
}

// WithTrustedRoot trusts a Sigstore trusted root: its Fulcio certificate
// authorities, Rekor logs, CT logs and timestamp authorities.
func WithTrustedRoot(tr *root.TrustedRoot) Option {
	return WithTrustedMaterial(tr)
}

// WithTrustedMaterial trusts any sigstore-go trusted material (a trusted
// root, or a test authority such as ca.VirtualSigstore).
func WithTrustedMaterial(tm root.TrustedMaterial) Option {
	return func(o *options) error {
		if tm == nil {
			return errors.New("nil trusted material")
		}
		o.material = append(o.material, tm)
		o.hasRoot = true
		return nil
	}
}

// WithTrustedRootFile reads a trusted_root.json file.
func WithTrustedRootFile(path string) Option {
	return func(o *options) error {
		tr, err := LoadTrustedRoot(path)
		if err != nil {
			return err
		}
		return WithTrustedRoot(tr)(o)
	}
}

// MaxTrustedRootBytes bounds a trusted_root.json file (Sigstore's public
// one is about 8 KiB).
const MaxTrustedRootBytes = 4 << 20

// LoadTrustedRoot reads a trusted_root.json file (a regular file of at
// most MaxTrustedRootBytes), refusing duplicate keys.
func LoadTrustedRoot(path string) (*root.TrustedRoot, error) {
	data, err := regfile.ReadFile(path, MaxTrustedRootBytes)
	if err != nil {
		return nil, attest.FileError(err)
	}
	if err := attest.CheckJSON(data); err != nil {
		return nil, fmt.Errorf("%s: not a trusted root: %w", path, err)
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: not a trusted root: %v", path, err)
	}
	return tr, nil
}

// WithKeys trusts public keys for keyed bundles. Every key is tried,
// whatever the bundle's public-key hint says: a hint is only a hint.
func WithKeys(keys ...*attest.PublicKey) Option {
	return func(o *options) error {
		for _, k := range keys {
			if k == nil {
				return errors.New("nil key")
			}
			o.keys = append(o.keys, trustedKey{key: k})
		}
		return nil
	}
}

// WithKeyValidity trusts a public key only for signatures whose verified
// time (a log entry or a timestamp) falls between notBefore and notAfter
// (either may be zero: open).
func WithKeyValidity(k *attest.PublicKey, notBefore, notAfter time.Time) Option {
	return func(o *options) error {
		if k == nil {
			return errors.New("nil key")
		}
		o.keys = append(o.keys, trustedKey{key: k, from: notBefore, to: notAfter})
		return nil
	}
}

// WithIdentity accepts certificates issued to this identity. Several may
// be given; one must match.
func WithIdentity(id Identity) Option {
	return func(o *options) error {
		if (id.SAN == "") == (id.SANRegexp == "") {
			return errors.New("an identity needs exactly one of a SAN and a SAN regexp")
		}
		if (id.Issuer == "") == (id.IssuerRegexp == "") {
			return errors.New("an identity needs exactly one of an OIDC issuer and an issuer regexp")
		}
		for _, re := range []string{id.SANRegexp, id.IssuerRegexp} {
			if _, err := regexp.Compile(re); err != nil {
				return fmt.Errorf("bad identity regexp %q: %v", re, err)
			}
		}
		o.identities = append(o.identities, id)
		return nil
	}
}

// WithoutIdentitiesUnsafe accepts a certificate from any identity the
// trusted root's CAs issued. The caller must then decide who signed from
// Result.Signer (as package policy does for slsa-github-generator's
// builders).
func WithoutIdentitiesUnsafe() Option {
	return func(o *options) error { o.anyIdent = true; return nil }
}

// Verifier verifies Sigstore bundles offline.
type Verifier struct {
	o options
}

// NewVerifier checks the options: at least a trusted root or a key, and
// for certificates an identity (or WithoutIdentitiesUnsafe).
func NewVerifier(opts ...Option) (*Verifier, error) {
	var o options
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if !o.hasRoot && len(o.keys) == 0 {
		return nil, errors.New("no trusted root and no key: nothing to verify against")
	}
	if len(o.identities) > 0 && o.anyIdent {
		return nil, errors.New("identities and WithoutIdentitiesUnsafe conflict")
	}
	return &Verifier{o: o}, nil
}

// HasTrustedRoot says whether certificate bundles can be verified.
func (v *Verifier) HasTrustedRoot() bool { return v.o.hasRoot }

// HasKeys says whether keyed bundles can be verified.
func (v *Verifier) HasKeys() bool { return len(v.o.keys) > 0 }

// Identities are the expected certificate identities.
func (v *Verifier) Identities() []Identity { return v.o.identities }

// Artifact is what a message signature (or the subject of a DSSE
// statement) must be about: a file, or digests. Both empty means "do not
// check" and is accepted for DSSE only, whose subjects the caller matches.
type Artifact struct {
	Path    string
	Digests digest.Set
}

// Timestamp is a verified time: a log entry's integrated time or an RFC
// 3161 timestamp.
type Timestamp struct {
	Kind string    `json:"kind"` // "Tlog" or "TimestampAuthority"
	URI  string    `json:"uri,omitempty"`
	Time time.Time `json:"time"`
}

// Signer is who signed a verified bundle: a trusted key, or a
// certificate.
type Signer struct {
	KeyID       string               `json:"keyid,omitempty"`
	Certificate *certificate.Summary `json:"certificate,omitempty"`
	// Cert is the leaf certificate, for callers that read more
	// extensions.
	Cert *x509.Certificate `json:"-"`
}

// String names the signer in one line.
func (s Signer) String() string {
	if s.Certificate != nil {
		return s.Certificate.SubjectAlternativeName + " (issuer " + s.Certificate.Issuer + ")"
	}
	return s.KeyID
}

// Result is a verified bundle.
type Result struct {
	MediaType string `json:"mediaType"`
	// PayloadType and Payload are the DSSE envelope's, exactly as signed.
	PayloadType string `json:"payloadType,omitempty"`
	Payload     []byte `json:"-"`
	// MessageDigest is the verified digest of a message signature,
	// "alg:hex".
	MessageDigest string      `json:"messageDigest,omitempty"`
	Signer        Signer      `json:"signer"`
	Timestamps    []Timestamp `json:"timestamps,omitempty"`
	// TlogEntries is how many transparency-log entries were checked.
	TlogEntries int `json:"tlogEntries"`
}

// Verify checks a signed entity (a *Bundle, or a test entity) and returns
// what it says, only when everything holds. The order is sigstore-go's:
// log entries, timestamps, certificate chain and SCTs, signature, then
// the identity.
func (v *Verifier) Verify(ctx context.Context, entity verify.SignedEntity, art Artifact) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sc, err := entity.SignatureContent()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	env := sc.EnvelopeContent()
	if env != nil {
		if n := len(env.RawEnvelope().Signatures); n != 1 {
			return nil, fmt.Errorf("%w: the DSSE envelope has %d signatures; a Sigstore bundle must carry exactly one", ErrBundle, n)
		}
	} else if sc.MessageSignatureContent() == nil {
		return nil, fmt.Errorf("%w: no signature content", ErrBundle)
	}
	artOpt, err := artifactPolicy(art, sc)
	if err != nil {
		return nil, err
	}
	vc, err := entity.VerificationContent()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	tlogs, err := entity.TlogEntries()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	tsrs, err := entity.Timestamps()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	var res *verify.VerificationResult
	if vc.Certificate() != nil {
		res, err = v.verifyCertificate(entity, artOpt, len(tlogs), len(tsrs))
	} else {
		res, err = v.verifyKeyed(entity, artOpt, len(tlogs), len(tsrs))
	}
	if err != nil {
		return nil, err
	}
	out := &Result{TlogEntries: len(tlogs)}
	if b, ok := entity.(*bundle.Bundle); ok && b.Bundle != nil {
		out.MediaType = b.GetMediaType()
	}
	for _, ts := range res.VerifiedTimestamps {
		out.Timestamps = append(out.Timestamps, Timestamp{Kind: ts.Type, URI: ts.URI, Time: ts.Timestamp.UTC()})
	}
	if res.Signature != nil && res.Signature.Certificate != nil {
		out.Signer.Certificate = res.Signature.Certificate
		out.Signer.Cert = vc.Certificate()
	} else if res.Signature != nil && res.Signature.PublicKeyID != nil {
		out.Signer.KeyID = string(*res.Signature.PublicKeyID)
	}
	if env != nil {
		raw := env.RawEnvelope()
		payload, err := raw.DecodeB64Payload()
		if err != nil {
			return nil, fmt.Errorf("%w: payload is not base64", ErrBundle)
		}
		out.PayloadType = raw.PayloadType
		out.Payload = payload
	} else {
		ms := sc.MessageSignatureContent()
		out.MessageDigest = digestAlg(ms.DigestAlgorithm()) + ":" + hex.EncodeToString(ms.Digest())
	}
	return out, nil
}

// artifactPolicy turns the artifact into sigstore-go's policy. A message
// signature needs the artifact; a DSSE envelope may be checked without it
// (the caller then matches the statement's subjects).
func artifactPolicy(art Artifact, sc verify.SignatureContent) (verify.ArtifactPolicyOption, error) {
	if art.Path != "" {
		data, err := os.ReadFile(art.Path)
		if err != nil {
			return nil, fmt.Errorf("artifact %w", attest.FileError(err))
		}
		// A fresh reader each time: every trusted key gets its try.
		return func(p *verify.PolicyConfig) error { return verify.WithArtifact(bytes.NewReader(data))(p) }, nil
	}
	if len(art.Digests) > 0 {
		if ms := sc.MessageSignatureContent(); ms != nil {
			alg := digestAlg(ms.DigestAlgorithm())
			hexd, ok := art.Digests[alg]
			if !ok {
				return nil, fmt.Errorf("%w: the message signature is over a %s digest; give the artifact or its %s digest", ErrVerify, alg, alg)
			}
			d, err := hex.DecodeString(hexd)
			if err != nil {
				return nil, fmt.Errorf("bad %s digest %q", alg, hexd)
			}
			return verify.WithArtifactDigest(alg, d), nil
		}
		var ds []verify.ArtifactDigest
		for alg, hexd := range art.Digests {
			d, err := hex.DecodeString(hexd)
			if err != nil {
				return nil, fmt.Errorf("bad %s digest %q", alg, hexd)
			}
			ds = append(ds, verify.ArtifactDigest{Algorithm: alg, Digest: d})
		}
		return verify.WithArtifactDigests(ds), nil
	}
	if sc.EnvelopeContent() == nil {
		return nil, errors.New("a message signature needs the artifact or its digest")
	}
	return verify.WithoutArtifactUnsafe(), nil
}

func (v *Verifier) identityPolicy() ([]verify.PolicyOption, error) {
	if v.o.anyIdent {
		return []verify.PolicyOption{verify.WithoutIdentitiesUnsafe()}, nil
	}
	if len(v.o.identities) == 0 {
		return nil, fmt.Errorf("%w: the bundle is signed with a certificate; give --certificate-identity (or -regexp) and --certificate-oidc-issuer (or -regexp)", ErrIdentity)
	}
	var opts []verify.PolicyOption
	for _, id := range v.o.identities {
		ci, err := verify.NewShortCertificateIdentity(id.Issuer, id.IssuerRegexp, id.SAN, id.SANRegexp)
		if err != nil {
			return nil, err
		}
		opts = append(opts, verify.WithCertificateIdentity(ci))
	}
	return opts, nil
}

func (v *Verifier) verifyCertificate(entity verify.SignedEntity, artOpt verify.ArtifactPolicyOption, nTlog, nTSA int) (*verify.VerificationResult, error) {
	if !v.o.hasRoot {
		return nil, fmt.Errorf("%w: the bundle is signed with a certificate; give --trusted-root", ErrVerify)
	}
	if nTlog == 0 && nTSA == 0 {
		return nil, ErrNoTrustedTime
	}
	tm := root.TrustedMaterialCollection(v.o.material)
	var vopts []verify.VerifierOption
	if len(tm.CTLogs()) > 0 {
		vopts = append(vopts, verify.WithSignedCertificateTimestamps(1))
	}
	if nTlog > 0 {
		vopts = append(vopts, verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1))
	} else {
		vopts = append(vopts, verify.WithSignedTimestamps(1))
	}
	sv, err := verify.NewVerifier(tm, vopts...)
	if err != nil {
		return nil, err
	}
	idOpts, err := v.identityPolicy()
	if err != nil {
		return nil, err
	}
	res, err := sv.Verify(entity, verify.NewPolicy(artOpt, idOpts...))
	if err != nil {
		if strings.Contains(err.Error(), "certificate identity") {
			return nil, fmt.Errorf("%w: %v", ErrIdentity, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrVerify, err)
	}
	return res, nil
}

func (v *Verifier) verifyKeyed(entity verify.SignedEntity, artOpt verify.ArtifactPolicyOption, nTlog, nTSA int) (*verify.VerificationResult, error) {
	if len(v.o.keys) == 0 {
		return nil, fmt.Errorf("%w: the bundle is signed with a key; give --key", ErrVerify)
	}
	if nTlog > 0 && !v.o.hasRoot {
		return nil, fmt.Errorf("%w: the bundle has %d transparency-log entr(y/ies); give --trusted-root to check them", ErrVerify, nTlog)
	}
	var vopts []verify.VerifierOption
	switch {
	case nTlog > 0:
		vopts = []verify.VerifierOption{verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1)}
	case nTSA > 0 && v.o.hasRoot:
		vopts = []verify.VerifierOption{verify.WithSignedTimestamps(1)}
	default:
		// No trusted time: the key vouches for the signature alone.
		vopts = []verify.VerifierOption{verify.WithNoObserverTimestamps()}
	}
	var errs []string
	for _, k := range v.o.keys {
		sv, err := signature.LoadDefaultVerifier(k.key.Key)
		if err != nil {
			errs = append(errs, fmt.Sprintf("key %s: %v", attest.ShortKeyID(k.key.ID), err))
			continue
		}
		exp := root.NewExpiringKey(sv, k.from, k.to)
		keyMat := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) { return exp, nil })
		tm := root.TrustedMaterialCollection(append(append([]root.TrustedMaterial{}, v.o.material...), keyMat))
		ver, err := verify.NewVerifier(tm, vopts...)
		if err != nil {
			return nil, err
		}
		res, err := ver.Verify(entity, verify.NewPolicy(artOpt, verify.WithKey()))
		if err != nil {
			errs = append(errs, fmt.Sprintf("key %s: %v", attest.ShortKeyID(k.key.ID), err))
			continue
		}
		id := []byte(k.key.ID)
		res.Signature.PublicKeyID = &id
		return res, nil
	}
	return nil, fmt.Errorf("%w: no trusted key verifies the bundle (%s)", ErrVerify, strings.Join(errs, "; "))
}

// ReadAll is a helper for callers that verify from a reader.
func ReadAll(r io.Reader) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, MaxBundleBytes+1))
}

// digestAlg names a bundle's hash algorithm (SHA2_256, sha256, SHA-256)
// the way digest sets do (sha256).
func digestAlg(a string) string {
	a = strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(a))
	switch a {
	case "sha2256":
		return "sha256"
	case "sha2384":
		return "sha384"
	case "sha2512":
		return "sha512"
	}
	return a
}
