package flow_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/password"
	"github.com/wardhq/ward/identity/schema"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
	"github.com/wardhq/ward/store/memory"
)

const publicURL = "https://id.example.com"

// env is a flow Service over the real identity Service and the memory store, on a clock the
// test moves.
type env struct {
	t   testing.TB
	ctx context.Context
	ids *identity.Service
	svc *flow.Service
	st  *memory.IdentityStore

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

func newEnv(t testing.TB, tweak ...func(*flow.Config)) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, ctx: ctx, st: memory.NewIdentityStore(), now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	reg, err := schema.NewRegistry(schema.Config{})
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := password.NewHasher(password.WithBcrypt(4))
	if err != nil {
		t.Fatal(err)
	}
	policy, err := password.NewPolicy()
	if err != nil {
		t.Fatal(err)
	}
	e.ids, err = identity.NewService(ctx, e.st, reg, hasher, policy, identity.Config{
		PublicBaseURL: publicURL, Clock: e.clock, CacheSize: -1, LoginBurst: 1000, RegistrationBurst: 1000,
		Logger: slog.New(slog.DiscardHandler), SecondFactors: []string{identity.CredentialTOTP, identity.CredentialLookupSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := flow.Config{
		PublicURL:         publicURL,
		DefaultReturnURL:  "https://app.example.com/home",
		AllowedReturnURLs: []string{"https://app.example.com/", "https://*.partner.example.org/cb"},
		Login:             flow.FlowConfig{UIURL: "https://app.example.com/login"},
		Registration:      flow.FlowConfig{UIURL: "https://app.example.com/registration"},
		Settings:          flow.FlowConfig{UIURL: "https://app.example.com/settings"},
		Clock:             e.clock,
	}
	for _, f := range tweak {
		f(&cfg)
	}
	e.svc, err = flow.NewService(e.st, e.ids, reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// browser is one browser: its CSRF cookie and its session cookie.
type browser struct {
	csrf    string
	session string
}

func newBrowser() *browser { return &browser{csrf: flow.NewCSRFSecret()} }

// request builds a request to path (with its query) from the browser b, or from an app when b is
// nil (the app's session token is token).
func request(b *browser, path string, token string) *flow.Request {
	u, err := url.Parse(publicURL + path)
	if err != nil {
		panic(err)
	}
	r := &flow.Request{URL: u, Header: http.Header{}, ClientIP: "192.0.2.1", UserAgent: "test"}
	if b != nil {
		r.CSRFCookie = b.csrf
		r.SessionToken = b.session
		cookies := []string{flow.CSRFCookieName + "=" + b.csrf}
		if b.session != "" {
			cookies = append(cookies, "ory_kratos_session="+b.session)
		}
		r.Header.Set("Cookie", strings.Join(cookies, "; "))
	} else {
		r.SessionToken = token
	}
	return r
}

// form sets a form body of key, value pairs.
func form(r *flow.Request, kv ...string) *flow.Request {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	r.ContentType, r.Body = "application/x-www-form-urlencoded", []byte(v.Encode())
	return r
}

// jsonBody sets a JSON body.
func jsonBody(r *flow.Request, v any) *flow.Request {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	r.ContentType, r.Body = "application/json", b
	return r
}

// csrfOf returns the csrf_token value of a form.
func csrfOf(c *ui.Container) string {
	n := c.Nodes.Find(ui.CSRFTokenName)
	if n == nil || n.Input() == nil {
		return ""
	}
	s, _ := n.Input().Value.(string)
	return s
}

// register creates an identity with this email and password through the identity service.
func (e *env) register(email, pw string) *identity.Identity {
	e.t.Helper()
	i, err := e.ids.Register(e.ctx, "", json.RawMessage(`{"email":"`+email+`"}`), pw, "")
	if err != nil {
		e.t.Fatalf("register %s: %v", email, err)
	}
	return i
}

// login logs b in through an API or browser flow and returns the session token.
func (e *env) login(b *browser, email, pw string) string {
	e.t.Helper()
	t := flow.TypeAPI
	if b != nil {
		t = flow.TypeBrowser
	}
	init, err := e.svc.InitLogin(e.ctx, t, request(b, flow.RouteLoginInitAPI, ""))
	if err != nil {
		e.t.Fatal(err)
	}
	r := form(request(b, "/self-service/login?flow="+init.Flow.ID, ""),
		"method", "password", "identifier", email, "password", pw, "csrf_token", csrfOf(init.Flow.UI))
	if b == nil {
		r.Header.Del("Cookie")
	}
	res, err := e.svc.SubmitLogin(e.ctx, r, init.Flow.ID)
	if err != nil || res.Refused {
		e.t.Fatalf("login %s: %v %+v", email, err, res)
	}
	if b != nil {
		b.session = res.SessionToken
	}
	return res.SessionToken
}

// messageIDs lists the IDs of ms.
func messageIDs(ms text.Messages) []text.ID {
	out := make([]text.ID, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// nodeMessages returns the IDs of the messages of the node named name.
func nodeMessages(c *ui.Container, name string) []text.ID {
	n := c.Nodes.Find(name)
	if n == nil {
		return nil
	}
	return messageIDs(n.Messages)
}

// nodeValue returns the value of the input named name.
func nodeValue(c *ui.Container, name string) any {
	n := c.Nodes.Find(name)
	if n == nil || n.Input() == nil {
		return nil
	}
	return n.Input().Value
}

// wantError checks that err is a flow *Error with this HTTP status and ID.
func wantError(t *testing.T, err error, code int, id string) *flow.Error {
	t.Helper()
	fe := flow.AsError(err)
	if fe == nil {
		t.Fatalf("error = %v, want a *flow.Error %d %q", err, code, id)
	}
	if fe.Code != code || fe.ID != id {
		t.Fatalf("error = %d %q (%v), want %d %q", fe.Code, fe.ID, fe, code, id)
	}
	return fe
}

func schemaRegistry(t testing.TB) *schema.Registry {
	t.Helper()
	reg, err := schema.NewRegistry(schema.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}
