package sql

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cockroachdb/cockroach-go/v2/crdb"
	crdbpgx "github.com/cockroachdb/cockroach-go/v2/crdb/crdbpgxv5"
	"github.com/jackc/pgx/v5"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// On CockroachDB a revision is the commit timestamp of a transaction on the cluster's hybrid
// logical clock, in whole microseconds of its wall time: the store needs no counter row that every
// write would have to lock (one range, and in a multi-region cluster a cross-region round trip
// inside every write). Revisions fit the same BIGINT columns as on PostgreSQL, so both databases
// run the same tables and queries.
//
// Rounding to microseconds can give two transactions the same revision. That is harmless because a
// snapshot is read AS OF SYSTEM TIME the end of its microsecond, with the largest logical
// component: it holds every transaction of that microsecond, and CockroachDB guarantees that no
// transaction commits later at a timestamp at or below a time already read (it restarts instead,
// and takes a new revision). The change sets of transactions that share a revision are one change
// set to Watch. A revision becomes readable once the cluster's clock has left its microsecond;
// HeadRevision is therefore the microsecond before the clock's.
//
// Snapshots older than the follower-read horizon are served by the nearest replica of each range
// (follower reads): OptimizedRevision picks such a snapshot whenever max_staleness allows.

// asOf returns the AS OF SYSTEM TIME clause that reads revision rev, or "" on PostgreSQL and
// inside transactions, which read the newest state.
func (r *reader) asOf() string {
	if !r.s.cockroach || r.q != nil {
		return ""
	}
	return asOfRevision(r.rev)
}

// asOfRevision renders the end of rev's microsecond as a CockroachDB HLC timestamp, a DECIMAL
// literal: nanoseconds, then the logical counter as ten digits (a 32-bit integer, at its largest). It is built
// from an integer only, so it can be spliced into SQL.
func asOfRevision(rev int64) string {
	return " AS OF SYSTEM TIME " + strconv.FormatInt((rev+1)*1000-1, 10) + ".2147483647"
}

// headCockroach returns the newest readable revision: the microsecond before the cluster clock's.
func (s *Store) headCockroach(ctx context.Context) (int64, error) {
	var now int64
	err := s.retry(ctx, "head revision", func(ctx context.Context) error {
		return s.primary.QueryRow(ctx, `SELECT floor(cluster_logical_timestamp() / 1000)::INT8`).Scan(&now)
	})
	return now - 1, err
}

// maxClockWait bounds how long a read of a revision newer than the head waits for the cluster's
// clock to reach it. Revisions that come from commits are at most a few microseconds ahead of
// the clock of the node that reads them, plus the skew between nodes' clocks, which CockroachDB
// keeps under its maximum offset (500 ms by default).
const maxClockWait = time.Second

// awaitRevision waits until rev is readable, and fails with FailedPrecondition when rev is further
// ahead of the cluster's clock than any commit can be.
func (s *Store) awaitRevision(ctx context.Context, rev int64) error {
	deadline := time.Now().Add(maxClockWait)
	for {
		head, err := s.headCockroach(ctx)
		if err != nil {
			return err
		}
		if rev <= head {
			s.sawCommitted(head)
			return nil
		}
		ahead := time.Duration(rev-head) * time.Microsecond
		if ahead > maxClockWait || time.Now().Add(ahead).After(deadline) {
			return fault.New(fault.FailedPrecondition, "snapshot %d is newer than the newest commit (%d)", rev, head)
		}
		select {
		case <-time.After(ahead + time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// minFollowerWindow is the least time between the follower-read horizon and max_staleness for
// which minimize_latency reads use the horizon: the snapshot chosen at one boundary must stay
// within max_staleness until the next, so boundaries come that often.
const minFollowerWindow = 100 * time.Millisecond

// optimizedCockroach chooses the minimize_latency snapshot. When max_staleness leaves room beyond
// the follower-read horizon (follower_read_timestamp(), about 4.8 s behind with CockroachDB's
// defaults), it is the horizon, re-read every (max_staleness - lag): reads of it are served by the
// nearest replica. Otherwise it is the cluster clock at each max_staleness/2 boundary, read from
// leaseholders.
func (s *Store) optimizedCockroach(ctx context.Context, maxStaleness time.Duration) (store.Revision, error) {
	q := maxStaleness / 2
	lag := time.Duration(s.followerLag.Load())
	follower := lag > 0 && maxStaleness-lag >= minFollowerWindow
	if follower {
		q = min(q, maxStaleness-lag)
	}
	boundary := time.Now().Truncate(q)
	if o := s.optimized.Load(); o != nil && o.boundary.Equal(boundary) {
		return o.rev, nil
	}
	var horizon, now int64
	err := s.retry(ctx, "optimized revision", func(ctx context.Context) error {
		return s.primary.QueryRow(ctx, `SELECT
				floor(extract(epoch FROM follower_read_timestamp()) * 1000000)::INT8,
				floor(cluster_logical_timestamp() / 1000)::INT8`).Scan(&horizon, &now)
	})
	if err != nil {
		return store.Revision{}, err
	}
	lag = time.Duration(now-horizon) * time.Microsecond
	s.followerLag.Store(int64(lag))
	rev := now - 1
	if follower && lag+q <= maxStaleness {
		rev = horizon - 1
	}
	s.sawCommitted(now - 1)
	r := store.Revision{Major: uint64(rev)}
	s.optimized.Store(&optimizedRevision{boundary: boundary, rev: r})
	return r, nil
}

// transactCockroach runs fn in a CockroachDB transaction whose revision is its commit timestamp.
// cockroach-go restarts the transaction on serialization conflicts (40001) under the savepoint
// protocol; s.retry covers lost connections. A commit whose outcome is ambiguous is looked up by
// its transaction ID, as on PostgreSQL.
func (s *Store) transactCockroach(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) (int64, error) {
	var id [16]byte
	rand.Read(id[:])
	var rev int64
	var changed bool
	err := crdbpgx.ExecuteTx(ctx, s.primary, pgx.TxOptions{}, func(ptx pgx.Tx) error {
		// Reading the commit timestamp fixes it: a transaction that would have to move to a later
		// one restarts instead, and takes the new timestamp here.
		if err := ptx.QueryRow(ctx, `SELECT floor(cluster_logical_timestamp() / 1000)::INT8`).Scan(&rev); err != nil {
			return err
		}
		t := &tx{reader: reader{s: s, rev: rev, q: ptx}, ptx: ptx, rev: rev}
		if err := fn(ctx, t); err != nil {
			return err
		}
		changed = t.changed
		if !changed {
			return nil
		}
		_, err := ptx.Exec(ctx, `INSERT INTO ward_commits (revision, transaction_id, schema_changed) VALUES ($1, $2, $3)`,
			rev, id, t.schemaChanged)
		return err
	})
	var ambiguous *crdb.AmbiguousCommitError
	switch {
	case err == nil && !changed:
		return rev - 1, nil
	case err == nil:
		return rev, nil
	case !changed || !errors.As(err, &ambiguous) && !transient(err):
		return 0, err
	}
	committed, err := s.commitOutcome(ctx, rev, id, err)
	switch {
	case committed:
		return rev, nil
	case errors.As(err, &ambiguous):
		// Not committed: s.retry runs the transaction again if the cause is transient.
		return 0, fmt.Errorf("commit did not take effect: %w", ambiguous.Unwrap())
	}
	return 0, err
}
