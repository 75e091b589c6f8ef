package memory

import "time"

// An Option configures a [Store] made by [New].
type Option interface {
	apply(*Store)
}

type optionFunc func(*Store)

func (f optionFunc) apply(s *Store) { f(s) }

// WithRetention sets how long a version stays readable after a later commit superseded it, and so how
// far back snapshots, Watch and OptimizedRevision can reach. The default is 10 minutes; with 0 or less,
// each commit collects what the commit before it superseded.
func WithRetention(d time.Duration) Option {
	return optionFunc(func(s *Store) { s.retention = max(d, 0) })
}

// WithClock sets the clock that stamps commits and quantizes OptimizedRevision; tests pass a fake one.
// The default is [time.Now].
func WithClock(now func() time.Time) Option {
	return optionFunc(func(s *Store) { s.now = now })
}
