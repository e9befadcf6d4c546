package report_test

import (
	"errors"
	"os"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/policy"
	"github.com/provenant/provenant/policy/report"
)

// Write verify's report for a terminal or a log: what was required, each
// artifact with why it was denied, and the verdict. (WriteSARIF,
// WriteJUnit and WriteMarkdown take the same report.)
func ExampleWriteText() {
	r := &policy.Report{
		Attestations: []policy.Attestation{{Source: attest.Source{File: "app.intoto.jsonl", Line: 1}, Err: errors.New("signature: no signature from a trusted key")}},
		Criteria:     policy.Criteria{Keys: []string{"3f1c"}, Threshold: 1, PredicateTypes: []string{"https://slsa.dev/provenance/v1"}},
		Artifacts: []policy.Artifact{{
			Name:    "app.tar.gz",
			Digests: map[string]string{"sha256": "a4c6e70b90fd263c324cc0f892345b9f3b003c95d06117d23bffeb3049fbac88"},
			Reasons: []string{"app.intoto.jsonl:1: signature: no signature from a trusted key"},
		}},
	}
	if err := report.WriteText(os.Stdout, r, report.TextOptions{Bundles: []string{"app.intoto.jsonl"}}); err != nil {
		panic(err)
	}
	// Output:
	// bundle app.intoto.jsonl (1 envelope(s)); 1 trusted key(s), threshold 1
	// ✗ app.tar.gz: app.intoto.jsonl:1: signature: no signature from a trusted key
	// denied: 1 of 1 artifact(s) failed verification
}
