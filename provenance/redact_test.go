package provenance

import (
	"slices"
	"strings"
	"testing"
)

// TestRedactCommand: what run records of a command (issue 13, item 16).
func TestRedactCommand(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		// Flags with a secret-looking name: --flag=value and --flag value.
		{[]string{"curl", "--token=s3cr3t-A", "https://x"}, []string{"curl", "--token=***", "https://x"}},
		{[]string{"tool", "--token", "s3cr3t-A", "next"}, []string{"tool", "--token", "***", "next"}},
		{[]string{"tool", "--password", "s3cr3t-A"}, []string{"tool", "--password", "***"}},
		{[]string{"tool", "-password", "s3cr3t-A"}, []string{"tool", "-password", "***"}},
		{[]string{"tool", "--api-key", "s3cr3t-A", "--client-secret=s3cr3t-B"}, []string{"tool", "--api-key", "***", "--client-secret=***"}},
		{[]string{"tool", "--apiKey", "s3cr3t-A", "--githubtoken", "s3cr3t-B"}, []string{"tool", "--apiKey", "***", "--githubtoken", "***"}},
		{[]string{"tool", "--auth", "s3cr3t-A", "--passphrase=s3cr3t-B"}, []string{"tool", "--auth", "***", "--passphrase=***"}},
		// Not secrets: files, prompts, booleans, a bare --key (a path).
		{[]string{"tool", "--password-file", "/run/secrets/db"}, nil},
		{[]string{"docker", "login", "--password-stdin", "registry.example.com"}, nil},
		{[]string{"tool", "--no-password", "positional"}, nil},
		{[]string{"provenant", "attest", "--key", "release.key", "--bundle", "b.jsonl"}, nil},
		{[]string{"tool", "--token-env", "GH_TOKEN", "--auth-url", "https://auth.example.com"}, nil},
		{[]string{"tool", "--token"}, nil},
		{[]string{"tool", "--token", "--", "x"}, nil},
		// Headers, as one argument or after -H.
		{[]string{"curl", "-H", "Authorization: Bearer s3cr3t-A"}, []string{"curl", "-H", "Authorization: Bearer ***"}},
		{[]string{"curl", "-H", "authorization:token s3cr3t-A"}, []string{"curl", "-H", "authorization:token ***"}},
		{[]string{"curl", "--header=X-Api-Key: s3cr3t-A"}, []string{"curl", "--header=X-Api-Key: ***"}},
		{[]string{"curl", "-H", "Cookie: session=s3cr3t-A"}, []string{"curl", "-H", "Cookie: ***"}},
		{[]string{"curl", "-H", "PRIVATE-TOKEN: s3cr3t-A"}, []string{"curl", "-H", "PRIVATE-TOKEN: ***"}},
		{[]string{"curl", "-H", "Accept: application/json"}, nil},
		// URLs: a password, a token as the user, unparseable ones.
		{[]string{"git", "clone", "https://x-access-token:s3cr3t-A@github.com/o/r"}, []string{"git", "clone", "https://***@github.com/o/r"}},
		{[]string{"git", "clone", "https://user:p@ss-s3cr3t@host/o/r"}, []string{"git", "clone", "https://***@host/o/r"}},
		{[]string{"git", "clone", "https://user:p/s3cr3t@host/o/r"}, []string{"git", "clone", "https://***@host/o/r"}},
		{[]string{"git", "clone", "https://user:p%zzs3cr3t@host/o/r"}, []string{"git", "clone", "https://***@host/o/r"}},
		{[]string{"git", "clone", "https://s3cr3t-A@github.com/o/r"}, []string{"git", "clone", "https://***@github.com/o/r"}},
		{[]string{"git", "clone", "git+https://u:s3cr3t@h/o/r@refs/tags/v1"}, []string{"git", "clone", "git+https://***@h/o/r@refs/tags/v1"}},
		{[]string{"git", "clone", "git@github.com:o/r.git"}, nil},
		{[]string{"git", "clone", "ssh://git@github.com/o/r.git"}, nil},
		{[]string{"go", "get", "example.com/m@v1.2.3", "https://host/pkg@v1"}, nil},
		{[]string{"curl", "http://[::1]:8080/x"}, nil},
		{[]string{"curl", "https://api/x?access_token=s3cr3t-A&y=1"}, []string{"curl", "https://api/x?access_token=***&y=1"}},
		// Environment assignments and connection strings.
		{[]string{"env", "DATABASE_URL=postgres://app:s3cr3t@db/x", "make"}, []string{"env", "DATABASE_URL=postgres://***@db/x", "make"}},
		{[]string{"env", "MYSQL_PWD=s3cr3t-A", "GITHUB_TOKEN=s3cr3t-B", "CC=gcc", "make"}, []string{"env", "MYSQL_PWD=***", "GITHUB_TOKEN=***", "CC=gcc", "make"}},
		{[]string{"psql", "host=db user=app password=s3cr3t-A dbname=x"}, []string{"psql", "host=db user=app password=*** dbname=x"}},
		{[]string{"tool", `{"user":"app","apiKey":"s3cr3t-A"}`}, []string{"tool", `{"user":"app","apiKey":"***"}`}},
		{[]string{"make", "-j4", "CC=gcc"}, nil},
		{[]string{"go", "build", "-ldflags", "-X main.version=1.2.3", "./..."}, nil},
		// Program-specific: MySQL's -pPASSWORD, curl's -u user:password.
		{[]string{"mysql", "-ps3cr3t-A", "-u", "root"}, []string{"mysql", "-p***", "-u", "root"}},
		{[]string{"mysql", "-p", "db"}, nil},
		{[]string{"/usr/bin/mysqldump", "-ps3cr3t-A"}, []string{"/usr/bin/mysqldump", "-p***"}},
		{[]string{"curl", "-u", "app:s3cr3t-A", "https://x"}, []string{"curl", "-u", "app:***", "https://x"}},
		{[]string{"curl", "-uapp:s3cr3t-A"}, []string{"curl", "-uapp:***"}},
		{[]string{"curl", "--user", "app:s3cr3t-A"}, []string{"curl", "--user", "app:***"}},
		{[]string{"ssh", "-p", "2222", "host"}, nil},
		{[]string{"docker", "login", "-u", "me", "-p", "s3cr3t-A", "ghcr.io"}, []string{"docker", "login", "-u", "me", "-p", "***", "ghcr.io"}},
		{[]string{"docker", "run", "-p", "8080:80", "img"}, nil},
		{[]string{"sshpass", "-p", "s3cr3t-A", "ssh", "host"}, []string{"sshpass", "-p", "***", "ssh", "host"}},
		{[]string{"sshpass", "-ps3cr3t-A", "ssh", "host"}, []string{"sshpass", "-p***", "ssh", "host"}},
		{[]string{"npm", "config", "set", "//registry.npmjs.org/:_authToken=s3cr3t-A"}, []string{"npm", "config", "set", "//registry.npmjs.org/:_authToken=***"}},
		{[]string{"openssl", "pkcs12", "-passin", "pass:s3cr3t-A", "-passout", "env:PW"}, []string{"openssl", "pkcs12", "-passin", "pass:***", "-passout", "env:PW"}},
		{[]string{"helm", "install", "--set", "auth.password=s3cr3t-A", "x"}, []string{"helm", "install", "--set", "auth.password=***", "x"}},
		{[]string{"mvn", "-Dpassword=s3cr3t-A", "deploy"}, []string{"mvn", "-Dpassword=***", "deploy"}},
		{[]string{"git", "-c", "http.extraheader=AUTHORIZATION: basic s3cr3t-A", "fetch"}, []string{"git", "-c", "http.extraheader=AUTHORIZATION: basic ***", "fetch"}},
		{[]string{"docker", "run", "-e", "GITHUB_TOKEN=s3cr3t-A", "img"}, []string{"docker", "run", "-e", "GITHUB_TOKEN=***", "img"}},
		{[]string{"docker", "run", "--user", "1000:1000", "img"}, nil},
		// Inside a shell script.
		{[]string{"sh", "-c", `curl -H "Authorization: Bearer s3cr3t-A" --token s3cr3t-B https://u:s3cr3t-C@h/ && make`},
			[]string{"sh", "-c", `curl -H "Authorization: Bearer ***" --token *** https://***@h/ && make`}},
		{[]string{"sh", "-c", "GITHUB_TOKEN=s3cr3t-A ./publish.sh --password 's3cr3t B'"}, []string{"sh", "-c", "GITHUB_TOKEN=*** ./publish.sh --password ***"}},
		{[]string{"sh", "-c", `GITHUB_TOKEN="s3cr3t A" make && tool --password $'s3cr3t\nB' && X=$'plain' Y_PASSWORD='s3cr3t C'`},
			[]string{"sh", "-c", `GITHUB_TOKEN=*** make && tool --password *** && X=$'plain' Y_PASSWORD=***`}},
		// The program itself.
		{[]string{"https://u:s3cr3t@h/run.sh"}, []string{"https://***@h/run.sh"}},
	}
	for _, tt := range tests {
		want := tt.want
		if want == nil {
			want = tt.in
		}
		got, reds := RedactCommand(tt.in)
		if !slices.Equal(got, want) {
			t.Errorf("RedactCommand(%q)\n = %q\nwant %q", tt.in, got, want)
		}
		if (len(reds) > 0) != (tt.want != nil) {
			t.Errorf("RedactCommand(%q) redactions = %v, want some: %v", tt.in, reds, tt.want != nil)
		}
		for _, r := range reds {
			if strings.Contains(r.String(), "s3cr3t") {
				t.Errorf("RedactCommand(%q): note %q repeats the secret", tt.in, r)
			}
		}
		for _, a := range got {
			if strings.Contains(a, "s3cr3t") {
				t.Errorf("RedactCommand(%q) keeps a secret in %q", tt.in, a)
			}
		}
		// Redaction is idempotent: what it records, it leaves alone.
		if again, more := RedactCommand(got); !slices.Equal(again, got) || len(more) != 0 {
			t.Errorf("RedactCommand(RedactCommand(%q)) = %q, %v; want unchanged", tt.in, again, more)
		}
	}
}

func TestRemoteURIUnparseable(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:p/ss@host/o/r.git":    "https://host/o/r.git",
		"https://user:p?ss@host/o/r.git":    "https://host/o/r.git",
		"https://user:p#ss@host/o/r.git":    "https://host/o/r.git",
		"https://user:p@ss@host/o/r.git":    "https://host/o/r.git",
		"https://user:pa%zz@host/o/r.git":   "https://host/o/r.git",
		"https://user:pa ss@host/o/r.git":   "https://host/o/r.git",
		"https://token@host/o/r.git":        "https://host/o/r.git",
		"https://host/o/r.git?token=x#frag": "https://host/o/r.git",
		"https://host:8443/o/r.git":         "https://host:8443/o/r.git",
	} {
		got := RemoteURI(in)
		if got != want {
			t.Errorf("RemoteURI(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCheckEnvRefusesMoreSecrets: the names and values of item 16.
func TestCheckEnvRefusesMoreSecrets(t *testing.T) {
	tests := []struct {
		name, value string
		refused     bool
	}{
		{"MYSQL_PWD", "x", true},
		{"PGPASSWORD", "x", true},
		{"PGPASS", "x", true},
		{"LDAP_BIND_PASS", "x", true},
		{"SENTRY_DSN", "x", true},
		{"PWD", "/home/ci/src", false},
		{"OLDPWD", "/home/ci", false},
		{"DATABASE_URL", "postgres://app:s3cr3t@db:5432/app", true},
		{"DATABASE_URL", "postgres://app:p/s3cr3t@db/app", true},
		{"DATABASE_URL", "postgres://db:5432/app", false},
		{"DSN_NOTE", "host=db user=app password=s3cr3t", true},
		{"REPO", "https://s3cr3t@github.com/o/r", true},
		{"REPO", "ssh://git@github.com/o/r", false},
		{"REPO", "git@github.com:o/r.git", false},
		{"HEADER", "Authorization: Bearer s3cr3t", true},
		{"OPTS", "--token=s3cr3t", true},
		{"OPTS", "-O2 -Wall", false},
		{"CONFIG", `{"apiKey":"s3cr3t"}`, true},
	}
	for _, tt := range tests {
		err := CheckEnv(tt.name, tt.value)
		if (err != nil) != tt.refused {
			t.Errorf("CheckEnv(%q, %q) = %v, want refused=%v", tt.name, tt.value, err, tt.refused)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("CheckEnv(%q) error repeats the value: %v", tt.name, err)
		}
	}
}

func FuzzRedactCommand(f *testing.F) {
	f.Add("curl", "--token", "s3cr3t", "https://u:p@h/")
	f.Add("sh", "-c", "A_TOKEN=x --password y 'Authorization: Bearer z'", `{"apiKey":"k"}`)
	f.Add("mysql", "-pS", "https://u:p/s@h/x", "http://[::1]:80/")
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		in := []string{a, b, c, d}
		got, reds := RedactCommand(in)
		if len(got) != len(in) {
			t.Fatalf("RedactCommand(%q) = %q: length changed", in, got)
		}
		for _, r := range reds {
			if r.Arg < 0 || r.Arg >= len(in) || got[r.Arg] == in[r.Arg] {
				t.Fatalf("RedactCommand(%q): redaction %v names an argument that did not change", in, r)
			}
		}
		if again, _ := RedactCommand(got); !slices.Equal(again, got) {
			t.Fatalf("RedactCommand is not idempotent on %q: %q then %q", in, got, again)
		}
		// A URL password never survives.
		for i, s := range got {
			if start, end, ok := userinfo(s); ok && strings.Contains(s[start:end], ":") && s[start:end] != Redacted {
				t.Fatalf("RedactCommand(%q) argument %d keeps user information %q", in, i, s[start:end])
			}
		}
	})
}
