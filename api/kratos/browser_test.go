package kratos_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestBrowserFlows drives browser registration and login with client-go over a cookie jar: the
// CSRF cookie is set by the flow's start and its token honoured, a login without the token or
// with another one is Kratos's 403 security_csrf_violation, and a login sets the session cookie
// that whoami then reads.
func TestBrowserFlows(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	rf, res, err := b.FrontendAPI.CreateBrowserRegistrationFlow(e.ctx).Execute()
	if err != nil {
		t.Fatalf("create the browser registration flow: %v", err)
	}
	if !strings.Contains(strings.Join(res.Header.Values("Set-Cookie"), "\n"), "csrf_token=") {
		t.Fatalf("the browser flow set no CSRF cookie: %v", res.Header.Values("Set-Cookie"))
	}
	csrf := csrfToken(t, rf.Ui)
	body := registrationBody(email, password1, &csrf)
	if _, _, err := b.FrontendAPI.UpdateRegistrationFlow(e.ctx).Flow(rf.Id).UpdateRegistrationFlowBody(body).Execute(); err != nil {
		t.Fatalf("browser registration: %v", err)
	}
	if n := e.identityCount(); n != 1 {
		t.Fatalf("%d identities after a registration, want 1", n)
	}

	lf, _, err := b.FrontendAPI.CreateBrowserLoginFlow(e.ctx).Execute()
	if err != nil {
		t.Fatalf("create the browser login flow: %v", err)
	}
	if got, _, err := b.FrontendAPI.GetLoginFlow(e.ctx).Id(lf.Id).Execute(); err != nil || got.Id != lf.Id {
		t.Fatalf("get the login flow: %v", err)
	}
	wrong := "bm90IHRoZSB0b2tlbg"
	for name, token := range map[string]*string{"missing": nil, "wrong": &wrong} {
		_, res, err := b.FrontendAPI.UpdateLoginFlow(e.ctx).Flow(lf.Id).UpdateLoginFlowBody(loginBody(email, password1, token)).Execute()
		wantError(t, name+" CSRF token", res, err, http.StatusForbidden, "security_csrf_violation")
	}
	// Another browser (no CSRF cookie) may not see the flow either.
	_, res, err = e.browser().FrontendAPI.GetLoginFlow(e.ctx).Id(lf.Id).Execute()
	wantError(t, "another browser's flow", res, err, http.StatusForbidden, "security_csrf_violation")

	csrf = csrfToken(t, lf.Ui)
	ok, res, err := b.FrontendAPI.UpdateLoginFlow(e.ctx).Flow(lf.Id).UpdateLoginFlowBody(loginBody(email, password1, &csrf)).Execute()
	if err != nil {
		t.Fatalf("browser login: %v", err)
	}
	if ok.SessionToken != nil {
		t.Error("a browser login answered the session token in its body")
	}
	cookie := ""
	for _, c := range res.Cookies() {
		if c.Name == "ward_session" {
			cookie = c.Value
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure {
				t.Errorf("the session cookie: HttpOnly %v SameSite %v Secure %v; want HttpOnly, Lax, not Secure on loopback", c.HttpOnly, c.SameSite, c.Secure)
			}
		}
	}
	if cookie == "" {
		t.Fatal("the browser login set no session cookie")
	}
	who, _, err := b.FrontendAPI.ToSession(e.ctx).Execute()
	if err != nil || who.Identity == nil || who.Identity.Traits.(map[string]any)["email"] != email {
		t.Fatalf("whoami by cookie: %v", err)
	}

	// Logout: the logout URL, then the session and its cookie are gone.
	lo, _, err := b.FrontendAPI.CreateBrowserLogoutFlow(e.ctx).Execute()
	if err != nil {
		t.Fatalf("create the logout flow: %v", err)
	}
	u, _ := url.Parse(lo.LogoutUrl)
	res, err = b.FrontendAPI.UpdateLogoutFlow(e.ctx).Token(u.Query().Get("token")).Execute()
	if err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %v %v", statusOf(res), err)
	}
	_, res, err = b.FrontendAPI.ToSession(e.ctx).Execute()
	wantError(t, "whoami after logout", res, err, http.StatusUnauthorized, "session_inactive")
}

// TestBrowserRedirects checks the answers to a browser that does not ask for JSON: 303 to the
// flow's UI, with the CSRF cookie.
func TestBrowserRedirects(t *testing.T) {
	e := newEnv(t, nil)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", e.publicURL+"/self-service/login/browser", nil)
	req.Header.Set("Accept", "text/html")
	res, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "?flow=") || len(res.Cookies()) == 0 {
		t.Fatalf("a browser's login start: %d to %q with cookies %v", res.StatusCode, loc, res.Cookies())
	}
}
