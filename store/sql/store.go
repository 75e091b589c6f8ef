// Package sql is ward's store on PostgreSQL and CockroachDB, in the same tables and, where
// possible, the same SQL, through pgx connection pools.
//
// On PostgreSQL revisions are commit counters: each write transaction increments the single row of ward_head and
// holds its lock until it commits, so revision order is commit order. Tuples carry the revisions
// that created and deleted them, so any connection — the primary's or a replica's — can read any
// retained snapshot with `created_rev <= R AND deleted_rev > R`, and all sub-queries of one check
// see one snapshot. Reads go to a replica whose replayed head has reached the snapshot, else to the
// primary. Transient failures are retried with bounded backoff; callers see Unavailable only when
// the budget is spent. On CockroachDB revisions are commit timestamps and snapshots are read AS OF
// SYSTEM TIME, from followers where the staleness allows: see cockroach.go.
package sql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// Store is a store.Store over PostgreSQL. Create it with Open.
type Store struct {
	primary  *pool
	replicas []*replica
	// quorum is every node of the PostgreSQL cluster, asked for heads while the primary is away
	// (see quorum.go); it shares the replicas' entries where the DSNs are the same.
	quorum []*replica
	// cockroach is set when the database is CockroachDB: revisions are then commit timestamps
	// (see cockroach.go) rather than the counter in ward_head.
	cockroach bool
	// followerLag is how far behind the cluster clock CockroachDB's follower-read horizon was last
	// seen, in nanoseconds; 0 until measured.
	followerLag atomic.Int64
	// nextReplica spreads reads over the replicas.
	nextReplica atomic.Uint32
	cfg         config
	log         *slog.Logger

	schemas   schemaCache
	commits   commitLog // the transactions of the revisions watches passed (PostgreSQL)
	optimized atomic.Pointer[optimizedRevision]
	// collected is the revision below which history is gone, as last seen.
	collected atomic.Int64
	// knownHead is a revision known to be committed: reads at or below it need no check.
	knownHead atomic.Int64
	// primarySeen is when the primary last answered a query that tells what is committed — an
	// optimized revision, or a watch's poll (Unix ns).
	primarySeen atomic.Int64
	// primaryAway is until when reads go to the quorum without asking the primary (Unix ns), and
	// quorumAnswers how many times a majority answered for it.
	primaryAway   atomic.Int64
	quorumAnswers atomic.Int64
	// quorumBest is the quorum node reads go to while the primary is away, and timeline the
	// newest timeline seen on any node (with quorum nodes only; see quorum.go).
	quorumBest atomic.Pointer[quorumChoice]
	timeline   atomic.Int64
	// connTimelines is the timeline of each connection of the primary pool (*pgconn.PgConn to
	// int64), with quorum nodes only.
	connTimelines sync.Map
	// reads counts the queries of snapshots, by where they went: [0] the primary, [1] replicas.
	reads   [2]atomic.Int64
	metrics metrics

	commitMu sync.Mutex
	commit   chan struct{} // closed and replaced at each commit announced

	stop   context.CancelFunc
	wg     sync.WaitGroup
	closed atomic.Bool
}

var _ store.Store = (*Store)(nil)

type optimizedRevision struct {
	boundary time.Time
	rev      store.Revision
}

// Option configures a Store.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	replicaDSNs   []string
	quorumDSNs    []string
	retention     time.Duration
	retryBudget   time.Duration
	pollInterval  time.Duration
	gcInterval    time.Duration
	logger        *slog.Logger
	registerer    prometheus.Registerer
	tracer        trace.Tracer
	maxConns      int32
	connectTimout time.Duration
}

// WithReplicas adds read replicas (hot standbys of the primary), used for snapshots they have
// replayed. By default there are none.
func WithReplicas(dsns ...string) Option {
	return optionFunc(func(c *config) { c.replicaDSNs = append(c.replicaDSNs, dsns...) })
}

// WithRetention sets how long superseded tuple versions and commits are kept: how far back Watch
// and page tokens reach. The default is 10 minutes.
func WithRetention(d time.Duration) Option { return optionFunc(func(c *config) { c.retention = d }) }

// WithRetryBudget bounds how long one operation retries transient failures before it fails with
// Unavailable. The default is 10 seconds.
func WithRetryBudget(d time.Duration) Option {
	return optionFunc(func(c *config) { c.retryBudget = d })
}

// WithPollInterval sets how often replicas' heads are read and Watch looks for commits. The
// default is 50 milliseconds.
func WithPollInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.pollInterval = d })
}

// WithLogger sets the logger. The default discards.
func WithLogger(l *slog.Logger) Option { return optionFunc(func(c *config) { c.logger = l }) }

// WithRegisterer registers the store's metrics (retries, reads by source, pool connections) with
// r. By default they are not registered.
func WithRegisterer(r prometheus.Registerer) Option {
	return optionFunc(func(c *config) { c.registerer = r })
}

// WithTracer records a span per SQL statement. By default nothing is traced.
func WithTracer(t trace.Tracer) Option { return optionFunc(func(c *config) { c.tracer = t }) }

// WithMaxConns sets each pool's maximum connections. The default is pgx's (4 per CPU, at least 4).
func WithMaxConns(n int32) Option { return optionFunc(func(c *config) { c.maxConns = n }) }

// Open connects to the primary at dsn (a multi-host DSN such as `host=a,b,c
// target_session_attrs=read-write` follows failovers) and to the replicas, checks that the
// database's schema is current (see package migrations), and starts the replica poller and the
// garbage collector. Close stops them.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	cfg := config{
		retention:     10 * time.Minute,
		retryBudget:   10 * time.Second,
		pollInterval:  50 * time.Millisecond,
		gcInterval:    time.Minute,
		logger:        slog.New(slog.DiscardHandler),
		connectTimout: 5 * time.Second,
	}
	for _, o := range opts {
		o.apply(&cfg)
	}
	if n := len(cfg.quorumDSNs); n > 0 && n < 3 {
		return nil, fault.Invalid("quorum_dsns", "name every node of the database cluster, at least three (got %d): a majority of them must hold every acknowledged commit while one is gone", n)
	}
	var primaryParams map[string]string
	if len(cfg.quorumDSNs) > 0 {
		// A commit is acknowledged only once a synchronous standby has applied it, not merely
		// flushed it: then a majority of the nodes shows every acknowledged commit.
		primaryParams = map[string]string{"synchronous_commit": "remote_apply"}
	}
	s := &Store{cfg: cfg, log: cfg.logger, commit: make(chan struct{})}
	var guard *connGuard
	if len(cfg.quorumDSNs) > 0 {
		guard = &connGuard{validate: s.refuseDeposed, prepare: s.keepConn, closing: s.forgetConn}
	}
	primary, err := newPool(ctx, dsn, cfg, primaryParams, guard)
	if err != nil {
		return nil, fmt.Errorf("primary: %w", err)
	}
	s.primary = primary
	byDSN := map[string]*replica{}
	for i, d := range cfg.replicaDSNs {
		p, err := newPool(ctx, d, cfg, nil, nil)
		if err != nil {
			s.closePools()
			return nil, fmt.Errorf("replica %d: %w", i, err)
		}
		s.replicas = append(s.replicas, &replica{pool: p})
		byDSN[d] = s.replicas[i]
	}
	for i, d := range cfg.quorumDSNs {
		n := byDSN[d]
		if n == nil {
			p, err := newPool(ctx, d, cfg, nil, nil)
			if err != nil {
				s.closePools()
				return nil, fmt.Errorf("quorum node %d: %w", i, err)
			}
			n = &replica{pool: p}
			byDSN[d] = n
		}
		s.quorum = append(s.quorum, n)
	}
	if cfg.registerer != nil {
		if err := s.register(cfg.registerer); err != nil {
			s.closePools()
			return nil, err
		}
	} else {
		// Counted all the same, by a counter nobody collects.
		s.metrics.retries = prometheus.NewCounter(prometheus.CounterOpts{Name: "ward_db_retries_total"})
	}
	if err := s.detect(ctx); err != nil {
		s.closePools()
		return nil, err
	}
	bg, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.pollReplicas(bg) }()
	go func() { defer s.wg.Done(); s.collectGarbage(bg) }()
	if !s.cockroach { // CockroachDB has no LISTEN/NOTIFY: its watches poll
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.listen(bg) }()
	}
	return s, nil
}

// detect asks the server whether it is CockroachDB, retrying while it does not answer.
func (s *Store) detect(ctx context.Context) error {
	var v string
	err := s.retry(ctx, "version", func(ctx context.Context) error {
		return s.primary.QueryRow(ctx, `SELECT version()`).Scan(&v)
	})
	if err != nil {
		return fmt.Errorf("asking the database for its version: %w", err)
	}
	s.cockroach = strings.Contains(v, "CockroachDB")
	if s.cockroach && len(s.replicas) > 0 {
		return fault.Invalid("replica_dsns", "replica DSNs are for PostgreSQL: on CockroachDB, minimize_latency reads go to the nearest replica of each range by themselves (follower reads)")
	}
	if s.cockroach && len(s.quorum) > 0 {
		return fault.Invalid("quorum_dsns", "quorum DSNs are for PostgreSQL: CockroachDB serves reads through the loss of a node by itself")
	}
	return nil
}

// Cockroach reports whether the database is CockroachDB.
func (s *Store) Cockroach() bool { return s.cockroach }

// connGuard is how a pool vets the servers it connects to and the connections it hands out.
type connGuard struct {
	// validate vets each server after the DSN's own checks (target_session_attrs), so that a
	// multi-host DSN goes on to the next host when it refuses one.
	validate pgconn.ValidateConnectFunc
	prepare  func(context.Context, *pgx.Conn) (bool, error)
	closing  func(*pgx.Conn)
}

// newPool connects to dsn; params are session settings added to the DSN's own; guard, if set,
// vets servers and connections.
func newPool(ctx context.Context, dsn string, cfg config, params map[string]string, guard *connGuard) (*pool, error) {
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fault.Wrap(fault.InvalidArgument, err, "the database DSN is not valid")
	}
	for k, v := range params {
		pc.ConnConfig.RuntimeParams[k] = v
	}
	if guard != nil {
		if own := pc.ConnConfig.ValidateConnect; own != nil {
			pc.ConnConfig.ValidateConnect = func(ctx context.Context, c *pgconn.PgConn) error {
				if err := own(ctx, c); err != nil {
					return err
				}
				return guard.validate(ctx, c)
			}
		} else {
			pc.ConnConfig.ValidateConnect = guard.validate
		}
		pc.PrepareConn, pc.BeforeClose = guard.prepare, guard.closing
	}
	if cfg.maxConns > 0 {
		pc.MaxConns = cfg.maxConns
	}
	if cfg.tracer != nil {
		pc.ConnConfig.Tracer = queryTracer{tracer: cfg.tracer}
	}
	if pc.ConnConfig.ConnectTimeout == 0 {
		pc.ConnConfig.ConnectTimeout = cfg.connectTimout
	}
	p, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("connecting: %w", err)
	}
	return newPoolOf(p, guard), nil
}

// Reads returns how many snapshot queries went to the primary and to replicas so far.
func (s *Store) Reads() (primary, replicas int64) { return s.reads[0].Load(), s.reads[1].Load() }

// ReplicaHeads returns the revision each replica was last seen to have replayed, -1 for one
// that did not answer.
func (s *Store) ReplicaHeads() []int64 {
	heads := make([]int64, len(s.replicas))
	for i, r := range s.replicas {
		heads[i] = r.head.Load()
	}
	return heads
}

// Pool returns the primary's pool, for migrations and tests.
func (s *Store) Pool() *pgxpool.Pool { return s.primary.Pool }

func (s *Store) closePools() {
	s.primary.Close()
	for _, n := range s.nodes() {
		n.pool.Close()
	}
}

// nodes returns the replicas and quorum nodes, each once.
func (s *Store) nodes() []*replica {
	nodes := slices.Clone(s.replicas)
	for _, n := range s.quorum {
		if !slices.Contains(nodes, n) {
			nodes = append(nodes, n)
		}
	}
	return nodes
}

// QuorumAnswers returns how many times a majority of the quorum nodes answered because the
// primary did not.
func (s *Store) QuorumAnswers() int64 { return s.quorumAnswers.Load() }

// Close stops the background work and closes the pools. It is idempotent.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.stop()
	s.wg.Wait()
	s.closePools()
	return nil
}

// Ping reports whether the primary answers.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return fault.New(fault.Unavailable, "the store is closed")
	}
	return s.retry(ctx, "ping", func(ctx context.Context) error { return s.primary.Ping(ctx) })
}

// HeadRevision returns the newest committed revision, read from the primary.
func (s *Store) HeadRevision(ctx context.Context) (store.Revision, error) {
	if s.cockroach {
		rev, err := s.headCockroach(ctx)
		if err == nil {
			s.sawCommitted(rev)
		}
		return store.Revision{Major: uint64(rev)}, err
	}
	var rev int64
	query := func(ctx context.Context) error {
		return s.retry(ctx, "head revision", func(ctx context.Context) error {
			return s.primary.QueryRow(ctx, `SELECT revision FROM ward_head`).Scan(&rev)
		})
	}
	toQuorum, err := s.tryPrimary(ctx, query)
	if toQuorum {
		rev, err = s.quorumHead(ctx)
	}
	if err == nil {
		s.sawCommitted(rev)
	}
	return store.Revision{Major: uint64(rev)}, err
}

// sawCommitted records that rev is committed.
func (s *Store) sawCommitted(rev int64) {
	for {
		known := s.knownHead.Load()
		if rev <= known || s.knownHead.CompareAndSwap(known, rev) {
			return
		}
	}
}

// OptimizedRevision returns the newest revision committed at or before the last boundary of a
// maxStaleness/2 grid, computed once per boundary: every request in that window shares it, and so
// shares the check cache. The boundary is on this node's clock and commit times on the database's:
// a skew between them adds to the staleness, so keep the clocks synchronized (NTP) as for any
// database client that reasons about time.
func (s *Store) OptimizedRevision(ctx context.Context, maxStaleness time.Duration) (store.Revision, error) {
	if maxStaleness <= 0 {
		return s.HeadRevision(ctx)
	}
	if s.cockroach {
		return s.optimizedCockroach(ctx, maxStaleness)
	}
	q := maxStaleness / 2
	boundary := time.Now().Truncate(q)
	if o := s.optimized.Load(); o != nil && o.boundary.Equal(boundary) {
		return o.rev, nil
	}
	var rev int64
	query := func(ctx context.Context) error {
		return s.retry(ctx, "optimized revision", func(ctx context.Context) error {
			// The newest commit before the boundary, or the head if nothing older is retained.
			return s.primary.QueryRow(ctx, `
				SELECT coalesce(
					(SELECT revision FROM ward_commits WHERE committed_at <= $1 ORDER BY revision DESC LIMIT 1),
					(SELECT revision FROM ward_head))`, boundary).Scan(&rev)
		})
	}
	// Asked briefly first: while the primary fails over, reads fall back to the quorum's head,
	// which is fresh, or to what this node knows for as long as that is fresh enough; past that,
	// the primary is asked with the whole budget.
	gaveUp := s.headFromQuorum()
	var err error
	if !gaveUp {
		gaveUp, err = s.askPrimaryBriefly(ctx, query)
	}
	if gaveUp {
		if len(s.quorum) > 0 {
			if head, err := s.quorumHead(ctx); err == nil {
				return store.Revision{Major: uint64(head)}, nil
			}
		}
		if known, ok := s.knownWithoutPrimary(maxStaleness); ok {
			return known, nil
		}
		err = query(ctx)
	}
	if err != nil {
		return store.Revision{}, err
	}
	s.primarySeen.Store(time.Now().UnixNano())
	r := store.Revision{Major: uint64(rev)}
	s.optimized.Store(&optimizedRevision{boundary: boundary, rev: r})
	return r, nil
}

var errClosed = errors.New("store closed")

// primaryPatience is how long a read waits for the primary to say which snapshot to read before it
// falls back: to the quorum nodes when there are some, and for minimize_latency to the newest
// revision this node knows to be committed.
const primaryPatience = 500 * time.Millisecond

// knownWithoutPrimary returns the newest revision this node knows to be committed — from its own
// writes, head reads, watches and replicas — while that knowledge is within maxStaleness/2 of the
// primary's last answer. From here alone a node cannot tell a dead primary (nothing can commit:
// what it knows is the newest state) from one it is cut off from while others commit; the
// snapshot it knew half a staleness bound ago is within the bound either way, and past that
// minimize_latency reads fail until the primary answers again.
func (s *Store) knownWithoutPrimary(maxStaleness time.Duration) (store.Revision, bool) {
	seen := s.primarySeen.Load()
	if seen == 0 || time.Since(time.Unix(0, seen)) > maxStaleness/2 {
		return store.Revision{}, false
	}
	known := s.knownHead.Load() // replicas' heads included: see pollReplicas
	return store.Revision{Major: uint64(known)}, known > 0
}
