package sigstore

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/regfile"
	"github.com/provenant/provenant/attest/safetext"
)

// Sentinel errors; every verification error wraps one of them.
var (
	// ErrVerify: the bundle does not verify (signature, log entry,
	// timestamp, certificate chain).
	ErrVerify = errors.New("sigstore verification")
	// ErrIdentity: the bundle verifies, but its signer is not one the
	// verifier trusts.
	ErrIdentity = errors.New("signer identity")
	// ErrNoIdentity: a certificate bundle, and no identity was given to
	// require of its signer.
	ErrNoIdentity = errors.New("the bundle is signed with a certificate, and no certificate identity was required")
	// ErrNoRoot: the bundle needs a Sigstore trusted root (a certificate,
	// or transparency-log entries to check), and none was given.
	ErrNoRoot = errors.New("no Sigstore trusted root was given")
	// ErrNoKey: a keyed bundle, and no key was given.
	ErrNoKey = errors.New("the bundle is signed with a key, and no key was given")
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
	names      []string // material[i]'s name ("" unnamed)
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

// WithNamedTrustedRoot trusts a trusted root known by a name (a file, a
// cached root). With several, a certificate bundle is verified against
// each alone, never against a mix of them, and Result.TrustedRoot names
// the one that verified it.
func WithNamedTrustedRoot(name string, tr *root.TrustedRoot) Option {
	return func(o *options) error {
		if tr == nil {
			return errors.New("nil trusted root")
		}
		o.material = append(o.material, tr)
		o.names = append(o.names, name)
		o.hasRoot = true
		return nil
	}
}

// WithTrustedMaterial trusts any sigstore-go trusted material (a trusted
// root, or a test authority such as ca.VirtualSigstore).
func WithTrustedMaterial(tm root.TrustedMaterial) Option {
	return func(o *options) error {
		if tm == nil {
			return errors.New("nil trusted material")
		}
		o.material = append(o.material, tm)
		o.names = append(o.names, "")
		o.hasRoot = true
		return nil
	}
}

// WithTrustedRootFile reads a trusted_root.json file, named by its path.
func WithTrustedRootFile(path string) Option {
	return func(o *options) error {
		tr, err := LoadTrustedRoot(path)
		if err != nil {
			return err
		}
		return WithNamedTrustedRoot(path, tr)(o)
	}
}

// MaxTrustedRootBytes bounds a trusted_root.json file (Sigstore's public
// one is about 8 KiB).
const MaxTrustedRootBytes = 4 << 20

// LoadTrustedRoot reads a trusted_root.json file (a regular file of at
// most MaxTrustedRootBytes), refusing duplicate keys.
func LoadTrustedRoot(path string) (*root.TrustedRoot, error) {
	return loadJSONFile(path, MaxTrustedRootBytes, "a trusted root", root.NewTrustedRootFromJSON)
}

// loadJSONFile reads a regular file of at most limit bytes, refuses
// duplicate JSON keys, and parses it: the one way Sigstore's JSON
// documents (trusted roots, signing configurations) are read.
func loadJSONFile[T any](path string, limit int64, what string, parse func([]byte) (T, error)) (T, error) {
	var zero T
	data, err := regfile.ReadFile(path, limit)
	if err != nil {
		return zero, attest.FileError(err)
	}
	if err := attest.CheckJSON(data); err != nil {
		return zero, fmt.Errorf("%s: not %s: %w", path, what, err)
	}
	v, err := parse(data)
	if err != nil {
		return zero, fmt.Errorf("%s: not %s: %v", path, what, err)
	}
	return v, nil
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
	// TrustedRoot names the trusted root that verified a certificate
	// bundle (WithNamedTrustedRoot, WithTrustedRootFile); "" when it has
	// no name.
	TrustedRoot string `json:"trustedRoot,omitempty"`
}

// Verify checks a signed entity (a *Bundle, or a test entity) and returns
// what it says, only when everything holds. The order is sigstore-go's:
// log entries, timestamps, certificate chain and SCTs, signature, then
// the identity.
func (v *Verifier) Verify(ctx context.Context, entity verify.SignedEntity, art Artifact) (*Result, error) {
	return v.verify(ctx, entity, art, &artifactFile{path: art.Path})
}

// verify is Verify with the artifact's file digests shared between calls
// (several bundles of a file checked against one artifact).
func (v *Verifier) verify(ctx context.Context, entity verify.SignedEntity, art Artifact, file *artifactFile) (*Result, error) {
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
	ap, err := newArtifactPolicy(art, file, sc)
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
	rootName := ""
	if vc.Certificate() != nil {
		res, rootName, err = v.verifyCertificate(entity, ap, vc.Certificate().PublicKey, len(tlogs), len(tsrs))
	} else {
		hint := ""
		if pk := vc.PublicKey(); pk != nil {
			hint = pk.Hint()
		}
		res, err = v.verifyKeyed(entity, ap, hint, len(tlogs), len(tsrs))
	}
	if err != nil {
		return nil, err
	}
	out := &Result{TlogEntries: len(tlogs), TrustedRoot: rootName}
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

// artifactFile is an artifact on disk, hashed at most once per algorithm
// (streaming, and only if it is a regular file) however many bundles and
// keys are checked against it.
type artifactFile struct {
	path string
	mu   sync.Mutex
	sums digest.Set
}

// digests returns the artifact's digests for algs, hashing the file once
// for all those not computed yet.
func (a *artifactFile) digests(algs ...string) (digest.Set, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var missing []string
	for _, alg := range algs {
		if _, ok := a.sums[alg]; !ok {
			missing = append(missing, alg)
		}
	}
	if len(missing) > 0 {
		set, err := digest.File(a.path, missing...)
		if err != nil {
			return nil, fmt.Errorf("artifact %w", attest.FileError(err))
		}
		if a.sums == nil {
			a.sums = digest.Set{}
		}
		maps.Copy(a.sums, set)
	}
	return a.sums, nil
}

// artifactPolicy is what a bundle is checked against: sigstore-go's option
// for the artifact, decided before any signature is checked.
type artifactPolicy struct {
	opt verify.ArtifactPolicyOption
	// bytesOf is set for a message signature over a file: a signer with
	// an Ed25519 key signed the artifact's bytes, not a digest, and only
	// the bytes verify it (streamed from the file, opened for that check).
	bytesOf string
}

// option returns the artifact option for a signer with public key pub, and
// what to call once the check is done.
func (p artifactPolicy) option(pub crypto.PublicKey) (verify.ArtifactPolicyOption, func(), error) {
	if _, ed := pub.(ed25519.PublicKey); !ed || p.bytesOf == "" {
		return p.opt, func() {}, nil
	}
	f, err := regfile.Open(p.bytesOf)
	if err != nil {
		return nil, nil, fmt.Errorf("artifact %w", attest.FileError(err))
	}
	return verify.WithArtifact(f), func() { _ = f.Close() }, nil
}

// newArtifactPolicy turns the artifact into sigstore-go's policy. A
// message signature needs the artifact; a DSSE envelope may be checked
// without it (the caller then matches the statement's subjects). A file is
// never held in memory: it is hashed once, with the algorithm the message
// signature names or those the statement's subjects use, and a bundle that
// cannot be about it is refused before any signature is checked.
func newArtifactPolicy(art Artifact, file *artifactFile, sc verify.SignatureContent) (artifactPolicy, error) {
	if art.Path != "" {
		if ms := sc.MessageSignatureContent(); ms != nil {
			alg := digestAlg(ms.DigestAlgorithm())
			if !digest.IsSupported(alg) {
				return artifactPolicy{}, fmt.Errorf("%w: the message signature is over a %s digest, which provenant does not compute", ErrVerify, alg)
			}
			sums, err := file.digests(alg)
			if err != nil {
				return artifactPolicy{}, err
			}
			d, _ := hex.DecodeString(sums[alg])
			if !bytes.Equal(d, ms.Digest()) {
				return artifactPolicy{}, fmt.Errorf("%w: the message signature is not over this artifact (the %s digest it signs is not the artifact's)", ErrVerify, alg)
			}
			return artifactPolicy{opt: verify.WithArtifactDigest(alg, d), bytesOf: art.Path}, nil
		}
		return dsseFilePolicy(file, sc)
	}
	if len(art.Digests) > 0 {
		if ms := sc.MessageSignatureContent(); ms != nil {
			alg := digestAlg(ms.DigestAlgorithm())
			hexd, ok := art.Digests[alg]
			if !ok {
				return artifactPolicy{}, fmt.Errorf("%w: the message signature is over a %s digest; the artifact, or its %s digest, is needed", ErrVerify, alg, alg)
			}
			d, err := hex.DecodeString(hexd)
			if err != nil {
				return artifactPolicy{}, fmt.Errorf("bad %s digest %q", alg, hexd)
			}
			return artifactPolicy{opt: verify.WithArtifactDigest(alg, d)}, nil
		}
		var ds []verify.ArtifactDigest
		for alg, hexd := range art.Digests {
			d, err := hex.DecodeString(hexd)
			if err != nil {
				return artifactPolicy{}, fmt.Errorf("bad %s digest %q", alg, hexd)
			}
			ds = append(ds, verify.ArtifactDigest{Algorithm: alg, Digest: d})
		}
		return artifactPolicy{opt: verify.WithArtifactDigests(ds)}, nil
	}
	if sc.EnvelopeContent() == nil {
		return artifactPolicy{}, errors.New("a message signature needs the artifact or its digest")
	}
	return artifactPolicy{opt: verify.WithoutArtifactUnsafe()}, nil
}

// dsseFilePolicy matches a file to a DSSE statement the way sigstore-go's
// WithArtifact does (some subject carries the file's digest under one of
// the algorithms the subjects use), from digests computed once. The
// subjects are read from the payload before its signature is checked, only
// to choose the algorithms; sigstore-go matches the digests again against
// the verified statement.
func dsseFilePolicy(file *artifactFile, sc verify.SignatureContent) (artifactPolicy, error) {
	payload, err := sc.EnvelopeContent().RawEnvelope().DecodeB64Payload()
	if err != nil {
		return artifactPolicy{}, fmt.Errorf("%w: payload is not base64", ErrBundle)
	}
	subjects, err := subjectDigests(payload)
	if err != nil {
		return artifactPolicy{}, err
	}
	if len(subjects) == 0 {
		return artifactPolicy{}, fmt.Errorf("%w: the statement names no subject by a %s digest", ErrVerify, strings.Join(digest.Supported, ", "))
	}
	algs := slices.Sorted(maps.Keys(subjects))
	sums, err := file.digests(algs...)
	if err != nil {
		return artifactPolicy{}, err
	}
	var match []verify.ArtifactDigest
	for _, alg := range algs {
		d, _ := hex.DecodeString(sums[alg])
		for _, sd := range subjects[alg] {
			if bytes.Equal(d, sd) {
				match = append(match, verify.ArtifactDigest{Algorithm: alg, Digest: d})
				break
			}
		}
	}
	if len(match) == 0 {
		return artifactPolicy{}, fmt.Errorf("%w: no subject of the statement has the artifact's digest", ErrVerify)
	}
	return artifactPolicy{opt: verify.WithArtifactDigests(match)}, nil
}

// subjectDigests reads the subjects' digests of an (unverified) in-toto
// statement, by algorithm, keeping those this package computes and that
// are hex.
func subjectDigests(payload []byte) (map[string][][]byte, error) {
	var st struct {
		Subject []struct {
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
	}
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("%w: the DSSE payload is not an in-toto statement", ErrVerify)
	}
	out := map[string][][]byte{}
	for _, s := range st.Subject {
		for alg, hexd := range s.Digest {
			d, err := hex.DecodeString(hexd)
			if err != nil || !digest.IsSupported(alg) {
				continue
			}
			out[alg] = append(out[alg], d)
		}
	}
	return out, nil
}

func (v *Verifier) identityPolicy() ([]verify.PolicyOption, error) {
	if v.o.anyIdent {
		return []verify.PolicyOption{verify.WithoutIdentitiesUnsafe()}, nil
	}
	if len(v.o.identities) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrIdentity, ErrNoIdentity)
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

func (v *Verifier) verifyCertificate(entity verify.SignedEntity, ap artifactPolicy, pub crypto.PublicKey, nTlog, nTSA int) (*verify.VerificationResult, string, error) {
	if !v.o.hasRoot {
		return nil, "", fmt.Errorf("%w: the bundle is signed with a certificate, and %w", ErrVerify, ErrNoRoot)
	}
	if nTlog == 0 && nTSA == 0 {
		return nil, "", ErrNoTrustedTime
	}
	idOpts, err := v.identityPolicy()
	if err != nil {
		return nil, "", err
	}
	// Unnamed material is one collection, as given; named roots are
	// tried one at a time, so that a chain from one root is never
	// completed with another's timestamp authority or log.
	type group struct {
		name string
		tm   root.TrustedMaterial
	}
	var groups []group
	var unnamed root.TrustedMaterialCollection
	for i, tm := range v.o.material {
		if v.o.names[i] == "" {
			unnamed = append(unnamed, tm)
			continue
		}
		groups = append(groups, group{v.o.names[i], tm})
	}
	if len(unnamed) > 0 {
		groups = append([]group{{"", unnamed}}, groups...)
	}
	var errs []string
	var identityErr error
	for _, g := range groups {
		res, err := v.verifyWithMaterial(entity, ap, pub, g.tm, nTlog, idOpts)
		if err == nil {
			return res, g.name, nil
		}
		if len(groups) == 1 {
			return nil, "", err
		}
		if errors.Is(err, ErrIdentity) && identityErr == nil {
			identityErr = fmt.Errorf("trusted root %s: %w", g.name, err)
		}
		errs = append(errs, fmt.Sprintf("trusted root %s: %v", g.name, err))
	}
	if identityErr != nil {
		// A root verified the chain, time and signature: the signer is
		// the reason.
		return nil, "", identityErr
	}
	return nil, "", fmt.Errorf("%w: no trusted root verifies the bundle (%s)", ErrVerify, strings.Join(errs, "; "))
}

func (v *Verifier) verifyWithMaterial(entity verify.SignedEntity, ap artifactPolicy, pub crypto.PublicKey, tm root.TrustedMaterial, nTlog int, idOpts []verify.PolicyOption) (*verify.VerificationResult, error) {
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
	artOpt, done, err := ap.option(pub)
	if err != nil {
		return nil, err
	}
	res, err := sv.Verify(entity, verify.NewPolicy(artOpt, idOpts...))
	done()
	if err != nil {
		if _, ok := errors.AsType[*verify.ErrNoMatchingCertificateIdentity](err); ok {
			return nil, fmt.Errorf("%w: %v", ErrIdentity, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrVerify, err)
	}
	return res, nil
}

func (v *Verifier) verifyKeyed(entity verify.SignedEntity, ap artifactPolicy, hint string, nTlog, nTSA int) (*verify.VerificationResult, error) {
	if len(v.o.keys) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrVerify, ErrNoKey)
	}
	if nTlog > 0 && !v.o.hasRoot {
		return nil, fmt.Errorf("%w: the bundle has %d transparency-log entr(y/ies) to check, and %w", ErrVerify, nTlog, ErrNoRoot)
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
	// Each key costs a whole sigstore-go verification (log entries and
	// timestamps included): the key the bundle's hint names goes first,
	// and the others, since a hint is only a hint, after it.
	keys := slices.Clone(v.o.keys)
	slices.SortStableFunc(keys, func(a, b trustedKey) int {
		switch {
		case a.key.ID == hint && b.key.ID != hint:
			return -1
		case b.key.ID == hint && a.key.ID != hint:
			return 1
		}
		return 0
	})
	var errs []string
	for _, k := range keys {
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
		artOpt, done, err := ap.option(k.key.Key)
		if err != nil {
			return nil, err
		}
		res, err := ver.Verify(entity, verify.NewPolicy(artOpt, verify.WithKey()))
		done()
		if err != nil {
			errs = append(errs, fmt.Sprintf("key %s: %v", attest.ShortKeyID(k.key.ID), err))
			continue
		}
		id := []byte(k.key.ID)
		res.Signature.PublicKeyID = &id
		return res, nil
	}
	if hint != "" && !slices.ContainsFunc(keys, func(k trustedKey) bool { return k.key.ID == hint }) {
		// The hint is not signed, so it only explains: the bundle says
		// who signed it, and that key is not trusted.
		return nil, fmt.Errorf("%w: the bundle names key %q as its signer, which is not a trusted key, and no trusted key verifies it (%s)", ErrVerify, safetext.Line(attest.ShortKeyID(hint)), strings.Join(errs, "; "))
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
