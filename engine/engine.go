package engine

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/wardhq/ward/engine/schema"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// Engine answers permission questions over a store and validates writes to it. It is safe for
// concurrent use.
type Engine struct {
	store    store.Store
	cfg      config
	dispatch dispatcher
	metrics  *metrics

	tokens  tokenMemo
	reverse reverseIndex
	pages   pageKeys
	// lookups holds one slot per expensive call in flight (lookups, Expand, CheckBulk).
	lookups    chan struct{}
	candidates *candidateCache
	// The caches keyed by revision, which ForgetCaches empties; cache is nil when caching is off.
	cache       *cachingDispatcher
	memberships *memberships

	schemaMu sync.Mutex
	compiled map[store.Revision]*schema.Schema // by the revision that wrote the schema
	latest   atomic.Pointer[compiledSchema]    // the last one used: the lock-free fast path
	// schemaFloor bounds how old a MinimizeLatency snapshot may be.
	schemaFloor schemaFloor
}

type compiledSchema struct {
	rev    store.Revision
	schema *schema.Schema
}

// Option configures an Engine.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	maxDepth     int
	maxStaleness time.Duration
	cacheSize    int
	concurrency  int
	parallelism  int
	registerer   prometheus.Registerer
	tracer       trace.Tracer

	pageSecrets       [][]byte
	maxLookupCost     int64
	maxConcurrent     int
	concurrentWait    time.Duration
	candidateSetLimit int
}

// WithPageTokenSecrets sets the keys that sign page tokens: the first signs, all verify. Every
// node that serves the pages of one read needs the same keys. By default the engine makes a
// random key, which only it accepts.
func WithPageTokenSecrets(secrets ...[]byte) Option {
	return optionFunc(func(c *config) { c.pageSecrets = secrets })
}

// WithMaxLookupCost bounds the work of one LookupResources, LookupSubjects or Expand: tuples
// read plus candidates checked. A request that would exceed it fails with ResourceExhausted.
// The default is [DefaultMaxLookupCost].
func WithMaxLookupCost(n int64) Option { return optionFunc(func(c *config) { c.maxLookupCost = n }) }

// WithMaxConcurrentLookups bounds how many lookups, Expands and CheckBulks run at once. A call
// that finds every slot taken waits up to wait for one, then fails with ResourceExhausted. The
// default is 4 × GOMAXPROCS calls and a wait of 1 second.
func WithMaxConcurrentLookups(n int, wait time.Duration) Option {
	return optionFunc(func(c *config) { c.maxConcurrent, c.concurrentWait = n, wait })
}

// DefaultMaxLookupCost is the default of [WithMaxLookupCost]: ten times the tuples of the
// load-test dataset, so that only a lookup over a large part of a big store reaches it.
const DefaultMaxLookupCost = 1_000_000

// WithMaxDepth bounds how many dispatches deep a check may recurse; deeper checks fail with
// ResourceExhausted. The default is 50.
func WithMaxDepth(n int) Option { return optionFunc(func(c *config) { c.maxDepth = n }) }

// WithMaxStaleness sets how old a MinimizeLatency snapshot may be. The default is 5 seconds.
func WithMaxStaleness(d time.Duration) Option {
	return optionFunc(func(c *config) { c.maxStaleness = d })
}

// WithCacheSize sets how many check results the engine caches, and a tenth as many group
// membership sets; 0 disables both caches. The default is 1,000,000.
func WithCacheSize(n int) Option { return optionFunc(func(c *config) { c.cacheSize = n }) }

// WithConcurrency bounds how many sub-problems of one node of a check run at once. The default is 8.
func WithConcurrency(n int) Option { return optionFunc(func(c *config) { c.concurrency = n }) }

// WithParallelism bounds how many goroutines all checks together may add to evaluate branches in
// parallel; a branch that finds none free runs in its parent's goroutine. Over a store in memory,
// a few per CPU are best; over a database, whose reads wait on the network, more. 0 evaluates
// every check sequentially. The default is GOMAXPROCS.
func WithParallelism(n int) Option { return optionFunc(func(c *config) { c.parallelism = n }) }

// WithTracer records a span for every sub-problem that a check evaluates (cache hits are not
// evaluated). By default nothing is traced.
func WithTracer(t trace.Tracer) Option { return optionFunc(func(c *config) { c.tracer = t }) }

// WithRegisterer registers the engine's metrics with r. By default they are not registered.
func WithRegisterer(r prometheus.Registerer) Option {
	return optionFunc(func(c *config) { c.registerer = r })
}

// New returns an engine over st.
func New(st store.Store, opts ...Option) (*Engine, error) {
	cfg := config{maxDepth: 50, maxStaleness: 5 * time.Second, cacheSize: 1_000_000, concurrency: 8, parallelism: runtime.GOMAXPROCS(0),
		maxLookupCost: DefaultMaxLookupCost, maxConcurrent: 4 * runtime.GOMAXPROCS(0), concurrentWait: time.Second,
		candidateSetLimit: 4 * DefaultMaxLookupCost}
	for _, o := range opts {
		o.apply(&cfg)
	}
	if cfg.maxDepth < 1 || cfg.concurrency < 1 || cfg.cacheSize < 0 || cfg.maxStaleness < 0 || cfg.parallelism < 0 {
		return nil, errors.New("engine: max depth and concurrency must be positive; cache size, max staleness and parallelism not negative")
	}
	if cfg.maxLookupCost < 1 || cfg.maxConcurrent < 1 || cfg.concurrentWait < 0 {
		return nil, errors.New("engine: max lookup cost and max concurrent lookups must be positive, the wait not negative")
	}
	pages := randomPageKeys()
	if len(cfg.pageSecrets) > 0 {
		pages = pageKeys(cfg.pageSecrets)
		for _, k := range pages {
			if len(k) < 16 {
				return nil, errors.New("engine: a page token secret must have at least 16 bytes")
			}
		}
	}
	m, err := newMetrics(cfg.registerer)
	if err != nil {
		return nil, err
	}
	e := &Engine{store: st, cfg: cfg, metrics: m, compiled: make(map[store.Revision]*schema.Schema),
		pages: pages, lookups: make(chan struct{}, cfg.maxConcurrent), candidates: newCandidateCache(cfg.candidateSetLimit),
		memberships: newMemberships(cfg.cacheSize / 10)}
	// The dispatch chain: cache → singleflight → evaluator, whose sub-problems re-enter the chain.
	eval := &evaluator{reduce: newReducer(cfg.concurrency, cfg.parallelism), memberships: e.memberships,
		metrics: m, tracer: cfg.tracer}
	var d dispatcher = newSingleflight(eval)
	if cfg.cacheSize > 0 {
		e.cache = newCachingDispatcher(d, cfg.cacheSize, m)
		d = e.cache
	}
	eval.dispatch = d
	e.dispatch = d
	return e, nil
}

// ForgetCaches drops everything the engine keeps by revision: check results, membership sets and
// compiled schemas. Call it when revisions stopped naming one history — a PostgreSQL failover
// discarded commits that this node had read, and the new primary reuses their revision numbers —
// so that no answer from the lost history is served again.
func (e *Engine) ForgetCaches() {
	if e.cache != nil {
		for _, s := range e.cache.shards {
			s.Purge()
		}
	}
	if e.memberships.cache != nil {
		e.memberships.cache.Purge()
	}
	e.candidates.purge()
	e.schemaMu.Lock()
	clear(e.compiled)
	e.latest.Store(nil)
	e.schemaMu.Unlock()
	e.schemaFloor.forget()
}

// snapshot is everything one request reads: a revision, its reader and its schema.
type snapshot struct {
	rev    store.Revision
	token  Token
	reader store.Reader
	schema *schema.Schema
}

// snapshotFor resolves the consistency requirement to a snapshot.
func (e *Engine) snapshotFor(ctx context.Context, c Consistency) (*snapshot, error) {
	rev, err := e.revisionFor(ctx, c)
	if err != nil {
		return nil, err
	}
	return e.snapshotAt(ctx, rev)
}

func (e *Engine) snapshotAt(ctx context.Context, rev store.Revision) (*snapshot, error) {
	r := e.store.Snapshot(rev)
	sch, err := e.schemaOf(ctx, r)
	if err != nil {
		return nil, err
	}
	return &snapshot{rev: rev, token: e.tokens.token(rev), reader: r, schema: sch}, nil
}

// schemaOf returns the compiled schema a reader sees, compiling each stored version once.
func (e *Engine) schemaOf(ctx context.Context, r store.Reader) (*schema.Schema, error) {
	v, err := r.ReadSchema(ctx)
	if err != nil {
		if fault.CodeOf(err) == fault.NotFound {
			return nil, fault.New(fault.FailedPrecondition, "no schema has been written yet; write one with `ward schema write`")
		}
		return nil, err
	}
	if c := e.latest.Load(); c != nil && c.rev == v.Revision {
		return c.schema, nil
	}
	e.schemaFloor.raise(v.Revision)
	e.schemaMu.Lock()
	defer e.schemaMu.Unlock()
	if s, ok := e.compiled[v.Revision]; ok {
		e.latest.Store(&compiledSchema{rev: v.Revision, schema: s})
		return s, nil
	}
	s, err := schema.Compile(v.Text)
	if err != nil {
		return nil, fault.Bugf("stored schema of revision %s does not compile: %v", v.Revision, err)
	}
	// Few schema versions are ever live at once: keep the newest few.
	if len(e.compiled) >= 8 {
		clear(e.compiled)
	}
	e.compiled[v.Revision] = s
	e.latest.Store(&compiledSchema{rev: v.Revision, schema: s})
	return s, nil
}
