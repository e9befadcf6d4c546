package provenance

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ErrSecret marks a refusal to record something that looks like a secret.
var ErrSecret = errors.New("looks like a secret")

// secretNameParts are parts of environment variable names that hold
// secrets by convention. A name containing one (in any case) is refused.
// PASS covers PASSWORD, PASSWD, PASSPHRASE and PASSCODE (and, harmlessly,
// BYPASS); PWD covers MYSQL_PWD and PGPWD (PWD and OLDPWD themselves are
// directories, see notSecretNames).
var secretNameParts = []string{
	"TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "PASS", "PWD", "KEY", "CREDENTIAL", "CREDS", "PRIVATE", "COOKIE", "SESSION",
	"AUTHORIZATION", "BEARER",
}

// notSecretNames are refused by no rule: the shell's working directories.
var notSecretNames = []string{"PWD", "OLDPWD"}

// secretNameWords are refused only as whole words of a name (split at "_",
// "-" and "."), so that AUTH is refused but GIT_AUTHOR_NAME is not.
var secretNameWords = []string{"AUTH", "PAT", "PIN", "OTP", "DSN"}

// secretValues are the shapes of well-known credentials, found anywhere in
// a value. The name says what it looked like; the value is never repeated.
var secretValues = []struct {
	what string
	re   *regexp.Regexp
}{
	{"a GitHub token", regexp.MustCompile(`\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}`)},
	{"a GitHub fine-grained token", regexp.MustCompile(`\bgithub_pat_[A-Za-z0-9_]{20,}`)},
	{"a GitLab token", regexp.MustCompile(`\b(glpat|gldt|glrt|glptt|glft|glsoat|gloas)-[A-Za-z0-9_\-]{20,}|\bGR1348941[A-Za-z0-9_\-]{20,}`)},
	{"an AWS access key id", regexp.MustCompile(`\b(AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[A-Z0-9]{16}\b`)},
	{"a Google API key", regexp.MustCompile(`\bAIza[0-9A-Za-z_\-]{35}`)},
	{"a Slack token", regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9\-]{10,}`)},
	{"a Stripe key", regexp.MustCompile(`\b[rs]k_live_[A-Za-z0-9]{16,}`)},
	{"an npm token", regexp.MustCompile(`\bnpm_[A-Za-z0-9]{36}`)},
	{"a PyPI token", regexp.MustCompile(`\bpypi-AgE[A-Za-z0-9_\-]{20,}`)},
	{"a private key", regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY`)},
	{"a JSON Web Token", regexp.MustCompile(`\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.`)},
	{"a URL with a password", regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*:[^/\s@]+@`)},
}

// SecretName says whether an environment variable name looks like it holds
// a secret, and which part of it does.
func SecretName(name string) (part string, ok bool) {
	upper := strings.ToUpper(name)
	if slices.Contains(notSecretNames, upper) {
		return "", false
	}
	for _, p := range secretNameParts {
		if strings.Contains(upper, p) {
			return p, true
		}
	}
	words := strings.FieldsFunc(upper, func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	for _, w := range words {
		if slices.Contains(secretNameWords, w) {
			return w, true
		}
	}
	return "", false
}

// SecretValue says whether a value contains a known credential shape, a
// URL with credentials (user:password@, or a user name alone in an HTTP(S)
// URL; also when the URL does not parse), a secret-looking setting
// (password=..., --token=..., "apiKey": "..."), or an Authorization-like
// header, and which.
func SecretValue(value string) (what string, ok bool) {
	for _, s := range secretValues {
		if s.re.MatchString(value) {
			return s.what, true
		}
	}
	if _, whats := redactText(value); len(whats) > 0 {
		return "it holds " + whats[0], true
	}
	return "", false
}

// EnvError: an environment variable that may not be recorded. Its
// message names the variable and says why, never its value.
type EnvError struct {
	Name string
	Err  error // wraps ErrSecret when the name or value looks like a secret
}

func (e *EnvError) Error() string { return fmt.Sprintf("environment variable %s: %v", e.Name, e.Err) }
func (e *EnvError) Unwrap() error { return e.Err }

// CheckEnv refuses an environment variable that may not be recorded: its
// name or its value looks like a secret. The error is an *EnvError, which
// names the variable and why, never the value.
func CheckEnv(name, value string) error {
	if err := checkEnvName(name); err != nil {
		return err
	}
	if part, ok := SecretName(name); ok {
		return &EnvError{Name: name, Err: fmt.Errorf("refused: the name contains %q, so it %w and is never recorded", part, ErrSecret)}
	}
	if what, ok := SecretValue(value); ok {
		return &EnvError{Name: name, Err: fmt.Errorf("refused: its value %w (%s) and is never recorded", ErrSecret, what)}
	}
	return nil
}

func checkEnvName(name string) error {
	if name == "" || strings.ContainsAny(name, "=\x00") {
		return &EnvError{Name: fmt.Sprintf("%q", name), Err: errors.New("not a variable name")}
	}
	return nil
}

// CheckArgs refuses a command whose arguments contain a known credential
// shape: the command line is recorded, so a secret must come through the
// environment instead.
func CheckArgs(args []string) error {
	for i, a := range args {
		if what, ok := SecretValue(a); ok {
			return fmt.Errorf("argument %d of the command %w (%s) and would be recorded; pass it in an environment variable instead", i, ErrSecret, what)
		}
	}
	return nil
}
