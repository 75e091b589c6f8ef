package oauth2

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2/token"
	"github.com/wardhq/ward/store"
)

// Introspection is what [Provider.Introspect] knows of a token (RFC 7662 §2.2). An inactive token
// has only Active false: nothing is said of why.
type Introspection struct {
	Active    bool
	TokenType string // "access_token" or "refresh_token"
	ClientID  string
	Subject   string // the resource owner; the client ID for client credentials
	Scopes    []string
	Audiences []string
	IssuedAt  time.Time
	ExpiresAt time.Time
	AuthTime  time.Time // zero for client credentials
	Issuer    string
	// Extra are the consent app's access token claims (ConsentAcceptance.AccessTokenClaims).
	Extra map[string]any
}

// IntrospectionStats are counters of a Provider's introspection since it was made, for metrics.
type IntrospectionStats struct {
	CacheHits    uint64 // answered from the cache
	StoreLookups uint64 // answered by reading the store
	Rejected     uint64 // malformed, or failing their HMAC or signature: answered without the store
	Polls        uint64 // successful polls of the revocations
	PollFailures uint64 // failed polls (while they fail, the cache is bypassed)
}

// introspectionCounters are the atomics behind IntrospectionStats.
type introspectionCounters struct {
	cacheHits, storeLookups, rejected, polls, pollFailures atomic.Uint64
}

// IntrospectionStats returns the introspection counters.
func (p *Provider) IntrospectionStats() IntrospectionStats {
	c := &p.stats
	return IntrospectionStats{
		CacheHits: c.cacheHits.Load(), StoreLookups: c.storeLookups.Load(), Rejected: c.rejected.Load(),
		Polls: c.polls.Load(), PollFailures: c.pollFailures.Load(),
	}
}

// cachedToken is an active access token as the introspection cache keeps it. It is immutable.
type cachedToken struct {
	grantID string
	key     string
	result  Introspection
}

// gcInterval is how often Run deletes expired records.
const gcInterval = 10 * time.Minute

// pollMargin is how far back each poll of the revocations reaches before the previous poll's
// reading: it covers transactions that were in flight then and commit with an earlier time.
const pollMargin = 10 * time.Second

// Introspect says whether tok is an active access or refresh token of this server, and what it
// grants (RFC 7662). A token that fails its HMAC (or, for a JWT access token, its signature) is
// inactive without a store access. Active access tokens are cached: a revocation taken by this
// Provider is seen at once, one taken by another Provider over the same store within
// Config.RevocationBound (while [Provider.Run] runs; without it every call reads the store).
// Expired, revoked, used (for refresh tokens) and unknown tokens are inactive.
//
// The error is for store failures only; an unreadable token is inactive, not an error.
func (p *Provider) Introspect(ctx context.Context, tok string) (Introspection, error) {
	inactive := Introspection{}
	now := p.now()
	useCache := p.cache != nil && p.revoked.fresh(now, p.cfg.RevocationBound)
	// key is the token's store key; cacheKey names its cache entry: the store key of an opaque
	// token, a hash of the text of a JWT (so that a cached JWT is not verified again).
	var key, cacheKey string
	if len(tok) == token.Length && strings.HasPrefix(tok, "ward_") {
		kind, sig, err := p.codec.Verify(tok)
		if err != nil {
			p.stats.rejected.Add(1)
			return inactive, nil
		}
		switch kind {
		case token.AccessToken:
			key = token.StorageKey(sig)
			cacheKey = key
		case token.RefreshToken:
			return p.introspectRefresh(ctx, token.StorageKey(sig), now)
		default:
			return inactive, nil
		}
	} else if strings.Count(tok, ".") == 2 && len(tok) <= maxJWTLength {
		cacheKey = "jwt:" + hashHex(tok)
		if useCache {
			if r, hit := p.cached(cacheKey, now); hit {
				return r, nil
			}
		}
		claims, err := p.verifyJWT(ctx, tok, accessTokenType, true)
		if err != nil {
			p.stats.rejected.Add(1)
			return inactive, nil
		}
		jti, _ := claims["jti"].(string)
		if jti == "" {
			p.stats.rejected.Add(1)
			return inactive, nil
		}
		key = jwtKey(jti)
	} else {
		p.stats.rejected.Add(1)
		return inactive, nil
	}
	if useCache && key == cacheKey {
		if r, hit := p.cached(cacheKey, now); hit {
			return r, nil
		}
	}
	p.stats.storeLookups.Add(1)
	e, err := p.lookupAccess(ctx, key)
	if err != nil || e == nil {
		return inactive, err
	}
	if !now.Before(e.result.ExpiresAt) || p.revoked.has(e, now) {
		return inactive, nil
	}
	if p.cache != nil {
		p.cache.Add(cacheKey, e)
	}
	return e.result, nil
}

// cached answers from the cache: hit is false when the entry is missing.
func (p *Provider) cached(cacheKey string, now time.Time) (r Introspection, hit bool) {
	e, ok := p.cache.Get(cacheKey)
	if !ok {
		return Introspection{}, false
	}
	p.stats.cacheHits.Add(1)
	if !now.Before(e.result.ExpiresAt) || p.revoked.has(e, now) {
		return Introspection{}, true
	}
	return e.result, true
}

// lookupAccess reads an access token from the store; nil when there is none.
func (p *Provider) lookupAccess(ctx context.Context, key string) (*cachedToken, error) {
	rec, g, err := p.st.LookupToken(ctx, store.AccessTokenKind, key)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return nil, nil
	case err != nil:
		return nil, err
	}
	r, err := p.describe(rec, g)
	if err != nil {
		return nil, err
	}
	return &cachedToken{grantID: g.ID, key: key, result: r}, nil
}

func (p *Provider) describe(rec *store.TokenRecord, g *store.Grant) (Introspection, error) {
	r := Introspection{
		Active: true, TokenType: rec.Kind.String(), ClientID: g.ClientID, Subject: g.Subject,
		Scopes: g.Scopes, Audiences: g.Audiences, IssuedAt: rec.IssuedAt, ExpiresAt: rec.ExpiresAt,
		AuthTime: g.AuthTime, Issuer: p.cfg.Issuer,
	}
	if r.Subject == "" {
		r.Subject = g.ClientID
	}
	if len(rec.Data) > 0 {
		var ad accessData
		if err := json.Unmarshal(rec.Data, &ad); err != nil {
			return r, fault.Bugf("unreadable token data: %v", err)
		}
		if len(ad.Scopes) > 0 {
			r.Scopes = ad.Scopes
		}
	}
	sess, err := readSession(g)
	if err != nil {
		return r, err
	}
	r.Extra = sess.AccessTokenClaims
	return r, nil
}

// introspectRefresh describes a refresh token. Refresh tokens are not cached: their use (a
// rotation elsewhere) is not a revocation that other nodes hear of.
func (p *Provider) introspectRefresh(ctx context.Context, key string, now time.Time) (Introspection, error) {
	rec, g, err := p.st.LookupToken(ctx, store.RefreshTokenKind, key)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return Introspection{}, nil
	case err != nil:
		return Introspection{}, err
	case !rec.UsedAt.IsZero() || !now.Before(rec.ExpiresAt):
		return Introspection{}, nil
	}
	r, err := p.describe(rec, g)
	if err != nil {
		return Introspection{}, err
	}
	if p.revoked.has(&cachedToken{grantID: g.ID, key: key, result: r}, now) {
		return Introspection{}, nil
	}
	return r, nil
}

// Run polls the store for revocations taken elsewhere every quarter of Config.RevocationBound,
// so that cached introspection results are dropped within the bound, and forgets revocations
// older than any token they could concern. Every ten minutes it deletes expired grants, tokens,
// flows, sessions and device authorizations, revocations older than an access token's lifetime
// (they concern only expired tokens), and retired signing keys no longer published. It returns
// when ctx is done. While it does not run (or its polls fail), Introspect bypasses the cache
// rather than answer from stale entries.
func (p *Provider) Run(ctx context.Context) error {
	interval := max(p.cfg.RevocationBound/4, 5*time.Millisecond)
	t := time.NewTicker(interval)
	defer t.Stop()
	var reading time.Time // the store's clock at the last successful poll
	lastGC := p.now()
	for {
		started := p.now()
		if started.Sub(lastGC) >= gcInterval {
			lastGC = started
			p.collectGarbage(ctx, started)
		}
		since := started.Add(-p.cfg.AccessTokenLifetime) // the first poll reaches back a token's life
		if !reading.IsZero() {
			since = reading.Add(-pollMargin)
		}
		revs, r, err := p.st.RevokedSince(ctx, since)
		switch {
		case err == nil:
			for _, rev := range revs {
				if rev.TokenKey != "" {
					p.revoked.addToken(rev.TokenKey, rev.At)
				} else {
					p.revoked.addGrant(rev.GrantID, rev.At)
				}
			}
			reading = r
			p.revoked.polled(started)
			p.stats.polls.Add(1)
			p.revoked.prune(started.Add(-p.revoked.keep))
		case ctx.Err() != nil:
			return nil
		default:
			p.stats.pollFailures.Add(1)
			p.log.Warn("oauth2: cannot poll revocations; introspection reads the store until it can", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// collectGarbage deletes what has expired. Any node may do it; the deletions are idempotent.
func (p *Provider) collectGarbage(ctx context.Context, now time.Time) {
	horizon := now.Add(-p.cfg.AccessTokenLifetime - pollMargin - clockLeeway)
	if n, err := p.st.DeleteExpired(ctx, horizon); err != nil {
		p.log.Warn("oauth2: cannot delete expired records", "error", err)
	} else if n > 0 {
		p.log.Debug("oauth2: deleted expired records", "count", n)
	}
	if _, err := p.st.DeleteSigningKeys(ctx, now); err != nil {
		p.log.Warn("oauth2: cannot delete retired signing keys", "error", err)
	}
}

// revocationSet holds recent revocations, so that a cached token can be checked against them.
type revocationSet struct {
	mu       sync.RWMutex
	entries  map[revKey]time.Time // → when revoked
	keep     time.Duration        // how long an entry can matter: an access token's lifetime and margins
	adds     int                  // since the last pruning by add
	lastPoll atomic.Int64         // unix nanoseconds when the last successful poll started; 0: never
}

type revKind uint8

const (
	revGrant   revKind = iota + 1 // a = grant ID
	revToken                      // a = token key
	revClient                     // a = client ID: tokens issued before the time
	revSubject                    // a = subject, b = client ID or "" for all: tokens issued before the time
)

type revKey struct {
	kind revKind
	a, b string
}

func newRevocationSet(keep time.Duration) *revocationSet {
	return &revocationSet{entries: map[revKey]time.Time{}, keep: keep}
}

// pruneEvery is how many additions trigger a pruning, so that the set stays bounded when Run,
// which prunes it after each poll, does not run.
const pruneEvery = 4096

func (s *revocationSet) add(k revKey, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.entries[k]; !ok || at.After(old) {
		s.entries[k] = at
	}
	if s.adds++; s.adds >= pruneEvery {
		s.adds = 0
		s.pruneLocked(at.Add(-s.keep))
	}
}

func (s *revocationSet) addGrant(id string, at time.Time)  { s.add(revKey{kind: revGrant, a: id}, at) }
func (s *revocationSet) addToken(key string, at time.Time) { s.add(revKey{kind: revToken, a: key}, at) }
func (s *revocationSet) addClient(id string, at time.Time) { s.add(revKey{kind: revClient, a: id}, at) }
func (s *revocationSet) addSubject(subject, clientID string, at time.Time) {
	s.add(revKey{kind: revSubject, a: subject, b: clientID}, at)
}

// has reports whether e was revoked.
func (s *revocationSet) has(e *cachedToken, now time.Time) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.entries) == 0 {
		return false
	}
	if _, ok := s.entries[revKey{kind: revGrant, a: e.grantID}]; ok {
		return true
	}
	if _, ok := s.entries[revKey{kind: revToken, a: e.key}]; ok {
		return true
	}
	issued := e.result.IssuedAt
	for _, k := range []revKey{
		{kind: revClient, a: e.result.ClientID},
		{kind: revSubject, a: e.result.Subject, b: e.result.ClientID},
		{kind: revSubject, a: e.result.Subject},
	} {
		if at, ok := s.entries[k]; ok && !issued.After(at) {
			return true
		}
	}
	return false
}

func (s *revocationSet) polled(started time.Time) { s.lastPoll.Store(started.UnixNano()) }

// fresh reports whether the last successful poll started within bound of now.
func (s *revocationSet) fresh(now time.Time, bound time.Duration) bool {
	last := s.lastPoll.Load()
	return last != 0 && now.UnixNano()-last <= int64(bound)
}

// prune forgets revocations made before before: no token they concern can still be active.
func (s *revocationSet) prune(before time.Time) {
	s.mu.Lock()
	s.pruneLocked(before)
	s.mu.Unlock()
}

func (s *revocationSet) pruneLocked(before time.Time) {
	for k, at := range s.entries {
		if at.Before(before) {
			delete(s.entries, k)
		}
	}
}
