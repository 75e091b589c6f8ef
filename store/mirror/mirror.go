// Package mirror owns the read path that makes checks over a database fast: an in-memory copy
// (store/memory) of a source store, loaded at one revision and kept current from the source's
// Watch — an index kept from the change log, in the manner of Zanzibar's Leopard, but of every
// tuple. Snapshots the copy has reached are read from memory, with the same revisions as the
// source, so consistency tokens mean the same on both; a snapshot newer than the copy waits
// briefly for it, then is read from the source. Writes, Watch and revisions come from the source.
package mirror

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

// Store is a store.Store that reads from a copy in memory. Create it with Open.
type Store struct {
	src  store.Store
	copy atomic.Pointer[memoryCopy]
	cfg  config

	mu      sync.Mutex
	advance chan struct{} // closed and replaced whenever the copy moves on

	stop context.CancelFunc
	done chan struct{}
}

var _ store.Store = (*Store)(nil)

// memoryCopy is one loaded copy: it can serve revisions from loadedAt to its head.
type memoryCopy struct {
	mem      *memory.Store
	loadedAt uint64
}

// Option configures a Store.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	wait      time.Duration
	retention time.Duration
	pageSize  int
	log       *slog.Logger
	onReload  func()
}

// WithWait sets how long a read of a snapshot newer than the copy waits for the copy before it
// goes to the source. The default is 100 milliseconds.
func WithWait(d time.Duration) Option { return optionFunc(func(c *config) { c.wait = d }) }

// WithRetention sets how long the copy keeps superseded versions. The default is 10 minutes.
func WithRetention(d time.Duration) Option { return optionFunc(func(c *config) { c.retention = d }) }

// WithOnReload calls f each time the copy is loaded anew because the source's history no longer
// reaches it (it fell behind the source's retention, or a failover discarded commits it had
// applied). Whatever was derived from the old copy by revision — the engine's caches — must be
// dropped then: f is the place to do it.
func WithOnReload(f func()) Option { return optionFunc(func(c *config) { c.onReload = f }) }

// WithLogger sets the logger. The default discards.
func WithLogger(l *slog.Logger) Option { return optionFunc(func(c *config) { c.log = l }) }

// Open loads a copy of src at its newest revision and starts following its changes. The Store
// owns src from then on: Close closes it.
func Open(ctx context.Context, src store.Store, opts ...Option) (*Store, error) {
	cfg := config{wait: 100 * time.Millisecond, retention: 10 * time.Minute, pageSize: 10_000, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o.apply(&cfg)
	}
	s := &Store{src: src, cfg: cfg, advance: make(chan struct{}), done: make(chan struct{})}
	c, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	s.copy.Store(c)
	bg, stop := context.WithCancel(context.Background())
	s.stop = stop
	go s.follow(bg)
	return s, nil
}

// load copies the source's newest snapshot into a new memory store.
func (s *Store) load(ctx context.Context) (*memoryCopy, error) {
	start := time.Now()
	rev, err := s.src.HeadRevision(ctx)
	if err != nil {
		return nil, err
	}
	r := s.src.Snapshot(rev)
	var schema *store.SchemaVersion
	switch v, err := r.ReadSchema(ctx); {
	case err == nil:
		schema = &v
	case fault.CodeOf(err) != fault.NotFound:
		return nil, err
	}
	mem := memory.New(memory.WithRetention(s.cfg.retention))
	n := 0
	counted := func(yield func(store.Tuple, error) bool) {
		for t, err := range pages(ctx, r, s.cfg.pageSize) {
			if err == nil {
				n++
			}
			if !yield(t, err) {
				return
			}
		}
	}
	if err := mem.Load(rev, counted, schema); err != nil {
		mem.Close()
		return nil, err
	}
	s.cfg.log.InfoContext(ctx, "loaded the in-memory copy of the store", "revision", rev, "tuples", n, "duration", time.Since(start))
	return &memoryCopy{mem: mem, loadedAt: rev.Major}, nil
}

// pages reads every tuple of r, a page at a time.
func pages(ctx context.Context, r store.Reader, size int) iter.Seq2[store.Tuple, error] {
	return func(yield func(store.Tuple, error) bool) {
		var after *store.Tuple
		for {
			n := 0
			var last store.Tuple
			for t, err := range r.QueryTuples(ctx, store.TupleFilter{}, store.QueryOptions{After: after, Limit: size}) {
				if err != nil {
					yield(store.Tuple{}, err)
					return
				}
				if !yield(t, nil) {
					return
				}
				last = t
				n++
			}
			if n < size {
				return
			}
			after = &last
		}
	}
}

// follow applies the source's change sets to the copy until ctx ends. When the source's history no
// longer reaches the copy (it fell too far behind), it loads a new copy.
func (s *Store) follow(ctx context.Context) {
	defer close(s.done)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		c := s.copy.Load()
		head, _ := c.mem.HeadRevision(ctx)
		err := s.applyChanges(ctx, c, head)
		if ctx.Err() != nil {
			return
		}
		s.cfg.log.WarnContext(ctx, "following the store's changes failed; resuming", "error", err)
		if fault.CodeOf(err) == fault.FailedPrecondition {
			if fresh, err := s.load(ctx); err == nil {
				s.copy.Store(fresh)
				c.mem.Close()
				if s.cfg.onReload != nil {
					s.cfg.onReload()
				}
				s.broadcast()
				continue
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// applyChanges applies change sets after head to c until the watch fails or ctx ends.
func (s *Store) applyChanges(ctx context.Context, c *memoryCopy, head store.Revision) error {
	for cs, err := range s.src.Watch(ctx, head) {
		if err != nil {
			return err
		}
		var schema *store.SchemaVersion
		if cs.SchemaChanged {
			v, err := s.src.Snapshot(cs.Revision).ReadSchema(ctx)
			if err != nil {
				return err
			}
			schema = &v
		}
		if err := c.mem.Apply(cs, schema); err != nil {
			return err
		}
		s.broadcast()
	}
	return ctx.Err()
}

func (s *Store) broadcast() {
	s.mu.Lock()
	close(s.advance)
	s.advance = make(chan struct{})
	s.mu.Unlock()
}

// reached returns the copy when it can serve rev, waiting up to the configured wait for it to get
// there; otherwise nil.
func (s *Store) reached(ctx context.Context, rev store.Revision) *memoryCopy {
	deadline := time.NewTimer(s.cfg.wait)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		advance := s.advance
		s.mu.Unlock()
		c := s.copy.Load()
		head, err := c.mem.HeadRevision(ctx)
		if err == nil && rev.Minor == 0 && c.loadedAt <= rev.Major && rev.Major <= head.Major {
			return c
		}
		if rev.Major < c.loadedAt {
			return nil // from before the copy: only the source has it
		}
		select {
		case <-advance:
		case <-deadline.C:
			return nil
		case <-ctx.Done():
			return nil
		}
	}
}

// Snapshot returns a reader of rev: the copy's when it has reached rev, else the source's.
func (s *Store) Snapshot(rev store.Revision) store.Reader {
	return &reader{s: s, rev: rev}
}

// reader picks its source at its first read and keeps it, so one request reads one store.
type reader struct {
	s   *Store
	rev store.Revision

	once sync.Once
	r    store.Reader
}

func (r *reader) pick(ctx context.Context) store.Reader {
	r.once.Do(func() {
		if c := r.s.reached(ctx, r.rev); c != nil {
			r.r = c.mem.Snapshot(r.rev)
		} else {
			r.r = r.s.src.Snapshot(r.rev)
		}
	})
	return r.r
}

// QueryTuples implements store.Reader.
func (r *reader) QueryTuples(ctx context.Context, f store.TupleFilter, opts store.QueryOptions) iter.Seq2[store.Tuple, error] {
	return r.pick(ctx).QueryTuples(ctx, f, opts)
}

// ReadSchema implements store.Reader.
func (r *reader) ReadSchema(ctx context.Context) (store.SchemaVersion, error) {
	return r.pick(ctx).ReadSchema(ctx)
}

// HeadRevision returns the source's head.
func (s *Store) HeadRevision(ctx context.Context) (store.Revision, error) {
	return s.src.HeadRevision(ctx)
}

// OptimizedRevision returns the source's optimized revision.
func (s *Store) OptimizedRevision(ctx context.Context, maxStaleness time.Duration) (store.Revision, error) {
	return s.src.OptimizedRevision(ctx, maxStaleness)
}

// Transact writes to the source.
func (s *Store) Transact(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) (store.Revision, error) {
	return s.src.Transact(ctx, fn)
}

// Watch watches the source.
func (s *Store) Watch(ctx context.Context, after store.Revision) iter.Seq2[store.ChangeSet, error] {
	return s.src.Watch(ctx, after)
}

// Ping pings the source.
func (s *Store) Ping(ctx context.Context) error { return s.src.Ping(ctx) }

// Close stops following, and closes the copy and the source.
func (s *Store) Close() error {
	s.stop()
	<-s.done
	return errors.Join(s.copy.Load().mem.Close(), s.src.Close())
}
