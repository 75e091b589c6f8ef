package identity

import (
	"context"
	"time"
)

// PollInvalidations runs one poll of Run's loop, from reading (zero for the first), so that tests
// drive the cache's invalidation without timers.
func (s *Service) PollInvalidations(ctx context.Context, reading time.Time) (time.Time, error) {
	return s.poll(ctx, s.now(), reading)
}
