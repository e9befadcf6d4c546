// Package pkcs11 signs DSSE envelopes with a private key that never leaves a
// PKCS#11 token (a hardware security module, a smart card, SoftHSM).
//
// A key is named by an RFC 7512 URI:
//
//	pkcs11:token=release;object=signing-key?module-path=/usr/lib/softhsm/libsofthsm2.so
//
// The path part selects the token (token, manufacturer, model, serial,
// slot-id) and the key pair (object, id, type=private); the query part names
// the module (module-path) and, optionally, the PIN (pin-value, pin-source).
// Without a PIN in the URI, the PIN comes from attest.WithPIN (the
// provenant command reads it from PROVENANT_PKCS11_PIN); with neither, Open
// fails with ErrNoPIN. The package never reads the environment.
//
// Importing the package registers it with attest.LoadSignerRef, which then
// opens pkcs11: URIs like key files.
//
// The PIN never appears in an error, in URI.String, or anywhere else this
// package prints: messages show the URI with pin-value removed.
//
// Open returns a Signer (an attest.Signer) whose signatures are exactly those
// of provenant's file-key signers: ECDSA P-256 with SHA-256 and P-384 with
// SHA-384, ASN.1 DER; RSA-PSS with SHA-256 and a 32-byte salt (the
// go-securesystemslib scheme). Its key id is the securesystemslib key id of
// the public key, the id a verifier computes from the exported PEM.
//
// The package uses cgo (github.com/ThalesGroup/crypto11 over
// github.com/miekg/pkcs11), which is why the attest package does not import
// it. Built with CGO_ENABLED=0, URIs still parse but Open fails with
// ErrNoCgo.
package pkcs11
