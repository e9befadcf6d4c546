// Command keyless runs a private Sigstore on loopback for make demo:
// an OIDC issuer, Fulcio and the timestamp authority, as the tests run
// them (attest/sigstore/sigstoretest). It writes FULCIO_URL, TSA_URL,
// ISSUER, IDENTITY, TOKEN_FILE and TRUSTED_ROOT as shell assignments to
// the file named by its argument, then serves until it is interrupted
// (SIGINT, SIGTERM). Without the servers built (.ci/run builds
// them) it writes SKIP with the reason instead.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/provenant/provenant/attest/sigstore/sigstoretest"
)

// demoT stands in for a *testing.T.
type demoT struct {
	dirs     []string
	cleanups []func()
	envFile  string
}

type skipped struct{}

func (*demoT) Helper()                             {}
func (d *demoT) Fatal(args ...any)                 { d.fail(fmt.Sprint(args...)) }
func (d *demoT) Fatalf(format string, args ...any) { d.fail(fmt.Sprintf(format, args...)) }
func (d *demoT) Cleanup(f func())                  { d.cleanups = append(d.cleanups, f) }
func (d *demoT) Skipf(format string, args ...any) {
	d.write("SKIP=" + strconv.Quote(fmt.Sprintf(format, args...)) + "\n")
	panic(skipped{})
}

func (d *demoT) TempDir() string {
	dir, err := os.MkdirTemp("", "provenant-demo-sigstore")
	if err != nil {
		d.fail(err.Error())
	}
	d.dirs = append(d.dirs, dir)
	return dir
}

func (d *demoT) fail(msg string) {
	d.done()
	fmt.Fprintln(os.Stderr, "keyless:", msg)
	os.Exit(1)
}

func (d *demoT) done() {
	for i := len(d.cleanups) - 1; i >= 0; i-- {
		d.cleanups[i]()
	}
	d.cleanups = nil
	for _, dir := range d.dirs {
		_ = os.RemoveAll(dir)
	}
}

func (d *demoT) write(s string) {
	tmp := d.envFile + ".tmp"
	if err := os.WriteFile(tmp, []byte(s), 0o600); err != nil {
		d.fail(err.Error())
	}
	if err := os.Rename(tmp, d.envFile); err != nil {
		d.fail(err.Error())
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: keyless ENVFILE")
		os.Exit(2)
	}
	d := &demoT{envFile: os.Args[1]}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(skipped); !ok {
				panic(r)
			}
		}
		d.done()
	}()
	s := sigstoretest.Start(d)
	tok := sigstoretest.WriteToken(d, s.Issuer.Token(d, nil))
	q := strconv.Quote
	d.write("FULCIO_URL=" + q(s.FulcioURL) + "\nTSA_URL=" + q(s.TSAURL) + "\nISSUER=" + q(s.Issuer.URL) +
		"\nIDENTITY=" + q(sigstoretest.Email) + "\nTOKEN_FILE=" + q(tok) + "\nTRUSTED_ROOT=" + q(s.TrustedRoot) + "\n")
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
}
