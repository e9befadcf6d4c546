//go:build cgo

package pkcs11

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ThalesGroup/crypto11"
	p11 "github.com/miekg/pkcs11"

	"github.com/provenant/provenant/attest"
)

// Signer signs with a key pair on a PKCS#11 token. It implements attest.Signer
// (dsse.SignerVerifier). Close it when done.
type Signer struct {
	attest.PublicHalf
	uri     string // the URI without its PIN, for messages
	release func()
	ctx     *crypto11.Context
	key     crypto11.Signer
	hash    crypto.Hash
	opts    crypto.SignerOpts
}

var _ attest.Signer = (*Signer)(nil)

// Open parses an RFC 7512 URI, logs into the token it names and finds the key
// pair. The PIN comes from the URI (pin-value or pin-source) or from
// attest.WithPIN. No error it returns contains the PIN. Close the Signer
// when done: it holds a session on the token.
func Open(ctx context.Context, uri string, opts ...attest.KeyOption) (*Signer, error) {
	c, err := attest.NewKeyConfig(opts...)
	if err != nil {
		return nil, err
	}
	u, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	pin, err := u.PIN(c.PIN)
	if err != nil {
		return nil, err
	}
	s, err := open(ctx, u, pin)
	if err != nil {
		return nil, scrub(fmt.Errorf("%s: %w", u, err), pin)
	}
	return s, nil
}

func open(ctx context.Context, u *URI, pin string) (*Signer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slot, err := findSlot(u)
	if err != nil {
		return nil, err
	}
	release, err := claimSlot(u.ModulePath, slot, pin)
	if err != nil {
		return nil, err
	}
	slotNumber := int(slot)
	c, err := crypto11.Configure(&crypto11.Config{
		Path:            u.ModulePath,
		SlotNumber:      &slotNumber,
		Pin:             pin,
		MaxSessions:     4,
		PoolWaitTimeout: 30 * time.Second,
	})
	if err != nil {
		release()
		return nil, loginError(err)
	}
	s, err := findKey(c, u)
	if err != nil {
		_ = c.Close()
		release()
		return nil, err
	}
	s.release = release
	return s, nil
}

// PKCS#11 login state belongs to the process, not to a session: while one
// Signer is logged into a token, a second Open of that token would be let in
// whatever PIN it gave (crypto11 accepts CKR_USER_ALREADY_LOGGED_IN). So
// the first PIN is remembered (as a hash) while the token is open, and a
// different one is refused.
var (
	slotsMu sync.Mutex
	slots   = map[string]*slotClaim{}
)

type slotClaim struct {
	pin [sha256.Size]byte
	n   int
}

func claimSlot(module string, slot uint, pin string) (release func(), err error) {
	key := fmt.Sprintf("%s\x00%d", module, slot)
	h := sha256.Sum256([]byte(pin))
	slotsMu.Lock()
	defer slotsMu.Unlock()
	c := slots[key]
	if c == nil {
		c = &slotClaim{pin: h}
		slots[key] = c
	} else if subtle.ConstantTimeCompare(c.pin[:], h[:]) != 1 {
		return nil, fmt.Errorf("%w: the token is already logged in by this process with a different PIN", ErrPIN)
	}
	c.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			slotsMu.Lock()
			defer slotsMu.Unlock()
			if c.n--; c.n == 0 {
				delete(slots, key)
			}
		})
	}, nil
}

// findSlot lists the module's tokens and returns the slot of the only one
// that matches every token attribute of the URI.
func findSlot(u *URI) (uint, error) {
	m := p11.New(u.ModulePath)
	if m == nil {
		return 0, fmt.Errorf("%w: cannot load the PKCS#11 module %s", attest.ErrKey, u.ModulePath)
	}
	defer m.Destroy()
	if err := m.Initialize(); err != nil {
		// Already initialised: another Signer in this process holds the
		// module; leave it initialised.
		if !errors.Is(err, p11.Error(p11.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
			return 0, fmt.Errorf("%w: initialising the PKCS#11 module %s: %v", attest.ErrKey, u.ModulePath, err)
		}
	} else {
		defer func() { _ = m.Finalize() }()
	}
	slots, err := m.GetSlotList(true)
	if err != nil {
		return 0, fmt.Errorf("%w: listing the tokens of %s: %v", attest.ErrKey, u.ModulePath, err)
	}
	var matches []uint
	var labels []string
	for _, slot := range slots {
		ti, err := m.GetTokenInfo(slot)
		if err != nil || ti.Flags&p11.CKF_TOKEN_INITIALIZED == 0 {
			continue // SoftHSM2 always offers one uninitialised slot
		}
		labels = append(labels, fmt.Sprintf("%q", strings.TrimRight(ti.Label, " ")))
		if tokenMatches(u, slot, ti) {
			matches = append(matches, slot)
		}
	}
	switch {
	case len(labels) == 0:
		return 0, fmt.Errorf("%w: the module %s has no initialised token", attest.ErrKey, u.ModulePath)
	case len(matches) == 0:
		return 0, fmt.Errorf("%w: no token matches the URI (tokens present: %s)", attest.ErrKey, strings.Join(labels, ", "))
	case len(matches) > 1:
		return 0, fmt.Errorf("%w: %d tokens match the URI (tokens present: %s); add token=LABEL or serial=", attest.ErrKey, len(matches), strings.Join(labels, ", "))
	}
	return matches[0], nil
}

func tokenMatches(u *URI, slot uint, ti p11.TokenInfo) bool {
	trim := func(s string) string { return strings.TrimRight(s, " \x00") }
	return (u.Token == "" || u.Token == trim(ti.Label)) &&
		(u.Manufacturer == "" || u.Manufacturer == trim(ti.ManufacturerID)) &&
		(u.Model == "" || u.Model == trim(ti.Model)) &&
		(u.Serial == "" || u.Serial == trim(ti.SerialNumber)) &&
		(u.SlotID == nil || *u.SlotID == slot)
}

// loginError turns a failure to open a session or log in into a message
// that says what to do.
func loginError(err error) error {
	var code p11.Error
	if errors.As(err, &code) {
		switch code {
		case p11.CKR_PIN_INCORRECT:
			return fmt.Errorf("%w: the token refused the PIN (CKR_PIN_INCORRECT)", ErrPIN)
		case p11.CKR_PIN_LOCKED:
			return fmt.Errorf("%w: the PIN is locked (CKR_PIN_LOCKED)", ErrPIN)
		case p11.CKR_PIN_LEN_RANGE, p11.CKR_PIN_INVALID:
			return fmt.Errorf("%w: the token says the PIN is malformed (%v)", ErrPIN, code)
		}
	}
	return fmt.Errorf("%w: logging into the token: %v", attest.ErrKey, err)
}

// findKey finds the one key pair the URI names and builds the Signer.
func findKey(c *crypto11.Context, u *URI) (*Signer, error) {
	keys, err := c.FindKeyPairs(u.ID, []byte(u.Object))
	if err != nil {
		return nil, fmt.Errorf("%w: looking for the key: %v", attest.ErrKey, err)
	}
	switch len(keys) {
	case 0:
		return nil, fmt.Errorf("%w: no key pair on the token matches %s (a private key needs a CKA_ID and a public key beside it)", attest.ErrKey, keyName(u))
	case 1:
	default:
		return nil, fmt.Errorf("%w: %d key pairs match %s; add id= to pick one", attest.ErrKey, len(keys), keyName(u))
	}
	key := keys[0]
	half, err := attest.NewPublicHalf(key.Public())
	if err != nil {
		return nil, fmt.Errorf("the token's key: %w", err)
	}
	s := &Signer{PublicHalf: half, uri: u.String(), ctx: c, key: key}
	switch p := half.Public().(type) {
	case *ecdsa.PublicKey:
		switch p.Curve {
		case elliptic.P256():
			s.hash = crypto.SHA256
		case elliptic.P384():
			s.hash = crypto.SHA384
		case elliptic.P521():
			s.hash = crypto.SHA512
		}
		s.opts = s.hash
	case *rsa.PublicKey:
		// go-securesystemslib's rsassa-pss-sha256: salt as long as the hash.
		s.hash = crypto.SHA256
		s.opts = &rsa.PSSOptions{SaltLength: sha256.Size, Hash: crypto.SHA256}
	}
	if s.hash == 0 {
		return nil, fmt.Errorf("%w: unsupported key type %s on the token (want ECDSA P-256, P-384 or RSA)", attest.ErrKey, half.PublicKey().Algorithm())
	}
	return s, nil
}

func keyName(u *URI) string {
	var parts []string
	if u.Object != "" {
		parts = append(parts, fmt.Sprintf("object=%q", u.Object))
	}
	if u.ID != nil {
		parts = append(parts, fmt.Sprintf("id=%x", u.ID))
	}
	return strings.Join(parts, " ")
}

// Sign implements dsse.Signer: it hashes data (the DSSE PAE) and has the
// token sign the digest. The signature is checked against the public key
// before it is returned, so a token that misbehaves fails here rather than
// at verification.
func (s *Signer) Sign(ctx context.Context, data []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sig, err := s.key.Sign(rand.Reader, attest.HashData(s.hash, data), s.opts)
	if err != nil {
		return nil, fmt.Errorf("%s: signing on the token: %w", s.uri, err)
	}
	if err := s.Verify(ctx, data, sig); err != nil {
		return nil, fmt.Errorf("%s: the token's signature does not verify: %w", s.uri, err)
	}
	return sig, nil
}

// String names the key by its URI, without the PIN.
func (s *Signer) String() string { return s.uri }

// Close logs out and releases the token.
func (s *Signer) Close() error {
	if s.ctx == nil {
		return nil
	}
	err := s.ctx.Close()
	s.ctx = nil
	if s.release != nil {
		s.release()
	}
	return err
}
