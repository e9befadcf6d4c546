package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/rules"
)

// SARIF 2.1.0, the subset code-scanning dashboards read.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

// MarshalJSON writes the text as a SARIF plain-text message that says
// only what it says: one line without control or format characters
// (safetext.Line), and "[", "]" and "\\" escaped with a backslash, so that
// text from an attestation or a policy is never read as an embedded link
// ("[text](target)", which viewers such as GitHub code scanning render),
// as SARIF 2.1.0 §3.11.6 asks for literal brackets.
func (t sarifText) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Text string `json:"text"`
	}{sarifEscape(t.Text)})
}

var sarifEscaper = strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`)

func sarifEscape(s string) string { return sarifEscaper.Replace(safetext.Line(s)) }

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      *sarifText     `json:"fullDescription,omitempty"`
	Help                 *sarifText     `json:"help,omitempty"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
	// PartialFingerprints identify the result across runs: its location
	// (an artifact) has no region from which GitHub could compute one.
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	RelatedLocations    []sarifLocation    `json:"relatedLocations,omitempty"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	ID               int                   `json:"id,omitempty"`
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	Message          *sarifText            `json:"message,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

// Rule ids of results that no Rego rule made.
const (
	sarifVerifyRule = "provenant.verify"
	errorRuleID     = "provenant.policy-error"
)

// securitySeverity maps METADATA custom.severity to the score GitHub code
// scanning reads from a rule's security-severity property.
var securitySeverity = map[string]string{"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}

// WriteSARIF writes the report as SARIF 2.1.0: one rule per policy rule
// (with its METADATA), one result per finding and per failed built-in
// check. Waived findings carry a suppression with the exception's reason.
func WriteSARIF(w io.Writer, r *policy.Report, version string) error {
	failOnWarn := r.Criteria.FailOn == rules.KindWarn
	driver := sarifDriver{Name: "provenant", Version: version, InformationURI: "https://github.com/provenant/provenant"}
	index := map[string]int{}
	addRule := func(rule sarifRule) int {
		if i, ok := index[rule.ID]; ok {
			return i
		}
		index[rule.ID] = len(driver.Rules)
		driver.Rules = append(driver.Rules, rule)
		return len(driver.Rules) - 1
	}
	addRule(sarifRule{
		ID:                   sarifVerifyRule,
		Name:                 "SignedProvenance",
		ShortDescription:     sarifText{"Artifact covered by signed, matching provenance"},
		FullDescription:      &sarifText{"Every envelope is signed by the trusted keys, and the artifact is named by a statement of the expected predicate type that passes the builder and source checks."},
		Help:                 &sarifText{"Sign the artifact's provenance with a key or identity the verifier trusts, and check that the provenance names the artifact's digest and the expected builder and source (docs/verify.md explains each check)."},
		DefaultConfiguration: sarifConfig{Level: "error"},
	})
	// Findings find their rule body (and so its stable id) by location.
	byLocation := map[rules.Location]rules.RuleInfo{}
	for _, info := range r.Rules {
		byLocation[info.Location] = info
		addRule(sarifRuleFor(info, failOnWarn))
	}
	results := []sarifResult{}
	for _, a := range r.Artifacts {
		artLoc := sarifLocation{PhysicalLocation: sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: a.Name}}}
		if a.Cache != nil {
			// A pass, said as a note: the artifact was judged by a VSA.
			results = append(results, sarifResult{
				RuleID: sarifVerifyRule, RuleIndex: index[sarifVerifyRule], Level: "note",
				Message:             sarifText{a.Name + ": " + a.Cache.String()},
				Locations:           []sarifLocation{artLoc},
				PartialFingerprints: sarifFingerprint(sarifVerifyRule, a.Name, "from cache"),
				Properties:          map[string]any{"vsaCache": a.Cache},
			})
		}
		for _, reason := range a.Reasons {
			results = append(results, sarifResult{
				RuleID: sarifVerifyRule, RuleIndex: index[sarifVerifyRule], Level: "error",
				Message:             sarifText{a.Name + ": " + reason},
				Locations:           []sarifLocation{artLoc},
				PartialFingerprints: sarifFingerprint(sarifVerifyRule, a.Name, reason),
			})
		}
		for _, f := range a.Findings {
			id := findingRuleID(f, byLocation)
			switch {
			case f.Kind == rules.KindError:
				addRule(sarifRule{
					ID:                   errorRuleID,
					Name:                 "PolicyEvaluation",
					ShortDescription:     sarifText{"Policy evaluation failed"},
					FullDescription:      &sarifText{"A policy could not be evaluated (an error, a conflict, or the time limit); provenant fails closed."},
					Help:                 &sarifText{"Fix the policy so that it evaluates: the result's message names the error; provenant policy eval prints the input the policy saw."},
					DefaultConfiguration: sarifConfig{Level: "error"},
				})
			default:
				info, ok := byLocation[findingLocation(f)]
				if !ok {
					info = rules.RuleInfo{Kind: f.Kind, Package: f.Package, Title: f.Title, Description: f.Description, Custom: f.Custom}
				}
				rule := sarifRuleFor(info, failOnWarn)
				rule.ID = id
				addRule(rule)
			}
			level := "error"
			if !f.Denies(failOnWarn) && f.Exception == nil {
				level = "warning"
			}
			msg := a.Name + ": " + f.Message
			if f.Attestation != "" {
				msg += " (" + f.Attestation + ")"
			}
			res := sarifResult{
				RuleID: id, RuleIndex: index[id], Level: level,
				Message:             sarifText{msg},
				Locations:           []sarifLocation{artLoc},
				PartialFingerprints: sarifFingerprint(id, a.Name, f.Message),
			}
			if f.Location != nil {
				res.RelatedLocations = []sarifLocation{{
					ID:               1,
					PhysicalLocation: sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: f.Location.File}, Region: &sarifRegion{StartLine: max(f.Location.Line, 1)}},
					Message:          &sarifText{"policy rule"},
				}}
			}
			if f.Exception != nil {
				res.Suppressions = []sarifSuppression{{Kind: "external", Justification: f.Exception.Reason}}
			}
			props := map[string]any{}
			if f.Attestation != "" {
				props["attestation"] = f.Attestation
			}
			for k, v := range f.Details {
				props[k] = v
			}
			if len(props) > 0 {
				res.Properties = props
			}
			results = append(results, res)
		}
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func sarifRuleFor(info rules.RuleInfo, failOnWarn bool) sarifRule {
	title := info.Title
	if title == "" {
		title = fmt.Sprintf("%s rule in %s", ruleName(info), info.Package)
	}
	level := "error"
	if info.Kind == rules.KindWarn && !failOnWarn {
		level = "warning"
	}
	rule := sarifRule{
		ID:                   info.ID(),
		Name:                 sarifName(title),
		ShortDescription:     sarifText{title},
		DefaultConfiguration: sarifConfig{Level: level},
	}
	if info.Description != "" {
		rule.FullDescription = &sarifText{info.Description}
	}
	// GitHub code scanning wants help on every rule: the solution, else
	// the description, else what the rule is.
	help := info.Description
	if s, ok := info.Custom["solution"].(string); ok && s != "" {
		help = s
	}
	if help == "" {
		what := fmt.Sprintf("Rule %s in package %s", ruleName(info), info.Package)
		if info.Title != "" {
			what = fmt.Sprintf("%s (rule %s in package %s)", info.Title, ruleName(info), info.Package)
		}
		help = what + ": each result's message says what it found, and its related location points at the rule. A METADATA description or custom.solution on the rule would be shown here."
	}
	rule.Help = &sarifText{help}
	props := map[string]any{"package": info.Package, "kind": info.Kind}
	for k, v := range info.Custom {
		props[k] = v
	}
	if sev, ok := info.Custom["severity"].(string); ok {
		if score, ok := securitySeverity[strings.ToLower(sev)]; ok {
			props["security-severity"] = score
		}
	}
	props["tags"] = []string{"supply-chain", info.Kind}
	rule.Properties = props
	return rule
}

// sarifName turns a title into the PascalCase name SARIF viewers show.
func sarifName(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// sarifFingerprint identifies a result across runs for GitHub code
// scanning, which computes fingerprints only for results with a region:
// sha256 over the rule id, the artifact and the message (not the
// attestation's place in its bundle, which moves when the bundle grows).
func sarifFingerprint(ruleID, artifact, message string) map[string]string {
	h := sha256.New()
	for _, s := range []string{ruleID, artifact, message} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return map[string]string{"provenantResult/v1": hex.EncodeToString(h.Sum(nil))}
}
