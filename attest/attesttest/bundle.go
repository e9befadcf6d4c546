package attesttest

import "strings"

// EmptySigstoreBundle is a Sigstore bundle with its media type and nothing
// else: readers take it for a bundle, and no verifier accepts it.
const EmptySigstoreBundle = `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{},"dsseEnvelope":{}}`

// GitHubLine is one line in the shape of GitHub's attestations API holding
// n copies of EmptySigstoreBundle: reading them costs nothing and
// verifying them would, which is what tests of the envelopes limit need.
// It has no trailing newline.
func GitHubLine(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = `{"bundle":` + EmptySigstoreBundle + `}`
	}
	return `{"attestations":[` + strings.Join(items, ",") + `]}`
}
