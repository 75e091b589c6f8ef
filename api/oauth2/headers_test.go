package oauth2_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	xoauth2 "golang.org/x/oauth2"

	"github.com/wardhq/ward/oauth2"
)

// Every browser-facing response — an HTML page, an error page, a redirect — carries nosniff, no
// Referer, and frame-ancestors protection.
func TestOAuth2BrowserHeaders(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t))
	webClients(e)
	b := e.browser("")
	b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	authURL := e.issuer + oauth2.PathAuthorize + "?" + url.Values{"client_id": {"spa"}, "response_type": {"code"},
		"redirect_uri": {redirectURI}, "scope": {"openid"}, "code_challenge_method": {"S256"},
		"code_challenge": {xoauth2.S256ChallengeFromVerifier(xoauth2.GenerateVerifier())}}.Encode()
	for name, u := range map[string]string{
		"device code form": e.issuer + oauth2.PathDeviceVerify,
		"error page":       e.issuer + oauth2.PathAuthorize + "?client_id=nobody",
		"redirect":         authURL,
		"logout page":      e.issuer + oauth2.PathLogout,
	} {
		resp, err := b.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" ||
			!strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s (%s): X-Content-Type-Options %q, Referrer-Policy %q, CSP %q, X-Frame-Options %q", name, resp.Status,
				h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"), h.Get("Content-Security-Policy"), h.Get("X-Frame-Options"))
		}
		if strings.HasPrefix(h.Get("Content-Type"), "text/html") && !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%s: an HTML page with CSP %q; want default-src 'none'", name, h.Get("Content-Security-Policy"))
		}
	}
}

// With an https issuer, ward's cookies carry the __Host- prefix with what it requires (Secure,
// Path=/, no Domain), the flow is found again by its prefixed cookie, and logout deletes the
// prefixed session cookie; with an http issuer (local development) they stay unprefixed.
func TestOAuth2HostCookies(t *testing.T) {
	for _, https := range []bool{true, false} {
		e := newOAuth2Env(t, memoryStore(t), func(c *oauth2.Config) {
			if https {
				c.Issuer = strings.Replace(c.Issuer, "http://", "https://", 1)
			}
		})
		webClients(e)
		b := e.browser("")
		b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		q := url.Values{"client_id": {"spa"}, "response_type": {"code"}, "redirect_uri": {redirectURI}, "scope": {"openid"},
			"code_challenge_method": {"S256"}, "code_challenge": {xoauth2.S256ChallengeFromVerifier(xoauth2.GenerateVerifier())}}
		resp, err := b.Get(e.srv.URL + oauth2.PathAuthorize + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cookies := resp.Cookies()
		if resp.StatusCode != http.StatusSeeOther || len(cookies) != 1 {
			t.Fatalf("https %v: %s with cookies %v; want a redirect setting the flow cookie", https, resp.Status, cookies)
		}
		c := cookies[0]
		if https {
			if !strings.HasPrefix(c.Name, "__Host-ward_oauth2_flow_") || !c.Secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly {
				t.Errorf("https issuer: flow cookie %s (Secure %v, Path %q, Domain %q, HttpOnly %v); want __Host-, Secure, Path=/, no Domain",
					c.Name, c.Secure, c.Path, c.Domain, c.HttpOnly)
			}
		} else if strings.HasPrefix(c.Name, "__Host-") || c.Secure {
			t.Errorf("http issuer: flow cookie %s Secure %v; want no prefix and not Secure", c.Name, c.Secure)
		}

		// Logout with a (prefixed) session cookie deletes it with the attributes the prefix needs.
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+oauth2.PathLogout, nil)
		name := "ward_oauth2_session"
		if https {
			name = "__Host-" + name
		}
		req.AddCookie(&http.Cookie{Name: name, Value: "x"})
		resp, err = b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var deleted *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == name {
				deleted = c
			}
		}
		if deleted == nil || deleted.MaxAge >= 0 || deleted.Secure != https || deleted.Path != "/" {
			t.Errorf("https %v: logout cookies %v; want %s deleted with Path=/ and Secure %v", https, resp.Cookies(), name, https)
		}
	}
}
