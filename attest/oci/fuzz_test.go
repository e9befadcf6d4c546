package oci

import (
	"bytes"
	"strings"
	"testing"

	"oras.land/oras-go/v2/content"

	"github.com/provenant/provenant/attest"
)

// FuzzParseReference: no panic; what parses prints back to a reference
// that parses to the same thing, and names a registry, a repository and a
// tag or a digest.
func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"oci://registry.example.com/app@sha256:" + strings.Repeat("a", 64), "localhost:5000/a/b:v1", "[::1]:5/x:y", "docker.io/alpine", "a/b", "x.y/z:@", "x.y/z@sha512:" + strings.Repeat("0", 128)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseReference(s)
		if err != nil {
			return
		}
		if r.Registry == "" || r.Repository == "" || (r.Tag == "" && r.Digest == "") {
			t.Fatalf("ParseReference(%q) = %+v: a part is missing", s, r)
		}
		again, err := ParseReference(r.String())
		if err != nil {
			t.Fatalf("ParseReference(%q).String() = %q does not parse: %v", s, r.String(), err)
		}
		if again.Repo() != r.Repo() || again.Digest != r.Digest {
			t.Fatalf("round trip of %q: %+v, then %+v", s, r, again)
		}
	})
}

// FuzzReadManifest: a manifest from a registry is read within its limit
// and its digest, without panic, and decodes only as schema version 2.
func FuzzReadManifest(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`))
	f.Add([]byte(`{"schemaVersion":2,"schemaVersion":1}`))
	f.Add([]byte(`[]`))
	c, err := NewClient(WithLimits(attest.Limits{ManifestBytes: 4096}))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		desc := content.NewDescriptorFromBytes("application/vnd.oci.image.manifest.v1+json", data)
		m, err := c.readManifest(bytes.NewReader(data), desc, "fuzz")
		if err == nil && (m.SchemaVersion != 2 || len(data) > 4096) {
			t.Fatalf("accepted schemaVersion %d, %d bytes", m.SchemaVersion, len(data))
		}
		// A body that is not what the descriptor says is refused.
		if len(data) > 0 {
			if _, err := c.readManifest(bytes.NewReader(append(bytes.Clone(data), ' ')), desc, "fuzz"); err == nil {
				t.Fatal("a body longer than its descriptor was read")
			}
		}
	})
}

// FuzzBundleShapes: the converters between the layouts never panic, and a
// wrapped envelope unwraps to one whose payload and signature are the
// same.
func FuzzBundleShapes(f *testing.F) {
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"k"}},"dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"c2ln"}]}}`))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","messageSignature":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = bundleContent(data)
		_ = envelopePredicateType(data)
		line, err := UnwrapEnvelope(data)
		if err != nil {
			return
		}
		env, err := attest.ParseEnvelope(line)
		if err != nil || len(env.Signatures) != 1 {
			return
		}
		b, err := WrapEnvelope(env)
		if err != nil {
			t.Fatalf("an unwrapped envelope does not wrap: %v", err)
		}
		back, err := UnwrapEnvelope(b)
		if err != nil {
			t.Fatalf("a wrapped envelope does not unwrap: %v", err)
		}
		env2, err := attest.ParseEnvelope(back)
		if err != nil || env2.Payload != env.Payload || env2.Signatures[0].Sig != env.Signatures[0].Sig {
			t.Fatalf("wrap and unwrap changed the envelope: %v", err)
		}
	})
}
