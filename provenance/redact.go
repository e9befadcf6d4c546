package provenance

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Redacted replaces a credential in what run records.
const Redacted = "***"

// Redaction says what was replaced in one argument of a recorded command,
// never the value itself.
type Redaction struct {
	Arg  int    // index into the command, 0 for the program
	What string // e.g. "the value of --token", "a URL's credentials"
}

func (r Redaction) String() string {
	return fmt.Sprintf("argument %d of the command: %s recorded as %s", r.Arg, r.What, Redacted)
}

// RedactCommand returns the command as run records it: with the values of
// secret-looking flags (--token X, --password=X, -pX for the MySQL
// clients, -p X for docker login and kin and for sshpass, curl's
// -u/--user user:X), the values of secret-looking headers
// ("Authorization: Bearer X", "X-Api-Key: X", "Cookie: X"), secret-looking
// NAME=X and "name": "X" pairs, and the credentials of URLs (user:X@, also
// when the URL does not parse) replaced by Redacted. This holds inside an
// argument too (sh -c '... --token X ...'). It says what it replaced,
// argument by argument, without the values.
func RedactCommand(args []string) ([]string, []Redaction) {
	out := slices.Clone(args)
	var reds []Redaction
	add := func(i int, what string) {
		r := Redaction{Arg: i, What: what}
		if !slices.Contains(reds, r) {
			reds = append(reds, r)
		}
	}
	prog := ""
	if len(args) > 0 {
		prog = strings.TrimSuffix(filepath.Base(args[0]), ".exe")
	}
	for i := 1; i < len(out); i++ {
		a := out[i]
		// --token VALUE: the next argument is the value.
		if isFlag(a) && !strings.Contains(a, "=") && i+1 < len(out) && out[i+1] != "--" {
			if secretKey(a) || (prog == "curl" && (a == "--user" || a == "--proxy-user" || a == "-u")) {
				next := out[i+1]
				red := Redacted
				if !secretKey(a) { // curl's user:password
					user, _, ok := strings.Cut(next, ":")
					if !ok {
						continue
					}
					red = user + ":" + Redacted
				}
				if next != red {
					out[i+1] = red
					add(i+1, "the value of "+a)
				}
				i++
				continue
			}
		}
		// -p SECRET for "docker login" and kin, and for sshpass.
		if a == "-p" && i+1 < len(out) && out[i+1] != Redacted && (loginCommand(prog, args) || prog == "sshpass") {
			out[i+1] = Redacted
			add(i+1, "the value of -p")
			i++
			continue
		}
		// -pSECRET for the MySQL and MariaDB clients and sshpass;
		// -uuser:pass for curl.
		if (mysqlClient(prog) || prog == "sshpass") && strings.HasPrefix(a, "-p") && len(a) > 2 && a[2] != '=' && a != "-p"+Redacted {
			out[i] = "-p" + Redacted
			add(i, "the value of -p")
			continue
		}
		if prog == "curl" && strings.HasPrefix(a, "-u") && strings.Contains(a, ":") && len(a) > 2 && !strings.HasSuffix(a, ":"+Redacted) {
			user, _, _ := strings.Cut(a[2:], ":")
			out[i] = "-u" + user + ":" + Redacted
			add(i, "the password of -u")
			continue
		}
		if r, whats := redactText(a); len(whats) > 0 {
			out[i] = r
			for _, w := range whats {
				add(i, w)
			}
		}
	}
	if len(out) == 0 {
		return out, reds
	}
	if r, whats := redactText(out[0]); len(whats) > 0 {
		out[0] = r
		for _, w := range whats {
			add(0, w)
		}
	}
	return out, reds
}

// RedactText replaces credentials in free text (a message, a git error, a
// URL): the same rules as RedactCommand within one argument.
func RedactText(s string) string {
	r, _ := redactText(s)
	return r
}

func mysqlClient(prog string) bool {
	switch prog {
	case "mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlshow", "mysqlcheck", "mysqlpump", "mysqlslap",
		"mariadb", "mariadb-dump", "mariadb-admin", "mariadb-import", "mariadb-show", "mariadb-check":
		return true
	}
	return false
}

// loginCommand says whether the command is a registry login whose -p is a
// password (docker login -u me -p X).
func loginCommand(prog string, args []string) bool {
	switch prog {
	case "docker", "podman", "nerdctl", "buildah", "skopeo", "helm", "oras", "crane", "regctl", "cosign":
		return slices.Contains(args, "login")
	}
	return false
}

func isFlag(a string) bool {
	return len(a) > 1 && a[0] == '-' && a != "--" && !strings.HasPrefix(a, "---") &&
		(unicode.IsLetter(rune(a[1])) || (a[1] == '-' && len(a) > 2 && unicode.IsLetter(rune(a[2]))))
}

var (
	// A URL: scheme "://" and everything up to white space or a quote.
	urlPattern = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'<>]*`)
	// "name": "value" in JSON.
	jsonPair = regexp.MustCompile(`"([A-Za-z0-9_.\-]+)"\s*:\s*"((?:[^"\\]|\\.)*)"`)
	// Name: value, for a header name (letters, digits, "-").
	headerPair = regexp.MustCompile(`(^|[\s"'=])([A-Za-z][A-Za-z0-9\-]*)[ \t]*:[ \t]*([^"'\r\n]+)`)
	// NAME=value, --name=value, ?name=value&: up to white space, a quote, & or ;.
	// The value may be quoted the shell's ways ("...", '...', $'...').
	assignPair = regexp.MustCompile(`(^|[\s"'&?;,(:/])(-{0,2}[A-Za-z_][A-Za-z0-9_.\-]*)=(\$?"[^"]*"|\$?'[^']*'|[^\s"'&;]*)`)
	// --name value inside one argument (a shell script).
	flagPair = regexp.MustCompile(`(^|\s)(--?[A-Za-z][A-Za-z0-9_.\-]*)([ \t]+)(\$?"[^"]*"|\$?'[^']*'|[^\s"'\-][^\s"']*)`)
)

// authSchemes are kept before a redacted Authorization value.
var authSchemes = []string{"Bearer", "Basic", "Token", "Digest", "Negotiate", "Bot", "token", "bearer", "basic"}

// redactText applies the in-argument rules and says what kinds it
// replaced.
func redactText(s string) (string, []string) {
	var whats []string
	note := func(w string) {
		if !slices.Contains(whats, w) {
			whats = append(whats, w)
		}
	}
	s = urlPattern.ReplaceAllStringFunc(s, func(u string) string {
		r, ok := redactURL(u)
		if ok {
			note("a URL's credentials")
		}
		return r
	})
	s = jsonPair.ReplaceAllStringFunc(s, func(m string) string {
		sub := jsonPair.FindStringSubmatch(m)
		if sub[2] == "" || sub[2] == Redacted || !(secretKey(sub[1]) || secretEnvName(sub[1])) {
			return m
		}
		note(fmt.Sprintf("the value of %q", sub[1]))
		return m[:len(m)-len(sub[2])-1] + Redacted + `"`
	})
	s = headerPair.ReplaceAllStringFunc(s, func(m string) string {
		sub := headerPair.FindStringSubmatch(m)
		name, value := sub[2], sub[3]
		if !secretHeader(name) || strings.TrimSpace(value) == Redacted || strings.HasPrefix(value, "//") {
			return m
		}
		red := Redacted
		for _, scheme := range authSchemes {
			if rest, ok := strings.CutPrefix(value, scheme+" "); ok && strings.TrimSpace(rest) != "" {
				red = scheme + " " + Redacted
				if strings.TrimSpace(rest) == Redacted {
					return m
				}
				break
			}
		}
		note("the value of the " + name + " header")
		return m[:len(m)-len(value)] + red
	})
	s = assignPair.ReplaceAllStringFunc(s, func(m string) string {
		sub := assignPair.FindStringSubmatch(m)
		name, value := sub[2], sub[3]
		secret := secretKey(name)
		if !strings.HasPrefix(name, "-") {
			secret = secret || secretEnvName(name)
		}
		if value == "" || value == Redacted || !secret {
			return m
		}
		note("the value of " + name)
		return m[:len(m)-len(value)] + Redacted
	})
	s = flagPair.ReplaceAllStringFunc(s, func(m string) string {
		sub := flagPair.FindStringSubmatch(m)
		name, value := sub[2], sub[4]
		if !secretKey(name) || value == Redacted {
			return m
		}
		note("the value of " + name)
		return m[:len(m)-len(value)] + Redacted
	})
	return s, whats
}

// userinfo finds the user information of a URL: the text between "://"
// and the "@" that ends it, as offsets into u. When the authority cannot
// be read because a password holds a "/", "?" or "#" (so that what
// follows "://" up to the first "/" looks like host:port with a port that
// is not a number), it runs up to the last "@" of u.
func userinfo(u string) (start, end int, ok bool) {
	i := strings.Index(u, "://")
	if i < 0 {
		return 0, 0, false
	}
	start = i + 3
	rest := u[start:]
	stop := strings.IndexAny(rest, "/?#")
	if stop < 0 {
		stop = len(rest)
	}
	authority := rest[:stop]
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		return start, start + at, true
	}
	if !strings.HasPrefix(authority, "[") {
		if _, port, found := strings.Cut(authority, ":"); found && !allDigits(port) {
			if at := strings.LastIndex(rest, "@"); at > stop {
				return start, start + at, true
			}
		}
	}
	return 0, 0, false
}

// redactURL replaces the credentials of a URL with Redacted: user
// information that holds a password (user:password@), and for HTTP(S) and
// FTP also a user name alone (often a token: https://TOKEN@host). A user
// name alone elsewhere (ssh://git@host) is kept.
func redactURL(u string) (string, bool) {
	start, end, ok := userinfo(u)
	if !ok || u[start:end] == Redacted || u[start:end] == "" {
		return u, false
	}
	scheme := strings.ToLower(u[:start-3])
	if !strings.Contains(u[start:end], ":") && !strings.HasSuffix(scheme, "http") && !strings.HasSuffix(scheme, "https") &&
		!strings.HasSuffix(scheme, "ftp") && !strings.HasSuffix(scheme, "ftps") {
		return u, false
	}
	return u[:start] + Redacted + u[end:], true
}

// stripUserinfo removes a URL's user information altogether, whatever it
// holds.
func stripUserinfo(u string) string {
	start, end, ok := userinfo(u)
	if !ok {
		return u
	}
	return u[:start] + u[end+1:]
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// secretWords make a flag, header or key name secret-looking when one of
// the name's words (split at "-", "_", "." and camelCase) is one of them.
var secretWords = []string{
	"token", "tokens", "password", "passwords", "passwd", "passphrase", "pass", "pwd", "secret", "secrets",
	"apikey", "credential", "credentials", "creds", "auth", "authorization", "bearer", "cookie", "pat", "pin", "otp",
}

// secretSubstrings make a name secret-looking wherever they appear in it
// (--githubtoken, --dbpassword).
var secretSubstrings = []string{"token", "password", "passwd", "passphrase", "secret", "apikey", "credential"}

// keyQualifiers make "key" a secret word when they come before it
// (--api-key, --access-key, --private-key).
var keyQualifiers = []string{"api", "access", "private", "secret", "session", "signing", "encryption", "master", "account", "license", "deploy", "client", "auth"}

// notSecretLast are last words that make a name about a secret rather than
// one (--password-file, --token-env, --password-stdin, --auth-url).
var notSecretLast = []string{
	"file", "files", "path", "stdin", "env", "fd", "dir", "url", "uri", "type", "method", "mode", "header", "name",
	"id", "helper", "cmd", "command", "prompt", "length", "store", "var", "endpoint", "host", "server", "source",
	"format", "scope", "scopes", "ttl", "expiry", "expires", "kind", "algorithm", "size", "count", "hint", "required",
}

// secretKey says whether a flag or key name looks like it takes a secret.
func secretKey(name string) bool {
	name = strings.TrimLeft(name, "-")
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "no-") || strings.HasPrefix(lower, "no_") || lower == "" {
		return false
	}
	words := nameWords(name)
	if len(words) == 0 || slices.Contains(notSecretLast, words[len(words)-1]) {
		return false
	}
	for i, w := range words {
		if slices.Contains(secretWords, w) {
			return true
		}
		if w == "key" && i > 0 && slices.Contains(keyQualifiers, words[i-1]) {
			return true
		}
	}
	joined := strings.Join(words, "")
	for _, s := range secretSubstrings {
		if strings.Contains(joined, s) {
			return true
		}
	}
	return false
}

// secretHeader says whether a header name carries a credential.
func secretHeader(name string) bool {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization", "cookie", "set-cookie", "private-token", "job-token", "x-api-key", "api-key":
		return true
	}
	return secretKey(name)
}

// secretEnvName is SecretName as a predicate.
func secretEnvName(name string) bool {
	_, ok := SecretName(name)
	return ok
}

// nameWords splits a name at "-", "_", "." and lower-to-upper case
// changes, in lower case.
func nameWords(name string) []string {
	var words []string
	var cur []rune
	prevLower := false
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range name {
		switch {
		case r == '-' || r == '_' || r == '.':
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			flush()
		}
		cur = append(cur, r)
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	flush()
	return words
}
