package oauth2

import (
	"context"
	"time"

	"github.com/wardhq/ward/ratelimit"
)

// Defaults of the client authentication limiter ([Config].ClientAuthRate, ClientAuthBurst).
const (
	DefaultClientAuthRate  = 1.0 // failed authentications per second, per client ID and per source
	DefaultClientAuthBurst = 10
)

// authLimiterSize bounds the buckets the limiter keeps (client IDs and sources together): about
// 150 bytes each, so at most ~15 MB however many client IDs an attacker makes up. The least
// recently used bucket is dropped first (see [ratelimit.Keyed]).
const authLimiterSize = 100_000

// dummySecretHash is a bcrypt hash at SecretCost of a random value nobody knows. Checking a
// presented secret against it when the client is unknown (or does not use a secret) costs what
// checking a real client's does, so the time of a refusal does not tell which client IDs exist.
const dummySecretHash = "$2a$10$HeR6ar5ezacZagOnmvPfx.P0UWbyQCcn89DsXkf7bf1PqxXqnSwfS"

// authLimiter is a token bucket per client ID and per source address that only failed client
// authentications drain: an authentication goes ahead while both buckets hold a token, and a
// failure then charges both. So a client that knows its secret is never throttled however often
// and however concurrently it authenticates (a resource server introspecting from many
// goroutines), while wrong secrets, for one client ID or from one source, cost at most rate
// bcrypt verifications a second after a burst. Guesses sent at the same moment all go ahead and
// are all charged, down to a debt of one burst, which the key then waits out.
type authLimiter struct{ buckets *ratelimit.Keyed }

func newAuthLimiter(perSecond float64, burst int) *authLimiter {
	if perSecond <= 0 {
		perSecond = DefaultClientAuthRate
	}
	if burst <= 0 {
		burst = DefaultClientAuthBurst
	}
	return &authLimiter{buckets: ratelimit.NewKeyed(perSecond, burst, authLimiterSize)}
}

// allow reports whether every key's bucket ("" keys are skipped) holds a token, and otherwise
// how long until the emptiest does.
func (l *authLimiter) allow(now time.Time, keys ...string) (bool, time.Duration) {
	for _, k := range keys {
		if k == "" {
			continue
		}
		if ok, d := l.buckets.Allow(k, now); !ok {
			return false, d
		}
	}
	return true, 0
}

// fail charges a failed authentication to every key's bucket.
func (l *authLimiter) fail(now time.Time, keys ...string) {
	for _, k := range keys {
		if k != "" {
			l.buckets.Charge(k, now)
		}
	}
}

// AuthenticateClient checks credentials and returns the client they prove; see
// authenticateClient for the rules. Failed authentications drain a token bucket per client ID and
// per source address (cred.Source; Config.ClientAuthRate and ClientAuthBurst), and an empty bucket
// refuses the next attempt before any work with TooManyRequests (429, temporarily_unavailable,
// Retry-After). Each failure is logged at info with the client ID and source, never the secret or
// the assertion.
func (p *Provider) AuthenticateClient(ctx context.Context, cred ClientCredentials) (*Client, error) {
	id := cred.ID
	if id == "" && cred.Method == AuthPrivateKeyJWT {
		id, _ = AssertionSubject(cred.Assertion) // unverified: only the limiter's key
	}
	id = truncate(id)
	now := p.now()
	clientKey, sourceKey := "", ""
	if id != "" {
		clientKey = "client\x00" + id
	}
	if cred.Source != "" {
		sourceKey = "source\x00" + cred.Source
	}
	if ok, wait := p.limiter.allow(now, clientKey, sourceKey); !ok {
		p.log.DebugContext(ctx, "oauth2 client authentication throttled", "client_id", id, "source", cred.Source)
		return nil, TooManyRequests(wait, "too many failed client authentications; retry later")
	}
	c, err := p.authenticateClient(ctx, cred)
	e := AsError(err)
	// Only the client's failures count: a store outage is not the caller's doing.
	failed := e != nil && e.Code == CodeInvalidClient
	if failed {
		p.limiter.fail(now, clientKey, sourceKey)
		cause := "unknown"
		if e.Cause != nil {
			cause = e.Cause.Error()
		}
		p.log.InfoContext(ctx, "oauth2 client authentication failed",
			"client_id", id, "source", cred.Source, "method", string(cred.Method), "reason", cause)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}
