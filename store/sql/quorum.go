package sql

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wardhq/ward/fault"
)

// Reads through a failover. While a PostgreSQL primary is gone — killed, stalled, or cut off —
// nothing can tell a node which revision is the newest committed one, and a fully consistent read
// would have to fail until a standby is promoted. With synchronous replication it need not: every
// commit ward acknowledged has been applied on the primary and on its synchronous standbys
// (ward's sessions ask for synchronous_commit = remote_apply when quorum nodes are configured),
// and WAL is one line, so each of them applied everything before it too. When those nodes are
// more than half of the cluster — with three nodes, one synchronous standby; with five, two —
// any majority includes one of them, and the node of a majority furthest along the newest
// timeline has every acknowledged commit: its head is as good as the primary's for "fully
// consistent", and it can serve the reads. That holds only while every acknowledged commit has
// reached a synchronous standby: a primary that may acknowledge commits alone when no standby is
// there (Patroni's synchronous_mode without synchronous_mode_strict) breaks it.
//
// What the quorum may show beyond that is what PostgreSQL shows too: a commit that the primary
// applied but no standby acknowledged is visible on the primary before the client hears of it, and
// is discarded if the primary is lost. Watches detect such discarded history (see commitLog).

// quorumAway is how long reads skip the primary after it failed to answer within
// primaryPatience: during a failover, each read would otherwise wait out the patience first.
// quorumTimeout bounds one round of asking the quorum nodes.
const (
	quorumAway    = time.Second
	quorumTimeout = 2 * time.Second
)

// WithQuorum names every node of the PostgreSQL cluster — the primary and each standby, one DSN
// each — so that reads go on while the primary does not answer: they then go to the node of a
// majority furthest along the newest timeline. It needs at least three nodes and strict
// synchronous replication in which the primary and its synchronous standbys are more than half of
// them (with Patroni: synchronous_mode and synchronous_mode_strict; on five nodes also
// synchronous_node_count: 2). Nodes that are also read replicas share their connections.
func WithQuorum(dsns ...string) Option {
	return optionFunc(func(c *config) { c.quorumDSNs = append(c.quorumDSNs, dsns...) })
}

// headFromQuorum reports whether heads and reads go to the quorum without asking the primary
// first: when there are quorum nodes and the primary failed to answer within the last quorumAway.
func (s *Store) headFromQuorum() bool {
	return len(s.quorum) > 0 && time.Now().UnixNano() < s.primaryAway.Load()
}

// tryPrimary runs query on the primary and reports whether the caller must go to the quorum
// instead: never without quorum nodes (query then has the whole retry budget), at once while the
// primary is away, and when it does not answer within primaryPatience.
func (s *Store) tryPrimary(ctx context.Context, query func(context.Context) error) (toQuorum bool, err error) {
	switch {
	case len(s.quorum) == 0:
		return false, query(ctx)
	case s.headFromQuorum():
		return true, nil
	default:
		return s.askPrimaryBriefly(ctx, query)
	}
}

// askPrimaryBriefly runs query against the primary within primaryPatience. When the primary did
// not answer, it counts as away for quorumAway and gaveUp is set: the caller falls back.
func (s *Store) askPrimaryBriefly(ctx context.Context, query func(context.Context) error) (gaveUp bool, err error) {
	qctx, cancel := context.WithTimeout(ctx, primaryPatience)
	err = query(qctx)
	cancel()
	if err == nil || ctx.Err() != nil || !awayError(err) {
		return false, err
	}
	if time.Now().UnixNano() >= s.primaryAway.Swap(time.Now().Add(quorumAway).UnixNano()) {
		s.log.WarnContext(ctx, "the primary did not answer in time; falling back", "patience", primaryPatience, "error", err)
	}
	return true, err
}

// awayError reports whether err says that the primary did not answer, rather than that it refused.
func awayError(err error) bool {
	c := fault.CodeOf(err)
	return c == fault.Unavailable || c == fault.DeadlineExceeded || c == fault.Canceled || transient(err)
}

// quorumHead returns the head of the quorum node that holds every acknowledged commit (see
// askQuorum).
func (s *Store) quorumHead(ctx context.Context) (int64, error) {
	head, _, err := s.askQuorum(ctx)
	return head, err
}

// askQuorum asks every quorum node at once where it stands — its timeline, its position in the
// WAL, the head it shows — and returns, once a majority has answered, the one furthest along the
// newest timeline among them, and its head: it holds every acknowledged commit. Comparing
// positions alone would not do: a stalled primary that wakes up after a failover, or a standby
// not yet rewound, stands on the old timeline, where the WAL after the fork holds commits nobody
// acknowledged, and may be further along it than the new primary is on its own. While the primary
// is away, reads go to that node (see replicaFor). It fails with Unavailable when fewer than a
// majority answer.
//
// A standby's timeline is the one its WAL receiver streams; one that is not streaming counts as
// timeline 0, below any other (seeing standbys' timelines needs the pg_read_all_stats role, or
// superuser). A primary's is the one it writes.
//
// The answers that come after the majority's are still read, within quorumTimeout, for the
// timeline they show: a newly promoted primary, busy with its end-of-recovery checkpoint, is often
// the slowest to answer, and is the node whose timeline matters most.
func (s *Store) askQuorum(ctx context.Context) (head int64, best *replica, err error) {
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), quorumTimeout)
	var asked sync.WaitGroup
	defer func() {
		go func() { asked.Wait(); cancel() }()
	}()
	type answer struct {
		node     *replica
		head     int64
		timeline int64
		lsn      int64
		err      error
	}
	answers := make(chan answer, len(s.quorum))
	for _, n := range s.quorum {
		asked.Go(func() {
			a := answer{node: n}
			a.err = n.pool.QueryRow(qctx, `
				SELECT h.revision, `+timelineSQL+`,
					(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END - '0/0'::pg_lsn)::bigint
				FROM ward_head h`).Scan(&a.head, &a.timeline, &a.lsn)
			if a.err == nil {
				s.sawTimeline(a.timeline)
			}
			answers <- a // buffered for every node: never blocks
		})
	}
	need := len(s.quorum)/2 + 1
	var ok, failed int
	var top answer
	var lastErr error
	for range s.quorum {
		var a answer
		select {
		case a = <-answers:
		case <-ctx.Done():
			a = answer{err: ctx.Err()}
			failed = len(s.quorum) // the caller is gone: no answer counts now
		}
		if a.err != nil {
			failed++
			lastErr = a.err
		} else {
			ok++
			if top.node == nil || a.timeline > top.timeline || a.timeline == top.timeline && a.lsn > top.lsn {
				top = a
			}
		}
		if ok == need {
			s.quorumAnswers.Add(1)
			s.chose(&quorumChoice{node: top.node, head: top.head, timeline: top.timeline, at: time.Now()})
			s.sawCommitted(top.head)
			return top.head, top.node, nil
		}
		if failed > len(s.quorum)-need {
			break
		}
	}
	return 0, nil, fault.Wrap(fault.Unavailable, lastErr,
		fmt.Sprintf("the primary does not answer, and only %d of %d database nodes did (a majority is %d); retry later", ok, len(s.quorum), need))
}

// timelineSQL is the timeline a node is on: the one a primary writes, the one a standby's WAL
// receiver streams (0 when it is not streaming, or the role may not see it).
const timelineSQL = `CASE WHEN pg_is_in_recovery() THEN coalesce((SELECT received_tli FROM pg_stat_wal_receiver), 0)
	ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END`

// sawTimeline records that a node stands on timeline tli.
func (s *Store) sawTimeline(tli int64) {
	for {
		seen := s.timeline.Load()
		if tli <= seen || s.timeline.CompareAndSwap(seen, tli) {
			return
		}
	}
}

// errDeposed refuses a connection to a primary on an older timeline than one already seen.
var errDeposed = errors.New("a primary on an older timeline than one already seen: deposed by a failover")

// refuseDeposed vets each connection of the primary pool: a primary on an older timeline than one
// this node has seen is one a failover deposed — a stalled primary that woke up — whose newest
// commits nobody acknowledged, and that lacks those the new primary acknowledged. Until Patroni
// demotes it, it still takes connections, and reads there would miss acknowledged writes; refused,
// the multi-host DSN goes on to the next host.
func (s *Store) refuseDeposed(ctx context.Context, c *pgconn.PgConn) error {
	res, err := c.Exec(ctx, `SELECT `+timelineSQL).ReadAll()
	if err != nil {
		return err
	}
	tli, err := strconv.ParseInt(string(res[0].Rows[0][0]), 10, 64)
	if err != nil {
		return fmt.Errorf("reading the timeline: %w", err)
	}
	if tli > 0 && tli < s.timeline.Load() {
		s.log.WarnContext(ctx, "refusing a deposed primary", "host", c.Conn().RemoteAddr().String(), "timeline", tli, "newest_timeline", s.timeline.Load())
		return errDeposed
	}
	s.sawTimeline(tli)
	s.connTimelines.Store(c, tli)
	return nil
}

// keepConn is the primary pool's check of a connection it is about to hand out: one made to a
// primary that has since been deposed — it was stalled, and woke up with its connections intact —
// is closed, and the pool makes another (which refuseDeposed vets).
func (s *Store) keepConn(_ context.Context, c *pgx.Conn) (bool, error) {
	tli, ok := s.connTimelines.Load(c.PgConn())
	return !ok || tli.(int64) == 0 || tli.(int64) >= s.timeline.Load(), nil
}

// forgetConn drops what refuseDeposed recorded of a connection the pool closes.
func (s *Store) forgetConn(c *pgx.Conn) { s.connTimelines.Delete(c.PgConn()) }

// quorumChoice is the node askQuorum chose, with the head and timeline it showed then.
type quorumChoice struct {
	node     *replica
	head     int64
	timeline int64
	at       time.Time
}

// chose records c as the node reads go to while the primary is away, unless a concurrent round
// recorded a newer one a moment ago (an older choice gives way, in case its node is gone).
func (s *Store) chose(c *quorumChoice) {
	for {
		old := s.quorumBest.Load()
		newer := old != nil && (old.timeline > c.timeline || old.timeline == c.timeline && old.head > c.head)
		if newer && c.at.Sub(old.at) < primaryPatience {
			return
		}
		if s.quorumBest.CompareAndSwap(old, c) {
			return
		}
	}
}

// readCommitted runs op, a read of tables that revisions do not version (the OAuth2 server's), on
// the primary; while the primary is away, on the quorum node furthest along the WAL, which holds
// every acknowledged commit. Without quorum nodes it is s.retry on the primary.
func (s *Store) readCommitted(ctx context.Context, what string, op func(ctx context.Context, q querier) error) error {
	onPrimary := func(ctx context.Context) error {
		return s.retry(ctx, what, func(ctx context.Context) error { return op(ctx, s.primary) })
	}
	if toQuorum, err := s.tryPrimary(ctx, onPrimary); !toQuorum {
		return err
	}
	return s.retry(ctx, what, func(ctx context.Context) error {
		_, n, err := s.askQuorum(ctx)
		if err != nil {
			return err
		}
		return op(ctx, n.pool)
	})
}
