// Command provenant generates and verifies software supply-chain provenance:
// signed in-toto attestations (DSSE envelopes) with SLSA provenance.
//
// This package only parses flags and prints; the work is done by the
// attest, provenance and policy packages.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}
