package oci_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/provenant/provenant/attest/oci"
	"github.com/provenant/provenant/attest/oci/ocitest"
	"github.com/provenant/provenant/provenance/provenancetest"
)

// BenchmarkVerifyImage100 fetches and verifies an image with 100
// attestations, 50 as .att layers and 50 as referrers, from each loopback
// registry at hand, and reports the HTTP requests one verification sends
// (requests/op): it must stay O(attestations), about one per layer and
// one manifest plus one layer per referrer, not more.
func BenchmarkVerifyImage100(b *testing.B) {
	ctx := context.Background()
	key := provenancetest.SeededKey(b, 1)
	for _, reg := range ocitest.All(b) {
		b.Run(reg.Name, func(b *testing.B) {
			reg.PushImage(b, "app", "v1")
			c := newClient(b)
			img := resolve(b, c, reg.Repo("app")+":v1")
			att, err := c.NewWriter(img, key.Signer, oci.StorageAtt)
			if err != nil {
				b.Fatal(err)
			}
			ref, err := c.NewWriter(img, key.Signer, oci.StorageReferrer)
			if err != nil {
				b.Fatal(err)
			}
			for i := range 50 {
				for _, w := range []*oci.Writer{att, ref} {
					if err := w.Write(ctx, imageStatement(b, img, string(rune('a'+i%26))+string(rune('0'+i/26))+w.Destination())); err != nil {
						b.Fatal(err)
					}
				}
			}
			counter := &ocitest.CountingTransport{Base: http.DefaultTransport.(*http.Transport).Clone()}
			fc := newClient(b, oci.WithTransport(counter))
			b.ResetTimer()
			for b.Loop() {
				got, err := fc.Fetch(ctx, img.Ref)
				if err != nil {
					b.Fatal(err)
				}
				if len(got.Entries) != 100 {
					b.Fatalf("%d attestations, want 100", len(got.Entries))
				}
				if r := verify(b, got.Entries, img, key.Public); !r.Allowed {
					b.Fatalf("denied: %v", r.Artifacts[0].Reasons)
				}
			}
			b.ReportMetric(float64(counter.Count())/float64(b.N), "requests/op")
		})
	}
}
