// Package softhsmtest makes throwaway SoftHSM2 tokens for tests: a token in a
// temporary directory, initialised with softhsm2-util, with key pairs
// generated on it. Tests that call New skip, with a message saying what to
// install, where SoftHSM2 is absent.
package softhsmtest
