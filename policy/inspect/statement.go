package inspect

import (
	"bytes"
	"encoding/json"
	"math"
	"sort"
	"strings"
	"time"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/provenance"
)

// readStatement is the report's view of a statement: its SLSA
// provenance as provenance.Read read it (prov; nil when refused, and the
// caller says why), its VSA through the in-toto binding.
func readStatement(st *attest.Statement, prov *provenance.Provenance) *Statement {
	out := &Statement{
		Type:          st.GetType(),
		PredicateType: st.GetPredicateType(),
		Subjects:      resources(st.GetSubject()),
	}
	switch {
	case prov != nil:
		out.Provenance = readProvenance(prov)
	case st.GetPredicateType() == provenance.PredicateVSAv1:
		v, err := provenance.ReadVSA(st)
		if err != nil {
			out.PredicateError = err.Error()
			return out
		}
		out.VSA = readVSA(v)
		if out.VSA.VerifierID == "" || out.VSA.Result == "" {
			out.PredicateError = "VSA without verifier.id or verificationResult"
		}
	}
	return out
}

func resources(rds []*ita.ResourceDescriptor) []Resource {
	out := make([]Resource, 0, len(rds))
	for _, rd := range rds {
		out = append(out, Resource{Name: rd.GetName(), URI: rd.GetUri(), Digest: rd.GetDigest()})
	}
	return out
}

func resourcesOf(rs []provenance.Resource) []Resource {
	out := make([]Resource, 0, len(rs))
	for _, r := range rs {
		out = append(out, Resource{Name: r.Name, URI: r.URI, Digest: r.Digest})
	}
	return out
}

// readProvenance is the report's view of a provenance predicate.
func readProvenance(p *provenance.Provenance) *Provenance {
	out := &Provenance{
		Version:              p.Version,
		BuilderID:            p.BuilderID,
		BuildType:            p.BuildType,
		InvocationID:         p.InvocationID,
		StartedOn:            p.StartedOn,
		FinishedOn:           p.FinishedOn,
		ExternalParameters:   rawJSON(p.ExternalParameters),
		ResolvedDependencies: resourcesOf(p.Dependencies),
		Byproducts:           resourcesOf(p.Byproducts),
	}
	out.Command = readCommand(p)
	if p.Source == "" {
		return out
	}
	deps := out.ResolvedDependencies
	if cs := p.ConfigSource; cs != nil && cs.URI == p.Source && len(cs.Digest) > 0 {
		deps = append([]Resource{{URI: cs.URI, Digest: cs.Digest}}, deps...)
	}
	out.Source = newSource(p.Source, p.SourceRef, deps)
	if out.Source.Commit != "" && p.V1 != nil {
		// The source dependency's "dirty" annotation (provenant run
		// records it).
		for _, rd := range p.V1.GetBuildDefinition().GetResolvedDependencies() {
			if r, _ := splitRef(rd.GetUri()); sameRepo(r, out.Source.Repository) && commitOf(rd.GetDigest()) == out.Source.Commit {
				if v, ok := rd.GetAnnotations().GetFields()["dirty"]; ok {
					if b, isBool := v.GetKind().(*structpb.Value_BoolValue); isBool {
						out.Source.Dirty = &b.BoolValue
					}
				}
				break
			}
		}
	}
	return out
}

// readCommand reads the command a step ran: externalParameters.command
// when it is a list of strings, and the exit status and duration of the
// v1 byproduct named "command" (as provenant run records them); nil when
// none of these is there.
func readCommand(p *provenance.Provenance) *Command {
	c := &Command{}
	if args, ok := p.ExternalParameters["command"].([]any); ok {
		for _, a := range args {
			s, ok := a.(string)
			if !ok {
				c.Args = nil
				break
			}
			c.Args = append(c.Args, s)
		}
	}
	if p.V1 != nil {
		for _, bp := range p.V1.GetRunDetails().GetByproducts() {
			if bp.GetName() != "command" {
				continue
			}
			f := bp.GetAnnotations().GetFields()
			if n, ok := wholeNumber(f["exitStatus"]); ok && n >= math.MinInt32 && n <= math.MaxInt32 {
				v := int(n)
				c.ExitStatus = &v
			}
			if n, ok := wholeNumber(f["durationMs"]); ok && n >= 0 {
				c.DurationMs = &n
			}
			break
		}
	}
	if c.Args == nil && c.ExitStatus == nil && c.DurationMs == nil {
		return nil
	}
	return c
}

// wholeNumber reads a JSON number that is a whole number within ±2^53.
func wholeNumber(v *structpb.Value) (int64, bool) {
	n, ok := v.GetKind().(*structpb.Value_NumberValue)
	if !ok || n.NumberValue != math.Trunc(n.NumberValue) || math.Abs(n.NumberValue) > 1<<53 {
		return 0, false
	}
	return int64(n.NumberValue), true
}

// newSource splits a source URI into repository and ref and finds its
// commit among the dependencies: the one with the same repository and a
// git commit (or sha1) digest.
func newSource(uri, ref string, deps []Resource) *Source {
	s := &Source{URI: uri}
	repo, uriRef := splitRef(uri)
	s.Repository = repo
	s.Ref = ref
	if uriRef != "" {
		s.Ref = uriRef
	}
	for _, d := range deps {
		if d.URI == "" {
			continue
		}
		if r, _ := splitRef(d.URI); !sameRepo(r, repo) {
			continue
		}
		if c := commitOf(d.Digest); c != "" {
			s.Commit = c
			if s.Ref == "" {
				_, s.Ref = splitRef(d.URI)
			}
			break
		}
	}
	return s
}

func commitOf(d map[string]string) string {
	for _, alg := range []string{"gitCommit", "sha1"} {
		if v := d[alg]; v != "" {
			return v
		}
	}
	return ""
}

// splitRef splits "git+https://host/org/repo@refs/heads/main" into
// "git+https://host/org/repo" and "refs/heads/main". The ref follows the
// last "@" after the host, so "user@host/path" keeps its user part.
func splitRef(uri string) (repo, ref string) {
	rest := uri
	scheme := ""
	if i := strings.Index(rest, "://"); i >= 0 {
		scheme, rest = rest[:i+3], rest[i+3:]
	}
	if slash := strings.Index(rest, "/"); slash >= 0 {
		if at := strings.LastIndex(rest[slash:], "@"); at >= 0 {
			return scheme + rest[:slash+at], rest[slash+at+1:]
		}
	}
	return uri, ""
}

func sameRepo(a, b string) bool { return normRepo(a) == normRepo(b) }

func readVSA(v *provenance.VSA) *VSA {
	out := &VSA{
		VerifierID:     v.GetVerifier().GetId(),
		ResourceURI:    v.GetResourceUri(),
		Result:         v.GetVerificationResult(),
		SLSAVersion:    v.GetSlsaVersion(),
		VerifiedLevels: append([]string{}, v.GetVerifiedLevels()...),
	}
	if t := v.GetTimeVerified(); t != nil {
		out.TimeVerified = t.AsTime().UTC().Format(time.RFC3339Nano)
	}
	if pol := v.GetPolicy(); pol != nil {
		out.Policy = &Resource{URI: pol.GetUri(), Digest: pol.GetDigest()}
	}
	for _, in := range v.GetInputAttestations() {
		out.InputAttestations = append(out.InputAttestations, Resource{URI: in.GetUri(), Digest: in.GetDigest()})
	}
	if deps := v.GetDependencyLevels(); len(deps) > 0 {
		out.DependencyLevels = map[string]int{}
		for k, n := range deps {
			if n <= math.MaxInt32 {
				out.DependencyLevels[k] = int(n)
			}
		}
	}
	return out
}

// rawJSON encodes a parameter object compactly, keys sorted (encoding/json
// sorts map keys), so that the same parameters always print the same, and
// without escaping "&", "<" and ">" (a command's "&&" reads as written;
// each format escapes text its own way).
func rawJSON(m map[string]any) json.RawMessage {
	if m == nil {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// stringParam reads a top-level string parameter.
func stringParam(ext json.RawMessage, key string) string {
	if len(ext) == 0 {
		return ""
	}
	var p map[string]any
	if json.Unmarshal(ext, &p) != nil {
		return ""
	}
	return provenance.StringAt(p, key)
}

// workflowPath reads externalParameters.workflow.path (GitHub's build
// types).
func workflowPath(ext json.RawMessage) string {
	if len(ext) == 0 {
		return ""
	}
	var p map[string]any
	if json.Unmarshal(ext, &p) != nil {
		return ""
	}
	return provenance.StringAt(p, "workflow", "path")
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
