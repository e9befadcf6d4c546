package oci

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/opencontainers/go-digest"
	"oras.land/oras-go/v2/registry"
)

// Scheme prefixes a reference where a file name could stand
// (oci://REGISTRY/REPOSITORY@sha256:HEX).
const Scheme = "oci://"

// ErrReference: a string is not an image reference.
var ErrReference = errors.New("bad image reference")

// ErrNeedDigest: a reference names a tag where a digest is required (a
// tag can move between the check and the use).
var ErrNeedDigest = errors.New("a tag where a digest is required")

// Reference names an image (a manifest) in a registry: by tag, by digest,
// or both (the digest wins).
type Reference struct {
	Registry   string // host[:port]
	Repository string // path, e.g. example/app
	Tag        string // "" when none was given
	Digest     string // "sha256:<hex>"; "" until resolved when only a tag was given
}

// HasScheme says whether s starts with oci://.
func HasScheme(s string) bool { return strings.HasPrefix(s, Scheme) }

// ParseReference reads REGISTRY/REPOSITORY[:TAG][@ALG:HEX], with or without
// the oci:// prefix. The registry is required (there is no default
// registry: "app:1.0" is refused) and is a host name with a dot or a port,
// "localhost", or an IP address. Digests are sha256 or sha512.
func ParseReference(s string) (Reference, error) {
	in := redactUserinfo(s)
	s = strings.TrimPrefix(s, Scheme)
	bad := func(why string) (Reference, error) {
		return Reference{}, fmt.Errorf("%w %s: %s (want REGISTRY/REPOSITORY[:TAG][@sha256:HEX])", ErrReference, quote(in), why)
	}
	if s == "" {
		return bad("empty")
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r > 0x7e {
			return bad("it holds a space, a control or a non-ASCII character")
		}
	}
	host, path, ok := strings.Cut(s, "/")
	if !ok || path == "" {
		return bad("no repository")
	}
	if !looksLikeHost(host) {
		return bad(fmt.Sprintf("%q is not a registry host (a name with a dot or a port, localhost, or an IP address)", host))
	}
	var ref Reference
	ref.Registry = host
	if i := strings.LastIndex(path, "@"); i >= 0 {
		d, err := digest.Parse(path[i+1:])
		if err != nil || (d.Algorithm() != digest.SHA256 && d.Algorithm() != digest.SHA512) {
			return bad(fmt.Sprintf("%q is not a sha256 or sha512 digest", path[i+1:]))
		}
		ref.Digest = d.String()
		path = path[:i]
	}
	if i := strings.LastIndex(path, ":"); i > strings.LastIndex(path, "/") {
		ref.Tag = path[i+1:]
		path = path[:i]
		if ref.Tag == "" {
			return bad("empty tag")
		}
	}
	ref.Repository = path
	check := registry.Reference{Registry: ref.Registry, Repository: ref.Repository}
	if err := check.ValidateRegistry(); err != nil {
		return bad("invalid registry")
	}
	if err := check.ValidateRepository(); err != nil {
		return bad(fmt.Sprintf("invalid repository %q (lowercase letters, digits, and . _ - / between them)", ref.Repository))
	}
	if ref.Tag != "" {
		check.Reference = ref.Tag
		if err := check.ValidateReferenceAsTag(); err != nil {
			return bad(fmt.Sprintf("invalid tag %q", ref.Tag))
		}
	}
	if ref.Tag == "" && ref.Digest == "" {
		return bad("neither a tag nor a digest")
	}
	return ref, nil
}

// redactUserinfo hides user:password@ before the registry host, so that a
// reference refused for carrying one does not print it.
func redactUserinfo(s string) string {
	rest := strings.TrimPrefix(s, Scheme)
	host, _, _ := strings.Cut(rest, "/")
	if i := strings.LastIndex(host, "@"); i >= 0 {
		return s[:len(s)-len(rest)] + "***@" + rest[i+1:]
	}
	return s
}

func looksLikeHost(h string) bool {
	if h == "localhost" || strings.HasPrefix(h, "localhost:") || strings.ContainsAny(h, ".:") {
		return true
	}
	return net.ParseIP(strings.Trim(h, "[]")) != nil
}

// Repo is REGISTRY/REPOSITORY.
func (r Reference) Repo() string { return r.Registry + "/" + r.Repository }

// String is the reference as a user writes it, without the scheme:
// REGISTRY/REPOSITORY@DIGEST when the digest is known, else :TAG.
func (r Reference) String() string {
	if r.Digest != "" {
		return r.Repo() + "@" + r.Digest
	}
	return r.Repo() + ":" + r.Tag
}

// SubjectName is the name an in-toto subject gives the image, as cosign
// names it (go-containerregistry's repository name): REGISTRY/REPOSITORY,
// with Docker Hub spelled index.docker.io and its official images under
// library/.
func (r Reference) SubjectName() string {
	reg, repo := r.Registry, r.Repository
	if reg == "docker.io" || reg == "index.docker.io" {
		reg = "index.docker.io"
		if !strings.Contains(repo, "/") {
			repo = "library/" + repo
		}
	}
	return reg + "/" + repo
}

// RequireDigest returns ErrNeedDigest when r names no digest.
func (r Reference) RequireDigest() error {
	if r.Digest == "" {
		return fmt.Errorf("%w: %s names the tag %q, which can move; name the image by its digest (%s@sha256:HEX)", ErrNeedDigest, r.Repo()+":"+r.Tag, r.Tag, r.Repo())
	}
	return nil
}

// AttTag is cosign's tag for the attestations of the manifest with digest
// d: "sha256-<hex>.att".
func AttTag(d string) string { return strings.Replace(d, ":", "-", 1) + ".att" }

// isLoopback says whether a registry host is this machine.
func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// quote quotes outside text for a message, cut at 120 bytes.
func quote(s string) string {
	if len(s) > 120 {
		return fmt.Sprintf("%q…", s[:120])
	}
	return fmt.Sprintf("%q", s)
}
