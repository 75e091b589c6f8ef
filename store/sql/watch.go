package sql

import (
	"context"
	"errors"
	"iter"
	"math"
	"sync"
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
		// On PostgreSQL the watch remembers which transaction committed the revision it stands on,
		// and checks it at every poll: a failover can discard commits that the old primary had
		// made visible (a transaction whose wait for its synchronous standby was cancelled), and
		// the new primary then commits other transactions under the same revision numbers. The
		// watcher must learn that its history is gone rather than go on from a revision that now
		// names different changes. (CockroachDB's commits are replicated by consensus before they
		// are visible; nothing is ever discarded there.)
		// A watch that starts where an earlier one of this process stopped (the mirror resuming
		// after the primary was lost, say) compares with the transaction the earlier one saw.
		var at *[16]byte
		if !s.cockroach && cur > 0 {
			at = s.commits.get(cur)
			if at == nil {
				id, err := s.commitAt(ctx, cur)
				if err != nil {
					yield(store.ChangeSet{}, err)
					return
				}
				at = id
				s.commits.put(cur, id)
			}
		}
		for {
			sets, ids, err := s.changesAfter(ctx, cur, at)
			if err != nil {
				if ctx.Err() == nil {
					yield(store.ChangeSet{}, err)
				}
				return
			}
			for i, cs := range sets {
				if !yield(cs, nil) {
					return
				}
				cur = int64(cs.Revision.Major)
				s.sawCommitted(cur)
				if !s.cockroach {
					at = &ids[i]
					s.commits.put(cur, at)
				}
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
//
// On PostgreSQL, at is the transaction that committed rev as the watcher saw it (nil when rev is
// 0); a different or missing commit at rev means the history the watcher followed was discarded,
// and it fails with FailedPrecondition. ids are the transactions of the change sets returned.
func (s *Store) changesAfter(ctx context.Context, rev int64, at *[16]byte) ([]store.ChangeSet, [][16]byte, error) {
	var sets []store.ChangeSet
	var ids [][16]byte
	err := s.retry(ctx, "watch", func(ctx context.Context) error {
		sets, ids = sets[:0], ids[:0]
		if at != nil {
			id, err := s.commitAt(ctx, rev)
			if err != nil {
				return err
			}
			if *id != *at {
				return fault.New(fault.FailedPrecondition,
					"the database's history changed under the watch: revision %d is now another transaction's (a failover discarded commits that had been read)", rev)
			}
		}
		upTo, asOf := int64(math.MaxInt64), ""
		if s.cockroach {
			head, err := s.headCockroach(ctx)
			if err != nil {
				return err
			}
			upTo, asOf = head, asOfRevision(head)
		}
		rows, err := s.primary.Query(ctx, `SELECT revision, schema_changed, transaction_id FROM ward_commits`+asOf+`
			WHERE revision > $1 AND revision <= $2 ORDER BY revision LIMIT 100`, rev, upTo)
		if err != nil {
			return err
		}
		var schemaChanged bool
		var r int64
		var id [16]byte
		if _, err := pgx.ForEachRow(rows, []any{&r, &schemaChanged, &id}, func() error {
			if n := len(sets); n > 0 && sets[n-1].Revision.Major == uint64(r) {
				sets[n-1].SchemaChanged = sets[n-1].SchemaChanged || schemaChanged
				return nil
			}
			sets = append(sets, store.ChangeSet{Revision: store.Revision{Major: uint64(r)}, SchemaChanged: schemaChanged})
			ids = append(ids, id)
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
	if err == nil {
		s.primarySeen.Store(time.Now().UnixNano())
	}
	return sets, ids, err
}

// commitAt returns the transaction that committed rev on the primary. A revision without a commit
// row — collected, or never committed on this history — fails with FailedPrecondition.
func (s *Store) commitAt(ctx context.Context, rev int64) (*[16]byte, error) {
	var id [16]byte
	err := s.retry(ctx, "watch", func(ctx context.Context) error {
		return s.primary.QueryRow(ctx, `SELECT transaction_id FROM ward_commits WHERE revision = $1`, rev).Scan(&id)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.New(fault.FailedPrecondition,
			"revision %d has no commit in the database's history (collected, or discarded by a failover)", rev)
	}
	if err != nil {
		return nil, err
	}
	return &id, nil
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
	defer func() {
		conn.Close(context.WithoutCancel(ctx))
		if s.primary.closing != nil {
			s.primary.closing(conn)
		}
	}()
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

// commitLog remembers which transaction committed the revisions this process's watches have
// passed, so that a watch resumed after a failover can tell whether the new primary's history
// still holds them. It keeps the newest revisions only: a watch resumes near where it stopped.
type commitLog struct {
	mu  sync.Mutex
	ids map[int64]*[16]byte
}

const commitLogSize = 4096

func (l *commitLog) put(rev int64, id *[16]byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ids == nil || len(l.ids) >= commitLogSize {
		l.ids = make(map[int64]*[16]byte, commitLogSize)
	}
	l.ids[rev] = id
}

func (l *commitLog) get(rev int64) *[16]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ids[rev]
}
