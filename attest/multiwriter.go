package attest

import (
	"context"
	"errors"
)

// MultiWriter writes each statement through every writer, in order (a
// bundle file and a registry). Check checks them all; Write stops at the
// first error. It needs at least one writer.
func MultiWriter(ws ...Writer) Writer {
	if len(ws) == 1 {
		return ws[0]
	}
	return multiWriter(ws)
}

type multiWriter []Writer

// Destination is the first writer's (a file, which run keeps out of the
// products).
func (m multiWriter) Destination() string { return m[0].Destination() }

func (m multiWriter) Check() error {
	var errs []error
	for _, w := range m {
		errs = append(errs, w.Check())
	}
	return errors.Join(errs...)
}

func (m multiWriter) Write(ctx context.Context, st *Statement) error {
	for _, w := range m {
		if err := w.Write(ctx, st); err != nil {
			return err
		}
	}
	return nil
}
