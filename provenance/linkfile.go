package provenance

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"github.com/in-toto/in-toto-golang/in_toto"

	"github.com/provenant/provenant/attest"
)

// LinkWriter writes a step's classic in-toto link metadata: a file named
// <step>.<first 8 characters of the key id>.link (in-toto's
// LinkNameFormat) in one directory, holding the link in in-toto's signed
// "metablock" ({"signed": link, "signatures": [...]}), signed over the
// link's canonical JSON as in-toto-golang signs and checks it. Any
// attest.Signer signs (files, encrypted keys, PKCS#11, KMS); the
// signature is checked with in-toto-golang before the file is written, so
// a key whose signatures in-toto would not accept fails here, not at
// verification.
//
// The file is written as attest.WriteFile writes: never through a
// symbolic link, never over anything but a regular file. An existing link
// file of the same step and key is replaced, as in-toto's run does: it is
// the evidence of an earlier run of the same step.
type LinkWriter struct {
	dir    string
	signer attest.Signer
	keyID  string
	key    in_toto.Key // the signer's public key in in-toto's form
}

// NewLinkWriter returns a LinkWriter that signs with s into dir.
func NewLinkWriter(dir string, s attest.Signer) (*LinkWriter, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: no signing key", attest.ErrKey)
	}
	if dir == "" {
		dir = "."
	}
	id, err := s.KeyID()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", attest.ErrKey, err)
	}
	key, err := InTotoKey(s.Public())
	if err != nil {
		return nil, err
	}
	if key.KeyID != id {
		return nil, fmt.Errorf("%w: in-toto computes key id %s for this key, the signer says %s", attest.ErrKey, key.KeyID, id)
	}
	return &LinkWriter{dir: dir, signer: s, keyID: id, key: key}, nil
}

// InTotoKey is a public key in in-toto's form (in-toto-golang's Key: key
// type, scheme, key id computed by in-toto's rule). For the key types
// provenant uses, its key id is provenant's (attest.KeyIDOf).
func InTotoKey(pub any) (in_toto.Key, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return in_toto.Key{}, fmt.Errorf("%w: %v", attest.ErrKey, err)
	}
	var k in_toto.Key
	if err := k.LoadKeyReaderDefaults(bytes.NewReader(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))); err != nil {
		return in_toto.Key{}, fmt.Errorf("%w: in-toto cannot use this key: %v", attest.ErrKey, err)
	}
	return k, nil
}

// Dir is the directory the link files go to.
func (w *LinkWriter) Dir() string { return w.dir }

// Path is the link file of step.
func (w *LinkWriter) Path(step string) string {
	return filepath.Join(w.dir, fmt.Sprintf(in_toto.LinkNameFormat, step, w.keyID))
}

// Check says whether Write would be refused for step because of what is
// on disk now: the directory must exist, and the file must be a regular
// file or nothing.
func (w *LinkWriter) Check(step string) error {
	info, err := os.Stat(w.dir)
	if err != nil {
		return fmt.Errorf("link directory: %w", attest.FileError(err))
	}
	if !info.IsDir() {
		return fmt.Errorf("link directory %s: %w: not a directory", w.dir, attest.ErrUnsafeDestination)
	}
	return attest.CheckWrite(w.Path(step), attest.WithOverwrite())
}

// Write signs the link and writes it to its file, which it returns.
func (w *LinkWriter) Write(ctx context.Context, l *Link) (string, error) {
	mb := in_toto.Metablock{Signed: l.InToto(), Signatures: []in_toto.Signature{}}
	payload, err := mb.GetSignableRepresentation()
	if err != nil {
		return "", fmt.Errorf("%w: canonical JSON: %v", ErrLink, err)
	}
	sig, err := w.signer.Sign(ctx, payload)
	if err != nil {
		return "", fmt.Errorf("signing the link: %w", err)
	}
	mb.Signatures = append(mb.Signatures, in_toto.Signature{KeyID: w.keyID, Sig: hex.EncodeToString(sig)})
	if err := mb.VerifySignature(w.key); err != nil {
		return "", fmt.Errorf("%w: in-toto does not accept this key's signature: %v", attest.ErrKey, err)
	}
	data, err := json.MarshalIndent(&mb, "", "  ")
	if err != nil {
		return "", err
	}
	path := w.Path(l.Name)
	if err := attest.WriteFile(path, append(data, '\n'), 0o644, attest.WithOverwrite()); err != nil {
		return "", fmt.Errorf("writing the link: %w", err)
	}
	return path, nil
}
