package main

import (
	"strings"
	"testing"
)

// TestKeylessWithRegistryFlags: keyless signing writes to --bundle only;
// pushing it is a second step (provenant push), and a keyless image
// signature is not made: each combination is a usage error that says so,
// before any token is asked for.
func TestKeylessWithRegistryFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"attest", "--keyless", "--image", "127.0.0.1:1/app@sha256:" + strings.Repeat("a", 64), "--push"}, "push the bundle next to the image with provenant push"},
		{[]string{"run", "--keyless", "--step", "build", "--image", "127.0.0.1:1/app:v1", "--push", "--", "true"}, "push the bundle next to the image with provenant push"},
		{[]string{"sign", "--keyless", "--image", "127.0.0.1:1/app@sha256:" + strings.Repeat("a", 64), "--bundle", "x.sigstore.json"}, "--image signs with --key"},
	} {
		r := runCLI(t, t.TempDir(), tt.args...)
		if r.code != exitInput || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}
