package memory

import (
	"context"
	"iter"
	"slices"
	"sort"

	"github.com/wardhq/ward/store"
)

// watchBatch bounds the change sets Watch copies under one hold of the read lock.
const watchBatch = 256

// Watch yields the change sets committed after after, oldest first, then waits for new commits until
// ctx ends, when it returns without an error. It yields FailedPrecondition when after is older than the
// log kept or newer than the head, and Unavailable when the store closes. It never holds a lock while
// the consumer runs, so a slow consumer delays no writer.
func (s *Store) Watch(ctx context.Context, after store.Revision) iter.Seq2[store.ChangeSet, error] {
	return func(yield func(store.ChangeSet, error) bool) {
		for ctx.Err() == nil {
			batch, changed, err := s.changesAfter(after)
			if err != nil {
				yield(store.ChangeSet{}, err)
				return
			}
			for _, cs := range batch {
				cs.Changes = slices.Clone(cs.Changes)
				if !yield(cs, nil) {
					return
				}
				after = cs.Revision
			}
			if len(batch) > 0 {
				continue
			}
			select {
			case <-ctx.Done():
				return
			case <-changed:
			}
		}
	}
}

// changesAfter returns the first change sets of the log after rev, and a channel closed by the next
// commit.
func (s *Store) changesAfter(rev store.Revision) ([]store.ChangeSet, <-chan struct{}, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, err := s.readable(rev); err != nil {
		return nil, nil, err
	}
	i := sort.Search(len(s.log), func(i int) bool { return rev.Less(s.log[i].changes.Revision) })
	batch := make([]store.ChangeSet, 0, min(len(s.log)-i, watchBatch))
	for _, c := range s.log[i:min(len(s.log), i+watchBatch)] {
		batch = append(batch, c.changes)
	}
	return batch, s.changed, nil
}
