package attest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/secure-systems-lab/go-securesystemslib/signerverifier"

	"github.com/provenant/provenant/attest/regfile"
)

// KeyType names a kind of key that keygen can make.
type KeyType string

// The key types provenant generates. Verification accepts the same families
// (and any RSA key of 2048 bits or more).
const (
	Ed25519   KeyType = "ed25519"
	ECDSAP256 KeyType = "ecdsa-p256"
	ECDSAP384 KeyType = "ecdsa-p384"
	RSA3072   KeyType = "rsa-3072"
	RSA4096   KeyType = "rsa-4096"
)

// KeyTypes lists the key types GenerateKey accepts, default first.
func KeyTypes() []KeyType {
	return []KeyType{Ed25519, ECDSAP256, ECDSAP384, RSA3072, RSA4096}
}

// minRSABits is the smallest RSA modulus accepted for signing or verifying.
const minRSABits = 2048

// GenerateKey makes a new key pair and returns the private key as PKCS#8 PEM
// and the public key as PKIX PEM.
func GenerateKey(t KeyType) (privatePEM, publicPEM []byte, err error) {
	var priv crypto.Signer
	switch t {
	case Ed25519:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case ECDSAP256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case RSA3072:
		priv, err = rsa.GenerateKey(rand.Reader, 3072)
	case RSA4096:
		priv, err = rsa.GenerateKey(rand.Reader, 4096)
	default:
		return nil, nil, fmt.Errorf("%w: unknown key type %q (want one of %v)", ErrKey, t, KeyTypes())
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: generating %s key: %v", ErrKey, t, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: encoding private key: %v", ErrKey, err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, nil, fmt.Errorf("%w: encoding public key: %v", ErrKey, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), nil
}

// MaxKeyBytes bounds a key file: the largest key provenant reads (RSA 4096
// in PEM, a JSON key) is a few KiB; a key file is read only if it is a
// regular file (never a named pipe or a device).
const MaxKeyBytes = 1 << 20

// Signer signs DSSE envelopes. It is go-securesystemslib's SignerVerifier.
type Signer = dsse.SignerVerifier

// LoadSigner reads a private key file (PKCS#8, PKCS#1 or SEC 1 PEM, an
// encrypted key in the cosign/sigstore format or PKCS#8 PBES2, or a
// securesystemslib JSON key) and returns a signer for it. An encrypted key
// needs WithPassword. LoadSignerRef also opens PKCS#11 and KMS keys.
func LoadSigner(path string, opts ...KeyOption) (Signer, error) {
	c, err := NewKeyConfig(opts...)
	if err != nil {
		return nil, err
	}
	return loadSigner(path, c)
}

func loadSigner(path string, c KeyConfig) (Signer, error) {
	data, err := regfile.ReadFile(path, MaxKeyBytes)
	if err != nil {
		return nil, FileError(err)
	}
	s, err := parseSigner(data, c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ParseSigner parses private key material; see LoadSigner.
func ParseSigner(data []byte, opts ...KeyOption) (Signer, error) {
	c, err := NewKeyConfig(opts...)
	if err != nil {
		return nil, err
	}
	return parseSigner(data, c)
}

func parseSigner(data []byte, c KeyConfig) (Signer, error) {
	k, err := parseSSLibKey(data, c)
	if err != nil {
		return nil, err
	}
	if k.KeyVal.Private == "" {
		return nil, fmt.Errorf("%w: this is a public key; signing needs the private key", ErrKey)
	}
	pub, err := sslibPublic(k)
	if err != nil {
		return nil, err
	}
	// The key id a signature carries is the one of the key material, not
	// what a JSON key file says its id is.
	k.KeyID = pub.ID
	s, err := newSigner(k)
	if err != nil {
		return nil, err
	}
	if err := checkSigner(s, pub); err != nil {
		return nil, err
	}
	return s, nil
}

// sslibPublic is the public half of a securesystemslib key (ed25519 JSON
// keys hold it as hex, the others as PEM).
func sslibPublic(k *signerverifier.SSLibKey) (*PublicKey, error) {
	pub, err := ParsePublicKey([]byte(k.KeyVal.Public))
	if err == nil || k.KeyType != signerverifier.ED25519KeyType {
		return pub, err
	}
	raw, herr := hex.DecodeString(k.KeyVal.Public)
	if herr != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: bad ed25519 public key", ErrKey)
	}
	id, err := KeyIDOf(ed25519.PublicKey(raw))
	if err != nil {
		return nil, err
	}
	return &PublicKey{ID: id, Key: ed25519.PublicKey(raw)}, nil
}

// checkSigner signs a probe and verifies it with the key's public half, so
// that a key whose private part is malformed (the library would panic when
// signing) or does not match its public part (a JSON key can claim any
// public key, and its key id follows the claim) is refused when loaded.
func checkSigner(s Signer, pub *PublicKey) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: the private key is malformed", ErrKey)
		}
	}()
	probe := []byte("provenant key check")
	sig, err := s.Sign(context.Background(), probe)
	if err != nil {
		return fmt.Errorf("%w: the private key cannot sign: %v", ErrKey, err)
	}
	if pub.Verify(context.Background(), probe, sig) != nil {
		return fmt.Errorf("%w: the private key does not match its public key", ErrKey)
	}
	return nil
}

func newSigner(k *signerverifier.SSLibKey) (Signer, error) {
	switch k.KeyType {
	case signerverifier.ED25519KeyType:
		return signerverifier.NewED25519SignerVerifierFromSSLibKey(k)
	case signerverifier.ECDSAKeyType, "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384":
		return signerverifier.NewECDSASignerVerifierFromSSLibKey(k)
	case signerverifier.RSAKeyType:
		pub, err := ParsePublicKey([]byte(k.KeyVal.Public))
		if err != nil {
			return nil, err
		}
		if err := checkRSASize(pub.Key); err != nil {
			return nil, err
		}
		return signerverifier.NewRSAPSSSignerVerifierFromSSLibKey(k)
	}
	return nil, fmt.Errorf("%w: unsupported key type %q", ErrKey, k.KeyType)
}

// parseSSLibKey reads PEM or securesystemslib JSON key material into the
// library's key type, which carries the securesystemslib key id.
func parseSSLibKey(data []byte, c KeyConfig) (*signerverifier.SSLibKey, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		if err := checkNoDuplicateKeys(trimmed); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrKey, err)
		}
		// The one reader of securesystemslib's JSON keys (LoadKey reads
		// PEM only); it also computes a missing key id.
		//lint:ignore SA1019 no replacement reads JSON keys
		k, err := signerverifier.LoadKeyFromSSLibBytes(trimmed)
		if err != nil || k.KeyVal.Public == "" {
			return nil, fmt.Errorf("%w: not a securesystemslib JSON key", ErrKey)
		}
		return k, nil
	}
	block, _ := pem.Decode(trimmed)
	if block == nil {
		return nil, fmt.Errorf("%w: not a PEM key (no PEM block found)", ErrKey)
	}
	if isEncryptedPEM(block) {
		var err error
		if block, err = decryptPEM(block, c); err != nil {
			return nil, err
		}
	}
	k, err := signerverifier.LoadKey(pem.EncodeToMemory(block))
	if err != nil {
		return nil, fmt.Errorf("%w: PEM block %q is not a supported key", ErrKey, block.Type)
	}
	return k, nil
}

// PublicKey is a trusted verification key. It implements dsse.Verifier and
// accepts every signature encoding found in the wild for its algorithm:
// Ed25519; ECDSA with the curve's hash, as ASN.1 DER or raw r‖s; RSA PSS
// (any salt length) and PKCS#1 v1.5 with SHA-256.
type PublicKey struct {
	// ID is the securesystemslib key id (hex SHA-256 of the canonical
	// JSON key object).
	ID string
	// Key is the parsed public key.
	Key crypto.PublicKey
	// Source says where the key came from (a file path), for messages.
	Source string
}

// LoadPublicKey reads a PKIX PEM public key (or a securesystemslib JSON key,
// or a private key whose public half is used) from a file.
func LoadPublicKey(path string) (*PublicKey, error) {
	data, err := regfile.ReadFile(path, MaxKeyBytes)
	if err != nil {
		return nil, FileError(err)
	}
	k, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	k.Source = path
	return k, nil
}

// ParsePublicKey parses public key material; see LoadPublicKey.
func ParsePublicKey(data []byte) (*PublicKey, error) {
	k, err := parseSSLibKey(data, KeyConfig{})
	if err != nil {
		return nil, err
	}
	var pub crypto.PublicKey
	if k.KeyType == signerverifier.ED25519KeyType {
		raw, err := hex.DecodeString(k.KeyVal.Public)
		if err != nil || len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: bad ed25519 public key", ErrKey)
		}
		pub = ed25519.PublicKey(raw)
	} else {
		block, _ := pem.Decode([]byte(k.KeyVal.Public))
		if block == nil {
			return nil, fmt.Errorf("%w: public key is not PEM", ErrKey)
		}
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrKey, err)
		}
	}
	if err := checkRSASize(pub); err != nil {
		return nil, err
	}
	if ec, ok := pub.(*ecdsa.PublicKey); ok && ecHash(ec) == 0 {
		return nil, fmt.Errorf("%w: unsupported ECDSA curve %s", ErrKey, ec.Curve.Params().Name)
	}
	id, err := KeyIDOf(pub)
	if err != nil {
		return nil, err
	}
	return &PublicKey{ID: id, Key: pub}, nil
}

// KeyIDOf computes the key id of public key material: the securesystemslib
// key id of the key in PKIX PEM form (what a PEM key file gives, and what
// in-toto-golang computes for the same ECDSA and Ed25519 keys). It depends
// on the key material only: a securesystemslib JSON key's own "keyid"
// field, or its key type spelling, never changes it, so that the same key
// cannot be listed, counted or revoked under two ids, and another key
// cannot borrow a trusted key's id.
func KeyIDOf(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrKey, err)
	}
	k, err := signerverifier.LoadKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrKey, err)
	}
	return k.KeyID, nil
}

func checkRSASize(pub crypto.PublicKey) error {
	if r, ok := pub.(*rsa.PublicKey); ok && r.N.BitLen() < minRSABits {
		return fmt.Errorf("%w: RSA key of %d bits is too small (at least %d)", ErrKey, r.N.BitLen(), minRSABits)
	}
	return nil
}

// MarshalPEM returns the key as PKIX PEM, the form verifiers are given.
func (k *PublicKey) MarshalPEM() ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(k.Key)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding the public key: %v", ErrKey, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// KeyID implements dsse.Verifier.
func (k *PublicKey) KeyID() (string, error) { return k.ID, nil }

// Public implements dsse.Verifier.
func (k *PublicKey) Public() crypto.PublicKey { return k.Key }

// Algorithm names the key's algorithm for people: "ed25519", "ecdsa-p256", ...
func (k *PublicKey) Algorithm() string {
	switch p := k.Key.(type) {
	case ed25519.PublicKey:
		return "ed25519"
	case *ecdsa.PublicKey:
		switch p.Curve {
		case elliptic.P256():
			return "ecdsa-p256"
		case elliptic.P384():
			return "ecdsa-p384"
		case elliptic.P521():
			return "ecdsa-p521"
		}
	case *rsa.PublicKey:
		return fmt.Sprintf("rsa-%d", p.N.BitLen())
	}
	return "unknown"
}

// Verify implements dsse.Verifier: it checks sig over data.
func (k *PublicKey) Verify(_ context.Context, data, sig []byte) error {
	switch p := k.Key.(type) {
	case ed25519.PublicKey:
		if ed25519.Verify(p, data, sig) {
			return nil
		}
		// cosign (v2.6.2) signs with Ed25519 keys pre-hashed (Ed25519ph,
		// RFC 8032 §5.1). Ed25519ph is domain-separated from pure Ed25519
		// (dom2), so a signature of one is never valid as the other:
		// accepting both adds no forgery. provenant signs pure Ed25519.
		d := sha512.Sum512(data)
		if ed25519.VerifyWithOptions(p, d[:], sig, &ed25519.Options{Hash: crypto.SHA512}) == nil {
			return nil
		}
	case *ecdsa.PublicKey:
		h := ecHash(p)
		digest := HashData(h, data)
		if ecdsa.VerifyASN1(p, digest, sig) {
			return nil
		}
		size := (p.Curve.Params().BitSize + 7) / 8
		if len(sig) == 2*size {
			r := new(big.Int).SetBytes(sig[:size])
			s := new(big.Int).SetBytes(sig[size:])
			if ecdsa.Verify(p, digest, r, s) {
				return nil
			}
		}
	case *rsa.PublicKey:
		digest := HashData(crypto.SHA256, data)
		if rsa.VerifyPSS(p, crypto.SHA256, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil {
			return nil
		}
		if rsa.VerifyPKCS1v15(p, crypto.SHA256, digest, sig) == nil {
			return nil
		}
	}
	return Errorf(ErrSignature, "does not verify with key %s", ShortKeyID(k.ID))
}

// ecHash is the hash DSSE signers pair with each curve, as the
// securesystemslib schemes (ecdsa-sha2-nistp384), in-toto-golang,
// slsa-verifier, sigstore's algorithm registry (PKIX_ECDSA_P384_SHA_384)
// and cosign's signer do; 0 for an unsupported curve. cosign v2's verify
// commands hash with SHA-256 unless given --signature-digest-algorithm
// (docs/interop.md).
func ecHash(p *ecdsa.PublicKey) crypto.Hash {
	switch p.Curve {
	case elliptic.P256():
		return crypto.SHA256
	case elliptic.P384():
		return crypto.SHA384
	case elliptic.P521():
		return crypto.SHA512
	}
	return 0
}

// HashData returns data's digest with h (SHA-256, SHA-384 or SHA-512;
// SHA-256 for anything else): the digest a DSSE signer signs for its key.
func HashData(h crypto.Hash, data []byte) []byte {
	switch h {
	case crypto.SHA384:
		d := sha512.Sum384(data)
		return d[:]
	case crypto.SHA512:
		d := sha512.Sum512(data)
		return d[:]
	default:
		d := sha256.Sum256(data)
		return d[:]
	}
}

// ShortKeyID abbreviates a key id for one-line messages.
func ShortKeyID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// KeyPairFiles names the files WriteKeyPair wrote.
type KeyPairFiles struct {
	PrivateKey string `json:"privateKey"`
	PublicKey  string `json:"publicKey"`
	KeyID      string `json:"keyId"`
	Type       string `json:"type"`
	Encrypted  bool   `json:"encrypted"`
}

// WriteKeyPair generates a key pair and writes PREFIX.key (PKCS#8 PEM, mode
// 0600) and PREFIX.pub (PKIX PEM, mode 0644), each with WriteFile: never
// through a symbolic link, never over anything but a regular file, and
// over an existing file only when force is set (otherwise ErrExists, and
// nothing is written).
//
// WithPassword encrypts the private key in the cosign/sigstore format
// ("ENCRYPTED SIGSTORE PRIVATE KEY": scrypt and NaCl secretbox, from
// go-securesystemslib), which cosign reads too.
func WriteKeyPair(prefix string, t KeyType, force bool, opts ...KeyOption) (*KeyPairFiles, error) {
	if prefix == "" {
		return nil, fmt.Errorf("%w: empty output prefix", ErrKey)
	}
	files := &KeyPairFiles{PrivateKey: prefix + ".key", PublicKey: prefix + ".pub", Type: string(t)}
	var wopts []WriteOption
	if force {
		wopts = append(wopts, WithOverwrite())
	}
	for _, p := range []string{files.PrivateKey, files.PublicKey} {
		if err := CheckWrite(p, wopts...); err != nil {
			return nil, err
		}
	}
	priv, pub, err := GenerateKey(t)
	if err != nil {
		return nil, err
	}
	k, err := ParsePublicKey(pub)
	if err != nil {
		return nil, err
	}
	files.KeyID = k.ID
	c, err := NewKeyConfig(opts...)
	if err != nil {
		return nil, err
	}
	if c.Password != nil {
		pw, err := c.Password()
		if err != nil {
			return nil, err
		}
		priv, err = encryptPEM(priv, pw)
		clear(pw)
		if err != nil {
			return nil, err
		}
		files.Encrypted = true
	}
	if err := WriteFile(files.PrivateKey, priv, 0o600, wopts...); err != nil {
		return nil, err
	}
	if err := WriteFile(files.PublicKey, pub, 0o644, wopts...); err != nil {
		if !force {
			_ = os.Remove(files.PrivateKey) // this call made it
		}
		return nil, err
	}
	return files, nil
}
