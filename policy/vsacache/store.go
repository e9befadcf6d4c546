package vsacache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/oci"
	"github.com/provenant/provenant/attest/regfile"
)

// Store keeps cache entries by name. A name is derived from digests only
// (see Name): "sha256-<artifact hex>.<16 hex of the gate>.vsa".
type Store interface {
	// Get returns the entry's bytes and where they were read; found is
	// false when there is none.
	Get(ctx context.Context, name string) (data []byte, where string, found bool, err error)
	// Put stores the entry, replacing an older one, and says where.
	Put(ctx context.Context, name string, data []byte) (where string, err error)
	// String names the store for messages.
	String() string
}

// Dir is a store in a directory: one JSON Lines file per entry,
// NAME.intoto.jsonl. Entries are read only when they are regular files
// (a symbolic link, pipe or device is an error, never read), within
// limits.LineBytes; they are written atomically (a temporary file renamed
// over the entry, so that concurrent writers never mix their bytes) and
// never through a symbolic link (attest.WriteFileAtomic). The directory
// is made when the first entry is written.
func Dir(path string, limits attest.Limits) Store {
	return dirStore{dir: path, max: int64(limits.OrDefaults().LineBytes)}
}

type dirStore struct {
	dir string
	max int64
}

func (d dirStore) String() string { return d.dir }

func (d dirStore) path(name string) string { return filepath.Join(d.dir, name+".intoto.jsonl") }

func (d dirStore) Get(_ context.Context, name string) ([]byte, string, bool, error) {
	p := d.path(name)
	info, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, p, false, nil
	}
	if err != nil {
		return nil, p, false, bare(err)
	}
	if !info.Mode().IsRegular() {
		return nil, p, false, fmt.Errorf("%s, not a regular file: not read", regfile.Kind(info.Mode()))
	}
	// The look above saw a regular file: open it without looking again
	// (OpenListed still refuses what it opened if that is not one), and
	// read it into a buffer of its size.
	f, info, err := regfile.OpenListed(p)
	if err != nil {
		return nil, p, false, bare(err)
	}
	defer func() { _ = f.Close() }()
	data, err := readAtMost(f, info.Size(), d.max)
	if err != nil {
		return nil, p, false, bare(err)
	}
	return data, p, true, nil
}

// readAtMost reads r to its end, size bytes expected, refusing more than
// limit (a *regfile.TooLargeError, as regfile.ReadFile's) after reading
// limit+1 bytes at most; one allocation when size is right.
func readAtMost(r io.Reader, size, limit int64) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, min(max(size, 0), limit)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, &regfile.TooLargeError{Max: limit}
	}
	return buf.Bytes(), nil
}

// bare is err without the path (the caller names the entry).
func bare(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}

func (d dirStore) Put(_ context.Context, name string, data []byte) (string, error) {
	if err := os.MkdirAll(d.dir, 0o755); err != nil {
		return "", attest.FileError(err)
	}
	p := d.path(name)
	return p, attest.WriteFileAtomic(p, data, 0o644)
}

// ArtifactType is the artifactType of a cache entry's manifest in a
// registry; its one layer is a DSSE envelope (oci.MediaTypeDSSE).
const ArtifactType = "application/vnd.provenant.vsa-cache.v1"

// Registry is a store in a registry repository: one tag per entry, the
// entry's name, naming an OCI manifest of ArtifactType whose one layer is
// the VSA's DSSE envelope. Reading is bounded by the client's limits
// (manifest-bytes, line-bytes).
func Registry(client *oci.Client, repo oci.Reference) Store {
	return registryStore{c: client, repo: repo}
}

type registryStore struct {
	c    *oci.Client
	repo oci.Reference
}

func (r registryStore) String() string { return oci.Scheme + r.repo.Repo() }

func (r registryStore) Get(ctx context.Context, name string) ([]byte, string, bool, error) {
	t, found, err := r.c.FetchTagged(ctx, r.repo, name, ArtifactType, oci.MediaTypeDSSE)
	where := t.Location
	if where == "" {
		where = r.repo.Repo() + ":" + name
	}
	return t.Data, where, found, err
}

func (r registryStore) Put(ctx context.Context, name string, data []byte) (string, error) {
	return r.c.PushTagged(ctx, r.repo, name, ArtifactType, oci.MediaTypeDSSE, data)
}
