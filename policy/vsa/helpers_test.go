package vsa

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func vectorsDir(t *testing.T) string {
	t.Helper()
	d := filepath.Join("..", "..", "..", "shared", "vectors")
	if _, err := os.Stat(d); err != nil {
		t.Skip("../shared/vectors is absent")
	}
	return d
}

// strangerBundle is a real public-good keyless bundle as one line.
func strangerBundle(t *testing.T) (string, string) {
	t.Helper()
	vd := vectorsDir(t)
	raw, err := os.ReadFile(filepath.Join(vd, "sigstore-go/testing-data/bundles/dsse.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(raw), "\n", ""), filepath.Join(vd, "sigstore-go/examples/trusted-root-public-good.json")
}
