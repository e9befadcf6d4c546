// Package kms signs DSSE envelopes with keys held by a cloud key management
// service, through sigstore's KMS providers
// (github.com/sigstore/sigstore/pkg/signature/kms, v1.10.8). Keys are named
// by the URIs sigstore and cosign use:
//
//	awskms://[ENDPOINT]/KEY-ID | alias/NAME | arn:aws:kms:...
//	gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K[/cryptoKeyVersions/V]
//	azurekms://VAULT.vault.azure.net/KEY[/VERSION]
//	hashivault://KEY
//
// Credentials come from each provider's usual places (the AWS SDK's chain,
// Google application default credentials, Azure's environment and CLI
// credentials, VAULT_ADDR and VAULT_TOKEN); this package never takes or
// prints them.
//
// The providers pull in the AWS, Google Cloud, Azure and Vault SDKs (about
// 12 MiB in a stripped binary, 466 more packages), so they are compiled in
// only with the build tag "kms":
//
//	go build -tags kms ./cmd/provenant
//
// Without the tag, ParseURI and IsURI still work and Open fails with
// ErrNotCompiled, which says how to rebuild. sigstore's plugin mechanism
// (running a sigstore-kms-NAME program from PATH) is never used.
//
// Importing the package registers it with attest.LoadSignerRef, which then
// opens these URIs like key files.
//
// Signatures are checked against the key's public key before Sign returns
// them, so a KMS key whose algorithm provenant's verifier does not accept
// (for example RSA with SHA-512) fails when signing, not later.
package kms
