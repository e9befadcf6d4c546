package trust_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/policy/trust"
)

// Read a trust file: a current key, a retired one and a revoked one, and
// ask which counts when.
func ExampleLoad() {
	dir, err := os.MkdirTemp("", "trust")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	for _, name := range []string{"current", "retired", "revoked"} {
		_, pub, err := attest.GenerateKey(attest.Ed25519)
		if err != nil {
			panic(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".pub"), pub, 0o644); err != nil {
			panic(err)
		}
	}
	yaml := `keys:
  - id: current
    path: current.pub
    validFrom: 2025-01-01T00:00:00Z
  - id: retired
    path: retired.pub
    validUntil: 2025-01-01T00:00:00Z
  - id: revoked
    path: revoked.pub
    revoked: true
threshold: 1
`
	path := filepath.Join(dir, "trust.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		panic(err)
	}
	t, err := trust.Load(path)
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, k := range t.Keys {
		why := k.UsableAt(now, trust.FormatTime(now)+", verification time")
		if why == "" {
			why = "usable"
		}
		fmt.Printf("%s: %s\n", k.Name, why)
	}
	// Output:
	// current: usable
	// retired: expired at 2025-01-01T00:00:00Z (judged at 2026-06-01T00:00:00Z, verification time)
	// revoked: is revoked
}
