package main

import (
	"context"
	"os"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// githubKeylessBuilder refuses, in a GitHub Actions job signing keylessly
// with the job's own token, a --builder-id that is not the workflow the
// job runs as: Fulcio certifies the token's job_workflow_ref, and
// provenance that names another builder would be signed by a certificate
// that says otherwise (docs/ci.md, "SLSA Build L3's shape"). The token is
// read, not verified, and only to refuse: Fulcio verifies it.
func githubKeylessBuilder(ctx context.Context, kf *keylessFlags, builderID string) error {
	if !kf.on || builderID == "" || kf.tokenFile != "" || os.Getenv(envSigstoreToken) != "" || os.Getenv(envActionsTokenURL) == "" {
		return nil
	}
	src, err := kf.tokenSource()
	if err != nil {
		return inputError(err)
	}
	tok, err := src.Token(ctx)
	if err != nil {
		return inputError(err)
	}
	var claims struct {
		JobWorkflowRef string `json:"job_workflow_ref"`
	}
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512, jose.PS256, jose.EdDSA})
	if err == nil {
		err = parsed.UnsafeClaimsWithoutVerification(&claims)
	}
	if err != nil || claims.JobWorkflowRef == "" {
		return usageError("--builder-id %s: the job's identity token names no workflow (job_workflow_ref), so provenant cannot tell that this job runs as that builder; leave --builder-id out", oneLine(builderID))
	}
	server := strings.TrimRight(os.Getenv("GITHUB_SERVER_URL"), "/")
	if server == "" {
		server = "https://github.com"
	}
	runningAs := server + "/" + claims.JobWorkflowRef
	base, _, _ := strings.Cut(runningAs, "@")
	if builderID != runningAs && builderID != base {
		return usageError("--builder-id %s is not the workflow this job runs as (%s): the keyless certificate would name %s; give --builder-id %s or leave it out", oneLine(builderID), oneLine(runningAs), oneLine(runningAs), oneLine(runningAs))
	}
	return nil
}
