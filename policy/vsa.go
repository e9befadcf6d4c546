package policy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/provenance"
)

// VSARequest says how to write Verification Summary Attestations.
type VSARequest struct {
	Signer     attest.Signer
	VerifierID string // URI of the verifier, e.g. https://ci.example.com/release-gate
	// Version is recorded as verifier.version.provenant.
	Version string
	// ResourceURI is recorded as resourceUri; empty means each
	// artifact's name.
	ResourceURI string
	// Time is timeVerified; zero means now.
	Time time.Time
}

// VSA is the SLSA Verification Summary v1 predicate.
type VSA struct {
	Verifier           VSAVerifier          `json:"verifier"`
	TimeVerified       string               `json:"timeVerified"`
	ResourceURI        string               `json:"resourceUri"`
	Policy             ResourceDescriptor   `json:"policy"`
	InputAttestations  []ResourceDescriptor `json:"inputAttestations"`
	VerificationResult string               `json:"verificationResult"`
	VerifiedLevels     []string             `json:"verifiedLevels"`
	SLSAVersion        string               `json:"slsaVersion,omitempty"`
}

// VSAVerifier identifies the verifier.
type VSAVerifier struct {
	ID      string            `json:"id"`
	Version map[string]string `json:"version,omitempty"`
}

// ResourceDescriptor is the part of an in-toto ResourceDescriptor a VSA
// uses.
type ResourceDescriptor struct {
	Name   string            `json:"name,omitempty"`
	URI    string            `json:"uri,omitempty"`
	Digest map[string]string `json:"digest"`
}

// ErrNotAllowed: a VSA is written only for an allowed release.
var ErrNotAllowed = errors.New("the release was not allowed")

// VSAEnvelopes builds and signs one VSA per artifact of an allowed report:
// subject = the artifact's digests, verificationResult PASSED, policy = the
// Rego policies (or, without any, the command-line criteria) and their
// digest, inputAttestations = the envelopes that cover the artifact, and
// verifiedLevels = the SLSA Build level the verified provenance reached
// (Artifact.SLSABuildLevel, from builtin:slsa; without it, L1 when SLSA
// provenance covers the artifact), never a level the configuration asked
// for: an exception that waived a denial does not raise it.
func VSAEnvelopes(ctx context.Context, r *Report, req VSARequest) ([]*attest.Envelope, error) {
	if !r.Allowed {
		return nil, ErrNotAllowed
	}
	if req.Signer == nil {
		return nil, errors.New("no VSA signing key")
	}
	if req.VerifierID == "" {
		return nil, errors.New("no verifier id")
	}
	when := req.Time
	if when.IsZero() {
		when = time.Now()
	}
	pol, err := r.policyDescriptor()
	if err != nil {
		return nil, err
	}
	var out []*attest.Envelope
	for _, a := range r.Artifacts {
		inputs := []ResourceDescriptor{}
		hasProvenance := false
		for _, i := range a.covering {
			e := &r.Attestations[i]
			alg, hexd, ok := strings.Cut(e.Digest, ":")
			if !ok {
				continue
			}
			inputs = append(inputs, ResourceDescriptor{Name: e.Source.String(), Digest: map[string]string{alg: hexd}})
			if provenance.IsProvenance(e.PredicateType()) {
				hasProvenance = true
			}
		}
		levels := []string{}
		switch lvl := a.SLSABuildLevel; {
		case lvl != nil && *lvl >= 1 && *lvl <= 3:
			levels = append(levels, fmt.Sprintf("SLSA_BUILD_LEVEL_%d", *lvl))
		case lvl == nil && hasProvenance:
			levels = append(levels, "SLSA_BUILD_LEVEL_1")
		}
		uri := req.ResourceURI
		if uri == "" {
			uri = a.Name
		}
		vsa := VSA{
			Verifier:           VSAVerifier{ID: req.VerifierID},
			TimeVerified:       when.UTC().Format(time.RFC3339),
			ResourceURI:        uri,
			Policy:             pol,
			InputAttestations:  inputs,
			VerificationResult: "PASSED",
			VerifiedLevels:     levels,
			SLSAVersion:        "1.0",
		}
		if req.Version != "" {
			vsa.Verifier.Version = map[string]string{"provenant": req.Version}
		}
		pred, err := json.Marshal(vsa)
		if err != nil {
			return nil, err
		}
		st, err := provenance.NewGenericStatement([]digest.Artifact{{Name: a.Name, Digests: a.Digests}}, provenance.PredicateVSAv1, pred)
		if err != nil {
			return nil, err
		}
		env, err := attest.SignStatement(ctx, st, req.Signer)
		if err != nil {
			return nil, err
		}
		out = append(out, env)
	}
	return out, nil
}

// WriteVSAs writes the signed VSAs to path as a JSON Lines bundle,
// atomically, replacing a regular file (attest.WriteFile): a symbolic link,
// directory, pipe or device at path is refused, never written through.
func WriteVSAs(path string, envs []*attest.Envelope) error {
	var buf bytes.Buffer
	for _, env := range envs {
		line, err := attest.MarshalEnvelope(env)
		if err != nil {
			return err
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	return attest.WriteFileAtomic(path, buf.Bytes(), 0o644)
}

// policyDescriptor names what the release was checked against: the Rego
// policies (uri: the --policy arguments joined by ",", digest: sha256 over
// each source's digest), or the command-line criteria.
func (r *Report) policyDescriptor() (ResourceDescriptor, error) {
	if len(r.Criteria.Policies) > 0 {
		uris := make([]string, len(r.Criteria.Policies))
		h := sha256.New()
		for i, p := range r.Criteria.Policies {
			uris[i] = p.URI
			fmt.Fprintf(h, "%s  %s\n", p.Digest["sha256"], p.URI)
		}
		return ResourceDescriptor{URI: strings.Join(uris, ","), Digest: map[string]string{"sha256": hex.EncodeToString(h.Sum(nil))}}, nil
	}
	crit, err := json.Marshal(r.Criteria)
	if err != nil {
		return ResourceDescriptor{}, err
	}
	sum := sha256.Sum256(crit)
	return ResourceDescriptor{URI: "https://github.com/provenant/provenant/blob/main/docs/verify.md#criteria", Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}}, nil
}
