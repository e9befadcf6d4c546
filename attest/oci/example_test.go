package oci_test

import (
	"fmt"

	"github.com/provenant/provenant/attest/oci"
)

// A reference names the image; the subject of its attestations is named
// as cosign names it, and its classic attestations live under AttTag.
func ExampleParseReference() {
	ref, err := oci.ParseReference("oci://docker.io/alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ref.SubjectName())
	fmt.Println(oci.AttTag(ref.Digest))
	if _, err := oci.ParseReference("registry.example.com/app:v1"); err == nil {
		fmt.Println("a tag parses; verify wants a digest")
	}
	// Output:
	// index.docker.io/library/alpine
	// sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.att
	// a tag parses; verify wants a digest
}
