package inspect

import (
	"encoding/json"

	"github.com/provenant/provenant/attest"
)

// SchemaVersion names the JSON report format, documented in docs/inspect.md
// and docs/inspect.schema.json. It changes only when a field changes meaning
// or goes away; new optional fields keep it.
const SchemaVersion = "https://github.com/provenant/provenant/blob/main/docs/inspect.md#report-v2"

// Envelope and signature statuses.
const (
	// StatusVerified: keys were given and a trusted key's signature holds.
	StatusVerified = "verified"
	// StatusFailed: keys were given and no trusted key's signature holds.
	StatusFailed = "failed"
	// StatusUnverified: nothing was checked (no keys given, or a kind of
	// signature not supported yet). The content is a claim, nothing more.
	StatusUnverified = "unverified"
	// StatusUnreadable: the entry is not an envelope that can be read.
	StatusUnreadable = "unreadable"
)

// Kinds of entries.
const (
	KindDSSE     = "dsse"     // a DSSE envelope
	KindSigstore = "sigstore" // a Sigstore bundle (shown, not verified yet)
	KindInvalid  = "invalid"  // neither
)

// Artifact flags in the chain.
const (
	// FlagUnproduced: a material no step in the bundles produced.
	FlagUnproduced = "unproduced"
	// FlagUnattested: a product that no verified envelope claims.
	FlagUnattested = "unattested"
	// FlagCheckout: a material no step produced, consumed only by steps
	// that ran from a recorded source checkout: a file of that checkout,
	// an expected input (whether the commit holds it is not checked).
	FlagCheckout = "checkout"
	// FlagMismatch: an artifact whose name other steps see with another
	// digest (a Finding says which).
	FlagMismatch = "digest-mismatch"
)

// Step flags: facts a step records that are unusual in its bundle.
const (
	// StepOtherBuilder: the step's builder is not the one most steps name.
	StepOtherBuilder = "other-builder"
	// StepOtherRepository: the step's source repository is not the one
	// most steps name.
	StepOtherRepository = "other-repository"
	// StepOtherCommit: the step ran from another commit of the source
	// repository than most steps.
	StepOtherCommit = "other-commit"
	// StepDirtySource: the source tree had uncommitted changes.
	StepDirtySource = "dirty-source"
	// StepCommandFailed: the command exited with a status other than 0.
	StepCommandFailed = "command-failed"
)

// FindingMismatch is the kind of a Finding about one artifact name seen
// with different digests.
const FindingMismatch = "digest-mismatch"

// Finding is something wrong with the chain as a whole, whatever the
// signatures say: shown first in every format, and inspect exits 1 for it.
type Finding struct {
	Kind string `json:"kind"`
	// Name is the artifact name the finding is about.
	Name string `json:"name"`
	// Artifacts are the chain artifacts involved (one per digest).
	Artifacts []string `json:"artifacts"`
	// Message says it in one line: which step saw which digest.
	Message string `json:"message"`
}

// Report is everything inspect found, in the order it was read.
type Report struct {
	SchemaVersion string `json:"schemaVersion"`
	// Findings are what is wrong with the chain as a whole (a name two
	// steps see with different digests); empty when nothing is.
	Findings []Finding `json:"findings"`
	// Bundles are the files read, as named by the caller.
	Bundles []string `json:"bundles"`
	// Keys are the trusted keys signatures were checked against; empty
	// when none were given, and then every envelope is unverified.
	Keys []Key `json:"keys"`
	// TrustedRoot is the Sigstore trusted root Sigstore bundles were
	// checked against, when one was given.
	TrustedRoot string     `json:"trustedRoot,omitempty"`
	Summary     Summary    `json:"summary"`
	Envelopes   []Envelope `json:"envelopes"`
	Chain       Chain      `json:"chain"`
}

// Checked says whether any trust material (keys, a trusted root) was
// given; without it nothing is verified.
func (r *Report) Checked() bool { return len(r.Keys) > 0 || r.TrustedRoot != "" }

// Key is a trusted public key given to inspect.
type Key struct {
	ID        string `json:"id"`
	Algorithm string `json:"algorithm"`
	Source    string `json:"source,omitempty"`
}

// Summary counts what the report holds.
type Summary struct {
	Envelopes  int `json:"envelopes"`
	Verified   int `json:"verified"`
	Failed     int `json:"failed"`
	Unverified int `json:"unverified"`
	Unreadable int `json:"unreadable"`
	Steps      int `json:"steps"`
	Artifacts  int `json:"artifacts"`
	// UnproducedMaterials counts materials no step produced, sources
	// (git commits) excepted.
	UnproducedMaterials int `json:"unproducedMaterials"`
	// UnattestedProducts counts products no verified envelope claims.
	UnattestedProducts int `json:"unattestedProducts"`
	// CheckoutMaterials counts materials flagged checkout (not counted
	// as unproduced).
	CheckoutMaterials int `json:"checkoutMaterials"`
	// Mismatches counts artifact names seen with different digests.
	Mismatches int `json:"mismatches"`
	// UnusualSteps counts steps with a flag.
	UnusualSteps int `json:"unusualSteps"`
}

// AllVerified says whether keys were given and every envelope verified.
func (s Summary) AllVerified() bool {
	return s.Envelopes > 0 && s.Verified == s.Envelopes
}

// Envelope is one entry of a bundle: a DSSE envelope, a Sigstore bundle, or
// a line that could not be read.
type Envelope struct {
	// Index numbers envelopes from 1 across all bundles.
	Index  int           `json:"index"`
	Source attest.Source `json:"source"`
	// Digest is "sha256:<hex>" of the entry's bytes as they stand in the
	// bundle.
	Digest string `json:"digest"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
	// Reason says why the status is what it is, for anything but verified.
	Reason      string      `json:"reason,omitempty"`
	PayloadType string      `json:"payloadType,omitempty"`
	Signatures  []Signature `json:"signatures"`
	// Statement is what the payload claims, read for display whether or
	// not it verified: Status says whether to believe it.
	Statement *Statement `json:"statement,omitempty"`
	// StatementError says why the payload could not be read as an in-toto
	// Statement.
	StatementError string `json:"statementError,omitempty"`
}

// Verified says whether the envelope's content can be trusted.
func (e *Envelope) Verified() bool { return e.Status == StatusVerified }

// Signature is one signature of an envelope. It names its signer by a key id
// (a hint the signature carries), a certificate identity, or both.
type Signature struct {
	KeyID    string    `json:"keyid,omitempty"`
	Identity *Identity `json:"identity,omitempty"`
	Status   string    `json:"status"`
	// VerifiedBy is the id of the trusted key that verified it.
	VerifiedBy string `json:"verifiedBy,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// Identity is what a signing certificate says about its subject. It is read
// from the certificate for display; its chain is not checked here.
type Identity struct {
	// Subject is the certificate's subject alternative name (URI or
	// e-mail), or its common name.
	Subject string `json:"subject"`
	// Issuer is the OIDC issuer recorded by Fulcio, when present.
	Issuer    string `json:"issuer,omitempty"`
	NotBefore string `json:"notBefore,omitempty"`
	NotAfter  string `json:"notAfter,omitempty"`
	// Checked says the certificate itself was verified (its chain and the
	// identity asked for). A certificate beside a DSSE signature is not:
	// inspect shows it as a claim, whatever the key said.
	Checked bool `json:"checked"`
}

// Statement is an in-toto Statement as read from a payload.
type Statement struct {
	Type          string     `json:"type"`
	PredicateType string     `json:"predicateType"`
	Subjects      []Resource `json:"subjects"`
	// Step names the step in the chain, for SLSA provenance only:
	// externalParameters.step, else the workflow file or the last part of
	// the build type with the envelope's number.
	Step       string      `json:"step,omitempty"`
	Provenance *Provenance `json:"provenance,omitempty"`
	VSA        *VSA        `json:"vsa,omitempty"`
	// PredicateError says why a provenance or VSA predicate could not be
	// read.
	PredicateError string `json:"predicateError,omitempty"`
}

// Resource is an in-toto ResourceDescriptor, reduced to what identifies it.
type Resource struct {
	Name   string            `json:"name,omitempty"`
	URI    string            `json:"uri,omitempty"`
	Digest map[string]string `json:"digest,omitempty"`
}

// Label is the resource's name, else its URI.
func (r Resource) Label() string {
	if r.Name != "" {
		return r.Name
	}
	if r.URI != "" {
		return r.URI
	}
	return "(unnamed)"
}

// Provenance is SLSA provenance v1 or v0.2, read into one view.
type Provenance struct {
	// Version is "v1" or "v0.2".
	Version   string  `json:"version"`
	BuilderID string  `json:"builderId"`
	BuildType string  `json:"buildType"`
	Source    *Source `json:"source,omitempty"`
	// InvocationID is v1 runDetails.metadata.invocationId, v0.2
	// metadata.buildInvocationId.
	InvocationID string `json:"invocationId,omitempty"`
	StartedOn    string `json:"startedOn,omitempty"`
	FinishedOn   string `json:"finishedOn,omitempty"`
	// ExternalParameters is v1 buildDefinition.externalParameters; for
	// v0.2, invocation.parameters.
	ExternalParameters json.RawMessage `json:"externalParameters,omitempty"`
	// ResolvedDependencies is v1 resolvedDependencies, v0.2 materials.
	ResolvedDependencies []Resource `json:"resolvedDependencies"`
	Byproducts           []Resource `json:"byproducts"`
	// Command is what the provenance records of the command run (as
	// provenant run records it), when it does.
	Command *Command `json:"command,omitempty"`
}

// Command is the command a step ran: its arguments
// (externalParameters.command) and, from the byproduct named "command",
// its exit status and duration.
type Command struct {
	Args       []string `json:"args,omitempty"`
	ExitStatus *int     `json:"exitStatus,omitempty"`
	DurationMs *int64   `json:"durationMs,omitempty"`
}

// Source is the repository a build ran from.
type Source struct {
	URI        string `json:"uri"`
	Repository string `json:"repository,omitempty"`
	Ref        string `json:"ref,omitempty"`
	Commit     string `json:"commit,omitempty"`
	// Dirty is the "dirty" annotation of the source dependency: whether
	// the tree had uncommitted changes (absent when not recorded).
	Dirty *bool `json:"dirty,omitempty"`
}

// VSA is an SLSA Verification Summary Attestation v1.
type VSA struct {
	VerifierID        string         `json:"verifierId"`
	TimeVerified      string         `json:"timeVerified,omitempty"`
	ResourceURI       string         `json:"resourceUri,omitempty"`
	Policy            *Resource      `json:"policy,omitempty"`
	InputAttestations []Resource     `json:"inputAttestations,omitempty"`
	Result            string         `json:"verificationResult"`
	VerifiedLevels    []string       `json:"verifiedLevels"`
	DependencyLevels  map[string]int `json:"dependencyLevels,omitempty"`
	SLSAVersion       string         `json:"slsaVersion,omitempty"`
}

// Chain is the graph of steps and artifacts across all envelopes: a step
// for every statement with SLSA provenance, an artifact for every distinct
// (name, digest), linked where a product of one step is a material of
// another under the same name and digest.
type Chain struct {
	Steps     []Step          `json:"steps"`
	Artifacts []ChainArtifact `json:"artifacts"`
}

// Step is one attested step.
type Step struct {
	// ID is "s" and the envelope's index.
	ID       string `json:"id"`
	Name     string `json:"name"`
	Envelope int    `json:"envelope"`
	Status   string `json:"status"`
	// Depth is the step's column: 0 when it consumes nothing another step
	// produced, else one more than the deepest such producer.
	Depth    int      `json:"depth"`
	Consumes []string `json:"consumes"`
	Produces []string `json:"produces"`
	// Flags are the step's unusual facts (Step* constants); Notes say
	// each in words, in the same order.
	Flags []string `json:"flags"`
	Notes []string `json:"notes"`
}

// ChainArtifact is an artifact of the chain, identified by its name and
// digests: the same content under two names is two artifacts that share a
// digest (SameDigest), and a name seen with two digests is two artifacts
// (and a Finding).
type ChainArtifact struct {
	// ID is "a" and a number in order of first appearance.
	ID   string `json:"id"`
	Name string `json:"name"`
	// Digest is the preferred "alg:value" (sha256 first); Digests has
	// them all.
	Digest  string            `json:"digest"`
	Digests map[string]string `json:"digests,omitempty"`
	// Source marks a git commit a build ran from.
	Source     bool     `json:"source,omitempty"`
	ProducedBy []string `json:"producedBy"`
	ConsumedBy []string `json:"consumedBy"`
	// SameDigest are the other artifacts with a digest in common: the
	// same content under another name.
	SameDigest []string `json:"sameDigest"`
	Flags      []string `json:"flags"`
}

// Has says whether the artifact carries a flag.
func (a *ChainArtifact) Has(flag string) bool {
	for _, f := range a.Flags {
		if f == flag {
			return true
		}
	}
	return false
}
