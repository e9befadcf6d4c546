package oci

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/provenant/provenant/attest"
)

// Media types and annotations of the two layouts.
const (
	// MediaTypeDSSE is the media type of a .att layer: one DSSE envelope.
	MediaTypeDSSE = "application/vnd.dsse.envelope.v1+json"
	// MediaTypeBundle is the artifactType of a referrer and the media type
	// of its layer: a Sigstore bundle v0.3.
	MediaTypeBundle = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// AnnotationPredicateType is the .att layer annotation cosign writes.
	AnnotationPredicateType = "predicateType"
	// AnnotationCosignSignature is cosign's signature annotation, empty
	// on an attestation layer (the signature is inside the envelope).
	AnnotationCosignSignature = "dev.cosignproject.cosign/signature"
	// AnnotationBundleContent says what a referrer's bundle holds:
	// "dsse-envelope" or "message-signature".
	AnnotationBundleContent = "dev.sigstore.bundle.content"
	// AnnotationBundlePredicateType is the predicate type of a referrer's
	// DSSE statement.
	AnnotationBundlePredicateType = "dev.sigstore.bundle.predicateType"
)

// ErrNotPushable: an entry cannot be stored in the layout asked for (a
// Sigstore bundle as a .att layer, an unreadable entry).
var ErrNotPushable = errors.New("cannot be pushed")

// Storage says in which layout attestations are pushed.
type Storage string

// Storage layouts.
const (
	// StorageAuto stores each entry in its own layout: a DSSE envelope
	// as a .att layer, a Sigstore bundle as a referrer.
	StorageAuto Storage = "auto"
	// StorageAtt stores DSSE envelopes as .att layers (a Sigstore
	// bundle holding a keyed DSSE envelope gives its envelope).
	StorageAtt Storage = "att"
	// StorageReferrer stores Sigstore bundles as referrers (a DSSE
	// envelope with one signature is carried in a keyed bundle v0.3).
	StorageReferrer Storage = "referrer"
	// StorageBoth stores each entry both ways.
	StorageBoth Storage = "both"
)

// Storages lists the layouts, the default first.
var Storages = []Storage{StorageAuto, StorageAtt, StorageReferrer, StorageBoth}

// ParseStorage reads a Storage name.
func ParseStorage(s string) (Storage, error) {
	if slices.Contains(Storages, Storage(s)) {
		return Storage(s), nil
	}
	return "", fmt.Errorf("unknown OCI storage %q: want auto, att, referrer or both", s)
}

// Image is a resolved image: its reference (with the digest) and its
// manifest's descriptor.
type Image struct {
	Ref        Reference
	Descriptor ocispec.Descriptor
}

// Subject is the in-toto subject naming the image, as cosign names it:
// REGISTRY/REPOSITORY and the manifest's sha256.
func (img Image) Subject() (name string, digests map[string]string) {
	alg, hexd, _ := strings.Cut(img.Ref.Digest, ":")
	return img.Ref.SubjectName(), map[string]string{alg: hexd}
}

// Resolve finds the manifest a reference names: its digest, media type
// and size. A reference with a digest is checked against what the
// registry returns.
func (c *Client) Resolve(ctx context.Context, ref Reference) (Image, error) {
	repo, err := c.repository(ref)
	if err != nil {
		return Image{}, err
	}
	name := ref.Digest
	if name == "" {
		name = ref.Tag
	}
	desc, err := repo.Resolve(ctx, name)
	if err != nil {
		return Image{}, registryError("resolving", ref, err)
	}
	if ref.Digest != "" && desc.Digest.String() != ref.Digest {
		return Image{}, fmt.Errorf("%w: %s resolved to %s", ErrRegistry, ref, desc.Digest)
	}
	if err := limitDescriptor(desc, c.o.limits.ManifestBytes, "manifest-bytes", "the image manifest"); err != nil {
		return Image{}, err
	}
	ref.Digest = desc.Digest.String()
	return Image{Ref: ref, Descriptor: ocispec.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size}}, nil
}

// Pushed says where one attestation went.
type Pushed struct {
	// Storage is StorageAtt or StorageReferrer.
	Storage Storage `json:"storage"`
	// Location is REGISTRY/REPOSITORY:sha256-<hex>.att or
	// REGISTRY/REPOSITORY@<referrer manifest digest>.
	Location string `json:"location"`
	// Manifest is the digest of the manifest pushed.
	Manifest string `json:"manifest"`
	// Layer is the layer's number in the .att manifest, from 1 (the
	// Source.Line Fetch gives it); 0 for a referrer.
	Layer int `json:"layer,omitempty"`
	// PredicateType is the statement's predicate type, as annotated.
	PredicateType string `json:"predicateType,omitempty"`
}

// PushEnvelope appends a DSSE envelope (its JSON) as a layer of the
// image's .att manifest in cosign's classic layout, creating the manifest
// if needed. An envelope already there is not added twice. Two pushes at
// the same moment may lose one layer (the registry has no compare and
// swap for tags), as with cosign.
func (c *Client) PushEnvelope(ctx context.Context, img Image, envelope []byte) (Pushed, error) {
	if err := attest.CheckJSON(envelope); err != nil {
		return Pushed{}, fmt.Errorf("%w: the envelope is not JSON: %v", ErrNotPushable, err)
	}
	at := c.attestationRepo(img.Ref)
	repo, err := c.repository(at)
	if err != nil {
		return Pushed{}, err
	}
	tag := AttTag(img.Ref.Digest)
	where := at.Repo() + ":" + tag
	m, old, err := c.readAttManifest(ctx, repo, at, tag)
	if err != nil {
		return Pushed{}, err
	}
	pt := envelopePredicateType(envelope)
	layer := content.NewDescriptorFromBytes(MediaTypeDSSE, envelope)
	layer.Annotations = map[string]string{AnnotationCosignSignature: "", AnnotationPredicateType: pt}
	for i, l := range m.Layers {
		if l.Digest == layer.Digest {
			return Pushed{Storage: StorageAtt, Location: where, Layer: i + 1, PredicateType: pt, Manifest: old}, nil
		}
	}
	if err := pushBlob(ctx, repo, at, layer, envelope); err != nil {
		return Pushed{}, err
	}
	m.Layers = append(m.Layers, layer)
	cfg, err := cosignConfig(m.Layers)
	if err != nil {
		return Pushed{}, err
	}
	m.Config = content.NewDescriptorFromBytes(ocispec.MediaTypeImageConfig, cfg)
	if err := pushBlob(ctx, repo, at, m.Config, cfg); err != nil {
		return Pushed{}, err
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return Pushed{}, err
	}
	desc := content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, raw)
	if err := repo.PushReference(ctx, desc, bytes.NewReader(raw), tag); err != nil {
		return Pushed{}, registryError("pushing "+tag+" to", at, err)
	}
	return Pushed{Storage: StorageAtt, Location: where, Manifest: desc.Digest.String(), Layer: len(m.Layers), PredicateType: pt}, nil
}

// readAttManifest reads the .att manifest at tag (and its digest), or
// starts a new one.
func (c *Client) readAttManifest(ctx context.Context, repo *remote.Repository, at Reference, tag string) (ocispec.Manifest, string, error) {
	m, desc, found, err := c.fetchAttManifest(ctx, repo, at, tag)
	if err != nil {
		return ocispec.Manifest{}, "", err
	}
	if !found {
		return ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest}, "", nil
	}
	for i, l := range m.Layers {
		if l.MediaType != MediaTypeDSSE {
			return ocispec.Manifest{}, "", fmt.Errorf("%w: %s:%s: layer %d is %s, not a DSSE envelope: not an attestation manifest, left alone", ErrNotPushable, at.Repo(), tag, i+1, quote(l.MediaType))
		}
	}
	return m, desc.Digest.String(), nil
}

// cosignConfig is the image configuration cosign writes for a .att
// manifest (go-containerregistry's empty image with the layers' diff ids).
func cosignConfig(layers []ocispec.Descriptor) ([]byte, error) {
	ids := make([]string, len(layers))
	for i, l := range layers {
		ids[i] = l.Digest.String()
	}
	type history struct {
		Created string `json:"created"`
	}
	return json.Marshal(map[string]any{
		"architecture": "",
		"created":      "0001-01-01T00:00:00Z",
		"history":      []history{{Created: "0001-01-01T00:00:00Z"}},
		"os":           "",
		"rootfs":       map[string]any{"type": "layers", "diff_ids": ids},
		"config":       map[string]any{},
	})
}

// PushBundle pushes a Sigstore bundle (its JSON) as an OCI 1.1 referrer
// of the image: a manifest whose subject is the image, artifactType
// MediaTypeBundle, the empty config, one layer holding the bundle, and
// annotations naming its content and predicate type. Where the registry
// has no referrers API, the sha256-<hex> fallback index is updated
// (oras-go does that).
func (c *Client) PushBundle(ctx context.Context, img Image, bundle []byte) (Pushed, error) {
	if img.Descriptor.Digest == "" {
		return Pushed{}, fmt.Errorf("%w: the image is not resolved", ErrNotPushable)
	}
	kind, pt, err := bundleContent(bundle)
	if err != nil {
		return Pushed{}, err
	}
	at := c.attestationRepo(img.Ref)
	repo, err := c.repository(at)
	if err != nil {
		return Pushed{}, err
	}
	m, err := pushArtifact(ctx, repo, at, MediaTypeBundle, MediaTypeBundle, bundle)
	if err != nil {
		return Pushed{}, err
	}
	ann := map[string]string{
		AnnotationBundleContent:       kind,
		ocispec.AnnotationCreated:     c.o.now().UTC().Format(time.RFC3339),
		AnnotationBundlePredicateType: pt,
	}
	if pt == "" {
		delete(ann, AnnotationBundlePredicateType)
	}
	subject := img.Descriptor
	m.Subject = &ocispec.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}
	m.Annotations = ann
	raw, err := json.Marshal(m)
	if err != nil {
		return Pushed{}, err
	}
	desc := content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, raw)
	if err := repo.Push(ctx, desc, bytes.NewReader(raw)); err != nil {
		var re *remote.ReferrersError
		if !errors.As(err, &re) || !re.IsReferrersIndexDelete() {
			return Pushed{}, registryError("pushing a referrer to", at, err)
		}
	}
	return Pushed{Storage: StorageReferrer, Location: at.Repo() + "@" + desc.Digest.String(), Manifest: desc.Digest.String(), PredicateType: pt}, nil
}

// pushArtifact uploads the empty config and data as the one layer (of
// mediaType) of an OCI artifact, and returns its manifest (artifactType,
// not yet pushed) for the caller to complete and push.
func pushArtifact(ctx context.Context, repo *remote.Repository, at Reference, artifactType, mediaType string, data []byte) (ocispec.Manifest, error) {
	layer := content.NewDescriptorFromBytes(mediaType, data)
	if err := pushBlob(ctx, repo, at, ocispec.DescriptorEmptyJSON, ocispec.DescriptorEmptyJSON.Data); err != nil {
		return ocispec.Manifest{}, err
	}
	if err := pushBlob(ctx, repo, at, layer, data); err != nil {
		return ocispec.Manifest{}, err
	}
	m := ocispec.Manifest{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    ocispec.MediaTypeImageManifest,
		ArtifactType: artifactType,
		Config:       ocispec.DescriptorEmptyJSON,
		Layers:       []ocispec.Descriptor{layer},
	}
	m.Config.Data = nil // the empty config is pushed; the manifest names it
	return m, nil
}

// pushBlob uploads a blob unless the registry has it.
func pushBlob(ctx context.Context, repo *remote.Repository, at Reference, desc ocispec.Descriptor, data []byte) error {
	ok, err := repo.Blobs().Exists(ctx, desc)
	if err != nil {
		return registryError("checking a blob in", at, err)
	}
	if ok {
		return nil
	}
	if err := repo.Blobs().Push(ctx, desc, bytes.NewReader(data)); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
		return registryError("pushing a blob to", at, err)
	}
	return nil
}

// envelopePredicateType reads the predicate type a DSSE envelope's
// statement claims, for the annotation (a label for other tools; nothing
// is decided on it). "" when there is none.
func envelopePredicateType(envelope []byte) string {
	var env struct {
		Payload string `json:"payload"`
	}
	if json.Unmarshal(envelope, &env) != nil {
		return ""
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		if payload, err = base64.URLEncoding.DecodeString(env.Payload); err != nil {
			return ""
		}
	}
	return statementPredicateType(payload)
}

func statementPredicateType(payload []byte) string {
	var st struct {
		PredicateType string `json:"predicateType"`
	}
	if json.Unmarshal(payload, &st) != nil {
		return ""
	}
	return st.PredicateType
}

// bundleContent says what a Sigstore bundle holds ("dsse-envelope" or
// "message-signature") and the predicate type its statement claims.
func bundleContent(bundle []byte) (kind, predicateType string, err error) {
	var b struct {
		MediaType    string `json:"mediaType"`
		DSSEEnvelope *struct {
			Payload []byte `json:"payload"`
		} `json:"dsseEnvelope"`
		MessageSignature json.RawMessage `json:"messageSignature"`
	}
	if err := attest.CheckJSON(bundle); err != nil {
		return "", "", fmt.Errorf("%w: not a Sigstore bundle: %v", ErrNotPushable, err)
	}
	if json.Unmarshal(bundle, &b) != nil || !strings.HasPrefix(b.MediaType, attest.SigstoreBundleMediaTypePrefix) {
		return "", "", fmt.Errorf("%w: not a Sigstore bundle", ErrNotPushable)
	}
	switch {
	case b.DSSEEnvelope != nil:
		return "dsse-envelope", statementPredicateType(b.DSSEEnvelope.Payload), nil
	case b.MessageSignature != nil:
		return "message-signature", "", nil
	}
	return "", "", fmt.Errorf("%w: the Sigstore bundle holds neither a DSSE envelope nor a message signature", ErrNotPushable)
}

// Manifest reads the image's manifest bytes (within the manifest-bytes
// limit, its digest checked): what a signature over the image signs.
func (c *Client) Manifest(ctx context.Context, img Image) ([]byte, error) {
	if err := limitDescriptor(img.Descriptor, c.o.limits.ManifestBytes, "manifest-bytes", "the image manifest"); err != nil {
		return nil, err
	}
	repo, err := c.repository(img.Ref)
	if err != nil {
		return nil, err
	}
	rc, err := repo.Manifests().Fetch(ctx, img.Descriptor)
	if err != nil {
		return nil, registryError("reading the manifest from", img.Ref, err)
	}
	defer func() { _ = rc.Close() }()
	data, err := content.ReadAll(io.LimitReader(rc, img.Descriptor.Size+1), img.Descriptor)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrRegistry, img.Ref, err)
	}
	return data, nil
}
