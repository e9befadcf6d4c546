package attest

import (
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
			if _, err := LoadSigner(files.PrivateKey); !errors.Is(err, ErrEncryptedKey) || !strings.Contains(err.Error(), "PROVENANT_KEY_PASSWORD") {
				t.Errorf("LoadSigner(no password) = %v, want ErrEncryptedKey naming PROVENANT_KEY_PASSWORD", err)
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

func TestOtherEncryptedFormatsAreRefusedClearly(t *testing.T) {
	cases := map[string]string{
		"pkcs8-pbes2":    "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n",
		"openssl-legacy": "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\nMIIB\n-----END EC PRIVATE KEY-----\n",
	}
	for name, pem := range cases {
		_, err := ParseSigner([]byte(pem), pw("x"))
		if !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), "not supported") {
			t.Errorf("%s: ParseSigner = %v, want ErrKey saying it is not supported", name, err)
		}
	}
}

func TestPasswordFromEnv(t *testing.T) {
	t.Setenv("PROVENANT_TEST_PW", "")
	f := PasswordFromEnv("PROVENANT_TEST_PW")
	if f == nil {
		t.Fatal("PasswordFromEnv(set but empty) = nil, want a func (cosign keys may have empty passwords)")
	}
	if got, _ := f(); string(got) != "" {
		t.Errorf("password = %q, want empty", got)
	}
	if PasswordFromEnv("PROVENANT_TEST_PW_UNSET_XYZ") != nil {
		t.Error("PasswordFromEnv(unset) != nil")
	}
}
