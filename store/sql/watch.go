package sql

import (
	"context"
	"iter"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// Watch yields the change sets committed after rev, polling the primary's commit log, until ctx
// ends.
func (s *Store) Watch(ctx context.Context, after store.Revision) iter.Seq2[store.ChangeSet, error] {
	return func(yield func(store.ChangeSet, error) bool) {
		cur := int64(after.Major)
		if s.cockroach {
			if err := s.awaitRevision(ctx, cur); err != nil {
				yield(store.ChangeSet{}, err)
				return
			}
		}
		head, err := s.HeadRevision(ctx)
		switch {
		case err != nil:
			yield(store.ChangeSet{}, err)
			return
		case cur > int64(head.Major):
			yield(store.ChangeSet{}, fault.New(fault.FailedPrecondition, "watch start %d is newer than the head %d", cur, head.Major))
			return
		case cur < s.collected.Load():
			yield(store.ChangeSet{}, fault.New(fault.FailedPrecondition,
				"watch start %d is older than the history the store keeps (from %d)", cur, s.collected.Load()))
			return
		}
		for {
			sets, err := s.changesAfter(ctx, cur)
			if err != nil {
				if ctx.Err() == nil {
					yield(store.ChangeSet{}, err)
				}
				return
			}
			for _, cs := range sets {
				if !yield(cs, nil) {
					return
				}
				cur = int64(cs.Revision.Major)
			}
			if len(sets) > 0 {
				continue
			}
			select {
			case <-ctx.Done():
				return
			case <-s.committed():
			case <-time.After(s.cfg.pollInterval):
			}
		}
	}
}

// changesAfter reads up to 100 commits after rev and their changes.
//
// On CockroachDB it reads only revisions up to the head, as of the head's timestamp: a transaction
// still in flight can commit no revision at or below a time that has been read, so nothing
// appears later behind what a watch has passed. Transactions that share a revision there are one
// change set.
func (s *Store) changesAfter(ctx context.Context, rev int64) ([]store.ChangeSet, error) {
	var sets []store.ChangeSet
	err := s.retry(ctx, "watch", func(ctx context.Context) error {
		sets = sets[:0]
		upTo, asOf := int64(math.MaxInt64), ""
		if s.cockroach {
			head, err := s.headCockroach(ctx)
			if err != nil {
				return err
			}
			upTo, asOf = head, asOfRevision(head)
		}
		rows, err := s.primary.Query(ctx, `SELECT revision, schema_changed FROM ward_commits`+asOf+`
			WHERE revision > $1 AND revision <= $2 ORDER BY revision LIMIT 100`, rev, upTo)
		if err != nil {
			return err
		}
		var schemaChanged bool
		var r int64
		if _, err := pgx.ForEachRow(rows, []any{&r, &schemaChanged}, func() error {
			if n := len(sets); n > 0 && sets[n-1].Revision.Major == uint64(r) {
				sets[n-1].SchemaChanged = sets[n-1].SchemaChanged || schemaChanged
				return nil
			}
			sets = append(sets, store.ChangeSet{Revision: store.Revision{Major: uint64(r)}, SchemaChanged: schemaChanged})
			return nil
		}); err != nil {
			return err
		}
		for i := range sets {
			r := int64(sets[i].Revision.Major)
			rows, err := s.primary.Query(ctx, `SELECT `+tupleColumns+`, created_rev, deleted_rev FROM ward_tuples`+asOf+`
				WHERE (created_rev = $1 OR deleted_rev = $1) AND NOT (created_rev = $1 AND deleted_rev = $1)
				ORDER BY `+tupleColumns, r)
			if err != nil {
				return err
			}
			var t store.Tuple
			var created, deleted int64
			if _, err := pgx.ForEachRow(rows, []any{&t.Resource.Type, &t.Resource.ID, &t.Relation,
				&t.Subject.Type, &t.Subject.ID, &t.Subject.Relation, &created, &deleted}, func() error {
				op := store.Touch
				if deleted == r {
					op = store.Delete
				}
				sets[i].Changes = append(sets[i].Changes, store.Change{Op: op, Tuple: t})
				return nil
			}); err != nil {
				return err
			}
		}
		// Garbage collection raises the horizon before it deletes versions: read after the
		// changes, a horizon that covers them says some may be gone, and the watch must not go on
		// as if nothing had been deleted.
		if len(sets) == 0 {
			return nil
		}
		var collected int64
		if err := s.primary.QueryRow(ctx, `SELECT collected_through FROM ward_head`).Scan(&collected); err != nil {
			return err
		}
		if first := int64(sets[0].Revision.Major); first <= collected {
			return fault.New(fault.FailedPrecondition,
				"watch fell behind the history the store keeps: changes at %d were collected (through %d)", first, collected)
		}
		return nil
	})
	return sets, err
}

// commitChannel is the notification channel on which every commit is announced.
const commitChannel = "ward_commits"

// committed returns a channel closed at the next commit announced to this store.
func (s *Store) committed() <-chan struct{} {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	return s.commit
}

// listen receives the announcements of commits until ctx ends, and wakes the watches waiting for
// them. Without it watches still poll; it only makes them quicker.
func (s *Store) listen(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		s.log.DebugContext(ctx, "listening for commits failed; watches poll meanwhile", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (s *Store) listenOnce(ctx context.Context) error {
	pooled, err := s.primary.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection stays in LISTEN mode: it leaves the pool for good.
	conn := pooled.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+commitChannel); err != nil {
		return err
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		s.commitMu.Lock()
		close(s.commit)
		s.commit = make(chan struct{})
		s.commitMu.Unlock()
	}
}
