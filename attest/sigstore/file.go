package sigstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/digest"
)

// Checked is the outcome for one Sigstore bundle of a bundle file.
type Checked struct {
	Source attest.Source `json:"source"`
	Index  int           `json:"index,omitempty"`
	Result *Result       `json:"result,omitempty"`
	Error  string        `json:"error,omitempty"`
}

// VerifyEntries verifies every entry of a bundle file as a Sigstore
// bundle about the artifact: a message signature over it, or a DSSE
// statement with a subject that names it. Plain DSSE envelopes and
// unreadable entries are failures: a signature file is judged whole.
//
// A DSSE statement is judged as provenant verify judges one: the bundle is
// verified first (log entries, timestamps, certificate, signature,
// identity), then its payload must pass the statement acceptance rule,
// parse (provenance.StatementParser gives verify's: attest's in-toto
// rule, then the SLSA provenance one; nil means attest.ParseStatement),
// and a subject must name the artifact by attest.DigestsMatch (at least
// one algorithm in common, every common one equal; the artifact is hashed
// with sha256 and the other algorithms the subjects use).
func (v *Verifier) VerifyEntries(ctx context.Context, entries []attest.Entry, art Artifact, parse StatementParser) ([]Checked, bool) {
	if parse == nil {
		parse = attest.ParseStatement
	}
	ok := len(entries) > 0
	out := make([]Checked, 0, len(entries))
	file := &artifactFile{path: art.Path}
	digests := &artifactDigests{art: art, file: file}
	for _, e := range entries {
		c := Checked{Source: e.Source, Index: e.Index}
		switch {
		case e.Err != nil:
			c.Error = e.Err.Error()
		case e.Sigstore == nil && e.HasCertificate:
			c.Error = "the envelope " + ErrNoTrustedTime.Error()
		case e.Sigstore == nil:
			c.Error = "a DSSE envelope, not a Sigstore bundle: verify it with provenant verify --key"
		default:
			b, err := ParseBundle(e.Sigstore)
			if err != nil {
				c.Error = err.Error()
				break
			}
			if b.GetDsseEnvelope() == nil {
				// A message signature: checked by the artifact's digest,
				// hashed once for every bundle of the file.
				res, err := v.verify(ctx, b, art, file)
				if err != nil {
					c.Error = err.Error()
					break
				}
				c.Result = res
				break
			}
			// The subjects are matched below, by the rule verify uses.
			res, err := v.verify(ctx, b, Artifact{}, file)
			if err != nil {
				c.Error = err.Error()
				break
			}
			if err := digests.checkStatement(parse, res); err != nil {
				c.Error = err.Error()
				break
			}
			c.Result = res
		}
		ok = ok && c.Error == ""
		out = append(out, c)
	}
	return out, ok
}

// StatementParser reads a verified DSSE payload as an in-toto statement,
// or says why it is not one provenant accepts.
type StatementParser func(payloadType string, payload []byte) (*attest.Statement, error)

// artifactDigests is the artifact's digests, given or computed from its
// file as the statements ask for them, each algorithm once.
type artifactDigests struct {
	art  Artifact
	file *artifactFile // hashes the file, each algorithm once
}

// checkStatement parses a verified DSSE payload with attest's acceptance
// rule and finds a subject that names the artifact.
func (a *artifactDigests) checkStatement(parse StatementParser, res *Result) error {
	st, err := parse(res.PayloadType, res.Payload)
	if err != nil {
		return err
	}
	have, err := a.digests(st)
	if err != nil {
		return err
	}
	for _, s := range st.GetSubject() {
		if attest.DigestsMatch(s.GetDigest(), have) {
			return nil
		}
	}
	return fmt.Errorf("no subject of the statement names this artifact (%s)", digestList(have))
}

// digests returns the artifact's digests: the given ones, or sha256 and
// every supported algorithm a subject of st uses, hashed from the file.
func (a *artifactDigests) digests(st *attest.Statement) (digest.Set, error) {
	if a.art.Path == "" {
		if len(a.art.Digests) == 0 {
			return nil, fmt.Errorf("%w: a DSSE statement needs the artifact or its digest", ErrVerify)
		}
		return a.art.Digests, nil
	}
	want := []string{digest.SHA256}
	for _, s := range st.GetSubject() {
		for alg := range s.GetDigest() {
			if digest.IsSupported(alg) && !slices.Contains(want, alg) {
				want = append(want, alg)
			}
		}
	}
	return a.file.digests(want...)
}

func digestList(d digest.Set) string {
	var out []string
	for alg, v := range d {
		out = append(out, alg+":"+v)
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}
