package oauth2_test

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	xoauth2 "golang.org/x/oauth2"

	"github.com/wardhq/ward/oauth2"
)

const byeURI = "http://127.0.0.1:9/bye"

// hiddenInput is a hidden field of ward's logout confirmation form, as html/template writes it.
var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// logoutPage is what a logout request answered: status, Location, body, and the confirmation
// form's hidden fields when the page holds one.
type logoutPage struct {
	resp *http.Response
	body string
	form url.Values
}

func readLogoutPage(t *testing.T, resp *http.Response) logoutPage {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	pg := logoutPage{resp: resp, body: string(b)}
	if m := hiddenInput.FindAllStringSubmatch(pg.body, -1); m != nil {
		pg.form = url.Values{}
		for _, f := range m {
			pg.form.Add(html.UnescapeString(f[1]), html.UnescapeString(f[2]))
		}
	}
	return pg
}

// logoutWith sends a logout request with these cookies: a GET with form as its query, or a POST
// of form.
func (e *oauth2Env) logoutWith(t *testing.T, method string, form url.Values, cookies []*http.Cookie) logoutPage {
	t.Helper()
	u, body := e.issuer+oauth2.PathLogout, io.Reader(nil)
	if method == http.MethodGet {
		u += "?" + form.Encode()
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := noRedirects.Do(req) // no jar: it sends exactly the cookies given
	if err != nil {
		t.Fatal(err)
	}
	return readLogoutPage(t, resp)
}

// jarCookies are the cookies browser b holds for ward.
func (e *oauth2Env) jarCookies(t *testing.T, b *http.Client) []*http.Cookie {
	t.Helper()
	u, err := url.Parse(e.issuer)
	if err != nil {
		t.Fatal(err)
	}
	return b.Jar.Cookies(u)
}

// issuerCookies are the cookies browser b holds for ward, by name.
func (e *oauth2Env) issuerCookies(t *testing.T, b *http.Client) map[string]*http.Cookie {
	t.Helper()
	out := map[string]*http.Cookie{}
	for _, c := range e.jarCookies(t, b) {
		out[c.Name] = c
	}
	return out
}

// loggedIn reports whether browser b still holds its login: a prompt=none authorization gets a
// code (the consent is remembered) rather than login_required.
func (e *oauth2Env) loggedIn(t *testing.T, b *http.Client, cfg *xoauth2.Config) bool {
	t.Helper()
	nb := e.browser(redirectURI)
	nb.Jar = b.Jar
	q := e.authorize(nb, cfg.AuthCodeURL("s", xoauth2.S256ChallengeOption(xoauth2.GenerateVerifier()),
		xoauth2.SetAuthURLParam("prompt", "none")), redirectURI)
	switch {
	case q.Get("code") != "":
		return true
	case q.Get("error") == "login_required":
		return false
	}
	t.Fatalf("a prompt=none authorization answered %v; want a code or login_required", q)
	return false
}

// A logout that cannot show it comes from the session's user (no id_token_hint, or a hint for
// another subject) ends nothing at once: it shows a confirmation page whose form POSTs back a
// token bound to the browser, the session and the request. A cross-site GET, a POST without the
// token, with a forged, tampered, expired or replayed one, from another browser, or a GET
// carrying it, ends nothing; "Stay logged in" ends nothing; the confirmed POST ends the session
// and goes on to the validated post_logout_redirect_uri with state.
func TestOAuth2LogoutConfirmation(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t))
	webClients(e)
	op := e.oidcProvider()
	cfg := e.spaConfig(op, "openid")
	b := e.browser(redirectURI)
	e.codeFlow(b, cfg, "n")
	if !e.loggedIn(t, b, cfg) {
		t.Fatal("the browser is not logged in after the code flow")
	}
	sessionName := "ward_oauth2_session"

	// A hint for another subject (bob's ID token in alice's browser) asks, too.
	e.subject.Store("bob")
	bob := e.browser(redirectURI)
	bobID, _ := e.codeFlow(bob, cfg, "nb").Extra("id_token").(string)
	e.subject.Store("alice")
	pg := e.logoutWith(t, http.MethodGet, url.Values{"id_token_hint": {bobID}}, e.jarCookies(t, b))
	if pg.resp.StatusCode != http.StatusOK || pg.form.Get(oauth2.LogoutConfirmParam) == "" {
		t.Errorf("logout with another subject's hint: %s, form %v; want the confirmation page", pg.resp.Status, pg.form)
	}
	if !e.loggedIn(t, b, cfg) {
		t.Fatal("a logout with another subject's hint ended the session without confirmation")
	}

	// The cross-site GET: no hint, a state that tries to break out of the page.
	state := `"><script>alert(1)</script>`
	params := url.Values{"client_id": {"spa"}, "post_logout_redirect_uri": {byeURI}, "state": {state}}
	resp, err := b.Get(e.issuer + oauth2.PathLogout + "?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	pg = readLogoutPage(t, resp)
	h := pg.resp.Header
	if pg.resp.StatusCode != http.StatusOK || !strings.Contains(pg.body, "<h1>Log out?</h1>") || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("logout without a hint: %s, %q; want the confirmation page", pg.resp.Status, pg.body)
	}
	if h.Get("X-Frame-Options") != "DENY" || h.Get("Content-Security-Policy") == "" || h.Get("Referrer-Policy") != "no-referrer" ||
		h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "no-store" {
		t.Errorf("the confirmation page's headers: %v; want ward's browser headers and no-store", h)
	}
	if strings.Contains(pg.body, "<script>") || pg.form.Get("state") != state || pg.form.Get("post_logout_redirect_uri") != byeURI {
		t.Errorf("the confirmation page does not carry the parameters escaped: %q", pg.body)
	}
	if !strings.Contains(pg.body, `<form method="post" action="`+oauth2.PathLogout+`">`) {
		t.Errorf("the confirmation page has no form POSTing to %s: %q", oauth2.PathLogout, pg.body)
	}
	if !e.loggedIn(t, b, cfg) {
		t.Fatal("a logout GET without id_token_hint ended the session")
	}
	cookies := e.issuerCookies(t, b)
	session, flow := cookies[sessionName], cookies["ward_oauth2_logout"]
	if session == nil || flow == nil {
		t.Fatalf("browser cookies %v; want the session and the logout confirmation cookie", cookies)
	}
	page := pg.form
	token := page.Get(oauth2.LogoutConfirmParam)
	confirmed := func(mod func(url.Values)) url.Values {
		f := url.Values{}
		for k, v := range page {
			f[k] = v
		}
		f.Set(oauth2.LogoutChoiceParam, oauth2.LogoutChoiceYes)
		if mod != nil {
			mod(f)
		}
		return f
	}
	exp, _, _ := strings.Cut(token, ".")
	both := []*http.Cookie{session, flow}
	for name, try := range map[string]struct {
		method  string
		form    url.Values
		cookies []*http.Cookie
	}{
		"no token":              {http.MethodPost, confirmed(func(f url.Values) { f.Del(oauth2.LogoutConfirmParam) }), both},
		"forged token":          {http.MethodPost, confirmed(func(f url.Values) { f.Set(oauth2.LogoutConfirmParam, exp+".AAAA") }), both},
		"later expiry":          {http.MethodPost, confirmed(func(f url.Values) { f.Set(oauth2.LogoutConfirmParam, "9"+token) }), both},
		"tampered state":        {http.MethodPost, confirmed(func(f url.Values) { f.Set("state", "other") }), both},
		"dropped redirect":      {http.MethodPost, confirmed(func(f url.Values) { f.Del("post_logout_redirect_uri") }), both},
		"another browser":       {http.MethodPost, confirmed(nil), []*http.Cookie{session}},
		"another flow cookie":   {http.MethodPost, confirmed(nil), []*http.Cookie{session, {Name: flow.Name, Value: "x" + flow.Value[1:]}}},
		"GET with a good token": {http.MethodGet, confirmed(nil), both},
	} {
		pg := e.logoutWith(t, try.method, try.form, try.cookies)
		if pg.resp.StatusCode == http.StatusSeeOther || strings.Contains(pg.body, "Logged out") {
			t.Errorf("%s: %s, %q; want a refusal or the confirmation page", name, pg.resp.Status, pg.body)
		}
		if !e.loggedIn(t, b, cfg) {
			t.Fatalf("%s ended the session", name)
		}
	}

	// The token expires.
	e.clock.Advance(oauth2.LogoutConfirmLifetime + time.Second)
	if pg := e.logoutWith(t, http.MethodPost, confirmed(nil), both); pg.resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an expired confirmation: %s; want 400", pg.resp.Status)
	}
	if !e.loggedIn(t, b, cfg) {
		t.Fatal("an expired confirmation ended the session")
	}
	e.clock.Advance(-oauth2.LogoutConfirmLifetime - time.Second)

	// "Stay logged in" leaves the session.
	stay := confirmed(func(f url.Values) { f.Set(oauth2.LogoutChoiceParam, "no") })
	if pg := e.logoutWith(t, http.MethodPost, stay, both); pg.resp.StatusCode != http.StatusOK || !strings.Contains(pg.body, "Still logged in") {
		t.Errorf("staying logged in: %s, %q", pg.resp.Status, pg.body)
	}
	if !e.loggedIn(t, b, cfg) {
		t.Fatal("staying logged in ended the session")
	}

	// The confirmed POST, as the browser's form sends it, ends the session and returns to the
	// client with state.
	pg = e.logoutWith(t, http.MethodPost, confirmed(nil), both)
	wantLoc := byeURI + "?" + url.Values{"state": {state}}.Encode()
	if loc := pg.resp.Header.Get("Location"); pg.resp.StatusCode != http.StatusSeeOther || loc != wantLoc {
		t.Errorf("the confirmed logout: %s to %q; want 303 to %s with state", pg.resp.Status, loc, byeURI)
	}
	if e.loggedIn(t, b, cfg) {
		t.Fatal("the confirmed logout did not end the session")
	}

	// Single use: replayed against a new login of the same browser, the token ends nothing.
	e.codeFlow(b, cfg, "n2")
	replay := []*http.Cookie{e.issuerCookies(t, b)[sessionName], flow}
	if pg := e.logoutWith(t, http.MethodPost, confirmed(nil), replay); pg.resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a replayed confirmation: %s, %q; want 400", pg.resp.Status, pg.body)
	}
	if !e.loggedIn(t, b, cfg) {
		t.Fatal("a replayed confirmation ended the new session")
	}
}

// In Chromium, another site (localhost, while ward is 127.0.0.1) sends the browser to ward's
// logout with a top-level GET and with an auto-submitted POST that claims the confirmation: the
// GET shows the confirmation page, the POST (which carries no SameSite=Lax cookie) ends and
// deletes nothing, and the next sign-in is still remembered.
func TestOAuth2BrowserCrossSiteLogout(t *testing.T) {
	e, app := newBrowserEnv(t)
	rp := newRelyingParty(t, e, "webapp")
	ctx := newBrowser(t)
	load(t, ctx, "the sign-in", chromedp.Navigate(rp.srv.URL+"/login"))
	logInAndAllow(t, ctx, "alice")

	logout := e.issuer + oauth2.PathLogout
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/get":
			fmt.Fprintf(w, `<!doctype html><meta http-equiv="refresh" content="0;url=%s">`, html.EscapeString(logout))
		case "/post":
			fmt.Fprintf(w, `<!doctype html><form id="f" method="post" action="%s"><input type="hidden" name="%s" value="%s">`+
				`<input type="hidden" name="%s" value="1.AAAA"></form><script>document.getElementById("f").submit()</script>`,
				html.EscapeString(logout), oauth2.LogoutChoiceParam, oauth2.LogoutChoiceYes, oauth2.LogoutConfirmParam)
		}
	}))
	t.Cleanup(evil.Close)
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)

	load(t, ctx, "the cross-site GET", chromedp.Navigate(evilURL+"/get"))
	do(t, ctx, "the confirmation page", chromedp.WaitVisible(chromedp.CSS(`button[value="`+oauth2.LogoutChoiceYes+`"]`)))
	if title := text(t, ctx, "h1"); title != "Log out?" {
		t.Errorf("the cross-site logout GET shows %q; want the confirmation page", title)
	}
	load(t, ctx, "the cross-site POST", chromedp.Navigate(evilURL+"/post"))
	do(t, ctx, "the answer to the POST", chromedp.WaitVisible(chromedp.CSS("h1")))

	resp := load(t, ctx, "the sign-in after the attacks", chromedp.Navigate(rp.srv.URL+"/login"))
	if greeting := text(t, ctx, "body"); greeting != "hello alice" || app.loginForms.Load() != 1 {
		t.Errorf("after the cross-site logouts the sign-in ended at %s showing %q, with %d login forms; want hello alice without a second login",
			resp.URL, greeting, app.loginForms.Load())
	}
}
