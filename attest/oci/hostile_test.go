package oci_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/attesttest"
	"github.com/provenant/provenant/attest/oci"
	"github.com/provenant/provenant/attest/oci/ocitest"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// raw pushes blobs and manifests as a hostile registry user would.
type raw struct {
	t    *testing.T
	repo *remote.Repository
}

func newRaw(t *testing.T, host, name string) *raw {
	t.Helper()
	r, err := remote.NewRepository(host + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	r.PlainHTTP = true
	if err := r.SetReferrersCapability(false); err != nil { // tests write the fallback index themselves
		t.Fatal(err)
	}
	return &raw{t, r}
}

func (r *raw) blob(mediaType string, data []byte) ocispec.Descriptor {
	r.t.Helper()
	d := content.NewDescriptorFromBytes(mediaType, data)
	if err := r.repo.Blobs().Push(context.Background(), d, bytes.NewReader(data)); err != nil {
		r.t.Fatal(err)
	}
	return d
}

func (r *raw) manifest(v any, tag string) ocispec.Descriptor {
	r.t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		r.t.Fatal(err)
	}
	mt := ocispec.MediaTypeImageManifest
	if m, ok := v.(ocispec.Index); ok {
		mt = m.MediaType
	}
	d := content.NewDescriptorFromBytes(mt, data)
	if tag == "" {
		tag = d.Digest.String()
	}
	if err := r.repo.Manifests().PushReference(context.Background(), d, bytes.NewReader(data), tag); err != nil {
		r.t.Fatal(err)
	}
	return d
}

func manifestOf(artifactType string, subject *ocispec.Descriptor, ann map[string]string, layers ...ocispec.Descriptor) ocispec.Manifest {
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, ArtifactType: artifactType, Config: ocispec.DescriptorEmptyJSON, Layers: layers, Subject: subject, Annotations: ann}
	m.SchemaVersion = 2
	m.Config.Data = nil
	return m
}

// TestFetchHostile: what a registry (or whoever can push to it) can put
// next to an image never makes Fetch hang or an unverified entry pass;
// each case is an error, a denied entry, or a skipped referrer.
func TestFetchHostile(t *testing.T) {
	ctx := context.Background()
	key := provenancetest.SeededKey(t, 7)
	// A registry without the referrers API: the fallback tag is read.
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	reg := &ocitest.Registry{Host: host}
	d := reg.PushImage(t, "app", "v1")
	c := newClient(t)
	img := resolve(t, c, host+"/app@"+d)
	subject := &ocispec.Descriptor{MediaType: img.Descriptor.MediaType, Digest: img.Descriptor.Digest, Size: img.Descriptor.Size}
	r := newRaw(t, host, "app")

	env, err := attest.SignStatement(ctx, imageStatement(t, img, "signed"), key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := oci.WrapEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	good := r.manifest(manifestOf(oci.MediaTypeBundle, subject, nil, r.blob(oci.MediaTypeBundle, bundle)), "")
	// cosign v2.6's fallback entries say artifactType "empty": the manifest
	// is read anyway.
	good.ArtifactType = ocispec.MediaTypeEmptyJSON
	sbom := r.manifest(manifestOf("application/spdx+json", subject, nil, r.blob("application/spdx+json", []byte(`{"spdxVersion":"SPDX-2.3"}`))), "")
	sbom.ArtifactType = oci.MediaTypeBundle // the index lies
	junk := r.manifest(manifestOf(oci.MediaTypeBundle, subject, nil, r.blob(oci.MediaTypeBundle, []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","junk":1}`))), "")
	otherSubject := *subject
	otherSubject.Digest = digest.Digest("sha256:" + strings.Repeat("ab", 32))
	foreign := r.manifest(manifestOf(oci.MediaTypeBundle, &otherSubject, nil, r.blob(oci.MediaTypeBundle, bundle)), "")
	inner := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{img.Descriptor}, Subject: subject}
	inner.SchemaVersion = 2
	nested := r.manifest(inner, "")
	index := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{
		good, good, sbom, junk, foreign,
		img.Descriptor, // the image, listed as its own referrer
		nested,         // an index pointing back at the image: not followed
	}}
	index.SchemaVersion = 2
	r.manifest(index, strings.Replace(d, ":", "-", 1))

	got, err := c.Fetch(ctx, img.Ref)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range got.Entries {
		kinds = append(kinds, string(e.Kind()))
	}
	if len(got.Entries) != 2 {
		t.Errorf("entries = %v, want the good bundle and the junk one", kinds)
	}
	if len(got.Skipped) != 4 {
		t.Errorf("skipped = %+v, want the SBOM, the foreign referrer, the image and the index", got.Skipped)
	}
	// The junk entry denies: a bundle is judged whole.
	if rep := verify(t, got.Entries, img, key.Public); rep.Allowed {
		t.Error("a junk referrer beside a good one: allowed")
	}
	var goodOnly []attest.Entry
	for _, e := range got.Entries {
		if strings.HasSuffix(e.Source.File, good.Digest.String()) {
			goodOnly = append(goodOnly, e)
		}
	}
	if rep := verify(t, goodOnly, img, key.Public); !rep.Allowed {
		t.Errorf("the good referrer alone: denied: %+v", rep.Artifacts)
	}

	t.Run("att layer of another media type denies", func(t *testing.T) {
		d2 := reg.PushImage(t, "app", "v2")
		img2 := resolve(t, c, host+"/app@"+d2)
		env2, err := attest.SignStatement(ctx, imageStatement(t, img2, "ok"), key.Signer)
		if err != nil {
			t.Fatal(err)
		}
		line, err := attest.MarshalEnvelope(env2)
		if err != nil {
			t.Fatal(err)
		}
		m := manifestOf("", nil, nil, r.blob(oci.MediaTypeDSSE, line), r.blob("application/octet-stream", []byte("#!/bin/sh\n")))
		m.ArtifactType = ""
		r.manifest(m, oci.AttTag(d2))
		got, err := c.Fetch(ctx, img2.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Entries) != 2 || got.Entries[1].Kind() != attest.EntryUnreadable {
			t.Fatalf("entries = %+v, want the envelope and an unreadable layer", got.Entries)
		}
		if rep := verify(t, got.Entries, img2, key.Public); rep.Allowed {
			t.Error("a foreign layer in the .att manifest: allowed")
		}
	})

	t.Run("limits", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			limits attest.Limits
		}{
			{"manifest-bytes", attest.Limits{ManifestBytes: 200}},
			{"line-bytes", attest.Limits{LineBytes: 100}},
			{"envelopes", attest.Limits{Envelopes: 1}},
		} {
			_, err := newClient(t, oci.WithLimits(tc.limits)).Fetch(ctx, img.Ref)
			le, ok := errors.AsType[*attest.LimitError](err)
			if !ok || le.Name != tc.name {
				t.Errorf("Fetch under the %s limit = %v, want that limit", tc.name, err)
			}
		}
	})
}

// TestFetchServerFaults: a registry that hangs, or serves blobs that are
// not what their digests say, or refuses, is an error, quickly.
func TestFetchServerFaults(t *testing.T) {
	ctx := context.Background()
	key := provenancetest.SeededKey(t, 8)
	inner := ocitest.Referrers11(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
	var mode string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch {
		case mode == "hang" && strings.Contains(req.URL.Path, "/blobs/"):
			select {
			case <-req.Context().Done():
			case <-time.After(20 * time.Second):
			}
			return
		case mode == "tamper" && strings.Contains(req.URL.Path, "/blobs/"):
			rec := httptest.NewRecorder()
			inner.ServeHTTP(rec, req)
			body := bytes.Replace(rec.Body.Bytes(), []byte(`"payload":"`), []byte(`"payload":"A`), 1)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
			return
		case mode == "500" && strings.Contains(req.URL.Path, "/manifests/"):
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		inner.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	reg := &ocitest.Registry{Host: host}
	d := reg.PushImage(t, "app", "v1")
	c := newClient(t, oci.WithTimeout(300*time.Millisecond))
	img := resolve(t, c, host+"/app@"+d)
	w, err := c.NewWriter(img, key.Signer, oci.StorageBoth)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, imageStatement(t, img, "faults")); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"hang", "tamper", "500"} {
		mode = m
		err := attesttest.Within(t, 10*time.Second, "Fetch "+m, func() error {
			_, err := c.Fetch(ctx, img.Ref)
			return err
		})
		if !errors.Is(err, oci.ErrRegistry) {
			t.Errorf("Fetch from a registry that does %s = %v, want ErrRegistry", m, err)
		}
	}
}

// TestParseReference: the forms a user writes, and what is refused.
func TestParseReference(t *testing.T) {
	d := "sha256:" + strings.Repeat("a", 64)
	for _, tc := range []struct {
		in, want, name string
	}{
		{"oci://registry.example.com/app@" + d, "registry.example.com/app@" + d, "registry.example.com/app"},
		{"localhost:5000/a/b:v1", "localhost:5000/a/b:v1", "localhost:5000/a/b"},
		{"127.0.0.1:5000/app:v1@" + d, "127.0.0.1:5000/app@" + d, "127.0.0.1:5000/app"},
		{"docker.io/alpine:3", "docker.io/alpine:3", "index.docker.io/library/alpine"},
		{"[::1]:5000/app:v1", "[::1]:5000/app:v1", "[::1]:5000/app"},
	} {
		r, err := oci.ParseReference(tc.in)
		if err != nil {
			t.Errorf("ParseReference(%q): %v", tc.in, err)
			continue
		}
		if r.String() != tc.want || r.SubjectName() != tc.name {
			t.Errorf("ParseReference(%q) = %s named %s, want %s named %s", tc.in, r, r.SubjectName(), tc.want, tc.name)
		}
	}
	for _, in := range []string{"", "oci://", "app:v1", "app", "example.com/App:v1", "example.com/app", "example.com/app@sha256:xyz", "example.com/app@md5:" + strings.Repeat("a", 32),
		"example.com/app:", "example.com/app:v 1", "example.com/app\n:v1", "exa mple.com/app:v1", "example.com/app:v1\u202e", "example.com//app:v1"} {
		if _, err := oci.ParseReference(in); !errors.Is(err, oci.ErrReference) {
			t.Errorf("ParseReference(%q) = %v, want ErrReference", in, err)
		}
	}
	// A password in a reference is refused and not repeated.
	if _, err := oci.ParseReference("oci://alice:hunter2@example.com/app:v1"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("ParseReference with user:password@ = %v, want an error without the password", err)
	}
	r, _ := oci.ParseReference("example.com/app:v1")
	if !errors.Is(r.RequireDigest(), oci.ErrNeedDigest) {
		t.Error("RequireDigest on a tag: no error")
	}
}

// TestPlainHTTPOnlyLoopback: a registry elsewhere is spoken to over HTTPS
// unless asked.
func TestPlainHTTPOnlyLoopback(t *testing.T) {
	var seen []string
	rt := roundTripper(func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r.URL.Scheme+"://"+r.URL.Host)
		return nil, errors.New("offline")
	})
	d := "sha256:" + strings.Repeat("a", 64)
	for _, tc := range []struct {
		ref   string
		plain bool
		want  string
	}{
		{"registry.example.com/app@" + d, false, "https://registry.example.com"},
		{"registry.example.com/app@" + d, true, "http://registry.example.com"},
		{"localhost:5000/app@" + d, false, "http://localhost:5000"},
		{"127.0.0.2:5000/app@" + d, false, "http://127.0.0.2:5000"},
	} {
		seen = nil
		c := newClient(t, oci.WithTransport(rt), oci.WithPlainHTTP(tc.plain))
		ref, err := oci.ParseReference(tc.ref)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Fetch(context.Background(), ref)
		if len(seen) == 0 || seen[0] != tc.want {
			t.Errorf("Fetch(%s, plain %v) went to %v, want %s", tc.ref, tc.plain, seen, tc.want)
		}
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
