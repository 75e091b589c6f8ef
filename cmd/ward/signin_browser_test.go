package main

// Browser tests of the built-in sign-in pages on a real `ward serve`: headless Chromium, driven
// through the DevTools protocol (chromedp), registers, signs in and out, changes its password,
// and signs in to a relying party through ward's own OpenID Connect login and consent. Every
// page visited is saved as a screenshot under $WARD_SCREENSHOT_DIR (the Makefile sets
// bin/screenshots).

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	xoauth2 "golang.org/x/oauth2"
)

const (
	signinTestTimeout = 120 * time.Second
	signinStepTimeout = 15 * time.Second
)

// signinBrowser is one headless Chromium with a fresh profile, and where its screenshots go.
type signinBrowser struct {
	t    *testing.T
	ctx  context.Context
	shot string // the screenshot directory
	name string // the test's prefix of screenshot names
}

func newSigninBrowser(t *testing.T, name string) *signinBrowser {
	t.Helper()
	path := ""
	for _, n := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(n); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no chromium on PATH and CI is set: the browser tests must run in CI")
		}
		t.Skip("no chromium on PATH: skipping the browser tests (apt-get install chromium to run them)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("hide-scrollbars", true), chromedp.WindowSize(1024, 768))
	ctx, cancel := context.WithTimeout(context.Background(), signinTestTimeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc(); cancel() })
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	dir := os.Getenv("WARD_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &signinBrowser{t: t, ctx: bctx, shot: dir, name: name}
}

// try runs f with a step's timeout; on failure it fails the test saying where the browser is and
// what it shows.
func signinTry[T any](b *signinBrowser, step string, f func(context.Context) (T, error)) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, signinStepTimeout)
	defer cancel()
	v, err := f(ctx)
	if err != nil {
		lctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(lctx, chromedp.Location())
		body, _ := chromedp.Run(lctx, chromedp.Text(chromedp.CSS("body")))
		b.t.Fatalf("%s: %v\nthe browser is at %s and shows:\n%s", step, err, loc, body)
	}
	return v
}

// load runs steps that load a page and returns the response of the page the redirects end at.
func (b *signinBrowser) load(step string, steps ...chromedp.Action[chromedp.Void]) *network.Response {
	b.t.Helper()
	return signinTry(b, step, func(ctx context.Context) (*network.Response, error) { return chromedp.RunResponse(ctx, steps...) })
}

func (b *signinBrowser) do(step string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	signinTry(b, step, func(ctx context.Context) (chromedp.Void, error) { return chromedp.Run(ctx, chromedp.Steps(steps...)) })
}

// at returns the browser's URL, and fails the test unless its path is path.
func (b *signinBrowser) at(path string) *url.URL {
	b.t.Helper()
	loc := signinTry(b, "the location", func(ctx context.Context) (string, error) { return chromedp.Run(ctx, chromedp.Location()) })
	u, err := url.Parse(loc)
	if err != nil || u.Path != path {
		body, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("body")))
		b.t.Fatalf("the browser is at %s, want path %s; it shows:\n%s", loc, path, body)
	}
	return u
}

// text returns the visible text of the page.
func (b *signinBrowser) text() string {
	b.t.Helper()
	return signinTry(b, "the page's text", func(ctx context.Context) (string, error) {
		return chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	})
}

// value returns the value attribute of the first element sel matches.
func (b *signinBrowser) value(sel string) string {
	b.t.Helper()
	return signinTry(b, "the value of "+sel, func(ctx context.Context) (string, error) {
		r, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), "value"))
		return r.Value, err
	})
}

// screenshot saves the page as NAME-step.png.
func (b *signinBrowser) screenshot(step string) {
	b.t.Helper()
	png := signinTry(b, "the screenshot "+step, func(ctx context.Context) ([]byte, error) { return chromedp.Run(ctx, chromedp.FullScreenshot(100)) })
	if err := os.WriteFile(filepath.Join(b.shot, b.name+"-"+step+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// cookie returns the browser's cookie name for u, or nil.
func (b *signinBrowser) cookie(u, name string) *network.Cookie {
	b.t.Helper()
	res := signinTry(b, "the cookies", func(ctx context.Context) (network.GetCookiesResult, error) {
		return chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{u}})
	})
	for _, c := range res.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// fill types each value into the input named by its key, clearing it first.
func fill(values map[string]string) chromedp.Action[chromedp.Void] {
	var steps []chromedp.Action[chromedp.Void]
	for name, v := range values {
		css := `input[name="` + name + `"]`
		clear := chromedp.Evaluate[bool](`((e) => { e.value = ""; return true })(document.querySelector('` + css + `'))`)
		steps = append(steps, func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := clear(ctx, t)
			return chromedp.Void{}, err
		}, chromedp.SendKeys(chromedp.CSS(css), v))
	}
	return chromedp.Steps(steps...)
}

func clickSubmit(method string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(`button[type="submit"][name="method"][value="` + method + `"]`))
}

// startSigninServer runs ward serve with its defaults — the identity service and its built-in
// pages on, no login_url or consent_url — and a cheap password hash.
func startSigninServer(t *testing.T, edit func(*serveConfig)) (public, admin string) {
	t.Helper()
	public, admin, _ = startServerWith(t, func(c *serveConfig) {
		c.Identity.PasswordAlgorithm, c.Identity.BcryptCost = "bcrypt", 4
		if edit != nil {
			edit(c)
		}
	})
	return public, admin
}

const (
	signinEmail        = "ada@example.com"
	signinPassword     = "correct horse battery staple"
	signinNextPassword = "tangerine lighthouse 1843 waltz"
)

// register goes through the registration page as the user does, from the page at the browser's
// location.
func (b *signinBrowser) register(email, password string) {
	b.t.Helper()
	b.do("the registration form", chromedp.WaitVisible(chromedp.CSS(`input[name="traits.email"]`)),
		fill(map[string]string{"traits.email": email, "password": password}))
	b.load("submitting the registration", clickSubmit("password"))
}

// signIn fills the login page at the browser's location and submits it.
func (b *signinBrowser) signIn(email, password string) {
	b.t.Helper()
	b.do("the login form", chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)))
	if email != "" {
		b.do("typing the identifier", fill(map[string]string{"identifier": email}))
	}
	b.do("typing the password", fill(map[string]string{"password": password}))
	b.load("submitting the login", clickSubmit("password"))
}

// signOut signs the browser out through the built-in logout page, and lands on the login page.
func (b *signinBrowser) signOut(public string) {
	b.t.Helper()
	b.load("the logout page", chromedp.Navigate(public+"/ui/logout"))
	b.load("confirming the logout", chromedp.Click(chromedp.CSS(`button[name="logout_choice"][value="yes"]`)))
	b.at("/ui/login")
}

// TestBuiltinPagesAccount registers through the built-in pages (refused first for a short
// password, then for an email taken), signs in, changes the password in the settings, signs out
// and signs in again with the new password: each sign-in gets a new session and cookie.
func TestBuiltinPagesAccount(t *testing.T) {
	public, _ := startSigninServer(t, nil)
	b := newSigninBrowser(t, "account")

	b.load("the registration page", chromedp.Navigate(public+"/ui/registration"))
	b.at("/ui/registration")
	b.screenshot("01-registration")
	b.register(signinEmail, "short")
	b.at("/ui/registration")
	if txt := b.text(); !strings.Contains(txt, "The password must be at least 8 characters long, but got 5.") {
		t.Errorf("the registration with a short password shows no message for it:\n%s", txt)
	}
	if got := b.value(`input[name="traits.email"]`); got != signinEmail {
		t.Errorf("the refused registration lost the email typed: %q", got)
	}
	b.screenshot("02-registration-short-password")
	b.register(signinEmail, signinPassword)
	// Without Kratos's session hook, a new account signs in next.
	b.at("/ui/login")
	b.screenshot("03-login-after-registration")

	b.load("a second registration", chromedp.Navigate(public+"/ui/registration"))
	b.register(signinEmail, signinPassword)
	b.at("/ui/registration")
	if txt := b.text(); !strings.Contains(txt, "An account with the same identifier (email, phone, username, ...) exists already.") {
		t.Errorf("the registration of a taken email shows no message for it:\n%s", txt)
	}
	b.screenshot("04-registration-duplicate")

	// A cookie planted before the login (session fixation) is replaced by the login's.
	host, _ := url.Parse(public)
	signinTry(b, "planting a session cookie", func(ctx context.Context) (struct{}, error) {
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "ward_session", Value: "planted-by-an-attacker", URL: public})
		return struct{}{}, err
	})
	b.load("the login page", chromedp.Navigate(public+"/ui/login"))
	b.signIn(signinEmail, "not the password")
	b.at("/ui/login")
	if txt := b.text(); !strings.Contains(txt, "The provided credentials are invalid") {
		t.Errorf("a wrong password shows no message:\n%s", txt)
	}
	b.screenshot("05-login-wrong-password")
	b.signIn(signinEmail, signinPassword)
	b.at("/ui/settings")
	b.screenshot("06-settings")
	first := b.cookie(public, "ward_session")
	switch {
	case first == nil || first.Value == "planted-by-an-attacker":
		t.Fatalf("after the login the session cookie is %+v; want a new one", first)
	case !first.HTTPOnly || first.SameSite != network.CookieSameSiteLax || first.Secure || first.Path != "/" || first.Domain != host.Hostname():
		t.Errorf("the session cookie on loopback http: %+v; want HttpOnly, SameSite=Lax, not Secure, Path=/, host-only", first)
	}
	firstID, _ := whoami(t, public, first.Value)

	b.do("the new password", fill(map[string]string{"password": signinNextPassword}))
	b.load("saving the password", clickSubmit("password"))
	b.at("/ui/settings")
	if txt := b.text(); !strings.Contains(txt, "Your changes have been saved!") {
		t.Errorf("the settings page after a password change:\n%s", txt)
	}
	b.screenshot("07-settings-saved")

	b.load("the logout page", chromedp.Navigate(public+"/ui/logout"))
	b.at("/ui/logout")
	b.screenshot("08-logout")
	b.load("confirming the logout", chromedp.Click(chromedp.CSS(`button[name="logout_choice"][value="yes"]`)))
	b.at("/ui/login")
	if c := b.cookie(public, "ward_session"); c != nil && c.Value != "" {
		t.Errorf("the session cookie outlived the logout: %+v", c)
	}
	if code := getWhoami(t, public, first.Value).StatusCode; code != http.StatusUnauthorized {
		t.Errorf("whoami with the logged-out session: %d, want 401", code)
	}
	b.screenshot("09-login-after-logout")

	b.signIn(signinEmail, signinPassword)
	b.at("/ui/login")
	if txt := b.text(); !strings.Contains(txt, "The provided credentials are invalid") {
		t.Errorf("the old password still signs in:\n%s", txt)
	}
	b.signIn(signinEmail, signinNextPassword)
	b.at("/ui/settings")
	second := b.cookie(public, "ward_session")
	if second == nil || second.Value == first.Value {
		t.Fatalf("the second login kept the first's session cookie")
	}
	if id, _ := whoami(t, public, second.Value); id == firstID || id == "" {
		t.Errorf("the second login's session %q; want a new one (the first was %s)", id, firstID)
	}
}

// getWhoami asks whoami about the session whose token is token.
func getWhoami(t *testing.T, public, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, public+"/sessions/whoami", nil)
	req.Header.Set("Cookie", "ward_session="+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// whoami returns the session whose token is token: its ID and its identity's.
func whoami(t *testing.T, public, token string) (sessionID, identityID string) {
	t.Helper()
	res := getWhoami(t, public, token)
	var s struct {
		ID       string `json:"id"`
		Identity struct {
			ID string `json:"id"`
		} `json:"identity"`
	}
	if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&s) != nil {
		t.Fatalf("whoami: %s", res.Status)
	}
	return s.ID, s.Identity.ID
}

// oidcApp is a relying party as an operator writes one with golang.org/x/oauth2 and go-oidc:
// /login starts an authorization code flow with PKCE, /callback verifies the ID token.
type oidcApp struct {
	srv      *httptest.Server
	cfg      xoauth2.Config
	verifier *oidc.IDTokenVerifier

	mu       sync.Mutex
	pending  map[string][2]string // state → PKCE verifier, nonce
	subjects []string             // the ID tokens' subjects, in order
	emails   []string
}

func newOIDCApp(t *testing.T, public, admin string) *oidcApp {
	t.Helper()
	app := &oidcApp{pending: map[string][2]string{}}
	app.srv = httptest.NewServer(app)
	t.Cleanup(app.srv.Close)
	c := createClientCLI(t, public, admin, "--grant-types", "authorization_code,refresh_token",
		"--redirect-uris", app.srv.URL+"/callback", "--scopes", "openid,email,offline_access", "--name", "Example Notes")
	provider, err := oidc.NewProvider(context.Background(), public)
	if err != nil {
		t.Fatalf("OpenID Connect discovery: %v", err)
	}
	app.cfg = xoauth2.Config{ClientID: c.Client.ClientID, ClientSecret: c.ClientSecret, Endpoint: provider.Endpoint(),
		RedirectURL: app.srv.URL + "/callback", Scopes: []string{oidc.ScopeOpenID, "email"}}
	app.verifier = provider.Verifier(&oidc.Config{ClientID: c.Client.ClientID})
	return app
}

func (a *oidcApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/login":
		state, verifier, nonce := rand.Text(), xoauth2.GenerateVerifier(), rand.Text()
		a.mu.Lock()
		a.pending[state] = [2]string{verifier, nonce}
		a.mu.Unlock()
		opts := []xoauth2.AuthCodeOption{xoauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)}
		for _, p := range []string{"prompt", "max_age"} {
			if v := r.URL.Query().Get(p); v != "" {
				opts = append(opts, xoauth2.SetAuthURLParam(p, v))
			}
		}
		http.Redirect(w, r, a.cfg.AuthCodeURL(state, opts...), http.StatusFound)
	case "/callback":
		sub, email, err := a.callback(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		a.subjects, a.emails = append(a.subjects, sub), append(a.emails, email)
		a.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Signed in to Example Notes as %s (%s)", sub, email)
	default:
		http.NotFound(w, r)
	}
}

func (a *oidcApp) callback(r *http.Request) (sub, email string, err error) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return "", "", fmt.Errorf("the authorization failed: %s: %s", e, q.Get("error_description"))
	}
	a.mu.Lock()
	p, ok := a.pending[q.Get("state")]
	delete(a.pending, q.Get("state"))
	a.mu.Unlock()
	if !ok {
		return "", "", fmt.Errorf("unknown state")
	}
	tok, err := a.cfg.Exchange(r.Context(), q.Get("code"), xoauth2.VerifierOption(p[0]))
	if err != nil {
		return "", "", fmt.Errorf("exchanging the code: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := a.verifier.Verify(r.Context(), raw)
	if err != nil {
		return "", "", fmt.Errorf("verifying the ID token: %w", err)
	}
	if idt.Nonce != p[1] {
		return "", "", fmt.Errorf("the ID token's nonce %q is not the request's", idt.Nonce)
	}
	var claims struct {
		Email string `json:"email"`
	}
	if err := idt.Claims(&claims); err != nil {
		return "", "", err
	}
	return idt.Subject, claims.Email, nil
}

func (a *oidcApp) last() (sub, email string, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.subjects) == 0 {
		return "", "", 0
	}
	return a.subjects[len(a.subjects)-1], a.emails[len(a.emails)-1], len(a.subjects)
}

// TestBuiltinOIDC signs in to a relying party through ward's built-in login and consent pages,
// with no login_url or consent_url configured: the account is created on the way (the login
// page's "Create account" keeps the OAuth2 login), the ID token verifies and names the identity;
// a second authorization in the same browser asks nothing; prompt=login asks for the password
// again. The consent form refuses a post without this browser's CSRF token.
func TestBuiltinOIDC(t *testing.T) {
	public, admin := startSigninServer(t, nil)
	app := newOIDCApp(t, public, admin)
	b := newSigninBrowser(t, "oidc")

	b.load("the relying party's sign-in", chromedp.Navigate(app.srv.URL+"/login"))
	login := b.at("/ui/login")
	b.screenshot("01-login")
	b.load("Create account", chromedp.Click(chromedp.CSS(`a[href*="/self-service/registration/browser"]`)))
	b.at("/ui/registration")
	b.screenshot("02-registration")
	b.register(signinEmail, signinPassword)
	if got := b.at("/ui/login").Query().Get("flow"); got == login.Query().Get("flow") {
		t.Errorf("after the registration the browser is back at the first login flow")
	}
	b.signIn(signinEmail, signinPassword)
	consent := b.at("/ui/consent")
	if txt := b.text(); !strings.Contains(txt, "Example Notes") || !strings.Contains(txt, signinEmail) || !strings.Contains(txt, "email") {
		t.Errorf("the consent page names no client, user or scope:\n%s", txt)
	}
	b.screenshot("03-consent")

	// A post to the consent form without this browser's token is refused, and leaves the
	// consent to be answered.
	challenge := consent.Query().Get("consent_challenge")
	token := b.value(`input[name="csrf_token"]`)
	csrf := b.cookie(public, "csrf_token")
	if csrf == nil {
		t.Fatal("the consent page set no CSRF cookie")
	}
	for name, c := range map[string]struct{ cookie, token, challenge string }{
		"no cookie":         {"", token, challenge},
		"another cookie":    {"csrf_token=" + strings.Repeat("A", len(csrf.Value)), token, challenge},
		"no token":          {"csrf_token=" + csrf.Value, "", challenge},
		"another challenge": {"csrf_token=" + csrf.Value, token, challenge + "x"},
	} {
		form := url.Values{"consent_challenge": {c.challenge}, "csrf_token": {c.token}, "decision": {"allow"}, "grant_scope": {"openid", "email"}}
		req, _ := http.NewRequest(http.MethodPost, public+"/ui/consent", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if c.cookie != "" {
			req.Header.Set("Cookie", c.cookie)
		}
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("a consent post with %s: %s, want 403", name, res.Status)
		}
	}

	b.do("remember the decision", chromedp.Click(chromedp.CSS(`input[name="remember"]`)))
	b.load("allowing", chromedp.Click(chromedp.CSS(`button[name="decision"][value="allow"]`)))
	b.at("/callback")
	sub, email, n := app.last()
	session := b.cookie(public, "ward_session")
	if session == nil {
		t.Fatal("the sign-in left no session cookie")
	}
	if _, want := whoami(t, public, session.Value); sub != want || email != signinEmail || n != 1 {
		t.Errorf("the ID token names %q (%q); want the identity %s (%s)", sub, email, want, signinEmail)
	}
	b.screenshot("04-signed-in")

	// The same browser again: no login, no consent.
	b.load("the second sign-in", chromedp.Navigate(app.srv.URL+"/login"))
	b.at("/callback")
	if sub2, _, n := app.last(); n != 2 || sub2 != sub {
		t.Errorf("the second sign-in: %d sign-ins, subject %q; want 2, %s", n, sub2, sub)
	}

	// prompt=login asks for the password again, for the same account.
	b.load("the sign-in with prompt=login", chromedp.Navigate(app.srv.URL+"/login?prompt=login"))
	b.at("/ui/login")
	if txt := b.text(); !strings.Contains(txt, "Confirm it is you") || strings.Contains(txt, "Create account") {
		t.Errorf("the re-authentication page:\n%s", txt)
	}
	b.screenshot("05-login-again")
	b.signIn("", signinPassword)
	b.at("/callback")
	if sub3, _, n := app.last(); n != 3 || sub3 != sub {
		t.Errorf("the sign-in after prompt=login: %d sign-ins, subject %q; want 3, %s", n, sub3, sub)
	}
}

// TestSigninSecurity: a return_to on a foreign host is refused and the browser lands on the error
// page, never there; the error page of an unknown error says so.
func TestSigninSecurity(t *testing.T) {
	public, _ := startSigninServer(t, nil)
	b := newSigninBrowser(t, "security")
	b.load("a login with a foreign return_to", chromedp.Navigate(public+"/self-service/login/browser?return_to=https://evil.example/steal"))
	b.at("/ui/error")
	if txt := b.text(); !strings.Contains(txt, "return_to") && !strings.Contains(txt, "redirect") {
		t.Errorf("the error page does not say what was refused:\n%s", txt)
	}
	b.screenshot("01-error-return-to")
	b.load("an unknown error", chromedp.Navigate(public+"/ui/error?id=00000000-0000-4000-8000-000000000000"))
	if txt := b.text(); !strings.Contains(txt, "unknown or was forgotten") {
		t.Errorf("the page of an unknown error:\n%s", txt)
	}
	b.screenshot("02-error-unknown")
	b.load("a page that does not exist", chromedp.Navigate(public+"/ui/nothing-here"))
	b.screenshot("03-not-found")
	b.load("the settings without a session", chromedp.Navigate(public+"/ui/settings"))
	b.at("/ui/login")
}
