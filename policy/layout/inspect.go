package layout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/in-toto/in-toto-golang/in_toto"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/regfile"
	"github.com/provenant/provenant/provenance"
)

// ErrArtifact: an artifact given for the inspections cannot be copied into
// their scratch directory (missing, not a regular file or directory, or
// holding a link, a pipe or a device).
var ErrArtifact = errors.New("artifact for the inspections")

// recording serializes in-toto-golang's InTotoRun: its artifact recorder
// keeps the links it has followed in a package variable, so two
// verifications running inspections at once would share it.
var recording sync.Mutex

// inspections runs the layout's inspections, in order, in one scratch
// directory made for them and removed afterwards, holding copies of the
// artifacts. Each is run by in-toto-golang's InTotoRun, which records the
// scratch directory's files before and after the command (names relative
// to it) and writes nothing; a command that cannot start or exits with a
// non-zero status denies. It returns the inspections' links.
func (w *walk) inspections(ctx context.Context, l in_toto.Layout, prefix string) (map[string]in_toto.Metadata, bool, error) {
	scratch, err := os.MkdirTemp("", "provenant-inspect-")
	if err != nil {
		return nil, false, err
	}
	defer func() { _ = os.RemoveAll(scratch) }()
	if err := copyArtifacts(scratch, w.c.artifacts); err != nil {
		return nil, false, err
	}
	strip := scratch + string(filepath.Separator)
	links := map[string]in_toto.Metadata{}
	for _, in := range l.Inspect {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		check := Check{ID: "inspection", Item: prefix + in.Name}
		res := Inspection{Name: prefix + in.Name, Run: in.Run, ExitCode: -1}
		recording.Lock()
		md, err := in_toto.InTotoRun(in.Name, scratch, []string{scratch}, []string{scratch}, in.Run, in_toto.Key{}, []string{"sha256"}, nil, []string{strip}, false, false, false)
		recording.Unlock()
		if err != nil {
			w.rep.Inspections = append(w.rep.Inspections, res)
			w.rep.fail(check, fmt.Sprintf("inspection %q (%s) could not run: %v", in.Name, strings.Join(in.Run, " "), err))
			return nil, false, nil
		}
		link, _ := md.GetPayload().(in_toto.Link)
		code, _ := link.ByProducts["return-value"].(float64)
		res.ExitCode = int(code)
		res.Link = provenance.LinkFromInToto(link)
		w.rep.Inspections = append(w.rep.Inspections, res)
		if _, ok := link.ByProducts["return-value"].(float64); !ok || code != 0 {
			reason := fmt.Sprintf("inspection %q (%s) exited with status %d", in.Name, strings.Join(in.Run, " "), res.ExitCode)
			if msg := lastLine(link.ByProducts["stderr"]); msg != "" {
				reason += ": " + msg
			}
			w.rep.fail(check, reason)
			return nil, false, nil
		}
		w.rep.pass(check)
		links[in.Name] = md
	}
	return links, true, nil
}

// lastLine is the last non-empty line of a command's captured output, cut
// at 200 bytes.
func lastLine(v any) string {
	s, _ := v.(string)
	lines := strings.Split(strings.TrimSpace(s), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if len(last) > 200 {
		last = last[:200] + "…"
	}
	return last
}

// copyArtifacts copies each artifact into dir: a file under its base
// name, a directory's contents (walked without following links). Only
// regular files and directories are copied; anything else is an
// ErrArtifact, as is a name given twice.
func copyArtifacts(dir string, artifacts []string) error {
	for _, a := range artifacts {
		info, err := os.Lstat(a)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrArtifact, attest.FileError(err))
		}
		switch {
		case info.Mode().IsRegular():
			if err := copyFile(a, filepath.Join(dir, filepath.Base(a)), info.Mode().Perm()); err != nil {
				return err
			}
		case info.IsDir():
			err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return fmt.Errorf("%w: %w", ErrArtifact, attest.FileError(err))
				}
				rel, err := filepath.Rel(a, p)
				if err != nil {
					return err
				}
				dst := filepath.Join(dir, rel)
				info, err := d.Info()
				if err != nil {
					return fmt.Errorf("%w: %w", ErrArtifact, attest.FileError(err))
				}
				switch {
				case d.IsDir():
					if rel == "." {
						return nil
					}
					return os.Mkdir(dst, 0o755)
				case info.Mode().IsRegular():
					return copyFile(p, dst, info.Mode().Perm())
				}
				return fmt.Errorf("%w: %s is %s", ErrArtifact, p, regfile.Kind(info.Mode()))
			})
			if err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: %s is %s", ErrArtifact, a, regfile.Kind(info.Mode()))
		}
	}
	return nil
}

// copyFile copies a regular file (regfile.Open: never a FIFO swapped in)
// to a new file.
func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := regfile.Open(src)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrArtifact, attest.FileError(err))
	}
	defer func() { _ = in.Close() }()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm|0o200)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: two artifacts are named %s", ErrArtifact, filepath.Base(dst))
		}
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
