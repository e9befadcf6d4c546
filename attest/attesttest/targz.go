package attesttest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"testing"
)

// TarGz writes a gzipped tar archive to path holding the files, given as
// name, content pairs (regular files, mode 0644).
func TarGz(t testing.TB, path string, files ...string) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for i := 0; i+1 < len(files); i += 2 {
		if err := tw.WriteHeader(&tar.Header{Name: files[i], Mode: 0o644, Size: int64(len(files[i+1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	WriteFile(t, path, buf.Bytes(), 0o644)
}
