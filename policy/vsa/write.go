package vsa

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

	vsapb "github.com/in-toto/attestation/go/predicates/vsa/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/provenance"
)

// Request says how to write Verification Summary Attestations.
type Request struct {
	Signer     attest.Signer
	VerifierID string // URI of the verifier, e.g. https://ci.example.com/release-gate
	// Version is recorded as verifier.version.provenant.
	Version string
	// ResourceURI is recorded as resourceUri; empty means each
	// artifact's name.
	ResourceURI string
	// Time is timeVerified; zero means now.
	Time time.Time
	// Policy, when set, is recorded as the policy in place of the one
	// derived from the report's criteria (a VSA cache records the digest
	// of everything its entries are keyed by).
	Policy *Descriptor
	// Inputs are recorded in inputAttestations after the envelopes that
	// cover each artifact (a VSA cache records the evidence set).
	Inputs []Descriptor
}

// Descriptor is a resource descriptor of a VSA: a URI and its digests.
type Descriptor struct {
	URI    string
	Digest map[string]string
}

// ErrNotAllowed: a VSA is written only for an allowed release.
var ErrNotAllowed = errors.New("the release was not allowed")

// Envelopes builds and signs one VSA per artifact of an allowed report:
// subject = the artifact's digests, verificationResult PASSED, policy = the
// Rego policies (or, without any, the command-line criteria) and their
// digest, inputAttestations = the envelopes that cover the artifact, and
// verifiedLevels = the SLSA Build level the verified provenance reached
// (Artifact.SLSABuildLevel, from builtin:slsa; without it, L1 when SLSA
// provenance covers the artifact), never a level the configuration asked
// for: an exception that waived a denial does not raise it.
func Envelopes(ctx context.Context, r *policy.Report, req Request) ([]*attest.Envelope, error) {
	if !r.Allowed {
		return nil, ErrNotAllowed
	}
	if req.Signer == nil {
		return nil, errors.New("no VSA signing key")
	}
	if req.VerifierID == "" {
		return nil, errors.New("no verifier id")
	}
	if err := provenance.CheckIDURI("verifier id", req.VerifierID); err != nil {
		return nil, err
	}
	when := req.Time
	if when.IsZero() {
		when = time.Now()
	}
	pol, err := policyDescriptor(r)
	if err != nil {
		return nil, err
	}
	if req.Policy != nil {
		pol = &vsapb.VerificationSummary_Policy{Uri: req.Policy.URI, Digest: req.Policy.Digest}
	}
	var out []*attest.Envelope
	for i, a := range r.Artifacts {
		var inputs []*vsapb.VerificationSummary_InputAttestation
		hasProvenance := false
		for _, e := range r.Covering(i) {
			alg, hexd, ok := strings.Cut(e.Digest, ":")
			if !ok {
				continue
			}
			inputs = append(inputs, &vsapb.VerificationSummary_InputAttestation{Uri: e.Source.String(), Digest: map[string]string{alg: hexd}})
			if provenance.IsProvenance(e.PredicateType()) {
				hasProvenance = true
			}
		}
		for _, d := range req.Inputs {
			inputs = append(inputs, &vsapb.VerificationSummary_InputAttestation{Uri: d.URI, Digest: d.Digest})
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
		if err := provenance.CheckNoSecret("resource URI", uri); err != nil {
			return nil, err
		}
		v := &vsapb.VerificationSummary{
			Verifier:           &vsapb.VerificationSummary_Verifier{Id: req.VerifierID},
			TimeVerified:       timestamppb.New(when.UTC().Truncate(time.Second)),
			ResourceUri:        uri,
			Policy:             pol,
			InputAttestations:  inputs,
			VerificationResult: provenance.VSAPassed,
			VerifiedLevels:     levels,
			SlsaVersion:        "1.0",
		}
		pred, err := predicateJSON(v, req.Version)
		if err != nil {
			return nil, err
		}
		st, err := provenance.NewGenericStatement([]digest.Artifact{{Name: a.Name, Digests: a.Digests}}, provenance.PredicateVSAv1, pred)
		if err != nil {
			return nil, err
		}
		env, err := attest.SignStatement(ctx, st, defaultKeyIDSigner(req.Signer))
		if err != nil {
			return nil, err
		}
		out = append(out, env)
	}
	return out, nil
}

// Write writes the signed VSAs to path as a JSON Lines bundle,
// atomically, replacing a regular file (attest.WriteFile): a symbolic link,
// directory, pipe or device at path is refused, never written through.
func Write(path string, envs []*attest.Envelope) error {
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
func policyDescriptor(r *policy.Report) (*vsapb.VerificationSummary_Policy, error) {
	if len(r.Criteria.Policies) > 0 {
		h := sha256.New()
		for _, p := range r.Criteria.Policies {
			h.Write([]byte(p.Digest["sha256"] + "  " + p.URI + "\n")) // a hash.Hash never fails to write
		}
		return &vsapb.VerificationSummary_Policy{Uri: PolicyURI(r.Criteria), Digest: map[string]string{"sha256": hex.EncodeToString(h.Sum(nil))}}, nil
	}
	crit, err := json.Marshal(r.Criteria)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(crit)
	return &vsapb.VerificationSummary_Policy{Uri: PolicyURI(r.Criteria), Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}}, nil
}

// CriteriaURI is the policy uri of a VSA for a verification without Rego
// policies: the command-line criteria.
const CriteriaURI = "https://github.com/provenant/provenant/blob/main/docs/verify.md#criteria"

// PolicyURI is the policy uri a VSA records: the Rego policies' URIs
// joined by ",", or CriteriaURI without any.
func PolicyURI(c policy.Criteria) string {
	if len(c.Policies) == 0 {
		return CriteriaURI
	}
	uris := make([]string, len(c.Policies))
	for i, p := range c.Policies {
		uris[i] = p.URI
	}
	return strings.Join(uris, ",")
}

// predicateJSON is the VSA predicate as JSON, with verifier.version
// (a member of the specification that the in-toto binding does not model)
// recording provenant's version when given.
func predicateJSON(v *vsapb.VerificationSummary, version string) ([]byte, error) {
	b, err := protojson.Marshal(v)
	if err != nil || version == "" {
		return b, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if ver, ok := m["verifier"].(map[string]any); ok {
		ver["version"] = map[string]string{"provenant": version}
	}
	return json.Marshal(m)
}

// defaultKeyIDSigner signs as s does, with the keyid that verifiers
// compute for a key when they are given none: go-securesystemslib's
// dsse.SHA256KeyID, an SSH SHA256 fingerprint ("SHA256:..."), which is
// what slsa-verifier's verify-vsa (v2.7.1) compares the signature's keyid
// with unless given --public-key-id. A verifier skips a signature whose
// keyid differs from the one it computed, so a VSA with the signer's
// securesystemslib keyid would be refused. For a key the fingerprint
// cannot name, the signature carries no keyid (as cosign writes), which
// every verifier accepts. The keyid is a hint either way: provenant finds
// the key by trying the trusted keys.
func defaultKeyIDSigner(s attest.Signer) attest.Signer {
	id, err := dsse.SHA256KeyID(s.Public())
	if err != nil {
		id = ""
	}
	return keyIDSigner{Signer: s, id: id}
}

type keyIDSigner struct {
	attest.Signer
	id string
}

func (s keyIDSigner) KeyID() (string, error) { return s.id, nil }
