package vsacache_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/attest/oci"
	"github.com/provenant/provenant/attest/oci/ocitest"
	"github.com/provenant/provenant/policy/vsacache"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// TestRegistryStore runs the cache on Debian's docker-registry on
// loopback: a cold run pushes one tag per artifact, a warm run hits them;
// a tag that holds something else, or too much, is a miss with a warning.
func TestRegistryStore(t *testing.T) {
	ctx := context.Background()
	reg := ocitest.Distribution(t, "", "")
	repo, err := oci.ParseRepository(oci.Scheme + reg.Repo("gate/vsa-cache"))
	if err != nil {
		t.Fatal(err)
	}
	client, err := oci.NewClient(oci.WithTimeout(20*time.Second), oci.WithLimits(attest.Limits{LineBytes: 64 << 10}))
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	open := func(opts ...vsacache.Option) *vsacache.Cache {
		opts = append([]vsacache.Option{vsacache.WithClock(func() time.Time { return now })}, opts...)
		c, err := vsacache.New(vsacache.Registry(client, repo), []*attest.PublicKey{w.gate.Public}, gateID, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := open(vsacache.WithSigner(w.gate.Signer))
	if got := c.String(); got != "oci://"+reg.Repo("gate/vsa-cache") {
		t.Errorf("String() = %q", got)
	}
	r, st, err := c.Verify(ctx, w.v, w.entries, w.inputs)
	if err != nil || !r.Allowed || st.Written != 2 || len(r.Warnings) != 0 {
		t.Fatalf("cold: %v, allowed %v, %+v, %q", err, r.Allowed, st, r.Warnings)
	}
	r, st, err = open().Verify(ctx, w.v, w.entries, w.inputs)
	if err != nil || !r.Allowed || st.Hits != 2 {
		t.Fatalf("warm: %v, allowed %v, %+v, %q", err, r.Allowed, st, r.Warnings)
	}
	if loc := r.Artifacts[0].Cache.VSA; !strings.HasPrefix(loc, reg.Repo("gate/vsa-cache")+":sha256-") || !strings.Contains(loc, ".vsa@sha256:") {
		t.Errorf("hit location = %q", loc)
	}

	// Replace app's tag with other things.
	k, _ := w.key(t, c)
	tag := vsacache.Name(provenancetest.ArtifactDigests("app")[digest.SHA256], k, gateID)
	for _, bad := range []struct {
		name, artifactType, mediaType string
		data                          []byte
		warn                          string
	}{
		{"another artifact type", "application/vnd.example", oci.MediaTypeDSSE, []byte("{}"), "artifactType"},
		{"another layer type", vsacache.ArtifactType, "application/octet-stream", []byte("{}"), "one layer"},
		{"too large", vsacache.ArtifactType, oci.MediaTypeDSSE, []byte(strings.Repeat(" ", 65<<10)), "line-bytes"},
		{"not a VSA", vsacache.ArtifactType, oci.MediaTypeDSSE, []byte("{not json"), "verified fully"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			if _, err := client.PushTagged(ctx, repo, tag, bad.artifactType, bad.mediaType, bad.data); err != nil {
				t.Fatal(err)
			}
			r, st, err := open().Verify(ctx, w.v, w.entries, w.inputs[:1])
			if err != nil || st.Hits != 0 || !r.Allowed || !strings.Contains(strings.Join(r.Warnings, "\n"), bad.warn) {
				t.Errorf("%v, %+v, allowed %v, warnings %q, want %q", err, st, r.Allowed, r.Warnings, bad.warn)
			}
		})
	}
}
