package sigstoretest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	prototrustroot "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"github.com/sigstore/rekor-tiles/v2/pkg/note"
	"github.com/sigstore/sigstore-go/pkg/root"
)

// The servers' versions, as .ci/run builds them.
const (
	FulcioVersion = "v1.8.8"
	TSAVersion    = "v2.1.3"
	RekorVersion  = "v2.3.0" // rekor-tiles, the Rekor v2 log, POSIX backend
)

// Server is a peer server's binary: its name in the CI cache and on PATH.
type Server struct {
	Name, Version, Binary, Module string
}

// The servers Start runs.
var (
	Fulcio = Server{Name: "fulcio", Version: FulcioVersion, Binary: "fulcio", Module: "github.com/sigstore/fulcio"}
	TSA    = Server{Name: "timestamp-server", Version: TSAVersion, Binary: "timestamp-server", Module: "github.com/sigstore/timestamp-authority/v2/cmd/timestamp-server"}
	Rekor  = Server{Name: "rekor-tiles", Version: RekorVersion, Binary: "posix", Module: "github.com/sigstore/rekor-tiles/v2/cmd/rekor-server/posix"}
)

// CacheDir is where .ci/run caches peer tools: $PROVENANT_CI_CACHE, or
// ~/.cache/provenant-ci.
func CacheDir() string {
	if d := os.Getenv("PROVENANT_CI_CACHE"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".cache", "provenant-ci")
}

// Find returns the path of the server's binary: the CI cache's copy of
// its version first, then PATH. It skips the test, saying how to build
// it, where there is none.
func (s Server) Find(t T) string {
	t.Helper()
	if dir := CacheDir(); dir != "" {
		p := filepath.Join(dir, s.Name+"-"+s.Version, s.Binary)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	if p, err := exec.LookPath(s.Binary); err == nil {
		return p
	}
	t.Skipf("%s %s is not built: run .ci/run, or GOBIN=%s go install %s@%s",
		s.Name, s.Version, filepath.Join(CacheDir(), s.Name+"-"+s.Version), s.Module, s.Version)
	return ""
}

// Sigstore is a private Sigstore on loopback.
type Sigstore struct {
	Issuer    *Issuer
	FulcioURL string
	// TSAURL is the timestamp endpoint (…/api/v1/timestamp).
	TSAURL string
	// TrustedRoot is a trusted_root.json with Fulcio's CA and the
	// timestamp authority's chain; TrustedRootJSON its bytes.
	TrustedRoot     string
	TrustedRootJSON []byte
	// SigningConfig is a signing configuration (Sigstore's format,
	// v0.2) naming Fulcio and the timestamp authority.
	SigningConfig string
	// FulcioRoot and TSAChain are the servers' certificates.
	FulcioRoot *x509.Certificate
	TSAChain   []*x509.Certificate
	// RekorURL is the Rekor v2 log's URL (StartWithRekor only), and
	// RekorLog its entry in the trusted root.
	RekorURL string
	RekorLog *root.TransparencyLog
}

// Start runs an issuer, Fulcio and a timestamp authority until the test
// ends, and writes the trusted root and signing configuration into a
// temporary directory. It skips the test where a server is not built.
func Start(t T) *Sigstore {
	t.Helper()
	fulcioBin, tsaBin := Fulcio.Find(t), TSA.Find(t)
	dir := t.TempDir()
	s := &Sigstore{Issuer: NewIssuer(t)}

	cfg, err := json.Marshal(map[string]any{"OIDCIssuers": map[string]any{
		s.Issuer.URL: map[string]any{"IssuerURL": s.Issuer.URL, "ClientID": Audience, "Type": "email"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "fulcio.json")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	fport, gport, mport := FreePort(t), FreePort(t), FreePort(t)
	s.FulcioURL = "http://127.0.0.1:" + fport
	// A short directory for the legacy gRPC socket (a socket path has
	// at most 108 bytes).
	sockDir, err := os.MkdirTemp("", "fulcio")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(sockDir) })
	startServer(t, dir, "fulcio", s.FulcioURL+"/api/v2/trustBundle", fulcioBin, "serve",
		"--ca", "ephemeralca", "--ct-log-url", "", "--config-path", cfgPath,
		"--host", "127.0.0.1", "--port", fport, "--grpc-host", "127.0.0.1", "--grpc-port", gport,
		"--metrics-port", mport, "--legacy-unix-domain-socket", filepath.Join(sockDir, "sock"), "--log_type", "prod")

	tsaBase := sharedTSA(t, tsaBin)
	s.TSAURL = tsaBase + "/api/v1/timestamp"

	s.FulcioRoot = fulcioRoot(t, s.FulcioURL)
	s.TSAChain = certChain(t, tsaBase+"/api/v1/timestamp/certchain")
	s.writeFiles(t, dir)
	return s
}

// StartWithRekor is Start with a Rekor v2 log too (rekor-tiles with its
// POSIX backend, a signing key made here), named in the trusted root and
// in the signing configuration (API version 2). It skips the test where
// rekor-tiles is not built.
func StartWithRekor(t T) *Sigstore {
	t.Helper()
	bin := Rekor.Find(t)
	s := Start(t)
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "rekor-key.pem")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	port, gport, mport := FreePort(t), FreePort(t), FreePort(t)
	s.RekorURL = "http://127.0.0.1:" + port
	// sigstore-go checks a checkpoint's origin against the log URL's
	// host name.
	startServer(t, dir, "rekor", s.RekorURL+"/healthz", bin, "serve",
		"--http-address", "127.0.0.1", "--http-port", port, "--grpc-address", "127.0.0.1", "--grpc-port", gport,
		"--http-metrics-port", mport, "--hostname", "127.0.0.1", "--storage-dir", filepath.Join(dir, "log"),
		"--signer-filepath", keyPath, "--checkpoint-interval", "1s", "--batch-max-age", "100ms")
	_, logID, err := note.KeyHash("127.0.0.1", &key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	s.RekorLog = &root.TransparencyLog{BaseURL: s.RekorURL, ID: logID, ValidityPeriodStart: time.Now().Add(-time.Hour),
		HashFunc: crypto.SHA256, PublicKey: &key.PublicKey, SignatureHashFunc: crypto.SHA256}
	s.writeFiles(t, t.TempDir())
	return s
}

// writeFiles writes the trusted root and the signing configuration.
func (s *Sigstore) writeFiles(t T, dir string) {
	t.Helper()
	s.TrustedRootJSON = s.TrustedRootWith(t, s.FulcioRoot, s.TSAChain)
	s.TrustedRoot = filepath.Join(dir, "trusted_root.json")
	if err := os.WriteFile(s.TrustedRoot, s.TrustedRootJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	s.SigningConfig = filepath.Join(dir, "signing_config.json")
	if err := os.WriteFile(s.SigningConfig, SigningConfigJSON(t, s.FulcioURL, s.TSAURL, s.RekorURL), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TrustedRootWith builds a trusted_root.json trusting the Fulcio root
// and the timestamp authority's chain (leaf first) given, valid from an
// hour ago.
func (s *Sigstore) TrustedRootWith(t T, fulcio *x509.Certificate, tsa []*x509.Certificate) []byte {
	t.Helper()
	start := time.Now().Add(-time.Hour)
	var cas []root.CertificateAuthority
	if fulcio != nil {
		cas = append(cas, &root.FulcioCertificateAuthority{Root: fulcio, ValidityPeriodStart: start, URI: s.FulcioURL})
	}
	var tsas []root.TimestampingAuthority
	if len(tsa) > 0 {
		ta := &root.SigstoreTimestampingAuthority{Root: tsa[len(tsa)-1], ValidityPeriodStart: start, URI: s.TSAURL}
		if len(tsa) > 1 {
			ta.Leaf = tsa[0]
			ta.Intermediates = tsa[1 : len(tsa)-1]
		}
		tsas = append(tsas, ta)
	}
	var logs map[string]*root.TransparencyLog
	if s.RekorLog != nil {
		logs = map[string]*root.TransparencyLog{hex.EncodeToString(s.RekorLog.ID): s.RekorLog}
	}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, cas, nil, tsas, logs)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tr.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// SigningConfigJSON is a signing configuration (v0.2) naming a Fulcio,
// a timestamp authority and, when rekorURL is not empty, a Rekor v2 log.
func SigningConfigJSON(t T, fulcioURL, tsaURL, rekorURL string) []byte {
	t.Helper()
	start := time.Now().Add(-time.Hour)
	svc := func(u string, version uint32) []root.Service {
		if u == "" {
			return nil
		}
		return []root.Service{{URL: u, MajorAPIVersion: version, ValidityPeriodStart: start, Operator: "test"}}
	}
	anyOne := root.ServiceConfiguration{Selector: prototrustroot.ServiceSelector_ANY}
	sc, err := root.NewSigningConfig(root.SigningConfigMediaType02, svc(fulcioURL, 1), nil, svc(rekorURL, 2), anyOne, svc(tsaURL, 1), anyOne)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// startServer runs a server until the test ends and waits until readyURL
// answers 200, failing the test with the end of its log otherwise.
func startServer(t T, dir, name, readyURL, bin string, args ...string) {
	t.Helper()
	p, err := startProcess(dir, name, readyURL, bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
}

// process is a server process.
type process struct {
	cancel  context.CancelFunc
	exited  chan struct{}
	logf    *os.File
	logPath string
}

func (p *process) stop() {
	p.cancel()
	<-p.exited
	_ = p.logf.Close()
}

// startProcess starts a server and waits until readyURL answers 200; on
// failure the error holds the end of its log.
func startProcess(dir, name, readyURL, bin string, args ...string) (*process, error) {
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.WaitDelay = 5 * time.Second
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		cancel()
		_ = logf.Close()
		return nil, fmt.Errorf("starting %s: %v", name, err)
	}
	p := &process{cancel: cancel, exited: make(chan struct{}), logf: logf, logPath: logPath}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(readyURL)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		select {
		case <-p.exited:
			p.stop()
			return nil, &startError{name: name, log: tail(logPath)}
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s not ready after 60s:\n%s", name, tail(logPath))
		}
	}
}

// startError: a server exited before it was ready.
type startError struct{ name, log string }

func (e *startError) Error() string {
	return e.name + " exited before it was ready:\n" + e.log
}

// The timestamp authority v2.1.3 always serves its metrics on port 2112,
// so one runs on a machine at a time: it is shared by the tests of a
// process that use it at once, and a lock file orders the processes.
var tsa struct {
	sync.Mutex
	refs   int
	base   string
	proc   *process
	unlock func()
	dir    string
}

// TSAMetricsPort is the port the timestamp authority cannot be told not
// to take.
const TSAMetricsPort = "2112"

// sharedTSA returns the base URL of the process's timestamp authority,
// starting it if no test holds it, and releases it when the test ends.
func sharedTSA(t T, bin string) string {
	t.Helper()
	tsa.Lock()
	defer tsa.Unlock()
	if tsa.refs == 0 {
		unlock, err := lockMachineWide(filepath.Join(os.TempDir(), "provenant-sigstoretest-tsa-"+TSAMetricsPort+".lock"), 10*time.Minute)
		if err != nil {
			t.Skipf("the timestamp authority cannot start: %v", err)
		}
		dir, err := os.MkdirTemp("", "tsa")
		if err != nil {
			unlock()
			t.Fatal(err)
		}
		var proc *process
		port := ""
		for attempt := 0; ; attempt++ {
			port = FreePort(t)
			base := "http://127.0.0.1:" + port
			proc, err = startProcess(dir, "timestamp-server", base+"/api/v1/timestamp/certchain", bin, "serve",
				"--host", "127.0.0.1", "--port", port, "--timestamp-signer", "memory",
				"--disable-ntp-monitoring", "--log-type", "prod")
			if err == nil {
				break
			}
			if se, ok := err.(*startError); ok && strings.Contains(se.log, ":"+TSAMetricsPort) && attempt < 30 {
				time.Sleep(2 * time.Second) // another program holds the metrics port
				continue
			}
			unlock()
			_ = os.RemoveAll(dir)
			if se, ok := err.(*startError); ok && strings.Contains(se.log, ":"+TSAMetricsPort) {
				t.Skipf("the timestamp authority cannot start: port %s, where it always serves its metrics, stays taken by another program", TSAMetricsPort)
			}
			t.Fatal(err)
		}
		tsa.base, tsa.proc, tsa.unlock, tsa.dir = "http://127.0.0.1:"+port, proc, unlock, dir
	}
	tsa.refs++
	t.Cleanup(func() {
		tsa.Lock()
		defer tsa.Unlock()
		tsa.refs--
		if tsa.refs == 0 {
			tsa.proc.stop()
			tsa.unlock()
			_ = os.RemoveAll(tsa.dir)
		}
	})
	return tsa.base
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func get(t T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, b)
	}
	return b
}

// fulcioRoot reads Fulcio's CA certificate from its trust bundle.
func fulcioRoot(t T, fulcioURL string) *x509.Certificate {
	t.Helper()
	var tb struct {
		Chains []struct {
			Certificates []string `json:"certificates"`
		} `json:"chains"`
	}
	if err := json.Unmarshal(get(t, fulcioURL+"/api/v2/trustBundle"), &tb); err != nil {
		t.Fatal(err)
	}
	if len(tb.Chains) == 0 || len(tb.Chains[0].Certificates) == 0 {
		t.Fatal("Fulcio's trust bundle is empty")
	}
	certs := parsePEM(t, []byte(strings.Join(tb.Chains[0].Certificates, "\n")))
	return certs[len(certs)-1]
}

func certChain(t T, url string) []*x509.Certificate {
	t.Helper()
	return parsePEM(t, get(t, url))
}

func parsePEM(t T, b []byte) []*x509.Certificate {
	t.Helper()
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		t.Fatal("no certificate in PEM")
	}
	return out
}

// WriteToken writes an identity token into a file of the test's
// temporary directory (mode 0600) and returns its path.
func WriteToken(t T, token string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Contains reports whether data holds the token (or any of its three
// parts): for tests that a token never reaches output.
func Contains(data []byte, token string) bool {
	if bytes.Contains(data, []byte(token)) {
		return true
	}
	for _, part := range strings.Split(token, ".") {
		if len(part) > 16 && bytes.Contains(data, []byte(part)) {
			return true
		}
	}
	return false
}
