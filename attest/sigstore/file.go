package sigstore

import (
	"context"
	"fmt"

	"github.com/provenant/provenant/attest"
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
func (v *Verifier) VerifyEntries(ctx context.Context, entries []attest.Entry, art Artifact) ([]Checked, bool) {
	ok := len(entries) > 0
	out := make([]Checked, 0, len(entries))
	file := &artifactFile{path: art.Path}
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
			res, err := v.verify(ctx, b, art, file)
			if err != nil {
				c.Error = err.Error()
				break
			}
			if res.PayloadType != "" && res.PayloadType != attest.PayloadType {
				c.Error = fmt.Sprintf("the DSSE payload type is %q; only in-toto statements can name an artifact", res.PayloadType)
				break
			}
			c.Result = res
		}
		ok = ok && c.Error == ""
		out = append(out, c)
	}
	return out, ok
}
