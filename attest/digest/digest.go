// Package digest hashes artifacts: files, directory trees and globs, in
// parallel on every core and in constant memory whatever the file size, and
// reads sha256sum-style checksum files.
package digest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/provenant/provenant/attest/regfile"
)

// Algorithm names as in-toto ResourceDescriptor digests spell them.
const (
	SHA256 = "sha256"
	SHA384 = "sha384"
	SHA512 = "sha512"
)

// Supported lists the algorithms this package computes.
var Supported = []string{SHA256, SHA384, SHA512}

// IsSupported says whether alg can be computed.
func IsSupported(alg string) bool {
	switch alg {
	case SHA256, SHA384, SHA512:
		return true
	}
	return false
}

// Set maps an algorithm name to a lowercase hex digest.
type Set map[string]string

func newHash(alg string) (hash.Hash, error) {
	switch alg {
	case SHA256:
		return sha256.New(), nil
	case SHA384:
		return sha512.New384(), nil
	case SHA512:
		return sha512.New(), nil
	}
	return nil, fmt.Errorf("unsupported digest algorithm %q", alg)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// Reader hashes everything r yields with each algorithm, in one pass.
func Reader(r io.Reader, algs ...string) (Set, error) {
	if len(algs) == 0 {
		algs = []string{SHA256}
	}
	hs := make([]hash.Hash, len(algs))
	ws := make([]io.Writer, len(algs))
	for i, a := range algs {
		h, err := newHash(a)
		if err != nil {
			return nil, err
		}
		hs[i], ws[i] = h, h
	}
	w := ws[0]
	if len(ws) > 1 {
		w = io.MultiWriter(ws...)
	}
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	if _, err := io.CopyBuffer(w, onlyReader{r}, *buf); err != nil {
		return nil, err
	}
	set := make(Set, len(algs))
	for i, a := range algs {
		set[a] = hex.EncodeToString(hs[i].Sum(nil))
	}
	return set, nil
}

// onlyReader hides WriterTo/ReaderFrom so that CopyBuffer uses our buffer.
type onlyReader struct{ io.Reader }

// File hashes one file, streaming it. Only a regular file (after following
// links) is read: a named pipe, a device or a directory is refused without
// blocking (see package regfile), so /dev/zero or a FIFO planted as an
// artifact cannot hang a verifier.
func File(path string, algs ...string) (Set, error) {
	f, err := regfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	return Reader(f, algs...)
}

// Artifact is a named thing with its digests.
type Artifact struct {
	// Name is how the artifact is named in a statement: the path as the
	// user gave it (or as found under a directory they gave), with
	// forward slashes.
	Name string
	// Path is where it is read from; empty for an artifact known only by
	// its digests (from a checksums file).
	Path    string
	Digests Set
}

// Expand turns arguments (files, directories walked recursively, and
// patterns in the dialect of Match, "**" included) into a sorted,
// de-duplicated list of regular files. A link is followed, to a file or a
// directory, whether named or matched: the caller names what it attests.
// A pattern that matches nothing and a path that does not exist are
// errors: nothing is skipped silently.
func Expand(args []string) ([]string, error) {
	rs, _, err := expandRoots(args, false)
	if err != nil {
		return nil, err
	}
	roots := make([]string, len(rs))
	for i, r := range rs {
		roots[i] = r.path
	}
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		p = filepath.Clean(p)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range roots {
		info, err := os.Stat(p)
		if err != nil {
			return nil, notFound(p, err)
		}
		if !info.IsDir() {
			if !info.Mode().IsRegular() {
				return nil, fmt.Errorf("%s: %s, not a regular file", p, regfile.Kind(info.Mode()))
			}
			add(p)
			continue
		}
		root := p
		if li, err := os.Lstat(p); err == nil && li.Mode()&fs.ModeSymlink != 0 {
			// A link to a directory, named by the user: WalkDir would
			// not enter it; a trailing separator makes it resolve.
			root = p + string(filepath.Separator)
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				add(path)
			} else if d.Type()&fs.ModeSymlink != 0 {
				// Follow a link only to a regular file.
				if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
					add(path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

func notFound(p string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: no such file or directory", p)
	}
	return err
}

// Files hashes each path with every algorithm, using all cores, counted on
// the context's Meter (WithMeter). The result is in the order of paths.
func Files(ctx context.Context, paths []string, algs ...string) ([]Artifact, error) {
	out := make([]Artifact, len(paths))
	if m := meterFrom(ctx); m != nil {
		m.plan(paths)
	}
	workers := min(runtime.GOMAXPROCS(0), len(paths))
	next := make(chan int)
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				d, err := FileContext(ctx, paths[i], algs...)
				if err != nil {
					errs[i] = notFound(paths[i], err)
					continue
				}
				out[i] = Artifact{Name: filepath.ToSlash(paths[i]), Path: paths[i], Digests: d}
			}
		})
	}
feed:
	for i := range paths {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseChecksums reads a checksums file in the format sha256sum (or
// sha512sum) writes: "<hex>  <name>" or "<hex> *<name>" per line. The
// algorithm follows from the digest length. Lines that are blank are
// ignored; anything else that does not parse is an error naming the line.
func ParseChecksums(r io.Reader, name string) ([]Artifact, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []Artifact
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		sum, file, ok := strings.Cut(line, " ")
		if !ok || len(file) < 2 || (file[0] != ' ' && file[0] != '*') {
			return nil, fmt.Errorf("%s:%d: not a checksum line (want \"<hex>  <file>\")", name, n)
		}
		file = file[1:]
		var alg string
		switch len(sum) {
		case 64:
			alg = SHA256
		case 96:
			alg = SHA384
		case 128:
			alg = SHA512
		default:
			return nil, fmt.Errorf("%s:%d: digest of %d hex digits is not sha256, sha384 or sha512", name, n, len(sum))
		}
		if _, err := hex.DecodeString(sum); err != nil {
			return nil, fmt.Errorf("%s:%d: digest is not hex", name, n)
		}
		out = append(out, Artifact{Name: filepath.ToSlash(file), Digests: Set{alg: strings.ToLower(sum)}})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no checksums found", name)
	}
	return out, nil
}

// Meter counts what FileContext (and so Files) hashes, for a progress
// display: put one in the context with WithMeter and read State from
// another goroutine while hashing runs.
type Meter struct {
	files, done, bytes, size atomic.Int64
	planned, plannedSize     atomic.Int64
}

// MeterState is what a Meter has counted so far.
type MeterState struct {
	// Files counts the files opened, Done those finished (hashed or
	// failed): Files > Done while a hash runs.
	Files, Done int64
	// Bytes counts the bytes hashed, Size the sizes of the files opened.
	Bytes, Size int64
	// Planned and PlannedSize are the files Files was given and their
	// sizes, when it was (0 otherwise): the whole job, known in advance.
	Planned, PlannedSize int64
}

// State returns the counts.
func (m *Meter) State() MeterState {
	return MeterState{Files: m.files.Load(), Done: m.done.Load(), Bytes: m.bytes.Load(), Size: m.size.Load(),
		Planned: m.planned.Load(), PlannedSize: m.plannedSize.Load()}
}

// plan counts files about to be hashed, and their sizes (what a stat
// says now; a file that cannot be stated counts as empty).
func (m *Meter) plan(paths []string) {
	var size int64
	for _, p := range paths {
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() {
			size += info.Size()
		}
	}
	m.planned.Add(int64(len(paths)))
	m.plannedSize.Add(size)
}

type meterKey struct{}

// WithMeter returns a context that has FileContext count into m.
func WithMeter(ctx context.Context, m *Meter) context.Context {
	return context.WithValue(ctx, meterKey{}, m)
}

func meterFrom(ctx context.Context) *Meter {
	m, _ := ctx.Value(meterKey{}).(*Meter)
	return m
}

// FileContext is File, with the bytes it hashes counted on the context's
// Meter (WithMeter), if any, and stopped between reads once ctx is done.
func FileContext(ctx context.Context, path string, algs ...string) (Set, error) {
	f, err := regfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	m := meterFrom(ctx)
	if m != nil {
		if info, err := f.Stat(); err == nil {
			m.size.Add(info.Size())
		}
		m.files.Add(1)
		defer m.done.Add(1)
	}
	return Reader(&countingReader{ctx: ctx, r: f, n: m.counter()}, algs...)
}

// counter is where a meter counts bytes; nil for no meter.
func (m *Meter) counter() *atomic.Int64 {
	if m == nil {
		return nil
	}
	return &m.bytes
}

// countingReader adds what it reads to n (when not nil) and stops once
// ctx is done.
type countingReader struct {
	ctx context.Context
	r   io.Reader
	n   *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if c.n != nil {
		c.n.Add(int64(n))
	}
	return n, err
}
