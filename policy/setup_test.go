package policy

import (
	"context"
	"fmt"
	"testing"

	"github.com/provenant/provenant/attest"
)

// setup is a test's verifier: its trust material (NewVerifier) and the
// expectations of each call, kept apart as the API keeps them.
type setup struct {
	opts   []Option
	expect []Expectation
}

// with adds Options and Expectations to a copy of base.
func with(base setup, more ...any) setup {
	s := setup{opts: append([]Option(nil), base.opts...), expect: append([]Expectation(nil), base.expect...)}
	for _, m := range more {
		switch m := m.(type) {
		case Option:
			s.opts = append(s.opts, m)
		case Expectation:
			s.expect = append(s.expect, m)
		default:
			panic(fmt.Sprintf("with: %T is neither an Option nor an Expectation", m))
		}
	}
	return s
}

// verify builds the verifier and verifies with the setup's expectations.
func (s setup) verify(t testing.TB, es []attest.Entry, in []Input) *Report {
	t.Helper()
	v, err := NewVerifier(s.opts...)
	if err != nil {
		t.Fatalf("NewVerifier = %v", err)
	}
	r, err := v.Verify(context.Background(), es, in, s.expect...)
	if err != nil {
		t.Fatalf("Verify = %v", err)
	}
	return r
}
