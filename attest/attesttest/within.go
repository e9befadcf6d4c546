package attesttest

import (
	"testing"
	"time"
)

// Within runs fn and returns what it returns, failing the test when fn
// has not returned after d: a call that blocks (reading a named pipe, say)
// then fails the test instead of hanging the suite. what names the call in
// the failure. fn runs in a goroutine of its own, which a failure leaves
// behind; it may report failures with t.Error but must not call t.Fatal.
func Within[T any](t testing.TB, d time.Duration, what string, fn func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- fn() }()
	select {
	case v := <-done:
		return v
	case <-time.After(d):
		t.Fatalf("%s still running after %v: it blocks", what, d)
		var zero T
		return zero
	}
}
