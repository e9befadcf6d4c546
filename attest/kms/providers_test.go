//go:build kms

package kms

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature/kms/aws"
	"github.com/sigstore/sigstore/pkg/signature/kms/azure"
	"github.com/sigstore/sigstore/pkg/signature/kms/gcp"
	"github.com/sigstore/sigstore/pkg/signature/kms/hashivault"
)

func TestCompiledProviders(t *testing.T) {
	if got, want := Compiled(), Schemes(); !slices.Equal(got, want) {
		t.Errorf("Compiled() = %v with -tags kms, want %v", got, want)
	}
}

// TestURIsAgreeWithProviders: ParseURI accepts exactly what each provider's
// own ValidReference accepts, so the offline check cannot drift from the
// providers.
func TestURIsAgreeWithProviders(t *testing.T) {
	valid := map[string]func(string) error{
		"awskms://": aws.ValidReference, "gcpkms://": gcp.ValidReference,
		"azurekms://": azure.ValidReference, "hashivault://": hashivault.ValidReference,
	}
	for _, tt := range uriCases {
		p, _ := lookup(tt.in)
		providerOK := valid[p.scheme](tt.in) == nil
		_, err := ParseURI(tt.in)
		if (err == nil) != providerOK || providerOK != tt.ok {
			t.Errorf("%q: ParseURI ok=%v, provider ok=%v, table says %v", tt.in, err == nil, providerOK, tt.ok)
		}
	}
}

// isolate clears the credentials and configuration every provider looks at.
func isolate(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, k := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"GOOGLE_APPLICATION_CREDENTIALS",
		"AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_USERNAME", "AZURE_PASSWORD",
		"VAULT_ADDR", "VAULT_TOKEN", "BAO_ADDR", "BAO_TOKEN", "VAULT_KEY_PREFIX",
	} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "absent"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "absent"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("NO_GCE_CHECK", "true")
	t.Setenv("CLOUDSDK_CONFIG", filepath.Join(home, "gcloud"))
	t.Setenv("PATH", home) // no az, azd, gcloud or vault helpers
}

// TestOfflineErrors: without credentials or a reachable service, Open fails
// quickly with one line that names the URI and shows no secret.
func TestOfflineErrors(t *testing.T) {
	const secret = "s3cr3t-credential-value"
	tests := []struct {
		name, uri string
		env       map[string]string
		want      string
		timeout   time.Duration // 0: 5s
	}{
		{"aws, no credentials", "awskms:///alias/release", nil, "awskms:///alias/release: loading the key:", 0},
		{"aws, unreachable endpoint", "awskms://127.0.0.1:1/alias/release",
			map[string]string{"AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKE", "AWS_SECRET_ACCESS_KEY": secret}, "loading the key:", 0},
		{"gcp, no credentials", "gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k", nil, "loading the key:", 0},
		{"azure, no credentials", "azurekms://release.vault.azure.net/signing", nil, "loading the key:", 2 * time.Second},
		{"vault, no address", "hashivault://release", nil, "VAULT_ADDR or BAO_ADDR is not set", 0},
		{"vault, unreachable", "hashivault://release",
			map[string]string{"VAULT_ADDR": "http://127.0.0.1:1", "VAULT_TOKEN": secret}, "hashivault://release: loading the key:", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			start := time.Now()
			_, err := Open(t.Context(), tt.uri, WithTimeout(timeout))
			took := time.Since(start)
			if err == nil {
				t.Fatalf("Open(%q) succeeded offline", tt.uri)
			}
			msg := err.Error()
			t.Logf("%v: %s", took.Round(time.Millisecond), msg)
			if !errors.Is(err, ErrKMS) {
				t.Errorf("Open(%q) = %v, want ErrKMS", tt.uri, err)
			}
			if !strings.Contains(msg, tt.want) || !strings.Contains(msg, tt.uri) {
				t.Errorf("Open(%q) = %q, want it to name the URI and contain %q", tt.uri, msg, tt.want)
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("Open(%q) = %q: not one line", tt.uri, msg)
			}
			if strings.Contains(msg, secret) {
				t.Errorf("Open(%q) = %q: shows a credential", tt.uri, msg)
			}
			if took > timeout+time.Second {
				t.Errorf("Open(%q) took %v, want it bounded by the %v timeout", tt.uri, took, timeout)
			}
		})
	}
}
