package kratos_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"testing"

	"github.com/wardhq/ward/api/middleware"
)

// from is the header of a request a proxy forwards for client addr.
func from(addr string) http.Header { return http.Header{"X-Forwarded-For": {addr}} }

// wantThrottled checks that res is Kratos's 429 with a Retry-After of whole seconds.
func wantThrottled(t *testing.T, what string, res raw) {
	t.Helper()
	var body kratosErr
	if res.status != http.StatusTooManyRequests || json.Unmarshal(res.body, &body) != nil || body.Error.Code != http.StatusTooManyRequests ||
		body.Error.Status != "Too Many Requests" || body.Error.Message == "" || body.Error.Reason == "" {
		t.Fatalf("%s: %d %s; want Kratos's 429 error object", what, res.status, res.body)
	}
	if s, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("%s: Retry-After %q, want whole seconds", what, res.header.Get("Retry-After"))
	}
}

func wantRefused(t *testing.T, what string, res raw) {
	t.Helper()
	if res.status != http.StatusBadRequest {
		t.Fatalf("%s: %d %s; want 400 (the credentials are invalid)", what, res.status, res.body)
	}
}

// TestLoginRateLimit drives the login limiter over loopback through a trusted proxy (the
// listener's peer, 127.0.0.1), so that each request's source is its X-Forwarded-For: failed
// logins for one identifier are refused with 429 after the burst whatever source they come from
// (and so is the right password then: the limiter answers before any work); failures from one
// source are refused after the burst whatever identifiers they name; successes are not charged;
// and sources a trusted proxy names have buckets of their own.
func TestLoginRateLimit(t *testing.T) {
	const burst = 3
	trusted := middleware.TrustedProxies{netip.MustParsePrefix("127.0.0.1/32")}
	e := newEnvWith(t, nil, envOptions{loginRate: 0.001, loginBurst: burst, proxies: trusted})
	e.register(email, password1)
	e.register("grace@example.com", password1)

	// Per identifier, from a new source each time.
	for i := range burst {
		wantRefused(t, fmt.Sprintf("wrong password %d", i+1), e.apiLogin(email, password2, from(fmt.Sprintf("203.0.113.%d", 10+i))))
	}
	wantThrottled(t, "a wrong password past the burst", e.apiLogin(email, password2, from("203.0.113.20")))
	wantThrottled(t, "the right password while the identifier is throttled", e.apiLogin(email, password1, from("203.0.113.21")))
	// The identifier is compared folded, as logins find it.
	wantThrottled(t, "the identifier in capitals", e.apiLogin(" ADA@Example.com", password2, from("203.0.113.22")))

	// Successes are not charged: two failures, many successes, and one more failure is still
	// within the burst.
	for i := range burst - 1 {
		wantRefused(t, "grace's wrong password", e.apiLogin("grace@example.com", password2, from(fmt.Sprintf("198.51.100.%d", i))))
	}
	for i := range 3 * burst {
		if res := e.apiLogin("grace@example.com", password1, from(fmt.Sprintf("198.51.100.%d", 50+i))); res.status != http.StatusOK {
			t.Fatalf("grace's login %d: %d %s", i, res.status, res.body)
		}
	}
	wantRefused(t, "grace's last wrong password within the burst", e.apiLogin("grace@example.com", password2, from("198.51.100.99")))
	wantThrottled(t, "grace's wrong password past the burst", e.apiLogin("grace@example.com", password2, from("198.51.100.98")))

	// Per source: many identifiers from one source.
	for i := range burst {
		wantRefused(t, "a guess from one source", e.apiLogin(fmt.Sprintf("guess%d@example.com", i), password2, from("192.0.2.7")))
	}
	wantThrottled(t, "another identifier from the same source", e.apiLogin("guess-next@example.com", password2, from("192.0.2.7")))
	// Another source, through the trusted proxy, is not throttled by it.
	wantRefused(t, "another source", e.apiLogin("guess-next@example.com", password2, from("192.0.2.8")))
}

// TestLoginRateLimitUntrustedProxy: without trusted proxies, X-Forwarded-For is the client's to
// write and is ignored: varying it does not get round the per-source limit, which keys on the
// connection's peer.
func TestLoginRateLimitUntrustedProxy(t *testing.T) {
	const burst = 3
	for name, proxies := range map[string]middleware.TrustedProxies{
		"none":        nil,
		"other proxy": {netip.MustParsePrefix("10.0.0.0/8")},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnvWith(t, nil, envOptions{loginRate: 0.001, loginBurst: burst, proxies: proxies})
			for i := range burst {
				wantRefused(t, "a guess", e.apiLogin(fmt.Sprintf("guess%d@example.com", i), password2, from(fmt.Sprintf("203.0.113.%d", i))))
			}
			wantThrottled(t, "a guess past the burst with yet another X-Forwarded-For",
				e.apiLogin("guess-next@example.com", password2, from("203.0.113.200")))
		})
	}
}
