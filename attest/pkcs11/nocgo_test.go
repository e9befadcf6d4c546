//go:build !cgo

package pkcs11

import (
	"errors"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
)

func TestOpenWithoutCgo(t *testing.T) {
	_, err := Open(t.Context(), "pkcs11:object=k?module-path=/usr/lib/softhsm/libsofthsm2.so", attest.WithPIN(func() ([]byte, error) { return []byte("hunter2"), nil }))
	if !errors.Is(err, ErrNoCgo) || !strings.Contains(err.Error(), "rebuild it with cgo") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open without cgo = %v, want ErrNoCgo saying how to rebuild", err)
	}
}
