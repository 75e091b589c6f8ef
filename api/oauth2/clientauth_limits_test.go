package oauth2_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhq/ward/oauth2"
)

// TestClientSecretGuessingLimited guesses a client's secret over real loopback connections and
// checks that after the burst the token endpoint answers 429 temporarily_unavailable with
// Retry-After before it spends bcrypt on more guesses, that other client IDs guessed from the same
// source are limited too, and that each failure is logged at info with the client ID and the
// source address but never the secret tried.
func TestClientSecretGuessingLimited(t *testing.T) {
	const burst = 5
	e := newOAuth2Env(t, memoryStore(t), func(c *oauth2.Config) {
		c.ClientAuthRate, c.ClientAuthBurst = 0.01, burst
	})
	c, _ := e.createClient(oauth2.Client{ID: "svc", AuthMethod: oauth2.AuthClientSecretBasic,
		GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}})
	form := url.Values{"grant_type": {"client_credentials"}}
	guess := func(id string, i int) *http.Response {
		// Of a secret's length, so that each guess costs bcrypt.
		return e.postForm(oauth2.PathToken, form, id, fmt.Sprintf("guessed-secret-%02d-of-the-length-of-a-real-one", i))
	}
	for i := range burst {
		if resp := guess(c.ID, i); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d within the burst: %s, want 401 invalid_client", i+1, resp.Status)
		}
	}
	resp := guess(c.ID, burst)
	var body struct {
		Error string `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != http.StatusTooManyRequests || body.Error != "temporarily_unavailable" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("guess past the burst: %s %q, Retry-After %q; want 429 temporarily_unavailable with Retry-After",
			resp.Status, body.Error, resp.Header.Get("Retry-After"))
	}
	// The source's own bucket is spent as well: guessing the secrets of other (unknown) clients
	// from the same address does not get round the limit.
	if resp := guess("another-client", 0); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a guess for another client ID from the same source: %s, want 429", resp.Status)
	}
	logs := e.logs.String()
	var failures []string
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "client_id=svc") && strings.Contains(line, "level=INFO") {
			failures = append(failures, line)
		}
	}
	if len(failures) < burst || !strings.Contains(failures[0], "127.0.0.1") {
		t.Errorf("failed authentications logged at info with the client ID and source: %q", failures)
	}
	if strings.Contains(logs, "guessed-secret") {
		t.Errorf("a guessed secret reached the log")
	}
}

// TestClientAuthTimingUnknownVsKnown compares the time the token endpoint takes to refuse a wrong
// secret for a client that exists and for one that does not, over many samples each: both must
// cost a bcrypt comparison, so their medians stay within a band. Without the dummy comparison
// an unknown client is refused a hundred times faster.
func TestClientAuthTimingUnknownVsKnown(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t), func(c *oauth2.Config) {
		c.ClientAuthRate, c.ClientAuthBurst = 1000, 1000
	})
	c, _ := e.createClient(oauth2.Client{ID: "svc", AuthMethod: oauth2.AuthClientSecretBasic,
		GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}})
	form := url.Values{"grant_type": {"client_credentials"}}
	const samples = 15
	wrong := oauth2.NewSecret() // of a secret's length: refusing it costs bcrypt
	var known, unknown []time.Duration
	for i := range 2 * samples {
		id := c.ID
		if i%2 == 1 {
			id = fmt.Sprintf("no-such-client-%d", i)
		}
		start := time.Now()
		resp := e.postForm(oauth2.PathToken, form, id, wrong)
		took := time.Since(start)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%s with a wrong secret: %s, want 401", id, resp.Status)
		}
		if i%2 == 1 {
			unknown = append(unknown, took)
		} else {
			known = append(known, took)
		}
	}
	median := func(d []time.Duration) time.Duration {
		slices.Sort(d)
		return d[len(d)/2]
	}
	mk, mu := median(known), median(unknown)
	q1 := func(d []time.Duration) time.Duration { return d[len(d)/4] }
	t.Logf("refusing a wrong secret: known client median %s (first quartile %s), unknown client median %s (first quartile %s)", mk, q1(known), mu, q1(unknown))
	if ratio := float64(mu) / float64(mk); ratio < 0.5 || ratio > 2 {
		t.Errorf("an unknown client is refused in %.2f× the time of a known one (medians %s and %s); want the same work, within 0.5–2×", ratio, mu, mk)
	}
	if ratio := float64(q1(unknown)) / float64(q1(known)); ratio < 0.5 || ratio > 2 {
		t.Errorf("the first quartiles differ %.2f× (%s unknown, %s known); want within 0.5–2×", ratio, q1(unknown), q1(known))
	}
}

// TestClientAuthConcurrentSuccessesNotLimited authenticates one client many times at once, far
// past the burst, as a busy resource server introspecting from many goroutines does: since only
// failures count, none is refused.
func TestClientAuthConcurrentSuccessesNotLimited(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t), func(c *oauth2.Config) {
		c.ClientAuthRate, c.ClientAuthBurst = 0.01, 2
	})
	c, secret := e.createClient(oauth2.Client{ID: "svc", AuthMethod: oauth2.AuthClientSecretBasic,
		GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}})
	form := url.Values{"grant_type": {"client_credentials"}}
	var wg sync.WaitGroup
	codes := make(chan int, 40)
	for range 40 {
		wg.Go(func() { codes <- e.postForm(oauth2.PathToken, form, c.ID, secret).StatusCode })
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusOK {
			t.Errorf("one of 40 concurrent authentications with the right secret: %d, want 200", code)
		}
	}
}
