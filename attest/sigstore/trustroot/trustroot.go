// Package trustroot keeps Sigstore trusted roots in a cache directory, so
// that verifying a Sigstore bundle needs no trusted_root.json on the
// command line: Update fetches one through TUF (sigstore-go's client,
// which embeds the public-good TUF root itself), Import stores one
// obtained out of band (air-gapped use), Load reads them all back.
//
// The cache is a directory (DefaultDir: "provenant/trusted-roots" under
// os.UserCacheDir, so XDG_CACHE_HOME moves it):
//
//	NAME.json       a trusted root, exactly as fetched or imported
//	NAME.meta.json  where it came from, when, and its SHA-256
//	tuf/NAME/       the TUF client's metadata for NAME's repository
//
// An update that fails (a rollback, a frozen or expired repository,
// metadata not signed by the TUF root, a target that does not match its
// metadata, a trusted root that does not parse) changes nothing: the TUF
// client works on a copy of its metadata, which replaces the old only
// after the new trusted root is written.
//
// Nothing is trusted that the cache does not hold: no trusted root ships
// with provenant, only the TUF root sigstore-go embeds.
package trustroot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tuf"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/fetcher"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/regfile"
	"github.com/provenant/provenant/attest/sigstore"
)

// The public-good Sigstore TUF repository, and the name its root takes in
// the cache.
const (
	PublicGoodURL  = tuf.DefaultMirror
	PublicGoodName = "sigstore"
	// Target is the TUF target that holds the trusted root.
	Target = "trusted_root.json"
	// StaleAfter is the age past which a cached root is stale: it still
	// verifies (offline users keep working), and the caller should warn.
	StaleAfter = 30 * 24 * time.Hour
	// MaxTUFRootBytes bounds a TUF root.json given by the user.
	MaxTUFRootBytes = 1 << 20
)

// Errors.
var (
	// ErrBadName: a root's name is not a short lowercase word.
	ErrBadName = errors.New("a trusted root's name is 1 to 64 characters: lowercase letters, digits, '.', '_' and '-', starting with a letter or digit")
	// ErrUpdate: the TUF update failed; the cache is as it was.
	ErrUpdate = errors.New("TUF update")
	// ErrRefused: the repository answered with metadata or a target
	// that does not verify (a rollback, a freeze, expired or unsigned
	// metadata, a target that is not the signed one, or no trusted
	// root). It wraps ErrUpdate.
	ErrRefused = fmt.Errorf("%w refused", ErrUpdate)
	// ErrCache: the cache cannot be read or holds a broken root.
	ErrCache = errors.New("trusted-root cache")
)

var nameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`) })

// CheckName refuses a name that could not be a file name of its own.
func CheckName(name string) error {
	if !nameRE().MatchString(name) || strings.HasSuffix(name, ".meta") {
		return fmt.Errorf("%w: %q", ErrBadName, name)
	}
	return nil
}

// DefaultDir is provenant/trusted-roots under the user cache directory.
func DefaultDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("%w: no user cache directory: %v", ErrCache, err)
	}
	return filepath.Join(d, "provenant", "trusted-roots"), nil
}

// Cache is a directory of trusted roots.
type Cache struct {
	Dir string
}

// Info says where a cached root came from.
type Info struct {
	Name string `json:"name"`
	// Source is the TUF repository's URL, or "import:" and the file
	// imported.
	Source string `json:"source"`
	// Fetched is when it was fetched or imported.
	Fetched time.Time `json:"fetched"`
	// SHA256 is the hex digest of the trusted root's bytes.
	SHA256 string `json:"sha256"`
	// Path is the trusted root's file (not recorded in the metadata).
	Path string `json:"path,omitempty"`
}

// Age is how long ago the root was fetched.
func (i Info) Age(now time.Time) time.Duration { return now.Sub(i.Fetched) }

// Stale says whether the root is older than StaleAfter.
func (i Info) Stale(now time.Time) bool { return i.Age(now) > StaleAfter }

// Root is a cached trusted root, read and parsed.
type Root struct {
	Info
	TrustedRoot *root.TrustedRoot
}

func (c *Cache) rootPath(name string) string { return filepath.Join(c.Dir, name+".json") }
func (c *Cache) metaPath(name string) string { return filepath.Join(c.Dir, name+".meta.json") }

// List returns what the cache holds, by name, without parsing the roots.
// A missing directory is an empty cache.
func (c *Cache) List() ([]Info, error) {
	ents, err := os.ReadDir(c.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCache, err)
	}
	var out []Info
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".meta.json")
		if !ok || CheckName(name) != nil {
			continue
		}
		info, err := c.info(name)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (c *Cache) info(name string) (Info, error) {
	b, err := regfile.ReadFile(c.metaPath(name), 64<<10)
	if err != nil {
		return Info{}, fmt.Errorf("%w: %w", ErrCache, attest.FileError(err))
	}
	var info Info
	if err := json.Unmarshal(b, &info); err != nil || info.Name != name {
		return Info{}, fmt.Errorf("%w: %s is not provenant's root metadata for %q", ErrCache, c.metaPath(name), name)
	}
	info.Path = c.rootPath(name)
	return info, nil
}

// Load reads and parses every cached root. A root whose bytes do not
// match their recorded digest, or do not parse, is an error naming it:
// a broken cache never silently verifies less (or more).
func (c *Cache) Load() ([]Root, error) {
	infos, err := c.List()
	if err != nil {
		return nil, err
	}
	out := make([]Root, 0, len(infos))
	for _, info := range infos {
		data, err := regfile.ReadFile(info.Path, sigstore.MaxTrustedRootBytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCache, attest.FileError(err))
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != info.SHA256 {
			return nil, fmt.Errorf("%w: %s does not match the digest recorded when it was stored", ErrCache, info.Path)
		}
		tr, err := parseTrustedRoot(data)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrCache, info.Path, err)
		}
		out = append(out, Root{Info: info, TrustedRoot: tr})
	}
	return out, nil
}

func parseTrustedRoot(data []byte) (*root.TrustedRoot, error) {
	if err := attest.CheckJSON(data); err != nil {
		return nil, fmt.Errorf("not a trusted root: %w", err)
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("not a trusted root: %v", err)
	}
	return tr, nil
}

// Import stores a trusted root under name, replacing one of that name.
// It must parse as a trusted root.
func (c *Cache) Import(name string, data []byte, source string, now time.Time) (Info, error) {
	if err := CheckName(name); err != nil {
		return Info{}, err
	}
	if _, err := parseTrustedRoot(data); err != nil {
		return Info{}, err
	}
	return c.store(name, data, source, now)
}

// ImportFile reads a trusted_root.json file (a regular file of at most
// sigstore.MaxTrustedRootBytes) and imports it.
func (c *Cache) ImportFile(name, path string, now time.Time) (Info, error) {
	data, err := regfile.ReadFile(path, sigstore.MaxTrustedRootBytes)
	if err != nil {
		return Info{}, attest.FileError(err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	info, err := c.Import(name, data, "import:"+abs, now)
	if err != nil {
		return Info{}, fmt.Errorf("%s: %w", path, err)
	}
	return info, nil
}

// store writes the root, then its metadata, each atomically and never
// through a link.
func (c *Cache) store(name string, data []byte, source string, now time.Time) (Info, error) {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return Info{}, fmt.Errorf("%w: %v", ErrCache, err)
	}
	sum := sha256.Sum256(data)
	info := Info{Name: name, Source: source, Fetched: now.UTC().Truncate(time.Second), SHA256: hex.EncodeToString(sum[:])}
	meta, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return Info{}, err
	}
	if err := attest.WriteFile(c.rootPath(name), data, 0o644, attest.WithOverwrite()); err != nil {
		return Info{}, err
	}
	if err := attest.WriteFile(c.metaPath(name), append(meta, '\n'), 0o644, attest.WithOverwrite()); err != nil {
		return Info{}, err
	}
	info.Path = c.rootPath(name)
	return info, nil
}

// UpdateOptions say which TUF repository to update from.
type UpdateOptions struct {
	// Name is the root's name in the cache (default PublicGoodName).
	Name string
	// RepositoryURL is the TUF repository (default PublicGoodURL).
	RepositoryURL string
	// TUFRoot is the repository's trusted TUF root.json, the trust
	// anchor (default: the public-good root sigstore-go embeds, which
	// only PublicGoodURL can satisfy).
	TUFRoot []byte
	// Now is the time to record (default time.Now).
	Now time.Time
	// Fetcher fetches metadata and targets (default go-tuf's, with
	// sigstore-go's user agent).
	Fetcher fetcher.Fetcher
}

// Update runs a TUF update and stores the repository's trusted root under
// the name. The TUF client checks every role's signatures against the
// TUF root (walking root rotations), versions against what the cache saw
// last (no rollback), expiry (no freeze), and the target's length and
// hashes. On any failure nothing in the cache changes.
func (c *Cache) Update(ctx context.Context, o UpdateOptions) (Info, error) {
	if o.Name == "" {
		o.Name = PublicGoodName
	}
	if err := CheckName(o.Name); err != nil {
		return Info{}, err
	}
	if o.RepositoryURL == "" {
		o.RepositoryURL = PublicGoodURL
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	anchor := o.TUFRoot
	if anchor == nil {
		if strings.TrimRight(o.RepositoryURL, "/") != PublicGoodURL {
			return Info{}, fmt.Errorf("%w: %s is not the public-good repository: its TUF root (root.json) must be given", ErrUpdate, o.RepositoryURL)
		}
		anchor = tuf.DefaultRoot()
	}
	if err := attest.CheckJSON(anchor); err != nil {
		return Info{}, fmt.Errorf("%w: the TUF root is not JSON: %w", ErrUpdate, err)
	}
	if err := os.MkdirAll(filepath.Join(c.Dir, "tuf"), 0o755); err != nil {
		return Info{}, fmt.Errorf("%w: %v", ErrCache, err)
	}
	live := filepath.Join(c.Dir, "tuf", o.Name)
	work, err := os.MkdirTemp(filepath.Join(c.Dir, "tuf"), "."+o.Name+".update-")
	if err != nil {
		return Info{}, fmt.Errorf("%w: %v", ErrCache, err)
	}
	defer func() { _ = os.RemoveAll(work) }()
	if err := copyTree(live, work); err != nil {
		return Info{}, fmt.Errorf("%w: %v", ErrCache, err)
	}
	opts := tuf.DefaultOptions().
		WithRoot(anchor).
		WithRepositoryBaseURL(o.RepositoryURL).
		WithCachePath(work).
		WithCacheValidity(0).
		WithContext(ctx)
	if o.Fetcher != nil {
		opts = opts.WithFetcher(o.Fetcher)
	}
	client, err := tuf.New(opts)
	if err != nil {
		return Info{}, updateError(o.RepositoryURL, err)
	}
	data, err := client.GetTarget(Target)
	if err != nil {
		return Info{}, updateError(o.RepositoryURL, err)
	}
	if _, err := parseTrustedRoot(data); err != nil {
		return Info{}, fmt.Errorf("%w from %s: the %s target: %v", ErrRefused, o.RepositoryURL, Target, err)
	}
	info, err := c.store(o.Name, data, strings.TrimRight(o.RepositoryURL, "/"), o.Now)
	if err != nil {
		return Info{}, err
	}
	// The new metadata replaces the old only now.
	old := work + ".old"
	if err := os.Rename(live, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Info{}, fmt.Errorf("%w: %v", ErrCache, err)
	}
	if err := os.Rename(work, live); err != nil {
		return Info{}, fmt.Errorf("%w: %v", ErrCache, err)
	}
	_ = os.RemoveAll(old)
	return info, nil
}

// updateError says whether the repository was refused (go-tuf's
// repository errors: signatures, versions, expiry, lengths and hashes) or
// could not be used.
func updateError(url string, err error) error {
	kind := ErrUpdate
	if errors.Is(err, &metadata.ErrRepository{}) {
		kind = ErrRefused
	}
	return fmt.Errorf("%w from %s: %v", kind, url, err)
}

// copyTree copies the regular files and directories under src (none
// there: nothing) to dst; links are not followed or copied.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == src {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			b, err := regfile.ReadFile(p, 16<<20)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, 0o644)
		}
		return nil
	})
}

// ReadTUFRoot reads a TUF root.json given by the user (a regular file of
// at most MaxTUFRootBytes).
func ReadTUFRoot(path string) ([]byte, error) {
	b, err := regfile.ReadFile(path, MaxTUFRootBytes)
	if err != nil {
		return nil, attest.FileError(err)
	}
	return b, nil
}
