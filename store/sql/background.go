package sql

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// replica is a read replica and the newest revision it was last seen to have replayed.
type replica struct {
	pool *pool
	head atomic.Int64 // -1 while it does not answer, or is not a standby
}

// pollReplicas keeps each replica's replayed head current, and the collected horizon, until ctx
// ends. A replica that does not answer is not read from until it does; each is polled on its
// own, so that one that hangs delays no other.
func (s *Store) pollReplicas(ctx context.Context) {
	var wg sync.WaitGroup
	for _, n := range s.replicas {
		wg.Go(func() { s.pollNode(ctx, n) })
	}
	defer wg.Wait()
	tick := time.NewTicker(s.cfg.pollInterval)
	defer tick.Stop()
	lastHorizon := time.Time{}
	for {
		if time.Since(lastHorizon) > time.Second {
			var collected int64
			qctx, cancel := context.WithTimeout(ctx, time.Second)
			if err := s.primary.QueryRow(qctx, `SELECT collected_through FROM ward_head`).Scan(&collected); err == nil {
				s.collected.Store(collected)
				lastHorizon = time.Now()
			}
			cancel()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// pollNode keeps n's head current until ctx ends. A node out of recovery is no replica to read
// from: it is the primary, reached through its own pool, or a primary that a failover deposed,
// whose newest commits may be ones nobody acknowledged.
func (s *Store) pollNode(ctx context.Context, n *replica) {
	tick := time.NewTicker(s.cfg.pollInterval)
	defer tick.Stop()
	for {
		var head, tli int64
		var standby bool
		qctx, cancel := context.WithTimeout(ctx, time.Second)
		err := n.pool.QueryRow(qctx, `SELECT revision, pg_is_in_recovery(), `+timelineSQL+` FROM ward_head`).Scan(&head, &standby, &tli)
		// With quorum nodes, a standby must also stream the newest timeline seen: one that does
		// not may be a deposed primary, demoted but not yet rewound.
		if err != nil || !standby || len(s.quorum) > 0 && tli < s.timeline.Load() {
			head = -1
		}
		cancel()
		n.head.Store(head)
		// A hot standby shows only committed transactions: what it has replayed is committed,
		// and reads up to it need not ask the primary (which may be failing over).
		if head > 0 {
			s.sawCommitted(head)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// collectGarbage removes tuple versions and commits older than the retention, once per gcInterval,
// until ctx ends.
func (s *Store) collectGarbage(ctx context.Context) {
	tick := time.NewTicker(s.cfg.gcInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := s.CollectGarbage(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "garbage collection failed; will try again", "error", err)
		}
	}
}

// CollectGarbage removes what is older than the retention: tuple versions deleted before the
// newest commit older than the retention, and the commits before it. Snapshots before that commit
// become unreadable.
func (s *Store) CollectGarbage(ctx context.Context) error {
	var cutoff int64
	err := s.retry(ctx, "garbage collection", func(ctx context.Context) error {
		err := s.primary.QueryRow(ctx, `SELECT coalesce(max(revision), 0) FROM ward_commits WHERE committed_at < clock_timestamp() - $1::interval`,
			s.cfg.retention).Scan(&cutoff)
		if err != nil || cutoff == 0 {
			return err
		}
		// Raise the horizon first, so that no reader starts below it while versions go.
		if _, err := s.primary.Exec(ctx, `UPDATE ward_head SET collected_through = greatest(collected_through, $1)`, cutoff); err != nil {
			return err
		}
		// In batches, so that no one statement holds many locks (or, on CockroachDB, outgrows a
		// transaction's intent budget).
		deleteBatch := `DELETE FROM ward_tuples WHERE ctid = ANY(ARRAY(
				SELECT ctid FROM ward_tuples WHERE deleted_rev <= $1 LIMIT 10000))`
		if s.cockroach {
			deleteBatch = `DELETE FROM ward_tuples WHERE deleted_rev <= $1 LIMIT 10000`
		}
		for {
			tag, err := s.primary.Exec(ctx, deleteBatch, cutoff)
			if err != nil {
				return err
			}
			if tag.RowsAffected() < 10000 {
				break
			}
		}
		_, err = s.primary.Exec(ctx, `DELETE FROM ward_commits WHERE revision < $1`, cutoff)
		return err
	})
	if err == nil && cutoff > 0 {
		s.collected.Store(max(s.collected.Load(), cutoff))
	}
	return err
}
