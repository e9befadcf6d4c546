package layout

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/in-toto/in-toto-golang/in_toto"

	"github.com/provenant/provenant/attest"
)

// BenchmarkVerifyDemo: in-toto-golang's demo layout with its links,
// inspection off (the layout verified without its inspection: a copy
// with none, signed anew).
func BenchmarkVerifyDemo(b *testing.B) {
	l := loadLayout(b, "demo.layout")
	l.Inspect = []in_toto.Inspection{}
	l.Expires = future()
	dir := b.TempDir()
	path := sign(b, filepath.Join(dir, "root.layout"), l, false, privKey(b, data(b, "alice")))
	v := verifier(b, WithLayoutKeys(pubKey(b, data(b, "alice.pub"))))
	b.ResetTimer()
	for b.Loop() {
		r, err := v.Verify(context.Background(), path, WithLinkDir(data(b)))
		if err != nil || !r.Allowed {
			b.Fatalf("Verify = %v, %v", r, err)
		}
	}
}

// BenchmarkVerifyLargeLinks: a two-step chain whose links record n
// artifacts each (a source tree, then a build of every file), with MATCH
// and DISALLOW rules over all of them: the cost is reading and checking
// the links' signatures and in-toto-golang's artifact rules.
func BenchmarkVerifyLargeLinks(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := b.TempDir()
			owner, ownerPub := newKeyFiles(b, dir, "owner", attest.Ed25519)
			bob, _ := newKeyFiles(b, dir, "bob", attest.Ed25519)
			src := map[string]in_toto.HashObj{}
			out := map[string]in_toto.HashObj{}
			for i := range n {
				src[fmt.Sprintf("src/f%05d.c", i)] = in_toto.HashObj{"sha256": fmt.Sprintf("%064x", i)}
				out[fmt.Sprintf("out/f%05d.o", i)] = in_toto.HashObj{"sha256": fmt.Sprintf("%064x", n+i)}
			}
			layout := in_toto.Layout{
				Type: "layout", Expires: future(), Inspect: []in_toto.Inspection{},
				Keys: map[string]in_toto.Key{bob.KeyID: publicOf(bob)},
				Steps: []in_toto.Step{
					{Type: "step", PubKeys: []string{bob.KeyID}, Threshold: 1, ExpectedCommand: []string{}, SupplyChainItem: in_toto.SupplyChainItem{
						Name: "fetch", ExpectedMaterials: [][]string{}, ExpectedProducts: [][]string{{"CREATE", "src/*"}, {"DISALLOW", "*"}}}},
					{Type: "step", PubKeys: []string{bob.KeyID}, Threshold: 1, ExpectedCommand: []string{}, SupplyChainItem: in_toto.SupplyChainItem{
						Name: "build", ExpectedMaterials: [][]string{{"MATCH", "src/*", "WITH", "PRODUCTS", "FROM", "fetch"}, {"DISALLOW", "*"}},
						ExpectedProducts: [][]string{{"MATCH", "src/*", "WITH", "PRODUCTS", "FROM", "fetch"}, {"CREATE", "out/*.o"}, {"DISALLOW", "*"}}}},
				},
			}
			path := sign(b, filepath.Join(dir, "root.layout"), layout, false, owner)
			link := func(name string, m, p map[string]in_toto.HashObj) in_toto.Link {
				return in_toto.Link{Type: "link", Name: name, Materials: m, Products: p, ByProducts: map[string]any{}, Command: []string{}, Environment: map[string]any{}}
			}
			both := map[string]in_toto.HashObj{}
			for k, v := range src {
				both[k] = v
			}
			for k, v := range out {
				both[k] = v
			}
			sign(b, filepath.Join(dir, linkName("fetch", bob)), link("fetch", map[string]in_toto.HashObj{}, src), false, bob)
			sign(b, filepath.Join(dir, linkName("build", bob)), link("build", src, both), false, bob)
			v := verifier(b, WithLayoutKeys(ownerPub))
			b.ResetTimer()
			for b.Loop() {
				r, err := v.Verify(context.Background(), path, WithLinkDir(dir))
				if err != nil || !r.Allowed {
					id, reasons := failed(r)
					b.Fatalf("Verify = %v %s %s", err, id, strings.TrimSpace(reasons))
				}
			}
		})
	}
}
