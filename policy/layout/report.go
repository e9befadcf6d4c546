package layout

import "github.com/provenant/provenant/provenance"

// Report is the outcome of a layout verification: the decision, every
// check in the order in-toto makes them (a check that fails stops the
// checks that depend on it), and what each step's evidence was.
type Report struct {
	// Allowed: every check passed.
	Allowed bool `json:"verified"`
	Layout  Info `json:"layout"`
	// Checks are the checks made, in order; those after a failed stage
	// were not made.
	Checks      []Check      `json:"checks"`
	Steps       []Step       `json:"steps"`
	Inspections []Inspection `json:"inspections,omitempty"`
	// Warnings do not deny: a command that differs from the layout's
	// expected command, a parameter the layout does not use, evidence
	// that was not a link of this layout.
	Warnings []string `json:"warnings,omitempty"`
}

// Info describes the root layout.
type Info struct {
	File string `json:"file"`
	// Form is FormMetablock or FormDSSE ("" when the file could not be
	// read as either).
	Form    string `json:"form,omitempty"`
	Expires string `json:"expires,omitempty"`
	// Keys are the layout keys whose signatures verified.
	Keys []string `json:"keys,omitempty"`
}

// Check is one check of the verification.
type Check struct {
	// ID names the kind of check: layout-signature, layout-format,
	// layout-expiry, layout-rules, step-links, sublayout, step-rules,
	// inspection, inspection-rules, link-bundle.
	ID string `json:"id"`
	// Item is the step or inspection checked ("" for the layout); a
	// sublayout's items are prefixed with its step ("sub/build").
	Item   string `json:"item,omitempty"`
	Passed bool   `json:"passed"`
	// Reasons say why it failed, one line each, naming the file or
	// bundle line, the rule, the value.
	Reasons []string `json:"reasons,omitempty"`
	// File is the file the check is about, when it is one file (the
	// layout), for report formats that point at files (SARIF).
	File string `json:"file,omitempty"`
}

// Titles of the checks, for people.
var checkTitles = map[string]string{
	"layout-signature": "layout signed by the layout keys",
	"layout-format":    "layout well-formed",
	"layout-expiry":    "layout not expired",
	"layout-rules":     "artifact rules well-formed",
	"link-bundle":      "bundle entries verified",
	"step-links":       "links signed by enough functionaries",
	"sublayout":        "sublayout verified",
	"step-rules":       "step artifact rules",
	"inspection":       "inspection ran",
	"inspection-rules": "inspection artifact rules",
}

// Title is the check's title for people.
func (c Check) Title() string {
	if t, ok := checkTitles[c.ID]; ok {
		return t
	}
	return c.ID
}

// Step is what was found for one step of the root layout (or, prefixed
// with its step, of a sublayout).
type Step struct {
	Name      string `json:"name"`
	Threshold int    `json:"threshold"`
	// Functionaries are the key ids the layout authorizes for the step.
	Functionaries []string `json:"functionaries"`
	Links         []Link   `json:"links"`
}

// Link is one piece of evidence offered for a step: a link file, or a
// link statement in a bundle.
type Link struct {
	// Source is the link file, or file:line in a bundle.
	Source string `json:"source"`
	// KeyID is the signer's key id (a functionary's, or a certificate's
	// key) when the signature verified.
	KeyID string `json:"keyid,omitempty"`
	// Counted: the link verified and counts towards the threshold.
	Counted bool `json:"counted"`
	// Sublayout: the evidence is a sublayout, verified on its own.
	Sublayout bool `json:"sublayout,omitempty"`
	// Problem says why it does not count.
	Problem string `json:"problem,omitempty"`
	// Link is what the link records, when it verified.
	Link *provenance.Link `json:"link,omitempty"`
}

// Inspection is one inspection the layout ran.
type Inspection struct {
	Name     string   `json:"name"`
	Run      []string `json:"run"`
	ExitCode int      `json:"exitCode"`
	// Link is what the inspection recorded: the scratch directory's
	// files before (materials) and after (products) its command.
	Link *provenance.Link `json:"link,omitempty"`
}
