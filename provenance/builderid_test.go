package provenance

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckBuilderID(t *testing.T) {
	for _, c := range []struct {
		id   string
		want string // "" when accepted
	}{
		{"https://ci.example.com/runners/linux-1", ""},
		{"urn:example:builder:rack-4", ""},
		{"http://jenkins.internal:8080/computer/agent-2/", ""},
		{"", "empty"},
		{"ci.example.com/runners/1", "not an absolute URI"},
		{"/runners/1", "not an absolute URI"},
		{"runner 1", "white space"},
		{"https://ci.example.com/\nurn:provenant:builder:local", "white space"},
		{"https://ci.example.com/\u202e", "control character"},
		{"https://bot:hunter2@ci.example.com/r", "user name or password"},
		{"https:///path-only", "names no host"},
		{"https://ci.example.com/" + strings.Repeat("a", 2100), "longer than"},
		{"1https://x", "not a URI"},
		{"https://ci.example.com/%zz", "not a URI"},
	} {
		err := CheckBuilderID(c.id)
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckBuilderID(%.40q) = %v, want %q", c.id, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error repeats a password: %v", err)
		}
	}
}

// TestSetBuilderID: an explicit builder id replaces the local one; on
// GitHub Actions and GitLab CI only the platform's own is accepted.
func TestSetBuilderID(t *testing.T) {
	const own = "https://ci.example.com/runners/1"
	for _, c := range []struct {
		name     string
		ctx      BuildContext
		id, want string
		conflict bool
	}{
		{"local, none asked", BuildContext{Platform: PlatformLocal, BuilderID: LocalBuilderID}, "", LocalBuilderID, false},
		{"local", BuildContext{Platform: PlatformLocal, BuilderID: LocalBuilderID}, own, own, false},
		{"GitHub, its own", BuildContext{Platform: PlatformGitHubActions, BuilderID: GitHubRunnerBuilderID + "/self-hosted"}, GitHubRunnerBuilderID + "/self-hosted", GitHubRunnerBuilderID + "/self-hosted", false},
		{"GitHub, another", BuildContext{Platform: PlatformGitHubActions, BuilderID: GitHubRunnerBuilderID + "/self-hosted"}, own, GitHubRunnerBuilderID + "/self-hosted", true},
		{"GitHub, hosted claimed on self-hosted", BuildContext{Platform: PlatformGitHubActions, BuilderID: GitHubRunnerBuilderID + "/self-hosted"}, GitHubRunnerBuilderID + "/github-hosted", GitHubRunnerBuilderID + "/self-hosted", true},
		{"GitLab, another", BuildContext{Platform: PlatformGitLabCI, BuilderID: "https://gitlab.com/g/p/-/runners/7"}, "https://gitlab.com/g/p/-/runners/8", "https://gitlab.com/g/p/-/runners/7", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			bc := c.ctx
			err := bc.SetBuilderID(c.id)
			if errors.Is(err, ErrBuilderIDConflict) != c.conflict || (err != nil) != c.conflict {
				t.Errorf("err = %v, conflict want %v", err, c.conflict)
			}
			if bc.BuilderID != c.want {
				t.Errorf("builder id %q, want %q", bc.BuilderID, c.want)
			}
		})
	}
}
