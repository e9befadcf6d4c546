package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/provenant/provenant/attest"
)

// Fetched is what an image has in a registry: its attestations as bundle
// entries, in a fixed order (the .att layers in layer order, then the
// referrers by manifest digest), and the referrers that are not
// attestations.
type Fetched struct {
	// Image is the image's reference, with its digest.
	Image Reference
	// Entries are the attestations. Source.File says where each is
	// (REGISTRY/REPOSITORY:sha256-<hex>.att with Source.Line the layer,
	// from 1; or REGISTRY/REPOSITORY@<referrer manifest digest> with
	// Source.Line 1, its one layer).
	Entries []attest.Entry
	// Skipped are referrers that hold no attestation (an SBOM, a
	// signature of another kind, a manifest about another image): they
	// are not verified and count for nothing.
	Skipped []Skipped
}

// Skipped is a referrer left out, and why.
type Skipped struct {
	Location string `json:"location"`
	Reason   string `json:"reason"`
}

// fetchWorkers bounds the requests Fetch has in flight.
const fetchWorkers = 8

// Fetch collects the attestations of an image: the layers of its .att
// manifest (cosign's classic layout) and its referrers that hold a
// Sigstore bundle (found through the referrers API or the fallback tag).
// Every referrer's manifest is read (within the manifest-bytes limit):
// an index's artifactType is never trusted alone. Nothing is verified
// here; an entry that cannot be read comes back with Err set, as a
// bundle line would, so that the verifier denies it.
//
// Errors are for a registry that cannot be reached or refuses
// (ErrRegistry, ErrUnauthorized), a manifest or a layer over its limit
// (attest.ErrLimit), and more attestations than the envelopes limit. A
// reference with a tag only is resolved first.
func (c *Client) Fetch(ctx context.Context, ref Reference) (*Fetched, error) {
	if ref.Digest == "" {
		img, err := c.Resolve(ctx, ref)
		if err != nil {
			return nil, err
		}
		ref = img.Ref
	}
	d, err := digest.Parse(ref.Digest)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrReference, err)
	}
	at := c.attestationRepo(ref)
	repo, err := c.repository(at)
	if err != nil {
		return nil, err
	}
	out := &Fetched{Image: ref}
	att, err := c.fetchAtt(ctx, repo, at)
	if err != nil {
		return nil, err
	}
	refs, skipped, err := c.fetchReferrers(ctx, repo, at, ocispec.Descriptor{Digest: d}, len(att))
	if err != nil {
		return nil, err
	}
	out.Entries = append(att, refs...)
	out.Skipped = skipped
	return out, nil
}

// fetchAttManifest reads the manifest a .att tag names; found is false
// when there is none.
func (c *Client) fetchAttManifest(ctx context.Context, repo *remote.Repository, at Reference, tag string) (m ocispec.Manifest, desc ocispec.Descriptor, found bool, err error) {
	desc, rc, err := repo.FetchReference(ctx, tag)
	if errors.Is(err, errdef.ErrNotFound) {
		return m, desc, false, nil
	}
	if err != nil {
		return m, desc, false, registryError("reading "+tag+" from", at, err)
	}
	defer func() { _ = rc.Close() }()
	where := at.Repo() + ":" + tag
	if desc.MediaType != ocispec.MediaTypeImageManifest && desc.MediaType != "application/vnd.docker.distribution.manifest.v2+json" {
		return m, desc, false, fmt.Errorf("%w: %s is %s, not an image manifest", ErrRegistry, where, quote(desc.MediaType))
	}
	m, err = c.readManifest(rc, desc, where)
	return m, desc, err == nil, err
}

// fetchAtt reads the layers of the image's .att manifest.
func (c *Client) fetchAtt(ctx context.Context, repo *remote.Repository, at Reference) ([]attest.Entry, error) {
	tag := AttTag(at.Digest)
	m, _, found, err := c.fetchAttManifest(ctx, repo, at, tag)
	if err != nil || !found {
		return nil, err
	}
	where := at.Repo() + ":" + tag
	l := c.o.limits
	if len(m.Layers) > l.Envelopes {
		return nil, &attest.BundleError{File: where, Err: attest.TooManyEntries(l.Envelopes, len(m.Layers))}
	}
	entries := make([]attest.Entry, len(m.Layers))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchWorkers)
	for i, layer := range m.Layers {
		src := attest.Source{File: where, Line: i + 1}
		if layer.MediaType != MediaTypeDSSE {
			entries[i] = badEntry(src, fmt.Sprintf("layer %d is %s, not a DSSE envelope (%s)", i+1, quote(layer.MediaType), MediaTypeDSSE))
			continue
		}
		if err := limitDescriptor(layer, l.LineBytes, "line-bytes", fmt.Sprintf("layer %d", i+1)); err != nil {
			return nil, &attest.BundleError{File: where, Line: i + 1, Err: err}
		}
		g.Go(func() error {
			data, err := fetchBlob(gctx, repo, at, layer)
			if err != nil {
				return fmt.Errorf("%s: layer %d: %w", where, i+1, err)
			}
			entries[i] = one(l.ParseLine(src, data), src)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return entries, nil
}

// one keeps a .att layer or a referrer to one entry: a layer holding a
// GitHub attestations list (several bundles) is refused.
func one(es []attest.Entry, src attest.Source) attest.Entry {
	if len(es) == 1 {
		return es[0]
	}
	return badEntry(src, fmt.Sprintf("holds %d entries, want one envelope or bundle", len(es)))
}

func badEntry(src attest.Source, msg string) attest.Entry {
	return attest.Entry{Source: src, Err: attest.Errorf(attest.ErrMalformed, "%s", msg)}
}

// fetchReferrers lists the image's referrers and reads each manifest; have
// is the number of attestations found so far (for the envelopes limit).
func (c *Client) fetchReferrers(ctx context.Context, repo *remote.Repository, at Reference, subject ocispec.Descriptor, have int) ([]attest.Entry, []Skipped, error) {
	l := c.o.limits
	var descs []ocispec.Descriptor
	seen := map[digest.Digest]bool{}
	err := repo.Referrers(ctx, subject, "", func(page []ocispec.Descriptor) error {
		for _, d := range page {
			if seen[d.Digest] {
				continue
			}
			seen[d.Digest] = true
			descs = append(descs, d)
			if have+len(descs) > l.Envelopes {
				return &attest.BundleError{File: at.String(), Err: attest.TooManyEntries(l.Envelopes, 1)}
			}
		}
		return nil
	})
	if err != nil {
		if _, ok := errors.AsType[*attest.BundleError](err); ok {
			return nil, nil, err
		}
		if er, ok := errors.AsType[*errcode.ErrorResponse](err); ok && errcode.ErrorCodeNameUnknown == firstCode(er) {
			return nil, nil, nil // no such repository: no referrers
		}
		return nil, nil, registryError("listing the referrers of "+at.Digest+" in", at, err)
	}
	slices.SortFunc(descs, func(a, b ocispec.Descriptor) int { return strings.Compare(a.Digest.String(), b.Digest.String()) })
	type result struct {
		entry *attest.Entry
		skip  *Skipped
	}
	results := make([]result, len(descs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchWorkers)
	for i, d := range descs {
		g.Go(func() error {
			e, s, err := c.readReferrer(gctx, repo, at, subject, d)
			results[i] = result{e, s}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	var entries []attest.Entry
	var skipped []Skipped
	for _, r := range results {
		if r.entry != nil {
			entries = append(entries, *r.entry)
		}
		if r.skip != nil {
			skipped = append(skipped, *r.skip)
		}
	}
	return entries, skipped, nil
}

// readReferrer reads one referrer's manifest and, when it holds a
// Sigstore bundle, the bundle.
func (c *Client) readReferrer(ctx context.Context, repo *remote.Repository, at Reference, subject, d ocispec.Descriptor) (*attest.Entry, *Skipped, error) {
	l := c.o.limits
	where := at.Repo() + "@" + d.Digest.String()
	src := attest.Source{File: where, Line: 1} // its one layer
	skip := func(why string) (*attest.Entry, *Skipped, error) {
		return nil, &Skipped{Location: where, Reason: why}, nil
	}
	bad := func(why string) (*attest.Entry, *Skipped, error) {
		e := badEntry(src, why)
		return &e, nil, nil
	}
	if d.Digest == subject.Digest {
		return skip("the image itself, listed as its own referrer")
	}
	switch d.MediaType {
	case ocispec.MediaTypeImageManifest:
	case ocispec.MediaTypeImageIndex, "application/vnd.oci.artifact.manifest.v1+json":
		return skip(fmt.Sprintf("a %s, not an attestation manifest (not followed)", d.MediaType))
	default:
		return skip(fmt.Sprintf("media type %s is not an image manifest", quote(d.MediaType)))
	}
	if err := limitDescriptor(d, l.ManifestBytes, "manifest-bytes", "the referrer manifest"); err != nil {
		return nil, nil, &attest.BundleError{File: where, Err: err}
	}
	rc, err := repo.Manifests().Fetch(ctx, d)
	if err != nil {
		return nil, nil, registryError("reading the referrer "+d.Digest.String()+" from", at, err)
	}
	defer func() { _ = rc.Close() }()
	m, err := c.readManifest(rc, d, where)
	if err != nil {
		if errors.Is(err, attest.ErrLimit) {
			return nil, nil, err
		}
		return bad(err.Error())
	}
	if m.Subject == nil || m.Subject.Digest != subject.Digest {
		return skip("its subject is not the image")
	}
	if !isBundleType(m.ArtifactType) && !(m.ArtifactType == "" && isBundleType(m.Config.MediaType)) && !slices.ContainsFunc(m.Layers, func(l ocispec.Descriptor) bool { return isBundleType(l.MediaType) }) {
		at := m.ArtifactType
		if at == "" {
			at = m.Config.MediaType
		}
		return skip(fmt.Sprintf("artifact type %s: not a Sigstore bundle", quote(at)))
	}
	if len(m.Layers) != 1 {
		return bad(fmt.Sprintf("a Sigstore bundle referrer with %d layers, want 1", len(m.Layers)))
	}
	layer := m.Layers[0]
	if !isBundleType(layer.MediaType) {
		return bad(fmt.Sprintf("its layer is %s, not a Sigstore bundle", quote(layer.MediaType)))
	}
	if err := limitDescriptor(layer, l.LineBytes, "line-bytes", "the bundle layer"); err != nil {
		return nil, nil, &attest.BundleError{File: where, Err: err}
	}
	data, err := fetchBlob(ctx, repo, at, layer)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	if kind, _, err := bundleContent(data); err == nil && kind == "message-signature" {
		// A signature over the image (sign --image), not an attestation:
		// it says nothing a statement would, and is checked by
		// verify-signature. Leaving it out can only leave an image with
		// fewer attestations, never with one that does not verify.
		return skip("a message signature (a signature over the image, not an attestation)")
	}
	e := one(l.ParseLine(src, data), src)
	return &e, nil, nil
}

func isBundleType(mt string) bool { return strings.HasPrefix(mt, attest.SigstoreBundleMediaTypePrefix) }

// readManifest reads a manifest within the manifest-bytes limit, checks
// its size and digest against desc, refuses duplicate keys, and decodes
// it.
func (c *Client) readManifest(r io.Reader, desc ocispec.Descriptor, where string) (ocispec.Manifest, error) {
	var m ocispec.Manifest
	max := c.o.limits.ManifestBytes
	if err := limitDescriptor(desc, max, "manifest-bytes", where); err != nil {
		return m, err
	}
	data, err := content.ReadAll(io.LimitReader(r, int64(max)+1), desc)
	if err != nil {
		return m, fmt.Errorf("%w: %s: %v", ErrRegistry, where, err)
	}
	if err := attest.CheckJSON(data); err != nil {
		return m, fmt.Errorf("%s: the manifest is not JSON: %v", where, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("%s: not an OCI manifest: %v", where, err)
	}
	if m.SchemaVersion != 2 {
		return m, fmt.Errorf("%s: schemaVersion %d, want 2", where, m.SchemaVersion)
	}
	return m, nil
}

// fetchBlob reads a blob whose size is already checked, verifying its
// size and digest.
func fetchBlob(ctx context.Context, repo *remote.Repository, at Reference, desc ocispec.Descriptor) ([]byte, error) {
	rc, err := repo.Blobs().Fetch(ctx, desc)
	if err != nil {
		return nil, registryError("reading a blob from", at, err)
	}
	defer func() { _ = rc.Close() }()
	data, err := content.ReadAll(io.LimitReader(rc, desc.Size+1), desc)
	if err != nil {
		return nil, fmt.Errorf("%w: blob %s: %v", ErrRegistry, desc.Digest, err)
	}
	return data, nil
}

// limitDescriptor refuses a descriptor larger than max (or of a negative
// size) before anything is read.
func limitDescriptor(d ocispec.Descriptor, max int, name, what string) error {
	if d.Size < 0 || d.Size > int64(max) {
		return &attest.LimitError{Name: name, Max: max, What: fmt.Sprintf("%s is %d bytes, more than %d", what, d.Size, max)}
	}
	return nil
}

func firstCode(er *errcode.ErrorResponse) string {
	if len(er.Errors) == 0 {
		return ""
	}
	return er.Errors[0].Code
}
