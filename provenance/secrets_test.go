package provenance

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckEnvRefusesSecrets(t *testing.T) {
	// Built at run time so that scanners do not flag this file.
	ghp := "ghp_" + strings.Repeat("a1B2", 9)
	tests := []struct {
		name, value string
		refused     bool
		why         string // part of the error
	}{
		{"GOOS", "linux", false, ""},
		{"GIT_AUTHOR_NAME", "Ada", false, ""},
		{"CGO_ENABLED", "0", false, ""},
		{"GOFLAGS", "-trimpath -mod=readonly", false, ""},
		{"GITHUB_TOKEN", "x", true, `contains "TOKEN"`},
		{"github_token", "x", true, `contains "TOKEN"`},
		{"NPM_TOKEN", "", true, `contains "TOKEN"`},
		{"CLIENT_SECRET", "x", true, `contains "SECRET"`},
		{"DB_PASSWORD", "x", true, `contains "PASSWORD"`},
		{"MYSQL_PWD_PASSWD", "x", true, `contains "PASSWD"`},
		{"SIGNING_KEY", "x", true, `contains "KEY"`},
		{"AWS_SECRET_ACCESS_KEY", "x", true, `contains "SECRET"`},
		{"GOOGLE_APPLICATION_CREDENTIALS", "x", true, `contains "CREDENTIAL"`},
		{"NPM_AUTH", "x", true, `contains "AUTH"`},
		{"GH_PAT", "x", true, `contains "PAT"`},
		{"PATH", "/usr/bin", false, ""},
		{"HTTP_AUTHORIZATION", "x", true, `contains "AUTHORIZATION"`},
		{"VERSION", ghp, true, "a GitHub token"},
		{"NOTE", "token is " + ghp + " here", true, "a GitHub token"},
		{"GH_VALUE", "github_pat_" + strings.Repeat("A1_b", 10), true, "fine-grained"},
		{"GL", "glpat-" + strings.Repeat("xY9", 7), true, "a GitLab token"},
		{"AWS_ID", "AKIA" + "IOSFODNN7EXAMPLE", true, "an AWS access key id"},
		{"STS", "ASIA" + "ABCDEFGHIJKLMNOP", true, "an AWS access key id"},
		{"PEM", "-----BEGIN RSA PRIVATE KEY-----\nMIIE", true, "a private key"},
		{"REMOTE", "https://user:hunter2@example.com/repo.git", true, "a URL with a password"},
		{"REMOTE_OK", "https://example.com/repo.git", false, ""},
		{"SLACK", "xoxb-" + "1234567890-abcdef", true, "a Slack token"},
		{"", "x", true, "not a variable name"},
		{"A=B", "x", true, "not a variable name"},
	}
	for _, tt := range tests {
		err := CheckEnv(tt.name, tt.value)
		if (err != nil) != tt.refused {
			t.Errorf("CheckEnv(%q, ...) = %v, want refused=%v", tt.name, err, tt.refused)
			continue
		}
		if err == nil {
			continue
		}
		if !strings.Contains(err.Error(), tt.why) {
			t.Errorf("CheckEnv(%q, ...) = %q, want it to say %q", tt.name, err, tt.why)
		}
		if tt.value != "" && len(tt.value) > 3 && strings.Contains(err.Error(), tt.value) {
			t.Errorf("CheckEnv(%q, ...) error repeats the value: %q", tt.name, err)
		}
		if tt.name != "" && !strings.Contains(tt.name, "=") && !errors.Is(err, ErrSecret) {
			t.Errorf("CheckEnv(%q, ...) = %v, want errors.Is ErrSecret", tt.name, err)
		}
	}
}

func TestCheckArgs(t *testing.T) {
	ghs := "ghs_" + strings.Repeat("Zz09", 9)
	tests := []struct {
		args []string
		ok   bool
	}{
		{[]string{"make", "-j2", "all"}, true},
		{[]string{"go", "build", "-o", "dist/app", "./cmd/app"}, true},
		{[]string{"curl", "-H", "Authorization: token " + ghs, "https://api.github.com"}, false},
		{[]string{"git", "clone", "https://x-access-token:abc@github.com/o/r"}, false},
	}
	for _, tt := range tests {
		err := CheckArgs(tt.args)
		if (err == nil) != tt.ok {
			t.Errorf("CheckArgs(%q) = %v, want ok=%v", tt.args, err, tt.ok)
		}
		if err != nil && strings.Contains(err.Error(), ghs) {
			t.Errorf("CheckArgs error repeats the secret: %v", err)
		}
	}
}
