//go:build !cgo

package pkcs11

import (
	"errors"
	"strings"
	"testing"
)

func TestOpenWithoutCgo(t *testing.T) {
	t.Setenv(PINEnv, "hunter2")
	_, err := Open(t.Context(), "pkcs11:object=k?module-path=/usr/lib/softhsm/libsofthsm2.so")
	if !errors.Is(err, ErrNoCgo) || !strings.Contains(err.Error(), "rebuild it with cgo") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open without cgo = %v, want ErrNoCgo saying how to rebuild", err)
	}
}
