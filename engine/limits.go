package engine

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// budget counts the work of one lookup or Expand — tuples read and candidates checked — and
// stops it when it passes the limit, so that one small request cannot keep a node busy for
// seconds or fill its memory.
type budget struct {
	what  string // the call, for messages
	limit int64
	used  atomic.Int64
}

func (e *Engine) newBudget(what string) *budget {
	return &budget{what: what, limit: e.cfg.maxLookupCost}
}

// spend records n units of work; the error is ResourceExhausted once the budget is spent.
func (b *budget) spend(n int64) error {
	if b.used.Add(n) > b.limit {
		return fault.New(fault.ResourceExhausted,
			"%s exceeded its cost budget of %d (tuples read plus candidates checked, config key max_lookup_cost); narrow the request",
			b.what, b.limit)
	}
	return nil
}

// stopped gives an error from a context that ended a clear message saying how far the call got.
func (b *budget) stopped(err error) error {
	if err == nil {
		return nil
	}
	switch fault.CodeOf(err) {
	case fault.DeadlineExceeded:
		return fault.Wrap(fault.DeadlineExceeded, err, fmt.Sprintf(
			"%s ran past the request's deadline after %d units of work (tuples read plus candidates checked); narrow the request or give it more time",
			b.what, b.used.Load()))
	case fault.Canceled:
		return fault.Wrap(fault.Canceled, err, b.what+" was canceled by the caller")
	}
	return err
}

// acquire takes one of the slots of expensive calls (lookups, Expand, CheckBulk). When all are
// taken it waits a little — a burst passes — and then refuses, so that a flood of expensive calls
// slows down its senders rather than every Check on the node.
func (e *Engine) acquire(ctx context.Context, what string) (release func(), err error) {
	release = func() { <-e.lookups }
	select {
	case e.lookups <- struct{}{}:
		return release, nil
	default:
	}
	t := time.NewTimer(e.cfg.concurrentWait)
	defer t.Stop()
	select {
	case e.lookups <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, fault.New(fault.ResourceExhausted,
			"too many lookups at once: %d lookups, Expands and CheckBulks are running (config key max_concurrent_lookups); retry %s later",
			cap(e.lookups), what)
	case <-ctx.Done():
		return nil, (&budget{what: what}).stopped(ctx.Err())
	}
}

// candidateCache keeps the sorted candidates of recent lookups by request and revision, so that
// the later pages of a lookup continue in the candidates instead of walking the tuples again:
// a page then costs about its own size, not the whole answer's. It holds at most limit IDs in
// all, dropping the least recently used sets first.
type candidateCache struct {
	mu    sync.Mutex
	sets  *lru.Cache[string, []string]
	held  int
	limit int
}

func newCandidateCache(limit int) *candidateCache {
	c := &candidateCache{limit: limit}
	// 64 sets at most; the bound that matters is limit, on their total size.
	c.sets, _ = lru.NewWithEvict(64, func(_ string, ids []string) { c.held -= len(ids) })
	return c
}

func candidateKey(bind string, rev store.Revision) string { return bind + "\x00@" + rev.String() }

func (c *candidateCache) get(key string) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sets.Get(key)
}

func (c *candidateCache) add(key string, ids []string) {
	if len(ids) > c.limit {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sets.Contains(key) {
		return
	}
	c.sets.Add(key, ids)
	c.held += len(ids)
	for c.held > c.limit {
		c.sets.RemoveOldest()
	}
}

// purge drops every set, for ForgetCaches.
func (c *candidateCache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sets.Purge()
}
