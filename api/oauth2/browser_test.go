package oauth2_test

// Browser end-to-end tests: headless Chromium, driven through the DevTools protocol (chromedp),
// walks the OAuth2 flows through ward's own pages and through a login app, a consent app and a
// relying party written as an operator would write them. They check what the plain-HTTP tests
// cannot: that the pages render, that their forms submit under their Content-Security-Policy,
// that cookies survive the redirects between origins, and that a browser never leaves for a
// redirect URI ward does not trust.

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/prometheus/client_golang/prometheus"
	xoauth2 "golang.org/x/oauth2"

	"github.com/wardhq/ward/api"
	"github.com/wardhq/ward/api/middleware"
	oauth2api "github.com/wardhq/ward/api/oauth2"
	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store/memory"
)

// browserTestTimeout bounds each browser test, Chromium's start included.
const browserTestTimeout = 30 * time.Second

// chromiumPath returns the Chromium the browser tests drive. Without one they skip, except when
// CI is set: there a missing browser fails them, so that CI cannot pass by skipping them.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on PATH and CI is set: the browser tests must run in CI (apt-get install chromium; .ci/run installs it)")
	}
	t.Skip("no chromium on PATH: skipping the browser tests (apt-get install chromium to run them)")
	return ""
}

// newBrowser starts headless Chromium with a fresh profile and returns the context of its first
// tab, cancelled (which closes Chromium and waits for it) when the test ends or after
// browserTestTimeout.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	// The profile is removed after Chromium is closed: cleanups run last-in first-out.
	profile := t.TempDir()
	// The defaults hold --headless and --disable-dev-shm-usage (containers' /dev/shm is small).
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // the tests may run as root, where Chromium's sandbox refuses to start
		chromedp.UserDataDir(profile),
	)
	ctx, cancel := context.WithTimeout(context.Background(), browserTestTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc(); cancel() })
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return bctx
}

// stepTimeout bounds one step of a test, so that a page that never comes fails with what the
// browser shows while the browser still answers.
const stepTimeout = 10 * time.Second

// do runs steps in the browser and fails the test at the first error, naming step and saying
// where the browser is and what it shows.
func do(t *testing.T, ctx context.Context, step string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	try(t, ctx, step, func(ctx context.Context) (chromedp.Void, error) { return chromedp.Run(ctx, chromedp.Steps(steps...)) })
}

// read runs a in the browser and returns its value; it fails the test as do does.
func read[T any](t *testing.T, ctx context.Context, step string, a chromedp.Action[T]) T {
	t.Helper()
	return try(t, ctx, step, func(ctx context.Context) (T, error) { return chromedp.Run(ctx, a) })
}

// load runs steps that make the browser load a page (a navigation, a click on a submit button),
// waits until the page that ends the redirects has loaded, and returns its response; it fails the
// test as do does.
func load(t *testing.T, ctx context.Context, step string, steps ...chromedp.Action[chromedp.Void]) *network.Response {
	t.Helper()
	return try(t, ctx, step, func(ctx context.Context) (*network.Response, error) { return chromedp.RunResponse(ctx, steps...) })
}

func try[T any](t *testing.T, ctx context.Context, step string, f func(context.Context) (T, error)) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := f(sctx)
	if err != nil {
		lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(lctx, chromedp.Location())
		body, _ := chromedp.Run(lctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %v\nthe browser is at %s, showing:\n%s", step, err, loc, body)
	}
	return v
}

// formApp is a login and consent app with HTML forms, as an operator would write one: it reads
// each challenge from the Provider, asks the user, and accepts (or rejects) with what the user
// submitted, remembering both. Remembered logins and consents are accepted without a form,
// except a device's consent.
type formApp struct {
	srv *httptest.Server
	p   atomic.Pointer[oauth2.Provider]

	loginForms, consentForms atomic.Int32 // forms shown
	loginSkips, consentSkips atomic.Int32 // challenges accepted without asking
}

var formTemplates = template.Must(template.New("").Parse(`{{define "login"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Log in</title></head><body>
<h1>Log in to {{.Client}}</h1>
<form method="post" action="/login"><input type="hidden" name="login_challenge" value="{{.Challenge}}">
<label for="username">Username</label> <input id="username" name="username" autocomplete="username">
<button type="submit">Log in</button></form></body></html>
{{end}}{{define "consent"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Allow access</title></head><body>
<h1>{{.Client}} asks for {{.Scopes}}</h1>
<form method="post" action="/consent"><input type="hidden" name="consent_challenge" value="{{.Challenge}}">
<button type="submit" name="decision" value="allow">allow</button>
<button type="submit" name="decision" value="deny">deny</button></form></body></html>
{{end}}`))

func newFormApp(t *testing.T) *formApp {
	a := &formApp{}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

// useFormApp is the env option that sends ward's flows to app.
func useFormApp(app *formApp) envOption {
	return func(c *oauth2.Config) {
		c.LoginURL = app.srv.URL + "/login"
		c.ConsentURL = app.srv.URL + "/consent"
	}
}

func (a *formApp) serve(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), a.p.Load()
	var next string
	var err error
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/login":
		ch := r.URL.Query().Get("login_challenge")
		var lr *oauth2.LoginRequest
		if lr, err = p.GetLoginRequest(ctx, ch); err == nil {
			if !lr.Skip {
				a.loginForms.Add(1)
				a.render(w, "login", ch, lr.Client.ID, nil)
				return
			}
			a.loginSkips.Add(1)
			next, err = p.AcceptLogin(ctx, ch, oauth2.LoginAcceptance{Subject: lr.Subject, Remember: true})
		}
	case r.Method == http.MethodPost && r.URL.Path == "/login":
		user := r.PostFormValue("username")
		if user == "" {
			http.Error(w, "username is required", http.StatusBadRequest)
			return
		}
		next, err = p.AcceptLogin(ctx, r.PostFormValue("login_challenge"), oauth2.LoginAcceptance{Subject: user, Remember: true, AMR: []string{"pwd"}})
	case r.Method == http.MethodGet && r.URL.Path == "/consent":
		ch := r.URL.Query().Get("consent_challenge")
		var cr *oauth2.ConsentRequest
		if cr, err = p.GetConsentRequest(ctx, ch); err == nil {
			// A device is always confirmed, remembered consent or not (RFC 8628 §5.4): a link
			// with someone else's user code must not connect their device unasked.
			if !cr.Skip || cr.Device {
				a.consentForms.Add(1)
				a.render(w, "consent", ch, cr.Client.ID, cr.RequestedScopes)
				return
			}
			a.consentSkips.Add(1)
			next, err = p.AcceptConsent(ctx, ch, oauth2.ConsentAcceptance{GrantScopes: cr.RequestedScopes, GrantAudiences: cr.RequestedAudiences, Remember: true})
		}
	case r.Method == http.MethodPost && r.URL.Path == "/consent":
		ch := r.PostFormValue("consent_challenge")
		var cr *oauth2.ConsentRequest
		if cr, err = p.GetConsentRequest(ctx, ch); err == nil {
			if r.PostFormValue("decision") == "allow" {
				next, err = p.AcceptConsent(ctx, ch, oauth2.ConsentAcceptance{GrantScopes: cr.RequestedScopes, GrantAudiences: cr.RequestedAudiences, Remember: true})
			} else {
				next, err = p.RejectConsent(ctx, ch, oauth2.Rejection{Description: "the user said no"})
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

func (a *formApp) render(w http.ResponseWriter, name, challenge, client string, scopes []string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = formTemplates.ExecuteTemplate(w, name, struct {
		Challenge, Client, Scopes string
	}{challenge, client, strings.Join(scopes, " ")})
}

// relyingParty is a web app that signs its users in with ward: the authorization code flow with
// PKCE through golang.org/x/oauth2, the ID token verified by go-oidc. Its /callback greets the
// subject, or shows #failure.
type relyingParty struct {
	srv      *httptest.Server
	issuer   string
	cfg      *xoauth2.Config
	verifier *oidc.IDTokenVerifier

	mu      sync.Mutex
	pending map[string]pendingLogin // by state
}

type pendingLogin struct{ verifier, nonce string }

var rpTemplate = template.Must(template.New("rp").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>RP</title></head><body>
{{if .Subject}}<p id="greeting">hello {{.Subject}}</p>{{else}}<p id="failure">{{.Failure}}</p>{{end}}
</body></html>
`))

// newRelyingParty starts the relying party and registers it with e as client id, a public
// client whose redirect URI is the party's /callback.
func newRelyingParty(t *testing.T, e *oauth2Env, id string) *relyingParty {
	rp := &relyingParty{issuer: e.issuer, pending: map[string]pendingLogin{}}
	rp.srv = httptest.NewUnstartedServer(rp)
	t.Cleanup(rp.srv.Close)
	base := "http://" + rp.srv.Listener.Addr().String()
	e.createClient(oauth2.Client{
		ID: id, AuthMethod: oauth2.AuthNone, RedirectURIs: []string{base + "/callback"},
		GrantTypes:    []oauth2.GrantType{oauth2.GrantAuthorizationCode},
		ResponseTypes: []string{"code"}, Scopes: []string{"openid", "profile"},
	})
	op := e.oidcProvider()
	ep := op.Endpoint()
	ep.AuthStyle = xoauth2.AuthStyleInParams
	rp.cfg = &xoauth2.Config{ClientID: id, Endpoint: ep, RedirectURL: base + "/callback", Scopes: []string{"openid", "profile"}}
	rp.verifier = op.Verifier(&oidc.Config{ClientID: id})
	rp.srv.Start()
	return rp
}

func (rp *relyingParty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/login":
		state, pl := rand.Text(), pendingLogin{verifier: xoauth2.GenerateVerifier(), nonce: rand.Text()}
		rp.mu.Lock()
		rp.pending[state] = pl
		rp.mu.Unlock()
		http.Redirect(w, r, rp.cfg.AuthCodeURL(state, xoauth2.S256ChallengeOption(pl.verifier), oidc.Nonce(pl.nonce)), http.StatusFound)
	case "/callback":
		subject, err := rp.callback(r)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			_ = rpTemplate.Execute(w, struct{ Subject, Failure string }{"", err.Error()})
			return
		}
		_ = rpTemplate.Execute(w, struct{ Subject, Failure string }{subject, ""})
	default:
		http.NotFound(w, r)
	}
}

// callback checks the authorization response (state, and iss per RFC 9207), exchanges the code
// with the PKCE verifier, verifies the ID token and its nonce, and returns the subject.
func (rp *relyingParty) callback(r *http.Request) (string, error) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("the authorization failed: %s: %s", e, q.Get("error_description"))
	}
	rp.mu.Lock()
	pl, ok := rp.pending[q.Get("state")]
	delete(rp.pending, q.Get("state"))
	rp.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("unknown state %q", q.Get("state"))
	}
	if q.Get("iss") != rp.issuer {
		return "", fmt.Errorf("iss %q; want %s", q.Get("iss"), rp.issuer)
	}
	tok, err := rp.cfg.Exchange(r.Context(), q.Get("code"), xoauth2.VerifierOption(pl.verifier))
	if err != nil {
		return "", fmt.Errorf("exchanging the code: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := rp.verifier.Verify(r.Context(), raw)
	if err != nil {
		return "", fmt.Errorf("verifying the ID token: %w", err)
	}
	if idt.Nonce != pl.nonce {
		return "", fmt.Errorf("ID token nonce %q; want %q", idt.Nonce, pl.nonce)
	}
	return idt.Subject, nil
}

// newBrowserEnv is an OAuth2 server on the memory store whose login and consent go to a new
// form app.
func newBrowserEnv(t *testing.T) (*oauth2Env, *formApp) {
	app := newFormApp(t)
	e := newOAuth2Env(t, memory.NewOAuth2Store(), useFormApp(app))
	app.p.Store(e.p)
	return e, app
}

// accessibleName returns the name assistive technology gives the first element sel matches,
// from Chromium's accessibility tree.
func accessibleName(sel chromedp.CSS) chromedp.Action[string] {
	return chromedp.QueryAfter(sel, func(ctx context.Context, t *chromedp.Target, nodes []*chromedp.Node) (string, error) {
		res, err := cdp.Call(ctx, t, accessibility.GetPartialAXTree, accessibility.GetPartialAXTreeParams{
			BackendNodeID: nodes[0].BackendNodeID, FetchRelatives: new(false),
		})
		if err != nil || len(res.Nodes) == 0 || res.Nodes[0].Name == nil {
			return "", err
		}
		var name string
		err = json.Unmarshal(res.Nodes[0].Name.Value, &name)
		return name, err
	})
}

// logInAndAllow fills the form app's login form with user, allows on its consent form, and
// returns the response of the page that follows.
func logInAndAllow(t *testing.T, ctx context.Context, user string) *network.Response {
	t.Helper()
	do(t, ctx, "the login form",
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user))
	load(t, ctx, "submitting the login form", chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	return answerConsent(t, ctx, "allow")
}

// answerConsent clicks decision (allow or deny) on the form app's consent form and returns the
// response of the page that follows.
func answerConsent(t *testing.T, ctx context.Context, decision string) *network.Response {
	t.Helper()
	button := chromedp.CSS(`button[value="` + decision + `"]`)
	do(t, ctx, "the consent form", chromedp.WaitVisible(button))
	return load(t, ctx, "answering the consent form", chromedp.Click(button))
}

// text returns the text of the first element sel matches.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(read(t, ctx, "reading "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// A user signs in to a web app in Chromium: the app redirects to ward, the user logs in and
// consents on the app's forms, and the app gets tokens for the user (code flow with PKCE). The
// second sign-in skips both forms, remembered; after logging out at ward the login form returns.
func TestOAuth2BrowserCodeFlow(t *testing.T) {
	e, app := newBrowserEnv(t)
	rp := newRelyingParty(t, e, "webapp")
	ctx := newBrowser(t)

	load(t, ctx, "the sign-in", chromedp.Navigate(rp.srv.URL+"/login"))
	resp := logInAndAllow(t, ctx, "alice")
	if greeting := text(t, ctx, "body"); resp.Status != http.StatusOK || greeting != "hello alice" || !strings.HasPrefix(resp.URL, rp.srv.URL+"/callback?") {
		t.Fatalf("the browser ended at %s (%d), showing %q; want the callback saying hello alice", resp.URL, resp.Status, greeting)
	}

	// Signing in again asks nothing: ward remembers the login, the consent app the consent.
	resp = load(t, ctx, "the second sign-in", chromedp.Navigate(rp.srv.URL+"/login"))
	if greeting := text(t, ctx, "body"); greeting != "hello alice" || !strings.HasPrefix(resp.URL, rp.srv.URL+"/callback?") {
		t.Errorf("the second sign-in ended at %s, showing %q; want the callback saying hello alice", resp.URL, greeting)
	}
	if app.loginForms.Load() != 1 || app.consentForms.Load() != 1 || app.loginSkips.Load() != 1 || app.consentSkips.Load() != 1 {
		t.Errorf("forms shown: login %d, consent %d; skipped: login %d, consent %d; want one of each",
			app.loginForms.Load(), app.consentForms.Load(), app.loginSkips.Load(), app.consentSkips.Load())
	}

	// Logging out at ward without an id_token_hint asks first; answering "Log out" on its page
	// shows that the user is logged out and ends the remembered login.
	resp = load(t, ctx, "the logout", chromedp.Navigate(e.issuer+oauth2.PathLogout))
	if title := text(t, ctx, "h1"); resp.Status != http.StatusOK || title != "Log out?" {
		t.Errorf("the logout confirmation page: %d, heading %q; want 200, Log out?", resp.Status, title)
	}
	resp = load(t, ctx, "confirming the logout", chromedp.Click(chromedp.CSS(`button[name="`+oauth2.LogoutChoiceParam+`"][value="`+oauth2.LogoutChoiceYes+`"]`)))
	if title := text(t, ctx, "h1"); resp.Status != http.StatusOK || title != "Logged out" {
		t.Errorf("the logout page: %d, heading %q; want 200, Logged out", resp.Status, title)
	}
	load(t, ctx, "the sign-in after logout", chromedp.Navigate(rp.srv.URL+"/login"))
	do(t, ctx, "the login form after logout", chromedp.WaitVisible(chromedp.CSS("#username")))
	if app.loginForms.Load() != 2 {
		t.Errorf("login forms shown %d; want 2: the logout did not end the login", app.loginForms.Load())
	}
}

// A device (a TV) asks for authorization; the user opens the verification page in Chromium,
// types the user code into ward's form (a wrong one first), logs in and consents, and the
// device's poll gets tokens. A second device, denied, gets access_denied.
func TestOAuth2BrowserDeviceGrant(t *testing.T) {
	e, app := newBrowserEnv(t)
	e.createClient(oauth2.Client{
		ID: "tv", AuthMethod: oauth2.AuthNone,
		GrantTypes: []oauth2.GrantType{oauth2.GrantDeviceCode}, Scopes: []string{"openid"},
	})
	ctx := newBrowser(t)
	op := e.oidcProvider()
	ep := op.Endpoint()
	ep.AuthStyle = xoauth2.AuthStyleInParams
	ep.DeviceAuthURL = e.issuer + oauth2.PathDeviceAuth
	cfg := &xoauth2.Config{ClientID: "tv", Endpoint: ep, Scopes: []string{"openid"}}
	// poll starts a device authorization and the device's polling for its token.
	type result struct {
		tok *xoauth2.Token
		err error
	}
	poll := func() (*xoauth2.DeviceAuthResponse, <-chan result) {
		da, err := cfg.DeviceAuth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		polled := make(chan result, 1)
		go func() {
			tok, err := cfg.DeviceAccessToken(ctx, da)
			polled <- result{tok, err}
		}()
		return da, polled
	}
	// wait returns the poll's result.
	wait := func(polled <-chan result) result {
		select {
		case res := <-polled:
			return res
		case <-ctx.Done():
			t.Fatal("the device's poll did not end before the test's deadline")
			return result{}
		}
	}

	da, polled := poll()
	field := chromedp.CSS(`input[name="user_code"]`)
	load(t, ctx, "the verification page", chromedp.Navigate(da.VerificationURI))
	if label := read(t, ctx, "the user code field's name", accessibleName(field)); label != "Code" {
		t.Errorf("the user code field's accessible name is %q; want Code, from its label", label)
	}
	// A mistyped code shows ward's error page, naming the problem; the user opens the page again.
	wrong := "BCDF-GHJK"
	if wrong == da.UserCode {
		wrong = "KJHG-FDCB"
	}
	do(t, ctx, "typing a wrong user code", chromedp.SendKeys(field, wrong))
	resp := load(t, ctx, "submitting a wrong user code", chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	if body := text(t, ctx, "body"); resp.Status != http.StatusBadRequest || !strings.Contains(body, "the code is unknown or expired") {
		t.Errorf("a wrong user code: %d, %q; want 400 and a page saying the code is unknown", resp.Status, body)
	}
	load(t, ctx, "the verification page again", chromedp.Navigate(da.VerificationURI))
	do(t, ctx, "typing the user code", chromedp.SendKeys(field, da.UserCode))
	load(t, ctx, "submitting the user code", chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	resp = logInAndAllow(t, ctx, "bob")
	if title := text(t, ctx, "h1"); resp.Status != http.StatusOK || title != "Device connected" {
		t.Errorf("the page after consent: %d, heading %q; want 200, Device connected", resp.Status, title)
	}
	res := wait(polled)
	if res.err != nil {
		t.Fatalf("the device's poll: %v", res.err)
	}
	raw, _ := res.tok.Extra("id_token").(string)
	idt, err := op.Verifier(&oidc.Config{ClientID: "tv"}).Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if idt.Subject != "bob" || res.tok.AccessToken == "" {
		t.Errorf("the device got subject %q (access token %t); want bob's tokens", idt.Subject, res.tok.AccessToken != "")
	}

	// A second device, opened with the complete verification URI: the login is remembered, the
	// consent is asked again (a device's always is), and denied. Ward's page says so, and the
	// device's poll gets access_denied.
	da, polled = poll()
	load(t, ctx, "the second device's verification", chromedp.Navigate(da.VerificationURIComplete))
	answerConsent(t, ctx, "deny")
	if title := text(t, ctx, "h1"); title != "Device not connected" {
		t.Errorf("the page after denial says %q; want Device not connected", title)
	}
	if res := wait(polled); retrieveErrorCode(res.err) != "access_denied" {
		t.Errorf("the denied device's poll: %v; want access_denied", res.err)
	}
	if app.loginForms.Load() != 1 || app.consentForms.Load() != 2 || app.loginSkips.Load() != 1 {
		t.Errorf("forms shown: login %d, consent %d; logins skipped %d; want 1, 2 and 1",
			app.loginForms.Load(), app.consentForms.Load(), app.loginSkips.Load())
	}
}

// An authorization request whose redirect_uri the client did not register shows ward's error
// page, naming the problem, and the browser never goes to that URI.
func TestOAuth2BrowserUntrustedRedirect(t *testing.T) {
	e, app := newBrowserEnv(t)
	rp := newRelyingParty(t, e, "webapp")
	var visits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { visits.Add(1) }))
	t.Cleanup(evil.Close)
	ctx := newBrowser(t)

	authURL := rp.cfg.AuthCodeURL("s1", xoauth2.S256ChallengeOption(xoauth2.GenerateVerifier()),
		xoauth2.SetAuthURLParam("redirect_uri", evil.URL+"/callback"))
	resp := load(t, ctx, "the authorization request", chromedp.Navigate(authURL))
	title, body := text(t, ctx, "h1"), text(t, ctx, "body")
	if resp.Status != http.StatusBadRequest || title != "The request cannot be served" ||
		!strings.Contains(body, "redirect_uri is not one of the client's registered redirect URIs") {
		t.Errorf("the page: %d, %q, %q; want 400 and ward's error page naming redirect_uri", resp.Status, title, body)
	}
	if loc := read(t, ctx, "the error page's location", chromedp.Location()); !strings.HasPrefix(loc, e.issuer+oauth2.PathAuthorize+"?") {
		t.Errorf("the browser is at %s; want it still at the authorization endpoint", loc)
	}
	if visits.Load() != 0 || app.loginForms.Load() != 0 {
		t.Errorf("the unregistered redirect URI got %d visits, the login app %d; want none", visits.Load(), app.loginForms.Load())
	}
}

// With no login app configured (`ward serve` without login_url), the browser lands on ward's
// page saying so, readable as text.
func TestOAuth2BrowserNoLoginApp(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	issuer := "http://" + srv.Listener.Addr().String()
	p, err := oauth2.NewProvider(memory.NewOAuth2Store(), oauth2.Config{
		Issuer: issuer, LoginURL: issuer + api.PathNoLoginApp, ConsentURL: issuer + api.PathNoConsentApp,
		TokenSecrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef-test-secret")},
	})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	obs, err := middleware.NewObservers(prometheus.NewRegistry(), log, "public")
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = api.NewPublicHandler(api.Services{OAuth2: oauth2api.NewHandler(p, log)}, obs["public"])
	srv.Start()
	if _, _, err := p.CreateClient(context.Background(), oauth2.Client{
		ID: "webapp", AuthMethod: oauth2.AuthNone, RedirectURIs: []string{redirectURI},
		GrantTypes: []oauth2.GrantType{oauth2.GrantAuthorizationCode}, ResponseTypes: []string{"code"}, Scopes: []string{"openid"},
	}); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)

	q := url.Values{"client_id": {"webapp"}, "response_type": {"code"}, "redirect_uri": {redirectURI},
		"scope": {"openid"}, "state": {"s1"}, "code_challenge_method": {"S256"},
		"code_challenge": {xoauth2.S256ChallengeFromVerifier(xoauth2.GenerateVerifier())}}
	resp := load(t, ctx, "the authorization request", chromedp.Navigate(issuer+oauth2.PathAuthorize+"?"+q.Encode()))
	body := text(t, ctx, "body")
	if resp.Status != http.StatusNotImplemented || !strings.HasPrefix(resp.URL, issuer+api.PathNoLoginApp+"?") ||
		!strings.Contains(body, "no login app configured") || !strings.Contains(body, "login_url") {
		t.Errorf("the browser is at %s (%d), showing %q; want the page saying that no login app is configured", resp.URL, resp.Status, body)
	}
}
