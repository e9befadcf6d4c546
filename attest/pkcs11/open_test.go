//go:build cgo

package pkcs11

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
)

func TestOpenErrorsWithoutToken(t *testing.T) {
	dir := t.TempDir()
	notALib := filepath.Join(dir, "lib.so")
	if err := os.WriteFile(notALib, []byte("not a library"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		uri, env, want string
	}{
		{uri: "pkcs11:object=k?module-path=/m", want: "no PIN for pkcs11:object=k?module-path=/m"},
		{uri: "pkcs11:object=k?module-path=" + notALib + "&pin-value=hunter2", want: "cannot load the PKCS#11 module " + notALib},
		{uri: "pkcs11:object=k?module-path=" + filepath.Join(dir, "absent.so"), env: "hunter2", want: "cannot load the PKCS#11 module"},
	}
	for _, tt := range tests {
		var opts []attest.KeyOption
		if tt.env != "" {
			opts = append(opts, attest.WithPIN(func() ([]byte, error) { return []byte(tt.env), nil }))
		}
		_, err := Open(t.Context(), tt.uri, opts...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%q) = %v, want an error containing %q", Redact(tt.uri), err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q) = %q: the error shows the PIN", Redact(tt.uri), err)
		}
		if strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("Open(%q) = %q: not one line", Redact(tt.uri), err)
		}
		if !errors.Is(err, attest.ErrKey) {
			t.Errorf("Open(%q) = %v, want it to wrap attest.ErrKey", Redact(tt.uri), err)
		}
	}
}
