package attest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func pw(s string) KeyOption {
	return WithPassword(func() ([]byte, error) { return []byte(s), nil })
}

func TestEncryptedKeyRoundTrip(t *testing.T) {
	for _, kt := range []KeyType{Ed25519, ECDSAP256, ECDSAP384} {
		t.Run(string(kt), func(t *testing.T) {
			prefix := filepath.Join(t.TempDir(), "k")
			files, err := WriteKeyPair(prefix, kt, false, pw("correct horse"))
			if err != nil {
				t.Fatalf("WriteKeyPair(encrypted) = %v", err)
			}
			if !files.Encrypted {
				t.Error("KeyPairFiles.Encrypted = false, want true")
			}
			data, _ := os.ReadFile(files.PrivateKey)
			if !strings.HasPrefix(string(data), "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----") {
				t.Errorf("encrypted key starts %.50q, want the sigstore PEM type", data)
			}
			if info, _ := os.Stat(files.PrivateKey); info.Mode().Perm() != 0o600 {
				t.Errorf("mode = %o, want 600", info.Mode().Perm())
			}
			s, err := LoadSigner(files.PrivateKey, pw("correct horse"))
			if err != nil {
				t.Fatalf("LoadSigner(right password) = %v", err)
			}
			pub, err := LoadPublicKey(files.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			if id, _ := s.KeyID(); id != pub.ID {
				t.Errorf("signer key id %s, public key id %s: want equal", id, pub.ID)
			}
			if _, err := LoadSigner(files.PrivateKey, pw("wrong")); !errors.Is(err, ErrPassword) {
				t.Errorf("LoadSigner(wrong password) = %v, want ErrPassword", err)
			}
			// The library names no environment variable: the CLI adds
			// where its password comes from.
			if _, err := LoadSigner(files.PrivateKey); !errors.Is(err, ErrEncryptedKey) || strings.Contains(err.Error(), "PROVENANT") {
				t.Errorf("LoadSigner(no password) = %v, want ErrEncryptedKey naming no environment variable", err)
			}
			if _, err := LoadSigner(files.PrivateKey, WithPassword(func() ([]byte, error) { return nil, errors.New("no tty") })); err == nil || !strings.Contains(err.Error(), "no tty") {
				t.Errorf("LoadSigner(password func fails) = %v, want its error", err)
			}
			if _, err := ParsePublicKey(data); !errors.Is(err, ErrEncryptedKey) {
				t.Errorf("ParsePublicKey(encrypted private key) = %v, want ErrEncryptedKey", err)
			}
		})
	}
}

func TestEncryptedKeyErrorsNeverShowThePassword(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "k")
	files, err := WriteKeyPair(prefix, Ed25519, false, pw("hunter2-secret"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = LoadSigner(files.PrivateKey, pw("hunter3-secret"))
	if err == nil || strings.Contains(err.Error(), "hunter") {
		t.Errorf("LoadSigner(wrong password) = %v: want an error that does not echo the password", err)
	}
}

// TestPBES2Keys: PKCS#8 keys encrypted by OpenSSL (PBES2 with PBKDF2 or
// scrypt, AES-CBC) load with their password, through sigstore's
// cryptoutils, and sign as their public key says.
func TestPBES2Keys(t *testing.T) {
	for _, name := range []string{"pbes2-ed25519", "pbes2-ecdsa-p256", "pbes2-rsa-2048", "pbes2-scrypt-ecdsa-p384"} {
		t.Run(name, func(t *testing.T) {
			key := filepath.Join("testdata", "keys", name+"-test-only.key")
			pub, err := LoadPublicKey(filepath.Join("testdata", "keys", name+"-test-only.pub"))
			if err != nil {
				t.Fatal(err)
			}
			s, err := LoadSigner(key, pw("test-only-password"))
			if err != nil {
				t.Fatalf("LoadSigner(%s, right password) = %v", name, err)
			}
			if id, _ := s.KeyID(); id != pub.ID {
				t.Errorf("signer key id %s, public key id %s: want equal", id, pub.ID)
			}
			sig, err := s.Sign(context.Background(), []byte("m"))
			if err != nil || pub.Verify(context.Background(), []byte("m"), sig) != nil {
				t.Errorf("the signature does not verify with the public key: %v", err)
			}
			if _, err := LoadSigner(key, pw("wrong")); !errors.Is(err, ErrPassword) {
				t.Errorf("LoadSigner(wrong password) = %v, want ErrPassword", err)
			}
			if _, err := LoadSigner(key, pw("")); !errors.Is(err, ErrPassword) {
				t.Errorf("LoadSigner(empty password) = %v, want ErrPassword", err)
			}
			if _, err := LoadSigner(key); !errors.Is(err, ErrEncryptedKey) {
				t.Errorf("LoadSigner(no password) = %v, want ErrEncryptedKey", err)
			}
			if _, err := LoadPublicKey(key); !errors.Is(err, ErrEncryptedKey) {
				t.Errorf("LoadPublicKey(encrypted private key) = %v, want ErrEncryptedKey", err)
			}
		})
	}
}

func TestLegacyEncryptedPEMIsRefused(t *testing.T) {
	cases := map[string]string{
		"openssl-legacy-fake": "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\nMIIB\n-----END EC PRIVATE KEY-----\n",
	}
	real, err := os.ReadFile(filepath.Join("testdata", "keys", "legacy-dekinfo-ecdsa-p256-test-only.key"))
	if err != nil {
		t.Fatal(err)
	}
	cases["openssl-legacy"] = string(real)
	for name, pem := range cases {
		// Even with the right password: the format is refused, not tried.
		_, err := ParseSigner([]byte(pem), pw("test-only-password"))
		if !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), "not supported") {
			t.Errorf("%s: ParseSigner = %v, want ErrKey saying it is not supported", name, err)
		}
	}
}

// TestMalformedPBES2Key: an "ENCRYPTED PRIVATE KEY" block that is not
// PBES2 DER is an error, never a panic or a key.
func TestMalformedPBES2Key(t *testing.T) {
	for _, body := range []string{"MIIB", "AAAA", ""} {
		pem := "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + body + "\n-----END ENCRYPTED PRIVATE KEY-----\n"
		if _, err := ParseSigner([]byte(pem), pw("x")); err == nil {
			t.Errorf("ParseSigner(%q) succeeded", body)
		}
	}
}
