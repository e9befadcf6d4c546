package policy

import "fmt"

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
