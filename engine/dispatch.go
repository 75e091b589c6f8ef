package engine

import (
	"context"
	"errors"
	"hash/maphash"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/wardhq/ward/store"
)

// cacheKey names a sub-problem at a revision. Because it carries the revision, an entry can never
// answer for a different snapshot, and no write ever has to invalidate anything.
type cacheKey struct {
	rev      store.Revision
	resource store.ObjectRef
	relation string
	subject  store.Subject
}

func keyOf(req *checkRequest) cacheKey {
	return cacheKey{rev: req.snap.rev, resource: req.resource, relation: req.relation, subject: req.subject}
}

// cachingDispatcher answers from an LRU cache of exact results and fills it on misses. The cache is
// split into shards by key hash so that concurrent checks rarely contend on one lock.
type cachingDispatcher struct {
	next   dispatcher
	seed   maphash.Seed
	shards []*lru.Cache[cacheKey, bool]
	m      *metrics
}

const cacheShards = 16

func newCachingDispatcher(next dispatcher, size int, m *metrics) *cachingDispatcher {
	d := &cachingDispatcher{next: next, seed: maphash.MakeSeed(), m: m}
	per := max(size/cacheShards, 1)
	for range cacheShards {
		c, _ := lru.New[cacheKey, bool](per) // only fails for a size below 1
		d.shards = append(d.shards, c)
	}
	return d
}

func (d *cachingDispatcher) shard(k *cacheKey) *lru.Cache[cacheKey, bool] {
	return d.shards[maphash.Comparable(d.seed, *k)%cacheShards]
}

func (d *cachingDispatcher) check(ctx context.Context, req *checkRequest) (checkResult, error) {
	k := keyOf(req)
	shard := d.shard(&k)
	if member, ok := shard.Get(k); ok {
		d.m.cacheHits.Inc()
		return checkResult{member: member, cutAt: exact}, nil
	}
	d.m.cacheMisses.Inc()
	r, err := d.next.check(ctx, req)
	if err == nil && r.cutAt == exact {
		shard.Add(k, r.member)
	}
	return r, err
}

// flightKey identifies an in-flight sub-problem together with the path that reached it. Sharing
// only between identical paths keeps waits acyclic — a flight only ever waits for flights one level
// deeper — and keeps path-dependent results (cycles cut short) with the path they belong to.
type flightKey struct {
	cacheKey
	depth int32
	path  uint64
}

// singleflight lets concurrent identical sub-problems share one evaluation.
type singleflight struct {
	next dispatcher
	mu   sync.Mutex
	m    map[flightKey]*flight
}

type flight struct {
	done chan struct{}
	r    checkResult
	err  error
}

func newSingleflight(next dispatcher) *singleflight {
	return &singleflight{next: next, m: make(map[flightKey]*flight)}
}

func (s *singleflight) check(ctx context.Context, req *checkRequest) (checkResult, error) {
	k := flightKey{cacheKey: keyOf(req), depth: req.path.depth}
	if req.path.parent != nil {
		k.path = req.path.parent.hash
	}
	s.mu.Lock()
	if f, ok := s.m[k]; ok {
		s.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return checkResult{}, ctx.Err()
		}
		// The leader may have been cancelled by its own caller (a sibling decided first); that
		// says nothing about this request, which then evaluates for itself.
		if f.err == nil || !isContextError(f.err) {
			return f.r, f.err
		}
		return s.next.check(ctx, req)
	}
	f := &flight{done: make(chan struct{})}
	s.m[k] = f
	s.mu.Unlock()

	f.r, f.err = s.next.check(ctx, req)
	s.mu.Lock()
	delete(s.m, k)
	s.mu.Unlock()
	close(f.done)
	return f.r, f.err
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
