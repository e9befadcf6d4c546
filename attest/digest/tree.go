package digest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/provenant/provenant/attest/regfile"
)

// MediaTypeSymlink is the media type of an entry recorded as a symbolic link
// rather than followed (the freedesktop.org shared-mime-info name).
const MediaTypeSymlink = "inode/symlink"

// Entry is one file found by HashTree.
type Entry struct {
	Artifact
	// Link is set when the entry is a symbolic link recorded as a link:
	// its target as written in the link. Its digests are then those of
	// the target text, the way git stores a link as a blob of its target.
	Link string
	// Info describes what was hashed: the file, or the link itself when
	// Link is set. Changed uses it to tell a rewritten file from an
	// untouched one.
	Info fs.FileInfo
}

// Skipped is a file that HashTree found but could not hash: a socket, a
// named pipe or a device. It is reported, never dropped silently.
type Skipped struct {
	Path   string
	Reason string
}

// Tree is what HashTree found, sorted by name.
type Tree struct {
	Entries []Entry
	Skipped []Skipped
}

// Progress says how far HashTree has got. Total grows while the walk is
// still finding files; Walked says it is final. Bytes counts the bytes
// hashed so far, as they are read (a large file moves it before it is
// done); Size the sizes of the Opened files (links included), the whole
// job's once Walked and Opened == Total.
type Progress struct {
	Files, Total int64
	Bytes, Size  int64
	Opened       int64
	Walked       bool
	Elapsed      time.Duration
}

// TreeOption configures HashTree.
type TreeOption func(*treeOptions) error

type treeOptions struct {
	algs      []string
	progress  func(Progress)
	every     time.Duration
	missingOK bool
	workers   int
}

// WithAlgorithms chooses the digests computed (default sha256 only).
func WithAlgorithms(algs ...string) TreeOption {
	return func(o *treeOptions) error {
		if len(algs) == 0 {
			return errors.New("no digest algorithm")
		}
		for _, a := range algs {
			if !IsSupported(a) {
				return fmt.Errorf("unsupported digest algorithm %q", a)
			}
		}
		o.algs = algs
		return nil
	}
}

// WithProgress calls fn from one goroutine every interval while hashing,
// and once at the end.
func WithProgress(fn func(Progress), interval time.Duration) TreeOption {
	return func(o *treeOptions) error {
		if interval <= 0 {
			return fmt.Errorf("progress interval must be positive, not %v", interval)
		}
		o.progress, o.every = fn, interval
		return nil
	}
}

// WithMissingOK accepts roots that do not exist and patterns that match
// nothing, for a snapshot taken before the files are made.
func WithMissingOK() TreeOption {
	return func(o *treeOptions) error { o.missingOK = true; return nil }
}

// WithWorkers sets how many files are hashed at once (default GOMAXPROCS).
func WithWorkers(n int) TreeOption {
	return func(o *treeOptions) error {
		if n < 1 {
			return fmt.Errorf("workers must be at least 1, not %d", n)
		}
		o.workers = n
		return nil
	}
}

// HashTree hashes everything under roots: files, directories (walked
// recursively), and glob patterns ("*", "?", "[...]" within a path element,
// "**" across elements). The walk finishes first (it only lists
// directories), then the files are hashed in parallel, each streamed in
// constant memory.
//
// Symbolic links: a root is followed, since the caller named it. A link
// found under a root is followed when it resolves to a regular file inside
// one of the roots; a link that points outside them, to a directory, or
// nowhere is recorded as a link (Entry.Link), never followed. So nothing
// outside the declared paths is read, and no walk loops.
//
// A missing root, a pattern that matches nothing and an unreadable file are
// errors (unless WithMissingOK, for the first two): nothing is skipped
// silently. Entry names are the paths as found, cleaned, with forward
// slashes, so the same file gets the same name in every call.
func HashTree(ctx context.Context, roots []string, opts ...TreeOption) (*Tree, error) {
	o := treeOptions{algs: []string{SHA256}, workers: runtime.GOMAXPROCS(0)}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	paths, anchors, err := expandRoots(roots, o.missingOK)
	if err != nil {
		return nil, err
	}
	real := make([]string, 0, len(anchors))
	for _, p := range anchors {
		r, err := realPath(p)
		if err != nil {
			return nil, err
		}
		real = append(real, r)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &walker{o: &o, roots: real, seen: map[string]bool{}, start: time.Now()}
	stopProgress := w.reportProgress()
	// Walk first, then hash: listing a directory is cheap next to hashing
	// its files, and workers that take the files by index from the
	// finished list never wait for each other or for the walk. Handing
	// each file from the walk to a worker over a channel cost a wake-up
	// a file (futex, and the scheduler's spinning: nanosleep), which for
	// small files was as much CPU as hashing them.
	var walkErr error
	for _, p := range paths {
		if walkErr = w.walkRoot(ctx, p); walkErr != nil {
			break
		}
	}
	w.walked.Store(true)
	if walkErr == nil {
		var wg sync.WaitGroup
		for range min(o.workers, len(w.jobs)) - 1 {
			wg.Go(func() { w.hashJobs(ctx, cancel) })
		}
		w.hashJobs(ctx, cancel)
		wg.Wait()
	}
	stopProgress()

	if walkErr == nil {
		walkErr = ctx.Err()
	}
	if err := w.firstError(); err != nil {
		return nil, err
	}
	if walkErr != nil {
		return nil, walkErr
	}
	t := &Tree{Entries: make([]Entry, len(w.entries)), Skipped: w.skipped}
	for i, e := range w.entries {
		t.Entries[i] = *e
	}
	sort.Slice(t.Entries, func(i, j int) bool { return t.Entries[i].Name < t.Entries[j].Name })
	sort.Slice(t.Skipped, func(i, j int) bool { return t.Skipped[i].Path < t.Skipped[j].Path })
	return t, nil
}

type walker struct {
	o     *treeOptions
	roots []string // real paths of the declared roots
	seen  map[string]bool
	start time.Time

	// jobs are the entries to hash, taken by index (next) by the workers
	// once the walk is done.
	jobs []*Entry
	next atomic.Int64

	entries []*Entry // owned by the walking goroutine
	skipped []Skipped

	files, total, bytes, size, opened atomic.Int64
	walked                            atomic.Bool

	mu   sync.Mutex
	errs []error
}

func (w *walker) fail(err error) {
	w.mu.Lock()
	w.errs = append(w.errs, err)
	w.mu.Unlock()
}

// firstError reports the first failure by path, and how many more there were.
func (w *walker) firstError() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.errs) == 0 {
		return nil
	}
	sort.Slice(w.errs, func(i, j int) bool { return w.errs[i].Error() < w.errs[j].Error() })
	if len(w.errs) == 1 {
		return w.errs[0]
	}
	return fmt.Errorf("%w (and %d more unreadable files)", w.errs[0], len(w.errs)-1)
}

func (w *walker) reportProgress() (stop func()) {
	if w.o.progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(w.o.every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				w.o.progress(w.snapshot())
			case <-done:
				return
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		w.o.progress(w.snapshot())
	}
}

func (w *walker) snapshot() Progress {
	return Progress{
		Files:   w.files.Load(),
		Total:   w.total.Load(),
		Bytes:   w.bytes.Load(),
		Size:    w.size.Load(),
		Opened:  w.opened.Load(),
		Walked:  w.walked.Load(),
		Elapsed: time.Since(w.start),
	}
}

func (w *walker) hashJobs(ctx context.Context, cancel func()) {
	for {
		i := int(w.next.Add(1)) - 1
		if i >= len(w.jobs) || ctx.Err() != nil {
			return
		}
		e := w.jobs[i]
		// The walk saw a regular file: open it without looking again
		// (what is opened is still checked, and a FIFO put in its place
		// is refused without blocking), and stat it here, in parallel,
		// rather than in the walk.
		f, info, err := regfile.OpenListed(e.Path)
		if err != nil {
			w.fail(fileError(e.Path, err))
			cancel()
			continue
		}
		if e.Info == nil {
			e.Info = info
		}
		w.size.Add(e.Info.Size())
		w.opened.Add(1)
		d, err := Reader(&countingReader{ctx: ctx, r: f, n: &w.bytes}, w.o.algs...)
		_ = f.Close()
		if err != nil {
			w.fail(fileError(e.Path, err))
			cancel()
			continue
		}
		e.Digests = d
		w.files.Add(1)
	}
}

func fileError(p string, err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return fmt.Errorf("%s: %v", p, pe.Err)
	}
	return fmt.Errorf("%s: %v", p, err)
}

func (w *walker) add(e *Entry) bool {
	if w.seen[e.Path] {
		return false
	}
	w.seen[e.Path] = true
	w.entries = append(w.entries, e)
	w.total.Add(1)
	return true
}

func (w *walker) send(ctx context.Context, e *Entry) error {
	if w.add(e) {
		w.jobs = append(w.jobs, e)
	}
	return ctx.Err()
}

func (w *walker) addLink(p string, info fs.FileInfo) error {
	target, err := os.Readlink(p)
	if err != nil {
		return fileError(p, err)
	}
	d, err := Reader(strings.NewReader(target), w.o.algs...)
	if err != nil {
		return err
	}
	if w.add(&Entry{Artifact: Artifact{Name: filepath.ToSlash(p), Path: p, Digests: d}, Link: target, Info: info}) {
		w.files.Add(1)
		w.opened.Add(1)
	}
	return nil
}

// walkRoot handles one root: a named root is followed if it is a link; a
// link a pattern matched is handled like a link found under a root.
func (w *walker) walkRoot(ctx context.Context, r root) error {
	p := r.path
	if r.matched {
		if li, err := os.Lstat(p); err == nil && li.Mode()&fs.ModeSymlink != 0 {
			return w.visitLink(ctx, p, li)
		}
	}
	info, err := os.Stat(p)
	if err != nil {
		li, lerr := os.Lstat(p)
		if lerr == nil && li.Mode()&fs.ModeSymlink != 0 {
			return w.addLink(p, li) // a dangling link named as a root
		}
		return notFound(p, err)
	}
	if !info.IsDir() {
		return w.visit(ctx, p, info)
	}
	if li, err := os.Lstat(p); err == nil && li.Mode()&fs.ModeSymlink != 0 {
		p += string(filepath.Separator) // walk the directory a named link points to
	}
	return filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err != nil {
			return fileError(q, err)
		}
		if d.IsDir() {
			return ctx.Err()
		}
		if d.Type().IsRegular() {
			// The common case: no stat in the walk; the worker does it.
			return w.send(ctx, &Entry{Artifact: Artifact{Name: filepath.ToSlash(q), Path: q}})
		}
		info, err := d.Info()
		if err != nil {
			return fileError(q, err)
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return w.visitLink(ctx, q, info)
		}
		return w.visit(ctx, q, info)
	})
}

func (w *walker) visit(ctx context.Context, p string, info fs.FileInfo) error {
	if !info.Mode().IsRegular() {
		w.skipped = append(w.skipped, Skipped{Path: filepath.ToSlash(p), Reason: describeMode(info.Mode())})
		return nil
	}
	return w.send(ctx, &Entry{Artifact: Artifact{Name: filepath.ToSlash(p), Path: p}, Info: info})
}

// visitLink follows a link found under a root only to a regular file inside
// the roots; anything else is recorded as a link.
func (w *walker) visitLink(ctx context.Context, p string, linfo fs.FileInfo) error {
	resolved, err := filepath.EvalSymlinks(p)
	if err == nil {
		if abs, aerr := filepath.Abs(resolved); aerr == nil && w.inside(abs) {
			if info, serr := os.Stat(p); serr == nil && info.Mode().IsRegular() {
				return w.send(ctx, &Entry{Artifact: Artifact{Name: filepath.ToSlash(p), Path: p}, Info: info})
			}
		}
	}
	return w.addLink(p, linfo)
}

func (w *walker) inside(p string) bool {
	for _, r := range w.roots {
		if p == r || strings.HasPrefix(p, r+string(filepath.Separator)) || r == string(filepath.Separator) {
			return true
		}
	}
	return false
}

func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "not a regular file"
}

// realPath is the absolute path with every link resolved; for a dangling
// link, the absolute path of the link itself.
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r, nil
	}
	return abs, nil
}

// root is one path to hash: an argument, or what a pattern matched.
type root struct {
	path string
	// matched: found by a pattern, not named; a link is then treated
	// like a link found under a root, not followed as a named root.
	matched bool
}

// expandRoots turns arguments into existing paths: patterns are expanded
// (see glob), each path is cleaned, and order is kept. anchors are the
// directories the roots are inside of: each named path, and each
// pattern's base directory.
func expandRoots(args []string, missingOK bool) (roots []root, anchors []string, err error) {
	seen := map[string]bool{}
	add := func(p string, matched bool) {
		p = filepath.Clean(p)
		if !seen[p] {
			seen[p] = true
			roots = append(roots, root{p, matched})
		}
	}
	for _, arg := range args {
		if arg == "" {
			return nil, nil, errors.New("empty path")
		}
		if _, err := os.Lstat(arg); err == nil || !IsPattern(arg) {
			if err != nil {
				if missingOK && errors.Is(err, fs.ErrNotExist) {
					continue
				}
				return nil, nil, notFound(arg, err)
			}
			add(arg, false)
			anchors = append(anchors, filepath.Clean(arg))
			continue
		}
		m, base, err := glob(arg)
		if err != nil {
			return nil, nil, err
		}
		if len(m) == 0 {
			if missingOK {
				continue
			}
			return nil, nil, fmt.Errorf("%s: no file matches", arg)
		}
		anchors = append(anchors, base)
		for _, p := range m {
			add(p, true)
		}
	}
	return roots, anchors, nil
}

// Changed returns the entries of after that are new or differ from before:
// other digests, another link target, or a file that was rewritten (other
// size, modification time, or inode), even with the same content.
func Changed(before, after []Entry) []Entry {
	old := make(map[string]*Entry, len(before))
	for i := range before {
		old[before[i].Name] = &before[i]
	}
	var out []Entry
	for _, e := range after {
		b, ok := old[e.Name]
		if !ok || b.Link != e.Link || !sameDigests(b.Digests, e.Digests) || !sameFile(b.Info, e.Info) {
			out = append(out, e)
		}
	}
	return out
}

func sameDigests(a, b Set) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func sameFile(a, b fs.FileInfo) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) && a.Mode() == b.Mode() && os.SameFile(a, b)
}
