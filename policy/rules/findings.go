package rules

import "fmt"

// Finding is one result of a policy rule about one artifact: a value of a
// deny, warn or violation rule (a string, or an object with a msg), with
// the METADATA of the rule that produced it.
type Finding struct {
	// Kind is deny, violation or warn; or error when provenant could not
	// evaluate the policies (which denies).
	Kind    string `json:"kind"`
	Package string `json:"package,omitempty"`
	// Code is the finding object's "code", else the rule's METADATA
	// custom.code.
	Code        string `json:"code,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Message     string `json:"msg"`
	// Attestation is the id ("file:line") of the attestation the finding
	// is about, when the rule named one.
	Attestation string `json:"attestation,omitempty"`
	// Location is the rule body in its policy file.
	Location *Location `json:"location,omitempty"`
	// Custom holds the rule's METADATA custom fields (severity, solution,
	// ...).
	Custom map[string]any `json:"custom,omitempty"`
	// Details holds the finding object's other keys.
	Details map[string]any `json:"details,omitempty"`
	// Exception is set when a policy configuration exception waived the
	// finding; it then does not deny.
	Exception *AppliedException `json:"exception,omitempty"`
}

// Denies says whether the finding fails the artifact; warnings do only
// when failOnWarn is set.
func (f Finding) Denies(failOnWarn bool) bool {
	if f.Exception != nil {
		return false
	}
	switch f.Kind {
	case KindWarn:
		return failOnWarn
	default:
		return true
	}
}

// Severity is METADATA custom.severity, or "" when not set.
func (f Finding) Severity() string {
	s, _ := f.Custom["severity"].(string)
	return s
}

// Solution is METADATA custom.solution, or "" when not set.
func (f Finding) Solution() string {
	s, _ := f.Custom["solution"].(string)
	return s
}

// RuleID names the rule for reports that need one identifier: the code,
// else package.kind (with the line of the rule body when known).
func (f Finding) RuleID() string {
	if f.Code != "" {
		return f.Code
	}
	if f.Kind == KindError {
		return "provenant.policy-error"
	}
	if f.Location != nil {
		return fmt.Sprintf("%s.%s:%d", f.Package, f.Kind, f.Location.Line)
	}
	return f.Package + "." + f.Kind
}

// Heading is the finding's title, else its rule id.
func (f Finding) Heading() string {
	if f.Title != "" {
		return f.Title
	}
	return f.RuleID()
}
