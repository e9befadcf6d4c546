package attest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest/attesttest"
)

// secretFile writes a file that must never be copied anywhere and returns
// its path and content.
func secretFile(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	p := filepath.Join(dir, "release.key")
	secret := []byte("-----BEGIN PRIVATE KEY-----\nTOP-SECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n")
	if err := os.WriteFile(p, secret, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, secret
}

// assertUnchanged fails when path's content is not want.
func assertUnchanged(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed: %q, want %q", path, got, want)
	}
}

// assertNoSecretCopied fails when any file under dir, other than those
// skipped (the secret itself, a destination checked to be unchanged),
// holds the secret.
func assertNoSecretCopied(t *testing.T, dir string, skip ...string) {
	t.Helper()
	for _, p := range attesttest.FilesHolding(t, dir, "TOP-SECRET", skip...) {
		t.Errorf("%s holds the secret's content", p)
	}
}

func testEnvelope(t *testing.T) *Envelope {
	t.Helper()
	k := testKey(t, Ed25519, "a")
	env, err := SignPayload(context.Background(), PayloadType, []byte(`{"n":1}`), k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// TestAppendToBundleRefusesUnsafeDestinations: a bundle path that is a
// link (to a secret, to a bundle, dangling), a directory, a pipe, a device
// or a file that is not a bundle is refused with ErrUnsafeDestination, and
// nothing changes: the link stays a link, its target keeps its content, and
// no file anywhere receives the target's bytes (issue 13, item 14).
func TestAppendToBundleRefusesUnsafeDestinations(t *testing.T) {
	env := testEnvelope(t)
	line, _ := MarshalEnvelope(env)
	tests := []struct {
		name  string
		setup func(t *testing.T, dir, secret string) string // returns the bundle path
	}{
		{"link to a secret", func(t *testing.T, dir, secret string) string {
			p := filepath.Join(dir, "provenance.intoto.jsonl")
			attesttest.Symlink(t, secret, p)
			return p
		}},
		{"relative link to a secret", func(t *testing.T, dir, secret string) string {
			p := filepath.Join(dir, "provenance.intoto.jsonl")
			attesttest.Symlink(t, "release.key", p)
			return p
		}},
		{"link to a bundle", func(t *testing.T, dir, secret string) string {
			b := filepath.Join(dir, "real.intoto.jsonl")
			attesttest.WriteFile(t, b, append(bytes.Clone(line), '\n'), 0o644)
			p := filepath.Join(dir, "provenance.intoto.jsonl")
			attesttest.Symlink(t, b, p)
			return p
		}},
		{"dangling link", func(t *testing.T, dir, secret string) string {
			p := filepath.Join(dir, "provenance.intoto.jsonl")
			attesttest.Symlink(t, filepath.Join(dir, "created-through-link"), p)
			return p
		}},
		{"link to /proc/self/environ", func(t *testing.T, dir, secret string) string {
			p := filepath.Join(dir, "provenance.intoto.jsonl")
			attesttest.Symlink(t, "/proc/self/environ", p)
			return p
		}},
		{"directory", func(t *testing.T, dir, secret string) string {
			p := filepath.Join(dir, "d.intoto.jsonl")
			attesttest.Mkdir(t, p)
			return p
		}},
		{"named pipe", func(t *testing.T, dir, secret string) string {
			p := filepath.Join(dir, "fifo.intoto.jsonl")
			attesttest.Mkfifo(t, p)
			return p
		}},
		{"device", func(t *testing.T, dir, secret string) string {
			if _, err := os.Stat(os.DevNull); err != nil || os.DevNull != "/dev/null" {
				t.Skip("no /dev/null")
			}
			return os.DevNull
		}},
		{"a key, not a bundle", func(t *testing.T, dir, secret string) string {
			return secret
		}},
		{"hard link to a key", func(t *testing.T, dir, secret string) string {
			p := filepath.Join(dir, "hard.intoto.jsonl")
			if err := os.Link(secret, p); err != nil {
				t.Skip("no hard links:", err)
			}
			return p
		}},
		{"an environment file", func(t *testing.T, dir, secret string) string {
			p := filepath.Join(dir, "env.intoto.jsonl")
			attesttest.WriteFile(t, p, []byte("GITHUB_TOKEN=TOP-SECRET\n"), 0o600)
			return p
		}},
		{"a bundle with a bad line", func(t *testing.T, dir, secret string) string {
			p := filepath.Join(dir, "bad.intoto.jsonl")
			attesttest.WriteFile(t, p, append(append(bytes.Clone(line), '\n'), "TOP-SECRET\n"...), 0o600)
			return p
		}},
		{"a document spanning lines", func(t *testing.T, dir, secret string) string {
			p := filepath.Join(dir, "pretty.json")
			attesttest.WriteFile(t, p, []byte("{\n  \"payloadType\": \"application/vnd.in-toto+json\",\n  \"payload\": \"e30=\",\n  \"signatures\": [{\"sig\": \"AQ==\"}]\n}\n"), 0o644)
			return p
		}},
		{"a JSON object that is not an envelope", func(t *testing.T, dir, secret string) string {
			p := filepath.Join(dir, "key.json")
			attesttest.WriteFile(t, p, []byte(`{"keytype":"ed25519","keyval":{"private":"TOP-SECRET"}}`+"\n"), 0o600)
			return p
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			secret, secretData := secretFile(t, dir)
			p := tt.setup(t, dir, secret)
			before := attesttest.Describe(p)
			for _, check := range []struct {
				name string
				err  error
			}{{"CheckAppend", CheckAppend(p)}, {"AppendToBundle", AppendToBundle(p, env)}, {"AppendLinesToBundle", AppendLinesToBundle(p, line)}} {
				if !errors.Is(check.err, ErrUnsafeDestination) {
					t.Errorf("%s(%s) = %v, want ErrUnsafeDestination", check.name, tt.name, check.err)
				}
				if check.err != nil && strings.Contains(check.err.Error(), "TOP-SECRET") {
					t.Errorf("%s error repeats the file's content: %v", check.name, check.err)
				}
			}
			if after := attesttest.Describe(p); after != before {
				t.Errorf("destination changed: %s, was %s", after, before)
			}
			assertUnchanged(t, secret, secretData)
			assertNoSecretCopied(t, dir, secret, p)
			if _, err := os.Lstat(filepath.Join(dir, "created-through-link")); err == nil {
				t.Error("a file was created through a dangling link")
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) != 0 {
				t.Errorf("temporary files left behind: %v", left)
			}
		})
	}
}

// TestAppendToBundleAcceptsBundles: an empty file, a blank one, and JSON
// Lines of envelopes and Sigstore bundles are appended to.
func TestAppendToBundleAcceptsBundles(t *testing.T) {
	env := testEnvelope(t)
	line, _ := MarshalEnvelope(env)
	sigstore := attesttest.EmptySigstoreBundle
	for name, content := range map[string]string{
		"empty":          "",
		"blank":          "\n\n",
		"one envelope":   string(line) + "\n",
		"unterminated":   string(line),
		"sigstore line":  sigstore + "\n",
		"blank lines in": string(line) + "\n\n" + sigstore + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "b.intoto.jsonl")
			attesttest.WriteFile(t, p, []byte(content), 0o600)
			if err := CheckAppend(p); err != nil {
				t.Errorf("CheckAppend = %v", err)
			}
			if err := AppendToBundle(p, env); err != nil {
				t.Fatalf("AppendToBundle = %v", err)
			}
			entries, err := ReadBundleFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.Err != nil {
					t.Errorf("%v: %v", e.Source, e.Err)
				}
			}
		})
	}
	// A missing bundle is created; CheckAppend does not create it.
	p := filepath.Join(t.TempDir(), "new.intoto.jsonl")
	if err := CheckAppend(p); err != nil {
		t.Errorf("CheckAppend(missing) = %v", err)
	}
	if _, err := os.Lstat(p); err == nil {
		t.Error("CheckAppend created the bundle")
	}
}

// TestWriteFileRefusesUnsafeDestinations: WriteFile, with or without
// overwrite, never writes through a link and never replaces anything but a
// regular file.
func TestWriteFileRefusesUnsafeDestinations(t *testing.T) {
	for _, overwrite := range []bool{false, true} {
		var opts []WriteOption
		if overwrite {
			opts = append(opts, WithOverwrite())
		}
		for _, tt := range []struct {
			name  string
			setup func(t *testing.T, dir, secret string) string
		}{
			{"link to a secret", func(t *testing.T, dir, secret string) string {
				p := filepath.Join(dir, "out.json")
				attesttest.Symlink(t, secret, p)
				return p
			}},
			{"dangling link", func(t *testing.T, dir, secret string) string {
				p := filepath.Join(dir, "out.json")
				attesttest.Symlink(t, filepath.Join(dir, "created-through-link"), p)
				return p
			}},
			{"directory", func(t *testing.T, dir, secret string) string {
				p := filepath.Join(dir, "out.json")
				attesttest.Mkdir(t, p)
				return p
			}},
			{"named pipe", func(t *testing.T, dir, secret string) string {
				p := filepath.Join(dir, "out.json")
				attesttest.Mkfifo(t, p)
				return p
			}},
		} {
			t.Run(tt.name+map[bool]string{true: " overwrite"}[overwrite], func(t *testing.T) {
				dir := t.TempDir()
				secret, secretData := secretFile(t, dir)
				p := tt.setup(t, dir, secret)
				before := attesttest.Describe(p)
				if err := CheckWrite(p, opts...); !errors.Is(err, ErrUnsafeDestination) {
					t.Errorf("CheckWrite = %v, want ErrUnsafeDestination", err)
				}
				if err := WriteFile(p, []byte("new"), 0o644, opts...); !errors.Is(err, ErrUnsafeDestination) {
					t.Errorf("WriteFile = %v, want ErrUnsafeDestination", err)
				}
				if after := attesttest.Describe(p); after != before {
					t.Errorf("destination changed: %s, was %s", after, before)
				}
				assertUnchanged(t, secret, secretData)
				if _, err := os.Lstat(filepath.Join(dir, "created-through-link")); err == nil {
					t.Error("a file was created through a dangling link")
				}
				if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) != 0 {
					t.Errorf("temporary files left behind: %v", left)
				}
			})
		}
	}
}

// TestWriteFileExisting: an existing regular file is ErrExists (and
// fs.ErrExist) unless WithOverwrite, and is left as it was.
func TestWriteFileExisting(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "app.sigstore.json")
	if err := WriteFile(p, []byte("one"), 0o600); err != nil {
		t.Fatalf("WriteFile(new) = %v", err)
	}
	if info, _ := os.Stat(p); info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", info.Mode().Perm())
	}
	err := WriteFile(p, []byte("two"), 0o644)
	if !errors.Is(err, ErrExists) || !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), p) {
		t.Errorf("WriteFile(existing) = %v, want ErrExists naming the file", err)
	}
	if err := CheckWrite(p); !errors.Is(err, ErrExists) {
		t.Errorf("CheckWrite(existing) = %v, want ErrExists", err)
	}
	assertUnchanged(t, p, []byte("one"))
	if err := WriteFile(p, []byte("two"), 0o644, WithOverwrite()); err != nil {
		t.Fatalf("WriteFile(existing, WithOverwrite) = %v", err)
	}
	assertUnchanged(t, p, []byte("two"))
	if info, _ := os.Stat(p); info.Mode().Perm() != 0o644 {
		t.Errorf("mode after overwrite = %v, want 0644", info.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	// A failing writer writes nothing.
	q := filepath.Join(dir, "half")
	boom := errors.New("boom")
	if err := WriteFileFunc(q, 0o644, func(w io.Writer) error {
		if _, err := w.Write([]byte("half")); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Errorf("WriteFileFunc(failing) = %v, want boom", err)
	}
	if _, err := os.Lstat(q); err == nil {
		t.Error("a failing writer left a file")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// TestAppendToBundleMissingDirectory: the directory must exist; the error
// is the file system's.
func TestAppendToBundleMissingDirectory(t *testing.T) {
	env := testEnvelope(t)
	p := filepath.Join(t.TempDir(), "missing", "b.intoto.jsonl")
	if err := AppendToBundle(p, env); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("AppendToBundle(in a missing directory) = %v, want fs.ErrNotExist", err)
	}
}

// TestWriteKeyPairRefusesLinks: keygen never writes a key through a link,
// with or without force, and leaves both the link and its target alone.
func TestWriteKeyPairRefusesLinks(t *testing.T) {
	for _, force := range []bool{false, true} {
		for _, which := range []string{".key", ".pub"} {
			dir := t.TempDir()
			target := filepath.Join(dir, "elsewhere")
			attesttest.WriteFile(t, target, []byte("keep me"), 0o644)
			prefix := filepath.Join(dir, "k")
			attesttest.Symlink(t, target, prefix+which)
			_, err := WriteKeyPair(prefix, Ed25519, force)
			if !errors.Is(err, ErrUnsafeDestination) {
				t.Errorf("WriteKeyPair(%s is a link, force=%v) = %v, want ErrUnsafeDestination", which, force, err)
			}
			assertUnchanged(t, target, []byte("keep me"))
			if got := attesttest.Describe(prefix + which); got != "link to "+target {
				t.Errorf("%s is now %s, want the link kept", which, got)
			}
			for _, other := range []string{".key", ".pub"} {
				if other != which {
					if _, err := os.Lstat(prefix + other); err == nil {
						t.Errorf("WriteKeyPair wrote %s although %s was refused", other, which)
					}
				}
			}
		}
	}
}
