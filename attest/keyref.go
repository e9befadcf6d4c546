package attest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// KeyConfig is what the KeyOptions given to LoadSignerRef (and LoadSigner,
// WriteKeyPair) say. It is exported for key backends, which receive it.
type KeyConfig struct {
	// Password supplies the password of an encrypted private key file
	// (or the password to encrypt a new one with). Nil: an encrypted key
	// is refused with ErrEncryptedKey.
	Password PasswordFunc
	// PIN supplies the user PIN of a PKCS#11 token whose URI carries
	// none. Nil: such a URI is refused.
	PIN PasswordFunc
}

// KeyOption configures key loading and writing.
type KeyOption func(*KeyConfig) error

// WithPassword supplies the password of an encrypted private key (when
// loading) or encrypts the private key with it (when writing). The function
// is called only when a password is needed.
func WithPassword(f PasswordFunc) KeyOption {
	return func(c *KeyConfig) error {
		if f == nil {
			return fmt.Errorf("%w: WithPassword(nil)", ErrKey)
		}
		c.Password = f
		return nil
	}
}

// WithPIN supplies the user PIN of a PKCS#11 token, for a URI that has no
// pin-value or pin-source of its own. The function is called only when a
// PIN is needed.
func WithPIN(f PasswordFunc) KeyOption {
	return func(c *KeyConfig) error {
		if f == nil {
			return fmt.Errorf("%w: WithPIN(nil)", ErrKey)
		}
		c.PIN = f
		return nil
	}
}

// NewKeyConfig applies opts in order.
func NewKeyConfig(opts ...KeyOption) (KeyConfig, error) {
	var c KeyConfig
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&c); err != nil {
			return KeyConfig{}, err
		}
	}
	return c, nil
}

// A KeyBackend opens signers for one kind of key reference: a key on a
// PKCS#11 token, a key in a KMS. Packages attest/pkcs11 and attest/kms
// register theirs when they are imported, so that this package needs
// neither cgo nor a cloud SDK:
//
//	import _ "github.com/provenant/provenant/attest/pkcs11"
type KeyBackend struct {
	// Name says what kind of key it opens, for messages ("PKCS#11").
	Name string
	// Match says whether ref is meant for this backend (its URI scheme);
	// not whether it is valid.
	Match func(ref string) bool
	// Open opens the signer. A signer that holds resources (a session on
	// a token) implements io.Closer.
	Open func(ctx context.Context, ref string, c KeyConfig) (Signer, error)
}

// ErrNoKeyBackend: a key reference names a kind of key (pkcs11:,
// awskms://, ...) whose backend package this program does not import.
var ErrNoKeyBackend = fmt.Errorf("%w: no backend for this kind of key", ErrKey)

var (
	backendsMu sync.RWMutex
	backends   []KeyBackend
)

// RegisterKeyBackend makes LoadSignerRef open the references b matches.
// Backends are tried in the order they were registered. Registering a
// name twice panics, as database/sql's Register does.
func RegisterKeyBackend(b KeyBackend) {
	if b.Name == "" || b.Match == nil || b.Open == nil {
		panic("attest: RegisterKeyBackend needs a name, Match and Open")
	}
	backendsMu.Lock()
	defer backendsMu.Unlock()
	for _, have := range backends {
		if have.Name == b.Name {
			panic("attest: key backend " + b.Name + " registered twice")
		}
	}
	backends = append(backends, b)
}

// keySchemes are the key reference schemes provenant knows, with the
// package that registers a backend for each. A reference in one of them
// is never read as a file name, whether or not its backend is linked in.
var keySchemes = []struct{ prefix, backend, pkg string }{
	{"pkcs11:", "PKCS#11", "github.com/provenant/provenant/attest/pkcs11"},
	{"awskms://", "KMS", "github.com/provenant/provenant/attest/kms"},
	{"gcpkms://", "KMS", "github.com/provenant/provenant/attest/kms"},
	{"azurekms://", "KMS", "github.com/provenant/provenant/attest/kms"},
	{"hashivault://", "KMS", "github.com/provenant/provenant/attest/kms"},
}

// IsKeyURI says whether ref names a key by a URI (a PKCS#11 token, a KMS)
// rather than a file: one of the schemes provenant knows, or one a
// registered backend matches.
func IsKeyURI(ref string) bool {
	if _, ok := backendFor(ref); ok {
		return true
	}
	_, _, _, ok := knownScheme(ref)
	return ok
}

func backendFor(ref string) (KeyBackend, bool) {
	backendsMu.RLock()
	defer backendsMu.RUnlock()
	for _, b := range backends {
		if b.Match(ref) {
			return b, true
		}
	}
	return KeyBackend{}, false
}

// knownScheme returns the scheme ref starts with (in any case), the name
// of the backend that opens it, and the package that registers it.
func knownScheme(ref string) (prefix, backend, pkg string, ok bool) {
	for _, s := range keySchemes {
		if len(ref) >= len(s.prefix) && strings.EqualFold(ref[:len(s.prefix)], s.prefix) {
			return s.prefix, s.backend, s.pkg, true
		}
	}
	return "", "", "", false
}

func backendRegistered(name string) bool {
	backendsMu.RLock()
	defer backendsMu.RUnlock()
	for _, b := range backends {
		if b.Name == name {
			return true
		}
	}
	return false
}

// LoadSignerRef opens the signing key ref names, as cosign's
// SignerVerifierFromKeyRef does:
//
//   - a PKCS#11 URI (pkcs11:token=...;object=...?module-path=...), with the
//     PIN from the URI or WithPIN (package attest/pkcs11 must be imported);
//   - a KMS URI: awskms://, gcpkms://, azurekms://, hashivault://
//     (package attest/kms, whose providers need the build tag "kms");
//   - anything else is a private key file, as LoadSigner reads it: PEM
//     (PKCS#8, PKCS#1, SEC 1), an encrypted key (cosign/sigstore format or
//     PKCS#8 PBES2, with WithPassword), or a securesystemslib JSON key.
//
// Nothing is read from the environment or a terminal: secrets come only
// through the options. A signer that holds resources (a PKCS#11 session)
// implements io.Closer; release it with CloseSigner when done.
func LoadSignerRef(ctx context.Context, ref string, opts ...KeyOption) (Signer, error) {
	if ref == "" {
		return nil, fmt.Errorf("%w: no key named", ErrKey)
	}
	c, err := NewKeyConfig(opts...)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if b, ok := backendFor(ref); ok {
		s, err := b.Open(ctx, ref, c)
		if err != nil {
			return nil, err
		}
		if s == nil {
			return nil, fmt.Errorf("%w: the %s backend returned no signer", ErrKey, b.Name)
		}
		return s, nil
	}
	if prefix, backend, pkg, ok := knownScheme(ref); ok {
		if backendRegistered(backend) {
			// The backend is there but does not take this spelling
			// (KMS schemes are lower case, as sigstore spells them).
			return nil, fmt.Errorf("%w: %q: write the scheme as %s", ErrNoKeyBackend, ref[:len(prefix)], prefix)
		}
		scheme, _, _ := strings.Cut(ref, ":")
		return nil, fmt.Errorf("%w: %s: keys need package %s, which this program does not import", ErrNoKeyBackend, scheme, pkg)
	}
	return loadSigner(ref, c)
}

// LoadPublicKeyRef returns the public half of the signing key ref names
// (see LoadSignerRef), for verifiers. A key file that is not encrypted is
// read without a password; an encrypted one needs WithPassword; a token or
// KMS key is opened, asked for its public key and closed. Source is the
// file, or the URI without its PIN.
func LoadPublicKeyRef(ctx context.Context, ref string, opts ...KeyOption) (*PublicKey, error) {
	if ref != "" && !IsKeyURI(ref) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k, err := LoadPublicKey(ref)
		if !errors.Is(err, ErrEncryptedKey) {
			return k, err
		}
	}
	s, err := LoadSignerRef(ctx, ref, opts...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = CloseSigner(s) }()
	half, err := NewPublicHalf(s.Public())
	if err != nil {
		return nil, err
	}
	k := *half.PublicKey()
	k.Source = ref
	if str, ok := s.(fmt.Stringer); ok && IsKeyURI(ref) {
		k.Source = str.String() // a PKCS#11 URI without its pin-value
	}
	return &k, nil
}

// CloseSigner releases what s holds (a PKCS#11 session) if it is an
// io.Closer, and does nothing otherwise.
func CloseSigner(s Signer) error {
	if c, ok := s.(io.Closer); ok && c != nil {
		return c.Close()
	}
	return nil
}
