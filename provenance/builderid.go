package provenance

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// ErrBuilderIDConflict: a builder id was asked for on a CI platform that
// names the builder itself (GitHub Actions, GitLab CI), and it is not the
// platform's.
var ErrBuilderIDConflict = errors.New("on a CI platform that names the builder, only its builder id can be recorded")

// maxBuilderIDLen bounds a builder id given by the user.
const maxBuilderIDLen = 2048

var uriScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// CheckBuilderID checks that id is an absolute URI, as SLSA's builder.id
// must be (a URL such as https://ci.example.com/runners/linux, or a URN):
// a scheme, then a host or an opaque part; no white space or control
// characters; no user name or password (which would be published).
func CheckBuilderID(id string) error { return CheckIDURI("builder id", id) }

// CheckNoSecret refuses a value that provenant would sign and so publish
// (what names it: "source", "resource URI") when it carries a user name,
// password or token (what RedactText hides); the message shows it
// redacted.
func CheckNoSecret(what, s string) error {
	if r := RedactText(s); r != s {
		return fmt.Errorf("%s %q carries a user name, password or token: it would be published", what, r)
	}
	return nil
}

// CheckIDURI checks an identifier that provenant signs and so publishes
// (what names it: "builder id", "verifier id") as CheckBuilderID checks a
// builder id. Its messages never show a password the id carries.
func CheckIDURI(what, id string) error {
	if id == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if len(id) > maxBuilderIDLen {
		return fmt.Errorf("%s is longer than %d bytes", what, maxBuilderIDLen)
	}
	shown := RedactText(id)
	if i := strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }); i >= 0 {
		return fmt.Errorf("%s %q has white space or a control character: it must be a URI", what, shown)
	}
	u, err := url.Parse(id)
	if err != nil {
		return fmt.Errorf("%s %q is not a URI", what, shown)
	}
	switch {
	case !uriScheme.MatchString(u.Scheme):
		return fmt.Errorf("%s %q is not an absolute URI (give a scheme: https://... or urn:...)", what, shown)
	case u.User != nil:
		return fmt.Errorf("%s %q carries a user name or password: it would be published", what, shown)
	case u.Opaque == "" && u.Host == "":
		return fmt.Errorf("%s %q names no host (https://HOST/...) and is no URN (urn:NID:...)", what, shown)
	}
	// A token elsewhere (?token=..., ?access_token=...) is a secret too.
	return CheckNoSecret(what, id)
}

// SetBuilderID records id as the builder id asked for: on a local build
// it replaces LocalBuilderID; on GitHub Actions and GitLab CI, whose
// builder id the platform's own variables give (the runner), it must be
// that one (ErrBuilderIDConflict otherwise): a claim that contradicts the
// platform is refused, not recorded. An empty id changes nothing.
func (c *BuildContext) SetBuilderID(id string) error {
	if id == "" {
		return nil
	}
	if err := CheckBuilderID(id); err != nil {
		return err
	}
	if c.Platform != PlatformLocal && id != c.BuilderID {
		return fmt.Errorf("builder id %q contradicts %s's, %q: %w", id, platformName(c.Platform), c.BuilderID, ErrBuilderIDConflict)
	}
	c.BuilderID = id
	return nil
}

// platformName is how messages name a platform.
func platformName(p string) string {
	switch p {
	case PlatformGitHubActions:
		return "GitHub Actions"
	case PlatformGitLabCI:
		return "GitLab CI"
	}
	return p
}
