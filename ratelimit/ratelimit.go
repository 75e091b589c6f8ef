// Package ratelimit owns ward's token buckets keyed by a client's identity (a client ID, a source
// address, a user code), with bounded memory: the limiters of the public OAuth2 endpoints.
package ratelimit

import (
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// bucket is one key's state: tokens at last.
type bucket struct {
	tokens float64
	last   time.Time
}

// Keyed is a token bucket per key: each key may take Burst tokens at once, refilled at Rate per
// second. It keeps at most Size keys, forgetting the least recently used first: a forgotten key
// starts again with a full bucket, which is what a key idle for Burst/Rate seconds has anyway. A
// taken token may be given back (Give), so that a caller can charge only the requests that turn
// out to matter, such as failed authentications. Safe for concurrent use.
type Keyed struct {
	rate, burst float64

	mu      sync.Mutex
	buckets *lru.Cache[string, *bucket]
}

// NewKeyed returns a Keyed of perSecond tokens a second, bursts of burst, and at most size keys.
// Non-positive arguments are raised to the least that makes sense (a rate of one token an hour, a
// burst of 1, one key).
func NewKeyed(perSecond float64, burst, size int) *Keyed {
	perSecond = max(perSecond, 1.0/3600)
	burst, size = max(burst, 1), max(size, 1)
	c, err := lru.New[string, *bucket](size)
	if err != nil { // only for a size ≤ 0, excluded above
		panic("ratelimit: " + err.Error())
	}
	return &Keyed{rate: perSecond, burst: float64(burst), buckets: c}
}

// refill returns key's bucket brought to now; the caller holds mu.
func (k *Keyed) refill(key string, now time.Time) *bucket {
	b, ok := k.buckets.Get(key)
	if !ok {
		b = &bucket{tokens: k.burst, last: now}
		k.buckets.Add(key, b)
		return b
	}
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(k.burst, b.tokens+d.Seconds()*k.rate)
		b.last = now
	}
	return b
}

// Take takes a token of key's bucket at now. When the bucket holds less than one, it takes
// nothing and returns false with how long until it holds one.
func (k *Keyed) Take(key string, now time.Time) (bool, time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.refill(key, now)
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / k.rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

// Give returns a token taken from key's bucket, up to the burst.
func (k *Keyed) Give(key string, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.refill(key, now)
	b.tokens = min(k.burst, b.tokens+1)
}

// Allow reports whether key's bucket holds a token at now, without taking it, and otherwise how
// long until it does. With [Keyed.Charge] it limits what is only known to count once it is done
// (a failed authentication), without refusing what runs at the same time and turns out not to.
func (k *Keyed) Allow(key string, now time.Time) (bool, time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.refill(key, now)
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / k.rate * float64(time.Second))
	}
	return true, 0
}

// Charge takes a token of key's bucket at now even when it holds none, down to a debt of one
// burst: callers that passed [Keyed.Allow] together are all charged, and the key waits until the
// debt is refilled, at most two bursts' time.
func (k *Keyed) Charge(key string, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.refill(key, now)
	b.tokens = max(-k.burst, b.tokens-1)
}

// Len returns how many keys k holds.
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.buckets.Len()
}
