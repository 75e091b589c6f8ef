package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// SessionStats are counters of a Service's whoami since it was made, for metrics.
type SessionStats struct {
	CacheHits    uint64 // answered from the cache
	StoreLookups uint64 // answered by reading the store
	Rejected     uint64 // malformed tokens: answered without the store
	Polls        uint64 // successful polls of the invalidations
	PollFailures uint64 // failed polls (while they fail, the cache is bypassed)
}

type sessionCounters struct {
	cacheHits, storeLookups, rejected, polls, pollFailures atomic.Uint64
}

// SessionStats returns the whoami counters.
func (s *Service) SessionStats() SessionStats {
	c := &s.stats
	return SessionStats{
		CacheHits: c.cacheHits.Load(), StoreLookups: c.storeLookups.Load(), Rejected: c.rejected.Load(),
		Polls: c.polls.Load(), PollFailures: c.pollFailures.Load(),
	}
}

// cachedSession is a valid session as the whoami cache keeps it, with its identity (without
// credentials: the cache holds no hash). It is immutable but for its JSON, encoded once.
type cachedSession struct {
	session *Session
	// gen is the invalidations' generation read before the store was: an invalidation of the
	// session or its identity noted at a later generation may postdate the read.
	gen      uint64
	loadedAt time.Time
	// sessionKey and identityKey are the session's and its identity's keys in the
	// invalidations, made once rather than on every hit.
	sessionKey, identityKey string
	// body is the session's JSON once a whoami asked for it: it changes only with the session
	// or its identity, which makes a new entry.
	body atomic.Pointer[[]byte]
}

func newCachedSession(sess *Session, gen uint64, now time.Time) *cachedSession {
	return &cachedSession{session: sess, gen: gen, loadedAt: now, sessionKey: "s" + sess.ID, identityKey: "i" + sess.IdentityID}
}

// json returns the session's JSON, encoding it on the first call. Concurrent first calls may
// each encode it: they get equal bytes.
func (e *cachedSession) json() ([]byte, error) {
	if b := e.body.Load(); b != nil {
		return *b, nil
	}
	b, err := json.Marshal(e.session)
	if err != nil {
		return nil, fmt.Errorf("encoding session %s: %w", e.session.ID, err)
	}
	e.body.Store(&b)
	return b, nil
}

// cacheEntryLife is the longest a cache entry is used: past it, whoami reads the store again.
// It bounds how long the invalidations must be remembered (twice as long).
const cacheEntryLife = time.Minute

// pollMargin is how far back each poll of the invalidations reaches before the previous poll's
// reading: it covers transactions in flight then that commit with an earlier time.
const pollMargin = 10 * time.Second

// gcInterval is how often Run deletes expired sessions, and expiredRetention how long after
// their expiry they are kept (listings show them as inactive meanwhile).
const (
	gcInterval       = 10 * time.Minute
	expiredRetention = time.Hour
)

// invalidations remembers which sessions and identities changed recently, and when this
// process noted it (a generation that grows with every note), so that a cache entry read from
// the store before a change is never used after the change is known.
type invalidations struct {
	mu   sync.RWMutex
	seen map[string]noted // "s"+session ID or "i"+identity ID
	gen  atomic.Uint64
	// lastPoll is when the last successful poll started, in unix nanoseconds; 0 for never.
	lastPoll atomic.Int64
}

type noted struct {
	gen      uint64
	at       time.Time // the invalidation's time by the store's clock; zero for a local change
	observed time.Time // by this process's clock
}

func newInvalidations() *invalidations { return &invalidations{seen: map[string]noted{}} }

// note records changes of the keys, at the store's time at (zero for a change made here): each
// key is noted at a new generation unless it was already noted for a change at or after at (a
// poll reports an invalidation more than once).
func (v *invalidations) note(now, at time.Time, keys ...string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	g := v.gen.Load() + 1
	changed := false
	for _, k := range keys {
		if old, ok := v.seen[k]; ok && !at.IsZero() && !old.at.Before(at) {
			continue
		}
		v.seen[k] = noted{gen: g, at: at, observed: now}
		changed = true
	}
	if changed {
		v.gen.Store(g)
	}
}

// stale reports whether e may predate a change of its session or identity.
func (v *invalidations) stale(e *cachedSession) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if len(v.seen) == 0 {
		return false
	}
	if n, ok := v.seen[e.sessionKey]; ok && n.gen > e.gen {
		return true
	}
	n, ok := v.seen[e.identityKey]
	return ok && n.gen > e.gen
}

// prune forgets the changes noted before before.
func (v *invalidations) prune(before time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for k, n := range v.seen {
		if n.observed.Before(before) {
			delete(v.seen, k)
		}
	}
}

// fresh reports whether the last successful poll started within bound of now.
func (v *invalidations) fresh(now time.Time, bound time.Duration) bool {
	last := v.lastPoll.Load()
	return last != 0 && now.UnixNano()-last <= int64(bound)
}

// forgetSession and forgetIdentity note a change made through this Service: its whoami cache
// stops answering from what it held of them at once.
func (s *Service) forgetSession(id string) { s.inval.note(s.now(), time.Time{}, "s"+id) }

func (s *Service) forgetIdentity(id string) { s.inval.note(s.now(), time.Time{}, "i"+id) }

// useCache reports whether whoami may answer from the cache now: the cache is on, and the
// invalidations were polled within the bound.
func (s *Service) useCache(now time.Time) bool {
	return s.cache != nil && s.inval.fresh(now, s.cfg.InvalidationBound)
}

// cached returns the cache's valid entry for a token key, or nil.
func (s *Service) cached(key string, now time.Time) *cachedSession {
	e, ok := s.cache.Get(key)
	if !ok {
		return nil
	}
	if now.Sub(e.loadedAt) > cacheEntryLife || !now.Before(e.session.ExpiresAt) || s.inval.stale(e) {
		s.cache.Remove(key)
		return nil
	}
	s.stats.cacheHits.Add(1)
	return e
}

// remember caches a session read from the store at generation gen, unless a change noted since
// makes it suspect, and returns its entry (nil when it is suspect).
func (s *Service) remember(key string, sess *Session, gen uint64, now time.Time) *cachedSession {
	e := newCachedSession(sess, gen, now)
	s.cache.Add(key, e)
	if s.inval.stale(e) {
		s.cache.Remove(key)
		return nil
	}
	return e
}

// Run polls the store for session invalidations (sessions revoked, extended or updated,
// identities changed or deleted) through other Services every quarter of
// Config.InvalidationBound, so that whoami stops answering from what its cache held of them
// within the bound; every ten minutes it deletes sessions expired an hour ago. It returns when
// ctx is done. While it does not run, or its polls fail, whoami reads the store every time.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(max(s.cfg.InvalidationBound/4, 5*time.Millisecond))
	defer t.Stop()
	var reading time.Time
	lastGC := s.now()
	for {
		started := s.now()
		if started.Sub(lastGC) >= gcInterval {
			lastGC = started
			s.collectGarbage(ctx, started)
		}
		r, err := s.poll(ctx, started, reading)
		switch {
		case err == nil:
			reading = r
		case ctx.Err() != nil:
			return nil
		default:
			s.log.WarnContext(ctx, "identity: cannot poll session invalidations; whoami reads the store until it can", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// poll reads the invalidations since the previous reading (less the margin; the first poll
// reaches back a margin from started), notes them, and returns the store's new reading.
func (s *Service) poll(ctx context.Context, started, reading time.Time) (time.Time, error) {
	since := started.Add(-pollMargin)
	if !reading.IsZero() {
		since = reading.Add(-pollMargin)
	}
	invs, r, err := s.st.SessionsInvalidatedSince(ctx, since)
	if err != nil {
		s.stats.pollFailures.Add(1)
		return time.Time{}, err
	}
	for _, inv := range invs {
		if inv.SessionID != "" {
			s.inval.note(started, inv.At, "s"+inv.SessionID)
		} else {
			s.inval.note(started, inv.At, "i"+inv.IdentityID)
		}
	}
	s.inval.lastPoll.Store(started.UnixNano())
	s.inval.prune(started.Add(-2 * cacheEntryLife))
	s.stats.polls.Add(1)
	return r, nil
}

// collectGarbage deletes what expired long ago. Any node may do it; the deletions are
// idempotent.
func (s *Service) collectGarbage(ctx context.Context, now time.Time) {
	if n, err := s.st.DeleteExpiredSessions(ctx, now.Add(-expiredRetention)); err != nil {
		s.log.WarnContext(ctx, "identity: cannot delete expired sessions", "error", err)
	} else if n > 0 {
		s.log.DebugContext(ctx, "identity: deleted expired sessions", "count", n)
	}
}
