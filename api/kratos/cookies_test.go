package kratos_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// sessionCookie returns the session cookie res sets, or nil.
func sessionCookie(res raw, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		if c.Name == name && c.MaxAge >= 0 {
			return c
		}
	}
	return nil
}

// TestSessionCookieAttributes covers what TestBrowserFlows (loopback: HttpOnly, Lax, not Secure)
// does not: off loopback the session and CSRF cookies are Secure, and over https the session
// cookie is named with the __Host- prefix, host-only with Path=/, as the prefix requires.
func TestSessionCookieAttributes(t *testing.T) {
	for _, c := range []struct {
		base, name string
		host       bool
	}{
		{"https://id.example.com", "__Host-ward_session", true},
		{"http://id.example.com", "ward_session", false},
	} {
		t.Run(c.base, func(t *testing.T) {
			e := newEnvWith(t, nil, envOptions{publicBaseURL: c.base})
			e.register(email, password1)
			b := &browserSession{cookies: map[string]string{}}
			_, _, res := e.browserForm(b, "login", url.Values{"method": {"password"}, "identifier": {email}, "password": {password1}})
			if res.status != http.StatusSeeOther {
				t.Fatalf("browser login: %d %s", res.status, res.body)
			}
			ck := sessionCookie(res, c.name)
			if ck == nil {
				t.Fatalf("no %s cookie in %v", c.name, res.header.Values("Set-Cookie"))
			}
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
				t.Errorf("%s: Secure %v HttpOnly %v SameSite %v Path %q Domain %q; want Secure, HttpOnly, Lax, /, host-only",
					c.name, ck.Secure, ck.HttpOnly, ck.SameSite, ck.Path, ck.Domain)
			}
			if !strings.Contains(b.header().Get("Cookie"), "csrf_token=") {
				t.Fatal("the flow set no CSRF cookie")
			}
			for _, raw := range res.header.Values("Set-Cookie") {
				if strings.HasPrefix(raw, "csrf_token=") && !strings.Contains(raw, "Secure") {
					t.Errorf("the CSRF cookie is not Secure off loopback: %s", raw)
				}
			}
		})
	}
}

// TestLoginIssuesNewSession: a login from a browser that carries a session cookie it did not get
// from this login — another identity's session (with refresh=true, else login is refused as
// Kratos refuses it), a token ward never issued, a session that has ended — always sets a new
// session cookie for a new session; the cookie the browser came with is never adopted.
func TestLoginIssuesNewSession(t *testing.T) {
	e := newEnv(t, nil)
	e.register(email, password1)
	e.register("grace@example.com", password1)
	whoami := func(token string) (int, string) {
		res := e.send("GET", e.publicURL+"/sessions/whoami", "", "", http.Header{"X-Session-Token": {token}})
		return res.status, string(res.body)
	}
	graceToken, graceSession := e.login("grace@example.com", password1)
	ended, _ := e.login(email, password1)
	if res := e.send("DELETE", e.publicURL+"/self-service/logout/api", "", `{"session_token":"`+ended+`"}`, nil); res.status != http.StatusNoContent {
		t.Fatalf("logout: %d", res.status)
	}
	for _, c := range []struct {
		name, planted, query string
	}{
		{"another identity's session", graceToken, "refresh=true"},
		{"a token ward never issued", "ory_st_" + strings.Repeat("A", 43), ""},
		{"an ended session", ended, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := &browserSession{cookies: map[string]string{"ward_session": c.planted}, startQuery: c.query}
			_, _, res := e.browserForm(b, "login", url.Values{"method": {"password"}, "identifier": {email}, "password": {password1}})
			ck := sessionCookie(res, "ward_session")
			if res.status != http.StatusSeeOther || ck == nil {
				t.Fatalf("login: %d, cookies %v", res.status, res.header.Values("Set-Cookie"))
			}
			if ck.Value == c.planted {
				t.Fatal("the login kept the session cookie the browser came with")
			}
			code, body := whoami(ck.Value)
			if code != http.StatusOK || !strings.Contains(body, email) || strings.Contains(body, graceSession.Id) {
				t.Fatalf("whoami with the new cookie: %d %s; want a new session of %s", code, body, email)
			}
		})
	}
	// Grace's session is hers still, untouched by the login in her session's browser.
	if code, body := whoami(graceToken); code != http.StatusOK || !strings.Contains(body, "grace@example.com") {
		t.Errorf("grace's session after another login in its browser: %d %s", code, body)
	}
}
