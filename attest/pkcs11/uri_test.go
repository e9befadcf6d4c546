package pkcs11

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/provenant/provenant/attest"
)

const mod = "?module-path=/usr/lib/softhsm/libsofthsm2.so"

func TestParseURI(t *testing.T) {
	slot := uint(3)
	tests := []struct {
		in   string
		want URI
		pin  bool
	}{
		{in: "pkcs11:token=release;object=signing" + mod,
			want: URI{Token: "release", Object: "signing", ModulePath: "/usr/lib/softhsm/libsofthsm2.so"}},
		{in: "PKCS11:object=k" + mod,
			want: URI{Object: "k", ModulePath: "/usr/lib/softhsm/libsofthsm2.so"}},
		{in: "pkcs11:token=My%20Token;id=%01%02%ff;type=private" + mod,
			want: URI{Token: "My Token", ID: []byte{1, 2, 0xff}, Type: "private", ModulePath: "/usr/lib/softhsm/libsofthsm2.so"}},
		{in: "pkcs11:manufacturer=SoftHSM%20project;model=SoftHSM%20v2;serial=abc;slot-id=3;object=k" + mod,
			want: URI{Manufacturer: "SoftHSM project", Model: "SoftHSM v2", Serial: "abc", SlotID: &slot, Object: "k", ModulePath: "/usr/lib/softhsm/libsofthsm2.so"}},
		{in: "pkcs11:object=k;x-vendor=1" + mod + "&pin-value=1234",
			want: URI{Object: "k", ModulePath: "/usr/lib/softhsm/libsofthsm2.so"}, pin: true},
		{in: "pkcs11:object=k" + mod + "&pin-source=file:/run/secrets/pin",
			want: URI{Object: "k", ModulePath: "/usr/lib/softhsm/libsofthsm2.so", PINSource: "/run/secrets/pin"}},
		{in: "pkcs11:object=k" + mod + "&pin-source=file:///run/pin",
			want: URI{Object: "k", ModulePath: "/usr/lib/softhsm/libsofthsm2.so", PINSource: "/run/pin"}},
		{in: "pkcs11:object=a%3bb" + mod,
			want: URI{Object: "a;b", ModulePath: "/usr/lib/softhsm/libsofthsm2.so"}},
	}
	for _, tt := range tests {
		got, err := ParseURI(tt.in)
		if err != nil {
			t.Errorf("ParseURI(%q): %v", tt.in, err)
			continue
		}
		if g, w := describe(got), describe(&tt.want); g != w {
			t.Errorf("ParseURI(%q) = %s, want %s", tt.in, g, w)
		}
		if got.HasPIN() != tt.pin {
			t.Errorf("ParseURI(%q).HasPIN() = %v, want %v", tt.in, got.HasPIN(), tt.pin)
		}
	}
}

func describe(u *URI) string {
	slot := "-"
	if u.SlotID != nil {
		slot = fmt.Sprint(*u.SlotID)
	}
	return fmt.Sprintf("{token=%q manufacturer=%q model=%q serial=%q slot=%s object=%q id=%x type=%q module=%q pin-source=%q}",
		u.Token, u.Manufacturer, u.Model, u.Serial, slot, u.Object, u.ID, u.Type, u.ModulePath, u.PINSource)
}

func TestParseURIErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"file.key", `does not start with "pkcs11:"`},
		{"pkcs11:object=k", "needs module-path="},
		{"pkcs11:token=t" + mod, "names no key"},
		{"pkcs11:object=k;object=j" + mod, `"object" appears twice`},
		{"pkcs11:object=k;colour=red" + mod, `unsupported path attribute "colour"`},
		{"pkcs11:object=k" + mod + "&frobnicate=1", `unsupported query attribute "frobnicate"`},
		{"pkcs11:object=k;module-path=/x.so", `"module-path" belongs in the query`},
		{"pkcs11:object=k?token=x&module-path=/x.so", `"token" belongs in the path`},
		{"pkcs11:object" + mod, `"object" is not name=value`},
		{"pkcs11:object=%zz" + mod, `"object": bad percent-encoding`},
		{"pkcs11:object=k;slot-id=one" + mod, `slot-id "one" is not a number`},
		{"pkcs11:object=k;type=cert" + mod, "needs type=private"},
		{"pkcs11:object=k?module-path=lib.so", "must be an absolute path"},
		{"pkcs11:object=k?module-name=softhsm2", "module-name is not supported"},
		{"pkcs11:object=k" + mod + "&pin-value=1&pin-source=/p", "both pin-value and pin-source"},
		{"pkcs11:object=k" + mod + "&pin-source=relative", "must be a file: URI or an absolute path"},
		{"pkcs11:object=k" + mod + "&pin-value=%zzsecret", "pin-value is not correctly percent-encoded"},
		{"pkcs11:object=k?module-path=/a.so?b", "more than one '?'"},
		{"pkcs11:object=" + mod, "empty object"},
		{"pkcs11:id=" + mod, "empty id"},
	}
	for _, tt := range tests {
		_, err := ParseURI(tt.in)
		if err == nil {
			t.Errorf("ParseURI(%q) = nil error, want %q", tt.in, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseURI(%q) = %q, want it to contain %q", tt.in, err, tt.want)
		}
		if !errors.Is(err, ErrURI) || !errors.Is(err, attest.ErrKey) {
			t.Errorf("ParseURI(%q) = %v, want it to wrap ErrURI and attest.ErrKey", tt.in, err)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseURI(%q) = %q: the error shows the PIN", tt.in, err)
		}
	}
}

func TestURIStringOmitsPIN(t *testing.T) {
	in := "pkcs11:token=t;object=k%20x?module-path=/m.so&pin-value=s3cr3t-PIN"
	u, err := ParseURI(in)
	if err != nil {
		t.Fatal(err)
	}
	want := "pkcs11:token=t;object=k%20x?module-path=/m.so"
	//lint:ignore S1025 every way fmt prints the URI is checked, %s included
	for _, got := range []string{u.String(), fmt.Sprint(u), fmt.Sprintf("%v", u), fmt.Sprintf("%+v", u), fmt.Sprintf("%#v", u), fmt.Sprintf("%s", u)} {
		if strings.Contains(got, "s3cr3t") {
			t.Errorf("printed URI %q contains the PIN", got)
		}
		if !strings.Contains(got, want) {
			t.Errorf("printed URI %q, want it to contain %q", got, want)
		}
	}
	if got := Redact(in); strings.Contains(got, "s3cr3t") || !strings.Contains(got, "pin-value=REDACTED") {
		t.Errorf("Redact(%q) = %q", in, got)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"pkcs11:object=k?pin-value=abc&module-path=/m", "pkcs11:object=k?pin-value=REDACTED&module-path=/m"},
		{"pkcs11:object=k?module-path=/m&PIN-VALUE=abc", "pkcs11:object=k?module-path=/m&pin-value=REDACTED"},
		{"pkcs11:pin-value=abc;object=k", "pkcs11:pin-value=REDACTED;object=k"},
		{"no pin here", "no pin here"},
		{"pin-value=a&pin-value=b", "pin-value=REDACTED&pin-value=REDACTED"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPIN(t *testing.T) {
	dir := t.TempDir()
	pinFile := filepath.Join(dir, "pin")
	if err := os.WriteFile(pinFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bigFile := filepath.Join(dir, "big")
	if err := os.WriteFile(bigFile, make([]byte, 64<<10+1), 0o600); err != nil {
		t.Fatal(err)
	}
	supply := func(pin string) attest.PasswordFunc {
		return func() ([]byte, error) { return []byte(pin), nil }
	}
	failing := func() ([]byte, error) { return nil, errors.New("no terminal") }
	tests := []struct {
		uri     string
		supply  attest.PasswordFunc
		want    string
		wantErr string
		noPIN   bool
	}{
		{uri: "pkcs11:object=k?module-path=/m&pin-value=from-uri", supply: supply("supplied"), want: "from-uri"},
		{uri: "pkcs11:object=k?module-path=/m&pin-value=a%26b", want: "a&b"},
		{uri: "pkcs11:object=k?module-path=/m&pin-source=" + pinFile, supply: supply("supplied"), want: "from-file"},
		{uri: "pkcs11:object=k?module-path=/m", supply: supply("supplied"), want: "supplied"},
		// Nothing comes from the environment, and the message names no
		// variable: the CLI says where its PIN comes from.
		{uri: "pkcs11:object=k?module-path=/m", wantErr: "no PIN for pkcs11:object=k?module-path=/m (the URI has no pin-value or pin-source)", noPIN: true},
		{uri: "pkcs11:object=k?module-path=/m", supply: supply(""), wantErr: "no PIN for", noPIN: true},
		{uri: "pkcs11:object=k?module-path=/m", supply: failing, wantErr: "no terminal"},
		{uri: "pkcs11:object=k?module-path=/m&pin-source=" + filepath.Join(dir, "absent"), wantErr: "pin-source " + strconv.Quote(filepath.Join(dir, "absent")) + ": no such file"},
		// Only a regular file is read, and only its first 64 KiB.
		{uri: "pkcs11:object=k?module-path=/m&pin-source=/dev/zero", wantErr: `pin-source "/dev/zero": a character device, not a regular file`},
		{uri: "pkcs11:object=k?module-path=/m&pin-source=" + dir, wantErr: "a directory, not a regular file"},
		{uri: "pkcs11:object=k?module-path=/m&pin-source=" + bigFile, wantErr: "larger than 65536 bytes"},
	}
	for _, tt := range tests {
		u, err := ParseURI(tt.uri)
		if err != nil {
			t.Fatalf("ParseURI(%q): %v", tt.uri, err)
		}
		t.Setenv("PROVENANT_PKCS11_PIN", "from-env-never-read")
		got, err := u.PIN(tt.supply)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrPIN) || strings.Contains(err.Error(), "PROVENANT") {
				t.Errorf("PIN(%q) = %q, %v; want an ErrPIN containing %q", tt.uri, got, err, tt.wantErr)
			}
			if errors.Is(err, ErrNoPIN) != tt.noPIN {
				t.Errorf("PIN(%q) = %v: errors.Is(ErrNoPIN) = %v, want %v", tt.uri, err, !tt.noPIN, tt.noPIN)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("PIN(%q) = %q, %v; want %q", tt.uri, got, err, tt.want)
		}
	}
}

func TestIsURI(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"pkcs11:object=x", true},
		{"PKCS11:", true},
		{"pkcs11", false},
		{"./pkcs11:x", false},
		{"release.key", false},
		{"awskms:///alias/x", false},
	}
	for _, tt := range tests {
		if got := IsURI(tt.in); got != tt.want {
			t.Errorf("IsURI(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestScrub(t *testing.T) {
	inner := fmt.Errorf("%w: module said pin 9876 is wrong", ErrPIN)
	err := scrub(inner, "9876")
	if strings.Contains(err.Error(), "9876") || !strings.Contains(err.Error(), "REDACTED") {
		t.Errorf("scrub: %q still shows the PIN", err)
	}
	if !errors.Is(err, ErrPIN) {
		t.Errorf("scrub(%v) lost the sentinel", inner)
	}
	if got := scrub(inner, "0000"); got != inner {
		t.Errorf("scrub without the PIN in the message = %v, want the error unchanged", got)
	}
}
