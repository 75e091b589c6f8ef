package oauth2_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	xoauth2 "golang.org/x/oauth2"

	oauth2api "github.com/wardhq/ward/api/oauth2"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store"
)

// A redirect URI that differs from the registered one in any character is refused, and the error
// is shown rather than redirected.
func TestOAuth2RedirectURIMustMatchExactly(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t))
	webClients(e)
	variants := []string{redirectURI + "/", redirectURI + "?x=1", redirectURI + "#f", "HTTP://127.0.0.1:9/callback",
		"http://127.0.0.1:9/Callback", "http://127.0.0.1:90/callback", "http://127.0.0.1/callback", " " + redirectURI}
	for i := range len(redirectURI) {
		c := redirectURI[i] + 1
		if c == '#' || c == '?' || c == '&' || c > '~' {
			c = 'a'
		}
		if c == redirectURI[i] {
			c = 'b'
		}
		variants = append(variants, redirectURI[:i]+string(c)+redirectURI[i+1:])
		variants = append(variants, redirectURI[:i]+redirectURI[i+1:]) // one character fewer
	}
	b := e.browser("")
	b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, v := range variants {
		q := url.Values{"client_id": {"spa"}, "response_type": {"code"}, "redirect_uri": {v}, "scope": {"openid"},
			"code_challenge": {xoauth2.S256ChallengeFromVerifier(xoauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}
		resp, err := b.Get(e.issuer + oauth2.PathAuthorize + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(string(body), "invalid_request") {
			t.Errorf("redirect_uri %q: %s, Location %q; want a 400 page", v, resp.Status, resp.Header.Get("Location"))
		}
	}
	// Errors about the client itself are shown, too.
	for _, q := range []url.Values{{"client_id": {"nobody"}, "redirect_uri": {redirectURI}}, {"redirect_uri": {redirectURI}}} {
		resp, err := b.Get(e.issuer + oauth2.PathAuthorize + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("%v: %s; want a 400 page", q, resp.Status)
		}
	}
}

// PKCE: a public client without it is refused (in the redirect, as the URI is verified by then),
// plain is refused, and a wrong verifier fails the exchange.
func TestOAuth2PKCE(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t))
	webClients(e)
	ctx := context.Background()
	cfg := e.spaConfig(e.oidcProvider(), "openid")
	b := e.browser(redirectURI)

	q := e.authorize(b, cfg.AuthCodeURL("s"), redirectURI)
	if q.Get("error") != "invalid_request" || q.Get("state") != "s" || q.Get("code") != "" {
		t.Errorf("a public client without PKCE: %v; want error invalid_request", q)
	}
	q = e.authorize(b, cfg.AuthCodeURL("s", xoauth2.SetAuthURLParam("code_challenge", strings.Repeat("a", 43)),
		xoauth2.SetAuthURLParam("code_challenge_method", "plain")), redirectURI)
	if q.Get("error") != "invalid_request" {
		t.Errorf("PKCE plain: %v; want error invalid_request", q)
	}

	verifier := xoauth2.GenerateVerifier()
	q = e.authorize(b, cfg.AuthCodeURL("s", xoauth2.S256ChallengeOption(verifier)), redirectURI)
	if _, err := cfg.Exchange(ctx, q.Get("code"), xoauth2.VerifierOption(xoauth2.GenerateVerifier())); retrieveErrorCode(err) != "invalid_grant" {
		t.Errorf("a wrong verifier: %v; want invalid_grant", err)
	}
	if _, err := cfg.Exchange(ctx, q.Get("code")); retrieveErrorCode(err) != "invalid_request" {
		t.Errorf("no verifier: %v; want invalid_request", err)
	}
	// A code exchanged with a redirect_uri other than the request's is refused.
	cfg2 := *cfg
	cfg2.RedirectURL = redirectURI + "x"
	verifier = xoauth2.GenerateVerifier()
	q = e.authorize(b, cfg.AuthCodeURL("s", xoauth2.S256ChallengeOption(verifier)), redirectURI)
	if _, err := cfg2.Exchange(ctx, q.Get("code"), xoauth2.VerifierOption(verifier)); retrieveErrorCode(err) != "invalid_grant" {
		t.Errorf("another redirect_uri: %v; want invalid_grant", err)
	}
}

// A rejected consent reaches the client as access_denied; a scope the client may not have as
// invalid_scope; a verifier presented in another browser is refused.
func TestOAuth2FlowErrors(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t))
	webClients(e)
	cfg := e.spaConfig(e.oidcProvider(), "openid")
	b := e.browser(redirectURI)
	challenge := xoauth2.S256ChallengeOption(xoauth2.GenerateVerifier())

	e.rejectConsent.Store(true)
	q := e.authorize(b, cfg.AuthCodeURL("s", challenge), redirectURI)
	if q.Get("error") != "access_denied" || q.Get("state") != "s" {
		t.Errorf("rejected consent: %v; want access_denied with state", q)
	}
	e.rejectConsent.Store(false)

	bad := e.spaConfig(e.oidcProvider(), "openid", "admin")
	q = e.authorize(b, bad.AuthCodeURL("s", challenge), redirectURI)
	if q.Get("error") != "invalid_scope" {
		t.Errorf("a scope the client may not have: %v; want invalid_scope", q)
	}

	// The login app's redirect back, replayed from a browser without the flow's cookie.
	stop := e.browser(e.issuer + oauth2.PathAuthorize + "?login_verifier")
	resp, err := stop.Get(cfg.AuthCodeURL("s", challenge))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back := resp.Header.Get("Location")
	if !strings.Contains(back, "login_verifier=") {
		t.Fatalf("the login app sent the browser to %q", back)
	}
	resp, err = e.browser("").Get(back)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a login verifier in another browser: %s; want 400", resp.Status)
	}
}

// prompt=none never shows the login or consent app: without a remembered login it is
// login_required, without remembered consent consent_required, and with both a code.
func TestOAuth2PromptNone(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t))
	webClients(e)
	op := e.oidcProvider()
	b := e.browser(redirectURI)
	none := xoauth2.SetAuthURLParam("prompt", "none")
	challenge := xoauth2.S256ChallengeOption(xoauth2.GenerateVerifier())
	cfg := e.spaConfig(op, "openid")
	if q := e.authorize(b, cfg.AuthCodeURL("s", challenge, none), redirectURI); q.Get("error") != "login_required" {
		t.Errorf("prompt=none without a login: %v; want login_required", q)
	}
	e.codeFlow(b, cfg, "n") // remembers login and consent to openid
	if q := e.authorize(b, cfg.AuthCodeURL("s", challenge, none), redirectURI); q.Get("code") == "" {
		t.Errorf("prompt=none with login and consent remembered: %v; want a code", q)
	}
	wider := e.spaConfig(op, "openid", "profile")
	if q := e.authorize(b, wider.AuthCodeURL("s", challenge, none), redirectURI); q.Get("error") != "consent_required" {
		t.Errorf("prompt=none for a scope not consented to: %v; want consent_required", q)
	}
}

// CORS: discovery and the JWKS are readable from any origin; the token endpoint only from the
// configured origins; introspection from none.
func TestOAuth2CORS(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t))
	srv := httptest.NewServer(oauth2api.NewHandler(e.p, slog.New(slog.DiscardHandler), oauth2api.WithCORSOrigins("https://spa.example.com")))
	defer srv.Close()
	do := func(method, path, origin string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.Header.Set("Origin", origin)
		if method == http.MethodOptions {
			req.Header.Set("Access-Control-Request-Method", "POST")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, c := range []struct {
		method, path, origin, want string
	}{
		{http.MethodGet, oauth2.PathDiscovery, "https://any.example", "*"},
		{http.MethodGet, oauth2.PathJWKS, "https://any.example", "*"},
		{http.MethodOptions, oauth2.PathToken, "https://spa.example.com", "https://spa.example.com"},
		{http.MethodPost, oauth2.PathToken, "https://spa.example.com", "https://spa.example.com"},
		{http.MethodOptions, oauth2.PathToken, "https://evil.example", ""},
		{http.MethodPost, oauth2.PathToken, "https://evil.example", ""},
		{http.MethodPost, oauth2.PathIntrospect, "https://spa.example.com", ""},
	} {
		if got := do(c.method, c.path, c.origin).Header.Get("Access-Control-Allow-Origin"); got != c.want {
			t.Errorf("%s %s from %s: Access-Control-Allow-Origin %q; want %q", c.method, c.path, c.origin, got, c.want)
		}
	}
}

// failingStore fails every token lookup, as a database that is down.
type failingStore struct{ countingStore }

func (f *failingStore) LookupToken(context.Context, store.TokenKind, string) (*store.TokenRecord, *store.Grant, error) {
	return nil, nil, fault.Wrap(fault.Unavailable, errors.New("dial tcp 10.0.0.1:5432: connection refused"), "the store is unavailable")
}

// A store failure is temporarily_unavailable (503) to the client, and its cause stays in the logs.
func TestOAuth2StoreFailure(t *testing.T) {
	fs := &failingStore{countingStore{OAuth2Store: memoryStore(t)}}
	e := newOAuth2Env(t, fs)
	rsSecret := webClients(e)
	c, secret := e.createClient(oauth2.Client{ID: "svc", AuthMethod: oauth2.AuthClientSecretBasic,
		GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}})
	resp := e.postForm(oauth2.PathToken, url.Values{"grant_type": {"client_credentials"}}, c.ID, secret)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %s, %v", resp.Status, err)
	}
	resp = e.postForm(oauth2.PathIntrospect, url.Values{"token": {tok.AccessToken}}, "rs", rsSecret)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "temporarily_unavailable") ||
		strings.Contains(string(body), "10.0.0.1") {
		t.Errorf("introspection over a failing store: %s %s; want 503 temporarily_unavailable without the cause", resp.Status, body)
	}
	if !strings.Contains(e.logs.String(), "connection refused") {
		t.Errorf("the cause of a server failure is not logged")
	}
}
