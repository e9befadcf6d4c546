package main

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/provenant/provenant/attest"
)

// limitsValue is the repeatable --limit NAME=N flag.
type limitsValue struct {
	l   *attest.Limits
	set []string
}

func (v *limitsValue) String() string { return strings.Join(v.set, ",") }
func (v *limitsValue) Type() string   { return "NAME=N" }
func (v *limitsValue) Set(s string) error {
	if err := v.l.Set(s); err != nil {
		return err
	}
	v.set = append(v.set, s)
	return nil
}

// addLimitsFlag registers --limit on a command that reads bundles.
func addLimitsFlag(fs *pflag.FlagSet, l *attest.Limits) {
	*l = attest.DefaultLimits()
	fs.Var(&limitsValue{l: l}, "limit", "raise or lower a bundle limit (repeatable): "+strings.Join(attest.LimitNames, ", ")+"; see docs/security.md")
}
