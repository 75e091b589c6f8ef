package oauth2_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/wardhq/ward/api/middleware"
	oauth2api "github.com/wardhq/ward/api/oauth2"
	"github.com/wardhq/ward/oauth2"
)

// noRedirects is a client that returns redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// webAuthorizeQuery registers a web client and returns a valid authorization request of it.
func webAuthorizeQuery(e *oauth2Env) url.Values {
	const redirect = "https://app.example/cb"
	c, _ := e.createClient(oauth2.Client{ID: "web", AuthMethod: oauth2.AuthClientSecretBasic, RedirectURIs: []string{redirect},
		GrantTypes: []oauth2.GrantType{oauth2.GrantAuthorizationCode}, ResponseTypes: []string{"code"}, Scopes: []string{"openid"}})
	return url.Values{"client_id": {c.ID}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid"},
		"state": {"state-0123456789"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
}

// TestAuthorizeRequestBounds sends unauthenticated authorization requests over loopback: an
// oversized known parameter and an oversized request are refused naming what is too long, and the
// flow of an accepted request keeps only the parameters ward reads.
func TestAuthorizeRequestBounds(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t))
	base := webAuthorizeQuery(e)
	get := func(q url.Values) (*http.Response, string) {
		t.Helper()
		resp, err := noRedirects.Get(e.issuer + oauth2.PathAuthorize + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b) + resp.Header.Get("Location")
	}
	with := func(k, v string) url.Values {
		q := url.Values{}
		for key, vs := range base {
			q[key] = vs
		}
		q.Set(k, v)
		return q
	}
	if _, answer := get(with("state", strings.Repeat("s", 5000))); !strings.Contains(answer, "invalid_request") || !strings.Contains(answer, "state+is+longer+than") && !strings.Contains(answer, "state is longer than") {
		t.Errorf("a 5,000-byte state: %q, want invalid_request naming state", answer)
	}
	if _, answer := get(with("junk", strings.Repeat("j", 20<<10))); !strings.Contains(answer, "invalid_request") || !strings.Contains(answer, "longer+than+16384") && !strings.Contains(answer, "longer than 16384") {
		t.Errorf("a 20 KiB request: %q, want invalid_request naming the bound", answer)
	}
	resp, _ := get(with("junk", strings.Repeat("j", 8<<10)))
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("login_challenge") == "" {
		t.Fatalf("an accepted request: %s to %q, want a redirect to the login app", resp.Status, resp.Header.Get("Location"))
	}
	lr, err := e.p.GetLoginRequest(context.Background(), loc.Query().Get("login_challenge"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(lr.RequestURL, "junk") || !strings.Contains(lr.RequestURL, "state-0123456789") || len(lr.RequestURL) > 4096 {
		t.Errorf("the flow keeps %d bytes of request URL %.200q…; want the known parameters only", len(lr.RequestURL), lr.RequestURL)
	}
}

// TestFlowsPerSourceLimited starts authorization flows from one address until the limit answers
// 429 with Retry-After; X-Forwarded-For from an untrusted peer changes nothing, while a trusted
// proxy's names each browser, so that browsers behind it do not share one budget.
func TestFlowsPerSourceLimited(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t))
	q := webAuthorizeQuery(e)
	serve := func(opts ...oauth2api.Option) string {
		srv := httptest.NewServer(oauth2api.NewHandler(e.p, slog.New(slog.NewTextHandler(io.Discard, nil)), opts...))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	start := func(base, forwardedFor string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+oauth2.PathAuthorize+"?"+q.Encode(), nil)
		if forwardedFor != "" {
			req.Header.Set("X-Forwarded-For", forwardedFor)
		}
		resp, err := noRedirects.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	const burst = 3
	untrusted := serve(oauth2api.WithFlowLimit(0.001, burst))
	for i := range burst {
		if resp := start(untrusted, "203.0.113.9"); resp.StatusCode/100 != 3 || !strings.Contains(resp.Header.Get("Location"), "login_challenge=") {
			t.Fatalf("flow %d within the burst: %s, want a redirect to the login app", i+1, resp.Status)
		}
	}
	resp := start(untrusted, "198.51.100.7") // a forged header from a peer that is no proxy
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a flow past the burst, with a forged X-Forwarded-For: %s, Retry-After %q; want 429 with Retry-After", resp.Status, resp.Header.Get("Retry-After"))
	}

	proxies, err := middleware.ParseTrustedProxies([]string{"127.0.0.0/8", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	behindProxy := serve(oauth2api.WithFlowLimit(0.001, burst), oauth2api.WithTrustedProxies(proxies))
	for i := range 2 * burst {
		browser := "203.0.113." + string(rune('1'+i))
		if resp := start(behindProxy, browser); resp.StatusCode/100 != 3 || !strings.Contains(resp.Header.Get("Location"), "login_challenge=") {
			t.Fatalf("flow of browser %s behind the trusted proxy: %s, want a redirect", browser, resp.Status)
		}
	}
	for range burst {
		start(behindProxy, "198.51.100.1, 203.0.113.50")
	}
	if resp := start(behindProxy, "198.51.100.2, 203.0.113.50"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("one browser behind the proxy past its burst (X-Forwarded-For's left part forged): %s, want 429", resp.Status)
	}
}

// TestDeviceUserCodeLimits tries user codes at the device verification endpoint behind a trusted
// proxy: one user code is refused with 429 after ten entries from ten browsers, one browser after
// twenty codes, and each refusal is logged at info naming the limit, not at error.
func TestDeviceUserCodeLimits(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t))
	logs := &syncBuffer{}
	proxies, err := middleware.ParseTrustedProxies([]string{"127.0.0.1", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(oauth2api.NewHandler(e.p, slog.New(slog.NewTextHandler(logs, nil)), oauth2api.WithTrustedProxies(proxies)))
	t.Cleanup(srv.Close)
	try := func(browser, code string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+oauth2.PathDeviceVerify+"?"+url.Values{"user_code": {code}}.Encode(), nil)
		req.Header.Set("X-Forwarded-For", browser)
		resp, err := noRedirects.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 10 {
		if got := try("203.0.113."+string(rune('0'+i)), "BCDF-GHJK"); got == http.StatusTooManyRequests {
			t.Fatalf("entry %d of one user code, from its own browser: 429 too early", i+1)
		}
	}
	if got := try("203.0.113.99", "BCDF-GHJK"); got != http.StatusTooManyRequests {
		t.Errorf("the 11th entry of one user code: %d, want 429", got)
	}
	if !strings.Contains(logs.String(), "level=INFO") || !strings.Contains(logs.String(), "limit=user_code") || strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("throttling logged as %q; want info naming the limit", logs.String())
	}
	codes := []string{"LMNP", "QRST", "VWXZ", "MNPQ", "RSTV"}
	n := 0
	for _, a := range codes {
		for _, b := range codes[:4] {
			if got := try("198.51.100.1", a+"-"+b); got == http.StatusTooManyRequests {
				t.Fatalf("code %d from one browser: 429 too early", n+1)
			}
			n++
		}
	}
	if got := try("198.51.100.1", "ZZZZ-ZZZZ"); got != http.StatusTooManyRequests {
		t.Errorf("the 21st code from one browser: %d, want 429", got)
	}
	if got := try("198.51.100.2", "ZZZZ-ZZZZ"); got == http.StatusTooManyRequests {
		t.Errorf("another browser behind the same proxy was throttled with the first")
	}
}
