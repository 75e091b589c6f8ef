package password

import (
	"context"
	"fmt"
)

// slots bounds how many hashes run at once. A hash holds its memory (64 MiB for ward's default
// argon2id) and a CPU while it runs; without a bound, N concurrent logins would hold N times that.
// Callers past the bound wait for a slot, or for their context.
type slots chan struct{}

// run runs fn in a slot, once one is free. It returns the context's error, without running fn,
// when ctx ends first (or has already ended).
func (s slots) run(ctx context.Context, fn func()) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("password: waiting to hash: %w", err)
	}
	select {
	case s <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("password: waiting to hash: %w", ctx.Err())
	}
	defer func() { <-s }()
	fn()
	return nil
}
