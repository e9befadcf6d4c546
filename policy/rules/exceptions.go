package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/provenant/provenant/attest/digest"
)

// Config is a policy configuration file (--policy-config, YAML):
//
//	data:                 # given to policies as data.config
//	  github:
//	    repository: octo-org/app
//	exceptions:
//	  - code: slsa.level  # or package + title
//	    artifacts: ["dist/legacy-*"]
//	    reason: legacy tool built on a laptop, tracked in OPS-123
//	    expires: 2026-06-30
type Config struct {
	Data       map[string]any `yaml:"data" json:"data,omitempty"`
	Exceptions []Exception    `yaml:"exceptions" json:"exceptions,omitempty"`
}

// Exception waives the findings of one rule, named by its code, or by its
// package and title.
type Exception struct {
	Code    string `yaml:"code" json:"code,omitempty"`
	Package string `yaml:"package" json:"package,omitempty"`
	Title   string `yaml:"title" json:"title,omitempty"`
	// Artifacts are glob patterns on artifact names, in the dialect of
	// artifact arguments (digest.Match: * within a path segment, ** across
	// segments); none
	// means every artifact.
	Artifacts []string `yaml:"artifacts" json:"artifacts,omitempty"`
	Reason    string   `yaml:"reason" json:"reason"`
	// Expires is a date, YYYY-MM-DD: the exception applies through that
	// day (UTC) and not after it.
	Expires string `yaml:"expires" json:"expires,omitempty"`

	// Source is where the exception is written, "file:line".
	Source  string    `yaml:"-" json:"source,omitempty"`
	expires time.Time // the first instant it no longer applies
}

// AppliedException is what a waived finding records.
type AppliedException struct {
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"`
	Source  string `json:"source,omitempty"`
}

// LoadConfig reads a policy configuration file. Unknown keys, an exception
// without a rule or a reason, a malformed date, and a data: section that a
// built-in policy's schema refuses (see validateData) are errors naming the
// file and line.
func LoadConfig(file string) (*Config, error) {
	data, err := readPolicyFile(file)
	if err != nil {
		return nil, err
	}
	return ParseConfig(data, file)
}

// ParseConfig parses a policy configuration; name is used in errors.
func ParseConfig(data []byte, name string) (*Config, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &Config{}, nil
		}
		return nil, fmt.Errorf("%w: %s: %s", ErrPolicy, name, yamlMessage(err))
	}
	if problems := configShape(&doc, name); len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrPolicy, strings.Join(problems, "; "))
	}
	var c Config
	dec = yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrPolicy, name, yamlMessage(err))
	}
	if err := validateData(c.Data, yamlPlace(&doc, name)); err != nil {
		return nil, err
	}
	lines := exceptionLines(&doc)
	for i := range c.Exceptions {
		e := &c.Exceptions[i]
		line := 0
		if i < len(lines) {
			line = lines[i]
		}
		e.Source = fmt.Sprintf("%s:%d", name, line)
		if e.Code == "" && (e.Package == "" || e.Title == "") {
			return nil, fmt.Errorf("%w: %s: an exception names its rule by code, or by package and title", ErrPolicy, e.Source)
		}
		e.Package = strings.TrimPrefix(e.Package, "data.")
		if strings.TrimSpace(e.Reason) == "" {
			return nil, fmt.Errorf("%w: %s: an exception needs a reason", ErrPolicy, e.Source)
		}
		for _, p := range e.Artifacts {
			if err := digest.ValidatePattern(p); err != nil {
				return nil, fmt.Errorf("%w: %s: bad artifact pattern %q", ErrPolicy, e.Source, p)
			}
		}
		if e.Expires != "" {
			t, err := time.Parse(time.DateOnly, e.Expires)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: expires must be a date, YYYY-MM-DD, not %q", ErrPolicy, e.Source, e.Expires)
			}
			e.expires = t.AddDate(0, 0, 1)
		}
	}
	return &c, nil
}

func yamlMessage(err error) string {
	return goTypes.Replace(strings.TrimPrefix(strings.ReplaceAll(err.Error(), "\n", "; "), "yaml: "))
}

// exceptionLines finds the line of each item of the exceptions list.
func exceptionLines(doc *yaml.Node) []int {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "exceptions" && root.Content[i+1].Kind == yaml.SequenceNode {
			var out []int
			for _, item := range root.Content[i+1].Content {
				out = append(out, item.Line)
			}
			return out
		}
	}
	return nil
}

// matches says whether the exception names the finding's rule and the
// artifact. An exception is scoped to the rule it was written for: by
// code alone, it waives the findings of the rules whose METADATA declares
// that code (one package: LoadPolicies refuses a code declared by two),
// never a finding of another rule that merely carries the code in its
// value; with a package, the findings of that package with the code; by
// package and title, that package's rule with that title.
func (e *Exception) matches(artifact string, f *Finding) bool {
	if f.Kind == KindError {
		return false // an evaluation error is never waived
	}
	switch {
	case e.Code != "" && e.Package == "":
		declared, _ := f.Custom["code"].(string)
		if f.Code != e.Code || declared != e.Code {
			return false
		}
	case e.Code != "":
		if f.Code != e.Code || e.Package != f.Package {
			return false
		}
	case e.Package != f.Package || e.Title != f.Title:
		return false
	}
	if len(e.Artifacts) == 0 {
		return true
	}
	for _, p := range e.Artifacts {
		if ok, _ := digest.Match(p, artifact); ok {
			return true
		}
	}
	return false
}

// ApplyExceptions waives the findings that a live exception covers, and
// returns a warning for each expired exception that would have applied.
func ApplyExceptions(excs []Exception, artifact string, fs []Finding, now time.Time) []string {
	var warnings []string
	for i := range fs {
		f := &fs[i]
		for j := range excs {
			e := &excs[j]
			if !e.matches(artifact, f) {
				continue
			}
			if !e.expires.IsZero() && !now.Before(e.expires) {
				warnings = append(warnings, fmt.Sprintf("%s: exception for %s expired on %s; it no longer applies to %s", e.Source, f.Heading(), e.Expires, artifact))
				continue
			}
			f.Exception = &AppliedException{Reason: e.Reason, Expires: e.Expires, Source: e.Source}
			break
		}
	}
	return warnings
}
