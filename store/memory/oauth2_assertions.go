package memory

import (
	"context"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// UseAssertionID records a client assertion's ID until it expires; a second use before then is
// fault.AlreadyExists wrapping store.ErrAssertionReplayed.
func (s *OAuth2Store) UseAssertionID(_ context.Context, clientID, jti string, expiresAt, now time.Time) error {
	k := store.AssertionKey(clientID, jti)
	s.mu.Lock()
	defer s.mu.Unlock()
	if exp, ok := s.assertions[k]; ok && !exp.Before(now) {
		return fault.Wrap(fault.AlreadyExists, store.ErrAssertionReplayed, "the client assertion was used already")
	}
	s.assertions[k] = expiresAt
	return nil
}

// deleteExpiredAssertionsLocked forgets assertion IDs that expired before before and returns how
// many.
func (s *OAuth2Store) deleteExpiredAssertionsLocked(before time.Time) int {
	n := 0
	for k, exp := range s.assertions {
		if exp.Before(before) {
			delete(s.assertions, k)
			n++
		}
	}
	return n
}
