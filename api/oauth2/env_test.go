package oauth2_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	oauth2api "github.com/wardhq/ward/api/oauth2"
	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

// oauth2Stores returns the stores the OAuth2 end-to-end tests run on: memory always, PostgreSQL
// when the sql store offers the OAuth2 store (see pg_test.go).
func oauth2Stores(t *testing.T) map[string]func(t *testing.T) store.OAuth2Store {
	stores := map[string]func(t *testing.T) store.OAuth2Store{
		"memory": func(t *testing.T) store.OAuth2Store { return memory.NewOAuth2Store() },
	}
	if pgOAuth2Store != nil {
		stores["postgres"] = pgOAuth2Store
	}
	return stores
}

// pgOAuth2Store makes a PostgreSQL OAuth2 store in a new migrated database; nil when the tests
// are built without it.
var pgOAuth2Store func(t *testing.T) store.OAuth2Store

// testClock is a clock that tests move forward.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// oauth2Env is an OAuth2 server over httptest, with a login-and-consent app that accepts every
// challenge (unless told otherwise) by calling the Provider's methods, as an external app would
// through the admin API.
type oauth2Env struct {
	t      testing.TB
	st     store.OAuth2Store
	p      *oauth2.Provider
	srv    *httptest.Server
	app    *httptest.Server
	clock  *testClock
	logs   *syncBuffer
	issuer string

	subject       atomic.Value // string: whom the login app logs in
	rejectConsent atomic.Bool
	remember      atomic.Bool
	loginSkips    atomic.Int32 // logins answered with Skip
	consentSkips  atomic.Int32
}

type envOption func(*oauth2.Config)

func newOAuth2Env(t testing.TB, st store.OAuth2Store, opts ...envOption) *oauth2Env {
	t.Helper()
	e := &oauth2Env{t: t, st: st, clock: &testClock{}, logs: &syncBuffer{}}
	e.subject.Store("alice")
	e.remember.Store(true)
	var handler atomic.Pointer[http.Handler]
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*handler.Load()).ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	e.app = httptest.NewServer(http.HandlerFunc(e.serveApp))
	t.Cleanup(e.app.Close)
	e.issuer = e.srv.URL
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := oauth2.Config{
		Issuer:             e.issuer,
		LoginURL:           e.app.URL + "/login",
		ConsentURL:         e.app.URL + "/consent",
		TokenSecrets:       [][]byte{[]byte("0123456789abcdef0123456789abcdef-test-secret")},
		DevicePollInterval: 500 * time.Millisecond,
		RevocationBound:    200 * time.Millisecond,
		Clock:              e.clock.Now,
		Logger:             log,
	}
	for _, o := range opts {
		o(&cfg)
	}
	p, err := oauth2.NewProvider(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.p = p
	var h http.Handler = oauth2api.NewHandler(p, log)
	handler.Store(&h)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = p.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

// serveApp is the login and consent app.
func (e *oauth2Env) serveApp(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var next string
	var err error
	switch r.URL.Path {
	case "/login":
		ch := r.URL.Query().Get("login_challenge")
		var lr *oauth2.LoginRequest
		if lr, err = e.p.GetLoginRequest(ctx, ch); err == nil {
			subject := e.subject.Load().(string)
			if lr.Skip {
				e.loginSkips.Add(1)
				subject = lr.Subject
			}
			next, err = e.p.AcceptLogin(ctx, ch, oauth2.LoginAcceptance{Subject: subject, Remember: e.remember.Load(), ACR: "1", AMR: []string{"pwd"}})
		}
	case "/consent":
		ch := r.URL.Query().Get("consent_challenge")
		var cr *oauth2.ConsentRequest
		if cr, err = e.p.GetConsentRequest(ctx, ch); err == nil {
			if cr.Skip {
				e.consentSkips.Add(1)
			}
			if e.rejectConsent.Load() {
				next, err = e.p.RejectConsent(ctx, ch, oauth2.Rejection{Description: "the user said no"})
			} else {
				next, err = e.p.AcceptConsent(ctx, ch, oauth2.ConsentAcceptance{
					GrantScopes: cr.RequestedScopes, GrantAudiences: cr.RequestedAudiences, Remember: true,
					IDTokenClaims:     map[string]any{"email": cr.Subject + "@example.com"},
					AccessTokenClaims: map[string]any{"tenant": "t1"},
				})
			}
		}
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, next, http.StatusFound)
}

// browser returns an HTTP client with a cookie jar that follows redirects until one leaves for
// stopAt (the client's redirect URI), which it does not follow.
func (e *oauth2Env) browser(stopAt string) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if stopAt != "" && strings.HasPrefix(req.URL.String(), stopAt) {
			return http.ErrUseLastResponse
		}
		if len(via) > 20 {
			return errors.New("too many redirects")
		}
		return nil
	}}
}

// authorize runs a browser through the authorization endpoint and returns the parameters of the
// redirect back to redirectURI (code and state, or error).
func (e *oauth2Env) authorize(b *http.Client, authURL, redirectURI string) url.Values {
	e.t.Helper()
	resp, err := b.Get(authURL)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || !strings.HasPrefix(loc, redirectURI) {
		e.t.Fatalf("the flow ended with %s, Location %q; want a redirect to %s", resp.Status, loc, redirectURI)
	}
	u, err := url.Parse(loc)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Query()
}

// createClient registers a client and returns it with its secret.
func (e *oauth2Env) createClient(c oauth2.Client) (*oauth2.Client, string) {
	e.t.Helper()
	got, secret, err := e.p.CreateClient(context.Background(), c)
	if err != nil {
		e.t.Fatal(err)
	}
	return got, secret
}

// postForm posts a form to one of the endpoints, with HTTP Basic credentials when id is set.
func (e *oauth2Env) postForm(path string, form url.Values, id, secret string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.issuer+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func memoryStore(testing.TB) store.OAuth2Store { return memory.NewOAuth2Store() }
