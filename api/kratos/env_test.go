package kratos_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	ory "github.com/ory/client-go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wardhq/ward/api"
	"github.com/wardhq/ward/api/kratos"
	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/password"
	"github.com/wardhq/ward/identity/schema"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

// pgIdentityStore returns an identity store on a new PostgreSQL database; set by pg_test.go.
var pgIdentityStore func(t *testing.T) store.IdentityStore

// eachStore runs f over the memory store and over PostgreSQL.
func eachStore(t *testing.T, f func(t *testing.T, st store.IdentityStore)) {
	t.Run("memory", func(t *testing.T) { f(t, memory.NewIdentityStore()) })
	t.Run("postgres", func(t *testing.T) { f(t, pgIdentityStore(t)) })
}

// env is ward's public and admin handlers, as api mounts them, over the real identity service,
// on two httptest listeners, with a clock the test moves.
type env struct {
	t         testing.TB
	ctx       context.Context
	st        store.IdentityStore
	ids       *identity.Service
	publicURL string
	adminURL  string
	// public and admin are the handlers the listeners serve, for fuzz tests that skip the network.
	public, admin http.Handler
	adminClient   *ory.APIClient

	mu  sync.Mutex
	now time.Time
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

// envOptions change what newEnvWith builds; the zero value is newEnv's.
type envOptions struct {
	// hasher replaces bcrypt of cost 4.
	hasher *password.Hasher
	// loginRate and loginBurst replace the generous login limit (1000 at once).
	loginRate  float64
	loginBurst int
	proxies    middleware.TrustedProxies
	// publicBaseURL replaces the listener's own URL as the handler's base URL (a host behind a
	// proxy, https).
	publicBaseURL string
	errorUIURL    string
	// log receives the identity service's and the handler's logs; default none.
	log *slog.Logger
	// courier is the queue the admin API's courier routes read, and courierBodies whether they
	// show bodies; none by default.
	courier       kratos.CourierMessages
	courierBodies bool
	// verifyCourier, when not nil, enables the verification flow, which queues its emails there.
	verifyCourier flow.Courier
	// secondFactors enables the TOTP and lookup_secret methods; whoamiAAL is
	// session.whoami.required_aal ("" for the default, highest_available).
	secondFactors bool
	whoamiAAL     string
	// recovery enables the recovery flow, whose emails go to verifyCourier, by recoveryUse
	// (code when "").
	recovery    bool
	recoveryUse string
	// verificationUse is the verification flow's method, code when "".
	verificationUse string
}

func newEnv(t testing.TB, st store.IdentityStore) *env {
	t.Helper()
	return newEnvWith(t, st, envOptions{})
}

func newEnvWith(t testing.TB, st store.IdentityStore, o envOptions) *env {
	t.Helper()
	if st == nil {
		st = memory.NewIdentityStore()
	}
	e := &env{t: t, ctx: context.Background(), st: st, now: time.Now().UTC()}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.publicURL = "http://" + l.Addr().String()
	log := o.log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var h *kratos.Handler
	e.ids, h = newHandler(t, st, e.publicURL, e.clock, log, o)
	promReg := prometheus.NewRegistry()
	obs, err := middleware.NewObservers(promReg, log, "public", "admin")
	if err != nil {
		t.Fatal(err)
	}
	services := api.Services{Identity: h}
	e.public = api.NewPublicHandler(services, obs["public"])
	pub := httptest.NewUnstartedServer(e.public)
	pub.Listener.Close()
	pub.Listener = l
	pub.Start()
	t.Cleanup(pub.Close)
	e.admin = api.NewAdminHandler(services, obs["admin"], promReg, func(context.Context) error { return nil }, log)
	adm := httptest.NewServer(e.admin)
	t.Cleanup(adm.Close)
	e.adminURL = adm.URL
	e.adminClient = client(adm.URL, nil)
	return e
}

// newHandler returns the identity service over st and its handler serving at publicURL, as o
// asks; by default with bcrypt at cost 4 and limits no test reaches.
func newHandler(tb testing.TB, st store.IdentityStore, publicURL string, clock func() time.Time, log *slog.Logger, o envOptions) (*identity.Service, *kratos.Handler) {
	tb.Helper()
	ctx := context.Background()
	reg, err := schema.NewRegistry(schema.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	hasher := o.hasher
	if hasher == nil {
		if hasher, err = password.NewHasher(password.WithBcrypt(4)); err != nil {
			tb.Fatal(err)
		}
	}
	policy, err := password.NewPolicy()
	if err != nil {
		tb.Fatal(err)
	}
	base := cmp.Or(o.publicBaseURL, publicURL)
	var secondFactors []string
	if o.secondFactors {
		secondFactors = []string{identity.CredentialTOTP, identity.CredentialLookupSecret}
	}
	ids, err := identity.NewService(ctx, st, reg, hasher, policy, identity.Config{
		PublicBaseURL: base, Clock: clock, LoginRate: o.loginRate, LoginBurst: cmp.Or(o.loginBurst, 1000),
		RegistrationBurst: 1000, Logger: log, WhoamiRequiredAAL: o.whoamiAAL, SecondFactors: secondFactors,
	})
	if err != nil {
		tb.Fatal(err)
	}
	flows, err := flow.NewService(st, ids, reg, flow.Config{
		PublicURL: base, AllowedReturnURLs: []string{"https://app.example.com/"}, Clock: clock,
		VerificationEnabled: o.verifyCourier != nil, Courier: o.verifyCourier, RecoveryEnabled: o.recovery,
		RecoveryUse: o.recoveryUse, VerificationUse: o.verificationUse,
		SecondFactors: flow.SecondFactorConfig{TOTPEnabled: o.secondFactors, LookupSecretEnabled: o.secondFactors},
	})
	if err != nil {
		tb.Fatal(err)
	}
	h, err := kratos.NewHandler(ids, flows, reg, kratos.Config{
		PublicBaseURL: base, TrustedProxies: o.proxies, ErrorUIURL: o.errorUIURL, Clock: clock, Logger: log,
		Courier: o.courier, CourierBodies: o.courierBodies,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return ids, h
}

// client returns client-go's API client of url; jar, when not nil, keeps its cookies (a
// browser).
func client(url string, jar http.CookieJar) *ory.APIClient {
	cfg := ory.NewConfiguration()
	cfg.Servers = ory.ServerConfigurations{{URL: url}}
	cfg.HTTPClient = &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return ory.NewAPIClient(cfg)
}

// app is a native app's client of the public API: it holds no cookies.
func (e *env) app() *ory.APIClient { return client(e.publicURL, nil) }

// browser is a browser's client of the public API, with a cookie jar.
func (e *env) browser() *ory.APIClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return client(e.publicURL, jar)
}

// kratosErr is Kratos's error body.
type kratosErr struct {
	Error struct {
		ID      string         `json:"id"`
		Code    int            `json:"code"`
		Status  string         `json:"status"`
		Reason  string         `json:"reason"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	} `json:"error"`
	UseFlowID string `json:"use_flow_id"`
}

// wantError checks that err is client-go's error for an answer of status whose body is Kratos's
// error object with id (when not ""), and returns it.
func wantError(t *testing.T, what string, res *http.Response, err error, status int, id string) kratosErr {
	t.Helper()
	var out kratosErr
	var ge *ory.GenericOpenAPIError
	if !errors.As(err, &ge) {
		t.Fatalf("%s: error %v, want an answer of %d", what, err, status)
	}
	if res == nil || res.StatusCode != status {
		t.Fatalf("%s: status %v, want %d; body %s", what, statusOf(res), status, ge.Body())
	}
	if jerr := json.Unmarshal(ge.Body(), &out); jerr != nil || out.Error.Code != status || out.Error.Message == "" {
		t.Fatalf("%s: body %s is not Kratos's error object of %d (%v)", what, ge.Body(), status, jerr)
	}
	if id != "" && out.Error.ID != id {
		t.Fatalf("%s: error id %q, want %q (body %s)", what, out.Error.ID, id, ge.Body())
	}
	return out
}

func statusOf(res *http.Response) any {
	if res == nil {
		return "no response"
	}
	return res.StatusCode
}

// csrfToken returns the csrf_token node's value of a flow's form.
func csrfToken(t *testing.T, c ory.UiContainer) string {
	t.Helper()
	for _, n := range c.Nodes {
		if in := n.Attributes.UiNodeInputAttributes; in != nil && in.Name == "csrf_token" {
			if s, ok := in.Value.(string); ok && s != "" {
				return s
			}
		}
	}
	t.Fatal("the flow's form has no csrf_token")
	return ""
}

// identityCount is how many identities the admin API lists.
func (e *env) identityCount() int {
	e.t.Helper()
	list, _, err := e.adminClient.IdentityAPI.ListIdentities(e.ctx).PageSize(1000).Execute()
	if err != nil {
		e.t.Fatal(err)
	}
	return len(list)
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
