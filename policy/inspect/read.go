package inspect

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/provenant/provenant/attest"
	"github.com/provenant/provenant/attest/regfile"
	"github.com/provenant/provenant/policy"
)

// ReadFile streams a bundle file into the report; see Read. Only a regular
// file (after following links) is read, as attest.ReadBundleFile does.
func (in *Inspector) ReadFile(ctx context.Context, path string) error {
	f, err := regfile.Open(path)
	if err != nil {
		return attest.FileError(err)
	}
	defer func() { _ = f.Close() }()
	return in.Read(ctx, f, path)
}

// AddEntries inspects entries read elsewhere (an image's attestations in
// a registry, package attest/oci) as one source named name.
func (in *Inspector) AddEntries(ctx context.Context, name string, entries []attest.Entry) {
	in.report.Bundles = append(in.report.Bundles, name)
	for _, e := range entries {
		in.Add(ctx, e)
	}
}

// Read streams a bundle into the report, the way attest.ReadBundle reads
// it: JSON Lines (one envelope, Sigstore bundle or GitHub attestation list
// a line, blank lines ignored), or one JSON document spanning several
// lines. Lines are checked by as many workers as there are CPUs and added
// in bundle order; only lines in flight are held in memory. An entry that
// cannot be read is reported as unreadable; the error is for I/O failures,
// limits (attest.ErrLimit), and a bundle with no entry at all
// (attest.ErrEmptyBundle).
//
// The envelopes limit counts entries, as attest.ReadBundle does: each line
// is parsed in parallel, then waits for the count of entries before it, and
// a line that takes the bundle past the limit ends the read before any of
// its entries is verified.
func (in *Inspector) Read(ctx context.Context, r io.Reader, name string) error {
	in.report.Bundles = append(in.report.Bundles, name)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	max := in.o.limits.Envelopes
	if max <= 0 {
		max = attest.DefaultEnvelopes
	}
	type job struct {
		seq, lineNo int
		data        []byte
		// before yields the number of entries on the lines before this
		// one; after receives it with this line's added.
		before <-chan int
		after  chan<- int
	}
	type result struct {
		seq  int
		envs []Envelope
	}
	jobs := make(chan job, 64)
	results := make(chan result, 64)
	var limitErr error
	var limitOnce sync.Once
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				entries := in.o.limits.ParseLine(attest.Source{File: name, Line: j.lineNo}, j.data)
				var before int
				select {
				case before = <-j.before:
				case <-ctx.Done():
					continue
				}
				j.after <- before + len(entries)
				if err := lineLimit(entries); err != nil || before+len(entries) > max {
					if err == nil {
						err = attest.TooManyEntries(max, len(entries))
					}
					limitOnce.Do(func() { limitErr = fmt.Errorf("%s:%d: %w", name, j.lineNo, err) })
					cancel()
					continue
				}
				results <- result{j.seq, in.lineEnvelopes(ctx, entries, j.data)}
			}
		}()
	}
	var readErr error
	go func() {
		seq := 0
		first := make(chan int, 1)
		first <- 0
		prev := (<-chan int)(first)
		readErr = in.o.limits.ScanBundle(r, name, func(lineNo int, data []byte) error {
			next := make(chan int, 1)
			select {
			case jobs <- job{seq, lineNo, data, prev, next}:
				seq++
				prev = next
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		close(jobs)
		wg.Wait()
		close(results)
	}()
	pending := map[int][]Envelope{}
	next := 0
	for res := range results {
		pending[res.seq] = res.envs
		for envs, ok := pending[next]; ok; envs, ok = pending[next] {
			delete(pending, next)
			next++
			for _, e := range envs {
				in.append(e)
			}
		}
	}
	if limitErr != nil {
		return limitErr
	}
	if readErr == nil {
		readErr = ctx.Err()
	}
	return readErr
}

// lineLimit returns the limit error of a line ParseLine refused whole for
// holding more entries than the envelopes limit.
func lineLimit(entries []attest.Entry) error {
	if len(entries) == 1 && entries[0].Err != nil {
		if le, ok := errors.AsType[*attest.LimitError](entries[0].Err); ok && le.Name == "envelopes" {
			return le
		}
	}
	return nil
}

// lineEnvelopes inspects the entries of one line (or document), parsed by
// attest's ParseLine, so that inspect recognises exactly what verify does:
// a DSSE envelope, a Sigstore bundle, or GitHub's {"attestations":[...]}
// shape (several entries). It only reads the Inspector's settings, so
// workers share it.
func (in *Inspector) lineEnvelopes(ctx context.Context, entries []attest.Entry, data []byte) []Envelope {
	out := make([]Envelope, 0, len(entries))
	for _, e := range entries {
		out = append(out, in.entryEnvelope(ctx, e))
	}
	return out
}

// identityFromPEM reads a certificate's identity for display; nil when it
// is not a certificate.
func identityFromPEM(s string) *Identity {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil
	}
	return identityFromDER(block.Bytes)
}

// Fulcio's certificate extensions for the OIDC issuer: v1 (raw string,
// deprecated) and v2 (DER UTF8String).
var (
	oidIssuerV1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
)

func identityFromDER(der []byte) *Identity {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return &Identity{Subject: "(unparseable certificate)"}
	}
	id := &Identity{
		NotBefore: cert.NotBefore.UTC().Format(time.RFC3339),
		NotAfter:  cert.NotAfter.UTC().Format(time.RFC3339),
	}
	switch {
	case len(cert.URIs) > 0:
		id.Subject = cert.URIs[0].String()
	case len(cert.EmailAddresses) > 0:
		id.Subject = cert.EmailAddresses[0]
	case len(cert.DNSNames) > 0:
		id.Subject = cert.DNSNames[0]
	case cert.Subject.CommonName != "":
		id.Subject = cert.Subject.CommonName
	default:
		id.Subject = "(no subject alternative name)"
	}
	for _, ext := range cert.Extensions {
		switch {
		case ext.Id.Equal(oidIssuerV2):
			var v string
			if _, err := asn1.Unmarshal(ext.Value, &v); err == nil {
				id.Issuer = v
			}
		case ext.Id.Equal(oidIssuerV1) && id.Issuer == "":
			id.Issuer = string(ext.Value)
		}
	}
	return id
}

// sigstoreBundle is the part of a Sigstore bundle (v0.1 to v0.3) shown.
type sigstoreBundle struct {
	MediaType            string `json:"mediaType"`
	VerificationMaterial struct {
		Certificate *struct {
			RawBytes string `json:"rawBytes"`
		} `json:"certificate"`
		X509CertificateChain *struct {
			Certificates []struct {
				RawBytes string `json:"rawBytes"`
			} `json:"certificates"`
		} `json:"x509CertificateChain"`
		PublicKey *struct {
			Hint string `json:"hint"`
		} `json:"publicKey"`
	} `json:"verificationMaterial"`
	DSSEEnvelope *struct {
		PayloadType string `json:"payloadType"`
		Payload     string `json:"payload"`
		Signatures  []struct {
			Sig   string `json:"sig"`
			KeyID string `json:"keyid"`
		} `json:"signatures"`
	} `json:"dsseEnvelope"`
	MessageSignature *json.RawMessage `json:"messageSignature"`
}

// inspectSigstore shows a Sigstore bundle's signer (a key hint, or the
// certificate's identity, checked only when the verifier accepted it) with
// the verifier's verdict, and, unless it verified, what it claims.
func (in *Inspector) inspectSigstore(out *Envelope, raw []byte, a *policy.Attestation) {
	out.Kind = KindSigstore
	var b sigstoreBundle
	if err := json.Unmarshal(raw, &b); err != nil {
		out.Status, out.Reason = StatusUnreadable, "not a Sigstore bundle: "+err.Error()
		return
	}
	var ident *Identity
	vm := b.VerificationMaterial
	switch {
	case vm.Certificate != nil:
		ident = identityFromBase64DER(vm.Certificate.RawBytes)
	case vm.X509CertificateChain != nil && len(vm.X509CertificateChain.Certificates) > 0:
		ident = identityFromBase64DER(vm.X509CertificateChain.Certificates[0].RawBytes)
	}
	hint := ""
	if vm.PublicKey != nil {
		hint = vm.PublicKey.Hint
	}
	sig := Signature{KeyID: hint, Identity: ident, Status: out.Status, Reason: out.Reason}
	if a == nil {
		sig.Reason = "not checked: no Sigstore trusted root or key given"
	}
	if a != nil && a.Verified {
		sig.Reason = ""
		if ids := a.KeyIDs(); len(ids) > 0 {
			sig.VerifiedBy = ids[0]
		}
		if ident != nil {
			sig.Identity.Checked = true
			sig.VerifiedBy = "sigstore trusted root"
			if a.TrustedRoot != "" {
				sig.VerifiedBy = "trusted root " + a.TrustedRoot
			}
		}
	}
	switch {
	case b.DSSEEnvelope != nil:
		d := b.DSSEEnvelope
		out.PayloadType = d.PayloadType
		for _, s := range d.Signatures {
			one := sig
			if s.KeyID != "" {
				one.KeyID = s.KeyID
			}
			out.Signatures = append(out.Signatures, one)
		}
		if a != nil && a.Verified {
			return
		}
		payload, err := decodeBase64(d.Payload)
		if err != nil {
			out.StatementError = "payload is not base64"
			return
		}
		in.readClaimed(out, d.PayloadType, payload)
	case b.MessageSignature != nil:
		out.Signatures = append(out.Signatures, sig)
		out.StatementError = "a message signature over an artifact digest: no statement"
	default:
		out.Status, out.Reason = StatusUnreadable, "Sigstore bundle with neither dsseEnvelope nor messageSignature"
	}
}

func identityFromBase64DER(s string) *Identity {
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return &Identity{Subject: "(certificate is not base64)"}
	}
	return identityFromDER(der)
}
