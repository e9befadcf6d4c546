package main

import (
	"fmt"
	"io"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/safetext"
	"github.com/provenant/provenant/policy"
)

// verifyNow is verify's clock: keys of a trust file and X.509
// certificates are judged at verification time when an attestation
// carries no trusted time. Tests set it.
var verifyNow = time.Now

// trustCriteriaText describes the trust file and the X.509 roots for
// verify's criteria line.
func trustCriteriaText(c policy.Criteria) []string {
	var out []string
	if t := c.Trust; t != nil {
		revoked := 0
		for _, k := range t.Keys {
			if k.Revoked {
				revoked++
			}
		}
		s := fmt.Sprintf("trust file %s (%d key(s)", safetext.Text(t.File), len(t.Keys))
		if revoked > 0 {
			s += fmt.Sprintf(", %d revoked", revoked)
		}
		if len(t.Steps) > 0 {
			s += fmt.Sprintf(", %d step rule(s)", len(t.Steps))
		}
		out = append(out, s+")")
	}
	if x := c.X509; x != nil {
		out = append(out, safetext.Text(fmt.Sprintf("X.509 roots %s (%d), identity %s", x.RootsFile, len(x.Roots), x.Identity)))
	}
	return out
}

// printTrustSigners prints the trust-file names and the X.509 identities
// of the signers of the envelopes that cover an artifact.
func printTrustSigners(w io.Writer, p palette, r *policy.Report, a policy.Artifact) {
	seen := map[string]bool{}
	for _, src := range a.Attestations {
		for _, e := range r.Attestations {
			if e.Source != src {
				continue
			}
			var lines []string
			for _, s := range e.Signers {
				if k := s.Trusted; k != nil {
					lines = append(lines, fmt.Sprintf("key %s (%s, %s)", k.Name, attest.ShortKeyID(k.KeyID), k.Source))
				}
			}
			for _, s := range e.Signers {
				if c := s.X509; c != nil {
					lines = append(lines, fmt.Sprintf("%s (certificate from %s, valid until %s)", c.Identity, c.Issuer, c.NotAfter.Format("2006-01-02T15:04:05Z")))
				}
			}
			for _, l := range lines {
				if !seen[l] {
					seen[l] = true
					fmt.Fprintf(w, "    %s %s\n", p.dim("signer:"), safetext.Text(l))
				}
			}
		}
	}
}
