package attest

import (
	"errors"
	"strings"
	"testing"
)

func TestReadBundleSigstoreShapes(t *testing.T) {
	const sb = `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{},"dsseEnvelope":{}}`
	const legacy = `{"payloadType":"t","payload":"aGk=","signatures":[{"keyid":"","sig":"AQ==","cert":"-----BEGIN CERTIFICATE-----"}]}`
	const env = `{"payloadType":"t","payload":"aGk=","signatures":[{"keyid":"","sig":"AQ=="}]}`
	for _, c := range []struct {
		name    string
		doc     string
		want    []string // per entry: "sigstore", "envelope", "legacy", "error"
		indexes []int
	}{
		{"one bundle", sb, []string{"sigstore"}, []int{0}},
		{"bundle v0.1 spelling", strings.Replace(sb, ".v0.3+json", "+json;version=0.1", 1), []string{"sigstore"}, []int{0}},
		{"bundle over lines", strings.ReplaceAll(sb, ",", ",\n  "), []string{"sigstore"}, []int{0}},
		{"JSON Lines of bundles and envelopes", sb + "\n" + env + "\n" + sb + "\n", []string{"sigstore", "envelope", "sigstore"}, []int{0, 0, 0}},
		{"GitHub attestations", `{"attestations":[{"bundle":` + sb + `,"repository_id":1},{"bundle":` + sb + `}]}`, []string{"sigstore", "sigstore"}, []int{1, 2}},
		{"GitHub attestation without a bundle", `{"attestations":[{"bundle":` + sb + `},{"x":1}]}`, []string{"sigstore", "error"}, []int{1, 2}},
		{"GitHub attestations empty", `{"attestations":[]}`, []string{"error"}, []int{0}},
		{"legacy envelope with a certificate", legacy, []string{"legacy"}, []int{0}},
		{"duplicate key in a bundle", `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","mediaType":"x"}`, []string{"error"}, []int{0}},
		{"other media type", `{"mediaType":"application/json"}`, []string{"error"}, []int{0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			entries, err := ReadBundle(strings.NewReader(c.doc), "b.json")
			if err != nil {
				t.Fatalf("ReadBundle: %v", err)
			}
			if len(entries) != len(c.want) {
				t.Fatalf("got %d entries, want %d", len(entries), len(c.want))
			}
			for i, e := range entries {
				got := "envelope"
				switch {
				case e.Err != nil:
					got = "error"
					if !errors.Is(e.Err, ErrMalformed) {
						t.Errorf("entry %d: error %v does not wrap ErrMalformed", i, e.Err)
					}
				case e.Sigstore != nil:
					got = "sigstore"
					if e.Envelope != nil {
						t.Errorf("entry %d: a Sigstore entry with an envelope", i)
					}
				case e.HasCertificate:
					got = "legacy"
				}
				if got != c.want[i] || e.Index != c.indexes[i] {
					t.Errorf("entry %d = %s (index %d), want %s (index %d)", i, got, e.Index, c.want[i], c.indexes[i])
				}
				if !strings.HasPrefix(e.Digest, "sha256:") {
					t.Errorf("entry %d: digest %q", i, e.Digest)
				}
			}
		})
	}
}
