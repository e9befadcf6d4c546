package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"
)

// ParseRepository reads REGISTRY/REPOSITORY, with or without the oci://
// prefix: a repository with neither tag nor digest, where tagged
// documents are kept (PushTagged, FetchTagged).
func ParseRepository(s string) (Reference, error) {
	ref, err := ParseReference(s + ":x")
	if err != nil || ref.Tag != "x" || ref.Digest != "" {
		return Reference{}, fmt.Errorf("%w %s: want REGISTRY/REPOSITORY, without tag or digest", ErrReference, quote(redactUserinfo(s)))
	}
	ref.Tag = ""
	return ref, nil
}

// Tagged is a document read from a tag: its bytes (one layer) and where
// it was found.
type Tagged struct {
	Data     []byte
	Location string // REGISTRY/REPOSITORY:TAG@sha256:<manifest>
}

// PushTagged stores data as the one layer (of media type mediaType) of
// an OCI artifact manifest (artifactType artifactType, empty config) and
// points tag at it, replacing what the tag named. It returns where the
// manifest is.
func (c *Client) PushTagged(ctx context.Context, repoRef Reference, tag, artifactType, mediaType string, data []byte) (string, error) {
	if err := (registry.Reference{Registry: repoRef.Registry, Repository: repoRef.Repository, Reference: tag}).ValidateReferenceAsTag(); err != nil {
		return "", fmt.Errorf("%w: invalid tag %q", ErrReference, tag)
	}
	repo, err := c.repository(repoRef)
	if err != nil {
		return "", err
	}
	m, err := pushArtifact(ctx, repo, repoRef, artifactType, mediaType, data)
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	desc := content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, raw)
	if err := repo.PushReference(ctx, desc, bytes.NewReader(raw), tag); err != nil {
		return "", registryError("pushing "+tag+" to", repoRef, err)
	}
	return repoRef.Repo() + ":" + tag + "@" + desc.Digest.String(), nil
}

// FetchTagged reads the document PushTagged stored at tag: found is false
// when the tag does not exist. The manifest must be an image manifest of
// artifactType with exactly one layer of mediaType, within the
// manifest-bytes and line-bytes limits; anything else is an error (the
// caller decides what an error means; it is never a document).
func (c *Client) FetchTagged(ctx context.Context, repoRef Reference, tag, artifactType, mediaType string) (Tagged, bool, error) {
	if err := (registry.Reference{Registry: repoRef.Registry, Repository: repoRef.Repository, Reference: tag}).ValidateReferenceAsTag(); err != nil {
		return Tagged{}, false, fmt.Errorf("%w: invalid tag %q", ErrReference, tag)
	}
	repo, err := c.repository(repoRef)
	if err != nil {
		return Tagged{}, false, err
	}
	desc, rc, err := repo.FetchReference(ctx, tag)
	if errors.Is(err, errdef.ErrNotFound) {
		return Tagged{}, false, nil
	}
	if err != nil {
		return Tagged{}, false, registryError("reading "+tag+" from", repoRef, err)
	}
	defer func() { _ = rc.Close() }()
	where := repoRef.Repo() + ":" + tag
	if desc.MediaType != ocispec.MediaTypeImageManifest {
		return Tagged{}, false, fmt.Errorf("%w: %s is %s, not an image manifest", ErrRegistry, where, quote(desc.MediaType))
	}
	m, err := c.readManifest(rc, desc, where)
	if err != nil {
		return Tagged{}, false, err
	}
	if m.ArtifactType != artifactType {
		return Tagged{}, false, fmt.Errorf("%w: %s has artifactType %s, want %s", ErrRegistry, where, quote(m.ArtifactType), artifactType)
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != mediaType {
		return Tagged{}, false, fmt.Errorf("%w: %s: want one layer of %s", ErrRegistry, where, mediaType)
	}
	if err := limitDescriptor(m.Layers[0], c.o.limits.LineBytes, "line-bytes", where+" layer 1"); err != nil {
		return Tagged{}, false, err
	}
	data, err := fetchBlob(ctx, repo, repoRef, m.Layers[0])
	if err != nil {
		return Tagged{}, false, err
	}
	return Tagged{Data: data, Location: where + "@" + desc.Digest.String()}, true, nil
}
