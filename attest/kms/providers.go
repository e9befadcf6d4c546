//go:build kms

package kms

// The KMS providers, registered with sigstore's kms package by their init
// functions. They pull in the AWS, Google Cloud, Azure and Vault SDKs, so
// they are compiled in only with -tags kms.
import (
	_ "github.com/sigstore/sigstore/pkg/signature/kms/aws"
	_ "github.com/sigstore/sigstore/pkg/signature/kms/azure"
	_ "github.com/sigstore/sigstore/pkg/signature/kms/gcp"
	_ "github.com/sigstore/sigstore/pkg/signature/kms/hashivault"
)
