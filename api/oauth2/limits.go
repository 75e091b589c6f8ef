package oauth2

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/ratelimit"
)

// WithTrustedProxies makes the handler believe X-Forwarded-For from these proxies when it takes
// a client's address for its limiters and logs (see [middleware.TrustedProxies.ClientAddr]).
// Default: none, so the address is the connection's peer.
func WithTrustedProxies(proxies middleware.TrustedProxies) Option {
	return optionFunc(func(h *Handler) { h.proxies = proxies })
}

// WithFlowLimit sets how many login-and-consent flows one client address may start at the
// authorization endpoint: perSecond after a burst of burst (defaults DefaultFlowRate and
// DefaultFlowBurst). Only requests that store a flow count. Behind a proxy, set
// [WithTrustedProxies] too, or every browser shares the proxy's budget.
func WithFlowLimit(perSecond float64, burst int) Option {
	return optionFunc(func(h *Handler) {
		if perSecond > 0 && burst > 0 {
			h.limits.flows = ratelimit.NewKeyed(perSecond, burst, limiterKeys)
		}
	})
}

// Limits of the browser endpoints, which anyone may call without credentials.
const (
	// userCodeTries is how many user codes one address may try per userCodeTriesWindow: a user
	// code has about 34.6 bits, and RFC 8628 §5.1 asks for rate limiting of their verification.
	userCodeTries       = 20
	userCodeTriesWindow = time.Minute
	// userCodeEntries is how often one user code (so one device authorization) may be entered in
	// the lifetime of a device code: a real user enters it once or twice; each entry starts a flow.
	userCodeEntries       = 10
	userCodeEntriesWindow = oauth2.DefaultDeviceCodeLifetime
	// userCodeGlobalRate and userCodeGlobalBurst bound the user codes tried from every address
	// together, per second: against guessing from many addresses. At this rate, with a thousand
	// device authorizations pending, ten minutes of guessing finds one with probability ~2·10⁻⁴.
	userCodeGlobalRate  = 10
	userCodeGlobalBurst = 100
	// DefaultFlowRate and DefaultFlowBurst bound the flows (each kept in the store for the flow
	// lifetime) one address may start at the authorization endpoint, per second; see
	// WithFlowLimit.
	DefaultFlowRate  = 1.0
	DefaultFlowBurst = 30
	// limiterKeys bounds each limiter's memory: the least recently seen keys are forgotten first.
	limiterKeys = 100_000
)

// browserLimits are the limiters of the authorization and device verification endpoints. A refusal
// is 429 temporarily_unavailable with Retry-After, logged at info (it is the limiter working, not
// the server failing).
type browserLimits struct {
	log       *slog.Logger
	codeTries *windowCounter   // per address
	codeUses  *windowCounter   // per user code
	codeAll   *ratelimit.Keyed // every address together, under the key ""
	flows     *ratelimit.Keyed // per address
}

func newBrowserLimits(log *slog.Logger) *browserLimits {
	return &browserLimits{
		log:       log,
		codeTries: newWindowCounter(userCodeTries, userCodeTriesWindow),
		codeUses:  newWindowCounter(userCodeEntries, userCodeEntriesWindow),
		codeAll:   ratelimit.NewKeyed(userCodeGlobalRate, userCodeGlobalBurst, 1),
		flows:     ratelimit.NewKeyed(DefaultFlowRate, DefaultFlowBurst, limiterKeys),
	}
}

// userCode counts a user code tried from addr, and refuses it when the address, the code or all
// addresses together tried too many.
func (l *browserLimits) userCode(ctx context.Context, addr, userCode string) error {
	code, _ := oauth2.NormalizeUserCode(userCode)
	var by string
	switch {
	case !l.codeTries.allow(addr):
		by = "source"
	case code != "" && !l.codeUses.allow(code):
		by = "user_code"
	case !allowed(l.codeAll.Take("", time.Now())):
		by = "global"
	default:
		return nil
	}
	l.log.InfoContext(ctx, "oauth2 device user code throttled", "source", addr, "limit", by)
	return oauth2.TooManyRequests(userCodeTriesWindow, "too many codes tried; wait a minute")
}

// flow reserves a flow for addr, and refuses the request when the address started too many.
// done gives the reservation back unless a flow was stored: a refused request stores nothing,
// and does not count.
func (l *browserLimits) flow(ctx context.Context, addr string) (done func(started bool), err error) {
	now := time.Now()
	ok, wait := l.flows.Take(addr, now)
	if !ok {
		l.log.InfoContext(ctx, "oauth2 authorization requests throttled", "source", addr)
		return nil, oauth2.TooManyRequests(wait, "too many authorization requests from this address; retry later")
	}
	return func(started bool) {
		if !started {
			l.flows.Give(addr, now)
		}
	}, nil
}

func allowed(ok bool, _ time.Duration) bool { return ok }

// windowCounter allows each key limit events per window, counted from the key's first event. It
// is bounded: the least recently seen keys are forgotten first.
type windowCounter struct {
	limit int
	mu    sync.Mutex
	count *expirable.LRU[string, *int] // forgotten a window after the key's first event
}

func newWindowCounter(limit int, window time.Duration) *windowCounter {
	return &windowCounter{limit: limit, count: expirable.NewLRU[string, *int](limiterKeys, nil, window)}
}

// allow counts an event of key and reports whether it is within the limit.
func (c *windowCounter) allow(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.count.Get(key)
	if !ok {
		n = new(int)
		c.count.Add(key, n) // counted in place from now on: Add would renew the entry's expiry
	}
	if *n >= c.limit {
		return false
	}
	*n++
	return true
}

// setRetryAfter sets Retry-After (whole seconds, rounded up) for an error that asks the client to
// wait.
func setRetryAfter(w http.ResponseWriter, e *oauth2.Error) {
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
}
