// Package memory owns the embedded store: an in-process, multi-version implementation of
// [store.Store] that `ward serve` uses when no database is configured.
//
// Every commit gets the next revision (1, 2, …; the empty store is at 0). Each tuple version records
// the revisions it was created and deleted at, so a snapshot at any kept revision reads without locks
// held across the read, and a commit never shows half of itself. Superseded versions and change sets stay
// for the retention set by [WithRetention], then are collected a bounded amount at a time by later
// commits.
//
// Tuples are indexed by (resource type, resource ID, relation), the check engine's query, and by
// subject object, for reverse lookups; other queries scan the tuples in order.
package memory

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// Store is the in-memory [store.Store]. Make one with [New].
type Store struct {
	retention time.Duration
	now       func() time.Time

	writer sync.Mutex   // serializes transactions; only its holder changes what mu guards
	mu     sync.RWMutex // guards what follows; writers hold it only for short steps

	head       atomic.Uint64 // the newest published revision
	closed     atomic.Bool
	oldest     uint64 // the oldest readable revision; older versions may be gone
	lastCommit int64  // Unix nanoseconds of the newest commit; commit times never decrease
	byResource map[resourceKey]*entry
	entries    entryList
	bySubject  map[subjectKey][]*version // each ordered by tupleOrder
	garbage    []*version                // deleted versions, in order of deletion
	log        []logEntry                // the commits of revisions oldest+1 … head
	schemas    []store.SchemaVersion     // from the one in force at oldest on
	changed    chan struct{}             // closed and replaced by each commit, and closed by Close
}

// logEntry is one commit in the log.
type logEntry struct {
	at      int64 // Unix nanoseconds
	changes store.ChangeSet
}

var _ store.Store = (*Store)(nil)

// New returns an empty store at revision 0.
func New(opts ...Option) *Store {
	s := &Store{
		retention:  10 * time.Minute,
		now:        time.Now,
		byResource: make(map[resourceKey]*entry),
		bySubject:  make(map[subjectKey][]*version),
		changed:    make(chan struct{}),
	}
	for _, o := range opts {
		o.apply(s)
	}
	return s
}

var errClosed = fault.New(fault.Unavailable, "the memory store is closed")

// HeadRevision returns the revision of the newest commit, 0 before the first.
func (s *Store) HeadRevision(context.Context) (store.Revision, error) {
	if s.closed.Load() {
		return store.Revision{}, errClosed
	}
	return store.Revision{Major: s.head.Load()}, nil
}

// OptimizedRevision returns the newest revision committed at or before now rounded down to a multiple
// of maxStaleness/2: it stays the same for that long, and is never more than maxStaleness older than the
// head. With maxStaleness of 0 or less it returns the head.
func (s *Store) OptimizedRevision(_ context.Context, maxStaleness time.Duration) (store.Revision, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed.Load() {
		return store.Revision{}, errClosed
	}
	q := int64(maxStaleness / 2)
	if q <= 0 || len(s.log) == 0 {
		return store.Revision{Major: s.head.Load()}, nil
	}
	now := s.now().UnixNano()
	boundary := now - now%q
	if now < 0 && now%q != 0 {
		boundary -= q
	}
	// The log holds the commits after s.oldest; s.oldest was the head at any time before the first.
	i := sort.Search(len(s.log), func(i int) bool { return s.log[i].at > boundary })
	if i == 0 {
		return store.Revision{Major: s.oldest}, nil
	}
	return s.log[i-1].changes.Revision, nil
}

// Snapshot returns a reader of the state at rev. Reads fail with FailedPrecondition when rev is newer
// than the head or older than the retention kept.
func (s *Store) Snapshot(rev store.Revision) store.Reader { return &snapshot{s: s, rev: rev} }

// Ping returns nil unless the store is closed.
func (s *Store) Ping(context.Context) error {
	if s.closed.Load() {
		return errClosed
	}
	return nil
}

// Close ends running watches; every later call fails with Unavailable. It always returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed.Swap(true) {
		close(s.changed)
	}
	return nil
}

// readable checks that rev can be read and returns its commit count. The caller holds s.mu.
func (s *Store) readable(rev store.Revision) (uint64, error) {
	head := s.head.Load()
	switch {
	case s.closed.Load():
		return 0, errClosed
	case rev.Minor != 0:
		return 0, fault.New(fault.FailedPrecondition, "revision %v was not made by the memory store", rev)
	case rev.Major > head:
		return 0, fault.New(fault.FailedPrecondition,
			"revision %v is newer than the newest commit (%d)", rev, head)
	case rev.Major < s.oldest:
		return 0, fault.New(fault.FailedPrecondition,
			"revision %v is older than the oldest kept (%d); history is kept for %v", rev, s.oldest, s.retention)
	}
	return rev.Major, nil
}
