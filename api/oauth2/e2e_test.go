package oauth2_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"
	xoauth2 "golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wardhq/ward/api"
	"github.com/wardhq/ward/api/middleware"
	oauth2api "github.com/wardhq/ward/api/oauth2"
	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store"
)

const redirectURI = "http://127.0.0.1:9/callback"

// forEachStore runs test on every store the OAuth2 tests run on.
func forEachStore(t *testing.T, test func(t *testing.T, st store.OAuth2Store)) {
	for name, newStore := range oauth2Stores(t) {
		t.Run(name, func(t *testing.T) { test(t, newStore(t)) })
	}
}

// webClients registers the clients of the browser tests: a public single-page app, a confidential
// web app, and a resource server that introspects.
func webClients(e *oauth2Env) (rsSecret string) {
	e.createClient(oauth2.Client{
		ID: "spa", AuthMethod: oauth2.AuthNone, RedirectURIs: []string{redirectURI},
		PostLogoutRedirectURIs: []string{"http://127.0.0.1:9/bye"},
		GrantTypes:             []oauth2.GrantType{oauth2.GrantAuthorizationCode, oauth2.GrantRefreshToken},
		ResponseTypes:          []string{"code"}, Scopes: []string{"openid", "offline_access", "profile"},
		Audiences: []string{"https://api.example.com"},
	})
	_, rsSecret = e.createClient(oauth2.Client{
		ID: "rs", AuthMethod: oauth2.AuthClientSecretBasic,
		GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}, Scopes: []string{"introspect", oauth2.DefaultIntrospectionScope},
	})
	return rsSecret
}

func (e *oauth2Env) oidcProvider() *oidc.Provider {
	e.t.Helper()
	p, err := oidc.NewProvider(context.Background(), e.issuer)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *oauth2Env) spaConfig(p *oidc.Provider, scopes ...string) *xoauth2.Config {
	ep := p.Endpoint()
	ep.AuthStyle = xoauth2.AuthStyleInParams
	return &xoauth2.Config{ClientID: "spa", Endpoint: ep, RedirectURL: redirectURI, Scopes: scopes}
}

// codeFlow runs the authorization code flow with PKCE in browser b and returns the tokens.
func (e *oauth2Env) codeFlow(b *http.Client, cfg *xoauth2.Config, nonce string) *xoauth2.Token {
	e.t.Helper()
	verifier := xoauth2.GenerateVerifier()
	q := e.authorize(b, cfg.AuthCodeURL("state-1", xoauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)), redirectURI)
	if q.Get("state") != "state-1" || q.Get("iss") != e.issuer || q.Get("code") == "" {
		e.t.Fatalf("redirect parameters %v: want code, state-1 and iss %s", q, e.issuer)
	}
	tok, err := cfg.Exchange(context.Background(), q.Get("code"), xoauth2.VerifierOption(verifier))
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// introspect asks the introspection endpoint as client rs.
func (e *oauth2Env) introspect(rsSecret, tok string) map[string]any {
	e.t.Helper()
	resp := e.postForm(oauth2.PathIntrospect, url.Values{"token": {tok}}, "rs", rsSecret)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("introspection: %s", resp.Status)
	}
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// assertNoSecrets fails the test when the logs hold any of secrets.
func (e *oauth2Env) assertNoSecrets(secrets ...string) {
	e.t.Helper()
	logs := e.logs.String()
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			e.t.Errorf("the logs hold a secret or token (%.12s…)", s)
		}
	}
}

func retrieveErrorCode(err error) string {
	var re *xoauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

func TestOAuth2AuthorizationCodeFlow(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.OAuth2Store) {
		e := newOAuth2Env(t, st)
		rsSecret := webClients(e)
		ctx := context.Background()
		op := e.oidcProvider()
		cfg := e.spaConfig(op, "openid", "offline_access")
		b := e.browser(redirectURI)

		verifier := xoauth2.GenerateVerifier()
		q := e.authorize(b, cfg.AuthCodeURL("state-1", xoauth2.S256ChallengeOption(verifier), oidc.Nonce("nonce-1")), redirectURI)
		code := q.Get("code")
		tok, err := cfg.Exchange(ctx, code, xoauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if tok.RefreshToken == "" {
			t.Error("no refresh token for offline_access")
		}

		// The ID token verifies through the JWKS and carries nonce, at_hash, auth_time and sid.
		rawID, _ := tok.Extra("id_token").(string)
		idt, err := op.Verifier(&oidc.Config{ClientID: "spa"}).Verify(ctx, rawID)
		if err != nil {
			t.Fatal(err)
		}
		if idt.Subject != "alice" || idt.Nonce != "nonce-1" {
			t.Errorf("ID token sub %q nonce %q; want alice, nonce-1", idt.Subject, idt.Nonce)
		}
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			t.Errorf("at_hash: %v", err)
		}
		var claims struct {
			AuthTime int64  `json:"auth_time"`
			SID      string `json:"sid"`
			Email    string `json:"email"`
			ACR      string `json:"acr"`
		}
		if err := idt.Claims(&claims); err != nil {
			t.Fatal(err)
		}
		if claims.AuthTime == 0 || claims.SID == "" || claims.Email != "alice@example.com" || claims.ACR != "1" {
			t.Errorf("ID token claims %+v: want auth_time, sid, email and acr", claims)
		}

		ui, err := op.UserInfo(ctx, xoauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatal(err)
		}
		if ui.Subject != "alice" || ui.Email != "alice@example.com" {
			t.Errorf("userinfo %+v", ui)
		}

		in := e.introspect(rsSecret, tok.AccessToken)
		if in["active"] != true || in["sub"] != "alice" || in["client_id"] != "spa" || in["scope"] != "openid offline_access" ||
			in["token_type"] != "Bearer" || in["token_use"] != "access_token" || in["iss"] != e.issuer {
			t.Errorf("introspection %v", in)
		}
		if ext, _ := in["ext"].(map[string]any); ext["tenant"] != "t1" {
			t.Errorf("introspection ext %v; want the consent's access token claims", in["ext"])
		}

		// The code works once; its second use revokes what the first issued.
		_, err = cfg.Exchange(ctx, code, xoauth2.VerifierOption(verifier))
		if retrieveErrorCode(err) != "invalid_grant" {
			t.Fatalf("second use of the code: %v; want invalid_grant", err)
		}
		if in := e.introspect(rsSecret, tok.AccessToken); in["active"] != false {
			t.Errorf("the access token of a replayed code is still active: %v", in)
		}
		if in := e.introspect(rsSecret, tok.RefreshToken); in["active"] != false {
			t.Errorf("the refresh token of a replayed code is still active: %v", in)
		}

		// A second flow in the same browser skips login and consent, both remembered.
		e.codeFlow(b, cfg, "nonce-2")
		if e.loginSkips.Load() != 1 || e.consentSkips.Load() != 1 {
			t.Errorf("login skips %d, consent skips %d; want 1 and 1", e.loginSkips.Load(), e.consentSkips.Load())
		}

		// Withdrawn consent is asked again.
		if _, err := e.p.RevokeConsent(ctx, "alice", "spa"); err != nil {
			t.Fatal(err)
		}
		e.codeFlow(b, cfg, "nonce-3")
		if e.consentSkips.Load() != 1 {
			t.Errorf("consent skipped after it was withdrawn")
		}
		e.assertNoSecrets(rsSecret, code, tok.AccessToken, tok.RefreshToken, rawID, verifier)
	})
}

func TestOAuth2RefreshRotationAndReuse(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.OAuth2Store) {
		e := newOAuth2Env(t, st)
		rsSecret := webClients(e)
		ctx := context.Background()
		op := e.oidcProvider()
		cfg := e.spaConfig(op, "openid", "offline_access")
		tok := e.codeFlow(e.browser(redirectURI), cfg, "n")

		refresh := func(rt string) (*xoauth2.Token, error) {
			return cfg.TokenSource(ctx, &xoauth2.Token{RefreshToken: rt, Expiry: time.Now().Add(-time.Hour)}).Token()
		}
		tok2, err := refresh(tok.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if tok2.RefreshToken == "" || tok2.RefreshToken == tok.RefreshToken || tok2.AccessToken == tok.AccessToken {
			t.Fatal("the refresh did not rotate the tokens")
		}
		if rawID, _ := tok2.Extra("id_token").(string); rawID == "" {
			t.Error("no ID token on refresh")
		} else if _, err := op.Verifier(&oidc.Config{ClientID: "spa"}).Verify(ctx, rawID); err != nil {
			t.Errorf("refreshed ID token: %v", err)
		}
		if in := e.introspect(rsSecret, tok2.AccessToken); in["active"] != true {
			t.Fatalf("the refreshed access token is not active: %v", in)
		}
		if in := e.introspect(rsSecret, tok.RefreshToken); in["active"] != false {
			t.Errorf("a rotated refresh token introspects active: %v", in)
		}
		if in := e.introspect(rsSecret, tok.AccessToken); in["active"] != false {
			t.Errorf("the access token of a rotated refresh token introspects active: %v", in)
		}
		if in := e.introspect(rsSecret, tok2.RefreshToken); in["active"] != true || in["token_use"] != "refresh_token" {
			t.Errorf("the new refresh token introspects %v", in)
		}

		// Reuse of the rotated token revokes the family: the new refresh and access tokens too.
		if _, err := refresh(tok.RefreshToken); retrieveErrorCode(err) != "invalid_grant" {
			t.Fatalf("reuse of a rotated refresh token: %v; want invalid_grant", err)
		}
		if _, err := refresh(tok2.RefreshToken); retrieveErrorCode(err) != "invalid_grant" {
			t.Errorf("the family's newest refresh token still works after a reuse: %v", err)
		}
		if in := e.introspect(rsSecret, tok2.AccessToken); in["active"] != false {
			t.Errorf("the family's access token is active after a reuse: %v", in)
		}
		e.assertNoSecrets(rsSecret, tok.AccessToken, tok.RefreshToken, tok2.AccessToken, tok2.RefreshToken)
	})
}

func TestOAuth2ClientCredentials(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.OAuth2Store) {
		e := newOAuth2Env(t, st)
		rsSecret := webClients(e)
		ctx := context.Background()
		for _, m := range []struct {
			method oauth2.AuthMethod
			style  xoauth2.AuthStyle
		}{{oauth2.AuthClientSecretBasic, xoauth2.AuthStyleInHeader}, {oauth2.AuthClientSecretPost, xoauth2.AuthStyleInParams}} {
			c, secret := e.createClient(oauth2.Client{
				ID: "svc-" + string(m.method), AuthMethod: m.method,
				GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials},
				Scopes:     []string{"doc:read", "doc:write"}, Audiences: []string{"https://api.example.com"},
			})
			cc := clientcredentials.Config{
				ClientID: c.ID, ClientSecret: secret, TokenURL: e.issuer + oauth2.PathToken,
				Scopes: []string{"doc:read"}, AuthStyle: m.style,
				EndpointParams: url.Values{"audience": {"https://api.example.com"}},
			}
			for range 2 { // the second authenticates from the verification cache
				tok, err := cc.Token(ctx)
				if err != nil {
					t.Fatalf("%s: %v", m.method, err)
				}
				in := e.introspect(rsSecret, tok.AccessToken)
				if in["active"] != true || in["sub"] != c.ID || in["scope"] != "doc:read" {
					t.Errorf("%s: introspection %v", m.method, in)
				}
				if aud, _ := in["aud"].([]any); len(aud) != 1 || aud[0] != "https://api.example.com" {
					t.Errorf("%s: aud %v", m.method, in["aud"])
				}
				e.assertNoSecrets(secret, tok.AccessToken)
			}
			cc.ClientSecret = secret[:len(secret)-1] + "x"
			if _, err := cc.Token(ctx); retrieveErrorCode(err) != "invalid_client" {
				t.Errorf("%s with a wrong secret: %v; want invalid_client", m.method, err)
			}
			cc.ClientSecret = secret
			cc.Scopes = []string{"admin"}
			if _, err := cc.Token(ctx); retrieveErrorCode(err) != "invalid_scope" {
				t.Errorf("%s asking for a scope it may not have: %v; want invalid_scope", m.method, err)
			}
		}
		// A wrong Basic secret is answered 401 with WWW-Authenticate.
		resp := e.postForm(oauth2.PathToken, url.Values{"grant_type": {"client_credentials"}}, "rs", "not-the-secret-but-long-enough-to-be-checked")
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("wrong Basic secret: %s, WWW-Authenticate %q", resp.Status, resp.Header.Get("WWW-Authenticate"))
		}
		e.assertNoSecrets(rsSecret)
	})
}

func TestOAuth2PrivateKeyJWT(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.OAuth2Store) {
		e := newOAuth2Env(t, st)
		key := assertionClient(t, e) // client "signer", key k1
		assertion := func(aud string, exp time.Time, signWith *ecdsa.PrivateKey) string {
			tk := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
				"iss": "signer", "sub": "signer", "aud": aud, "exp": exp.Unix(), "iat": time.Now().Unix(), "jti": rand.Text(), // a jti is used once
			})
			tk.Header["kid"] = "k1"
			s, err := tk.SignedString(signWith)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		var assertions []string
		defer func() { e.assertNoSecrets(assertions...) }()
		for _, c := range []struct {
			name, assertion string
			status          int
		}{
			{"valid", assertion(e.issuer+oauth2.PathToken, time.Now().Add(time.Minute), key), http.StatusOK},
			{"issuer as audience", assertion(e.issuer, time.Now().Add(time.Minute), key), http.StatusOK},
			{"other audience", assertion("https://elsewhere.example", time.Now().Add(time.Minute), key), http.StatusUnauthorized},
			{"expired", assertion(e.issuer, time.Now().Add(-time.Minute), key), http.StatusUnauthorized},
			{"too long-lived", assertion(e.issuer, time.Now().Add(3*time.Hour), key), http.StatusUnauthorized},
			{"another key", assertion(e.issuer, time.Now().Add(time.Minute), other), http.StatusUnauthorized},
			{"not a JWT", "abc.def", http.StatusUnauthorized},
		} {
			assertions = append(assertions, c.assertion)
			resp := e.postForm(oauth2.PathToken, url.Values{
				"grant_type": {"client_credentials"}, "scope": {"a"},
				"client_assertion_type": {oauth2.ClientAssertionType}, "client_assertion": {c.assertion},
			}, "", "")
			if resp.StatusCode != c.status {
				body, _ := io.ReadAll(resp.Body)
				t.Errorf("%s: %s %s; want %d", c.name, resp.Status, body, c.status)
			}
		}
	})
}

func TestOAuth2DeviceGrant(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.OAuth2Store) {
		e := newOAuth2Env(t, st)
		rsSecret := webClients(e)
		e.createClient(oauth2.Client{
			ID: "tv", AuthMethod: oauth2.AuthNone,
			GrantTypes: []oauth2.GrantType{oauth2.GrantDeviceCode, oauth2.GrantRefreshToken},
			Scopes:     []string{"openid", "offline_access"},
		})
		ctx := context.Background()
		op := e.oidcProvider()
		ep := op.Endpoint()
		ep.AuthStyle = xoauth2.AuthStyleInParams
		var disc struct {
			DeviceAuth string `json:"device_authorization_endpoint"`
		}
		if err := op.Claims(&disc); err != nil {
			t.Fatal(err)
		}
		ep.DeviceAuthURL = disc.DeviceAuth
		cfg := &xoauth2.Config{ClientID: "tv", Endpoint: ep, Scopes: []string{"openid", "offline_access"}}

		da, err := cfg.DeviceAuth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if da.UserCode == "" || da.VerificationURI != e.issuer+oauth2.PathDeviceVerify || da.VerificationURIComplete == "" || da.Interval != 1 {
			t.Fatalf("device authorization %+v", da)
		}
		// Before the user acts: authorization_pending; polled again at once: slow_down.
		poll := func() string {
			resp := e.postForm(oauth2.PathToken, url.Values{"grant_type": {string(oauth2.GrantDeviceCode)}, "device_code": {da.DeviceCode}, "client_id": {"tv"}}, "", "")
			var out struct{ Error string }
			_ = json.NewDecoder(resp.Body).Decode(&out)
			return out.Error
		}
		if got := poll(); got != "authorization_pending" {
			t.Errorf("first poll: %q; want authorization_pending", got)
		}
		if got := poll(); got != "slow_down" {
			t.Errorf("immediate second poll: %q; want slow_down", got)
		}

		got := make(chan *xoauth2.Token, 1)
		fail := make(chan error, 1)
		go func() {
			tok, err := cfg.DeviceAccessToken(ctx, da)
			if err != nil {
				fail <- err
				return
			}
			got <- tok
		}()
		// The user opens the verification page without the code, then with it, and logs in.
		b := e.browser("")
		resp, err := b.Get(da.VerificationURI)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), `name="user_code"`) {
			t.Errorf("the verification page has no user code form")
		}
		resp, err = b.Get(da.VerificationURI + "?user_code=" + url.QueryEscape(strings.ToLower(da.UserCode)))
		if err != nil {
			t.Fatal(err)
		}
		page, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Device connected") {
			t.Fatalf("verification ended with %s: %s", resp.Status, page)
		}
		select {
		case tok := <-got:
			if tok.RefreshToken == "" {
				t.Error("no refresh token")
			}
			defer e.assertNoSecrets(da.DeviceCode, tok.AccessToken, tok.RefreshToken)
			if in := e.introspect(rsSecret, tok.AccessToken); in["active"] != true || in["sub"] != "alice" || in["client_id"] != "tv" {
				t.Errorf("device token introspection %v", in)
			}
		case err := <-fail:
			t.Fatal(err)
		case <-time.After(15 * time.Second):
			t.Fatal("the device got no token")
		}
		if got := poll(); got != "invalid_grant" {
			t.Errorf("poll after the exchange: %q; want invalid_grant", got)
		}

		// A denied device gets access_denied; an expired code expired_token.
		e.rejectConsent.Store(true)
		da2, err := cfg.DeviceAuth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if resp, err = b.Get(da2.VerificationURIComplete); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if _, err := cfg.DeviceAccessToken(ctx, da2); retrieveErrorCode(err) != "access_denied" {
			t.Errorf("denied device: %v; want access_denied", err)
		}
		// alice's consent to tv is remembered, but a device flow asks all the same: the user code
		// may have come from someone else (RFC 8628 §5.4).
		if n := e.consentSkips.Load(); n != 0 {
			t.Errorf("a device flow offered the consent app to skip %d times; want 0", n)
		}
		da3, err := cfg.DeviceAuth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(oauth2.DefaultDeviceCodeLifetime + time.Second)
		da.DeviceCode = da3.DeviceCode
		if got := poll(); got != "expired_token" {
			t.Errorf("expired device code: %q; want expired_token", got)
		}
	})
}

func TestOAuth2Discovery(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t))
	resp, err := http.Get(e.issuer + oauth2.PathDiscovery)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if d["issuer"] != e.issuer {
		t.Errorf("issuer %v; want %s", d["issuer"], e.issuer)
	}
	h := handlerRoutes(e)
	for _, k := range []string{"authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
		"introspection_endpoint", "revocation_endpoint", "device_authorization_endpoint", "end_session_endpoint"} {
		u, _ := d[k].(string)
		if !strings.HasPrefix(u, e.issuer+"/") {
			t.Errorf("%s = %q; want an endpoint of %s", k, u, e.issuer)
			continue
		}
		path := strings.TrimPrefix(u, e.issuer)
		if !h[path] {
			t.Errorf("%s = %s is not served", k, u)
		}
		delete(h, path)
	}
	delete(h, oauth2.PathDiscovery)
	delete(h, oauth2.PathDeviceVerify) // reached from the device authorization response
	if len(h) != 0 {
		t.Errorf("routes missing from discovery: %v", h)
	}
	for _, want := range []string{"S256", "private_key_jwt", "urn:ietf:params:oauth:grant-type:device_code"} {
		if b, _ := json.Marshal(d); !strings.Contains(string(b), want) {
			t.Errorf("discovery does not mention %s", want)
		}
	}
}

// The public listener serves the OAuth2 endpoints when Services.OAuth2 is set.
func TestOAuth2OnThePublicListener(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t))
	h := oauth2api.NewHandler(e.p, slog.New(slog.DiscardHandler))
	obs, err := middleware.NewObservers(prometheus.NewRegistry(), slog.New(slog.DiscardHandler), "public")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewPublicHandler(api.Services{OAuth2: h}, obs["public"]))
	defer srv.Close()
	for _, path := range h.Routes() {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			t.Errorf("%s is not served on the public listener", path)
		}
	}
}

// handlerRoutes returns the handler's routes as a set.
func handlerRoutes(e *oauth2Env) map[string]bool {
	set := map[string]bool{}
	for _, r := range []string{oauth2.PathDiscovery, oauth2.PathJWKS, oauth2.PathAuthorize, oauth2.PathToken,
		oauth2.PathIntrospect, oauth2.PathRevoke, oauth2.PathUserinfo, oauth2.PathDeviceAuth, oauth2.PathDeviceVerify, oauth2.PathLogout} {
		set[r] = true
	}
	return set
}

// countingStore counts token lookups, to show which introspections touch the store.
type countingStore struct {
	store.OAuth2Store
	lookups atomic.Int64
}

func (c *countingStore) LookupToken(ctx context.Context, kind store.TokenKind, key string) (*store.TokenRecord, *store.Grant, error) {
	c.lookups.Add(1)
	return c.OAuth2Store.LookupToken(ctx, kind, key)
}

func TestOAuth2IntrospectionAndRevocation(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.OAuth2Store) {
		cs := &countingStore{OAuth2Store: st}
		e := newOAuth2Env(t, cs)
		rsSecret := webClients(e)
		c, secret := e.createClient(oauth2.Client{
			ID: "svc", AuthMethod: oauth2.AuthClientSecretPost,
			GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}, Scopes: []string{"a"},
		})
		cc := clientcredentials.Config{ClientID: c.ID, ClientSecret: secret, TokenURL: e.issuer + oauth2.PathToken, AuthStyle: xoauth2.AuthStyleInParams}
		ctx := context.Background()
		newToken := func() string {
			tok, err := cc.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return tok.AccessToken
		}
		active := newToken()
		if in := e.introspect(rsSecret, active); in["active"] != true {
			t.Fatalf("fresh token: %v", in)
		}

		// Forged: a changed MAC is inactive, and never reaches the store.
		forged := active[:len(active)-2] + map[bool]string{true: "AA", false: "BA"}[strings.HasSuffix(active, "AA")]
		before := cs.lookups.Load()
		for _, tok := range []string{forged, "ward_at_" + strings.Repeat("A", 87), "not-a-token", "a.b.c"} {
			if in := e.introspect(rsSecret, tok); in["active"] != false || len(in) != 1 {
				t.Errorf("introspection of %.20s: %v; want only active false", tok, in)
			}
		}
		if n := cs.lookups.Load() - before; n != 0 {
			t.Errorf("forged tokens cost %d store lookups; want 0", n)
		}

		// Revoked through the revocation endpoint (RFC 7009), by its client.
		resp := e.postForm(oauth2.PathRevoke, url.Values{"token": {active}, "client_id": {c.ID}, "client_secret": {secret}}, "", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("revocation: %s", resp.Status)
		}
		if in := e.introspect(rsSecret, active); in["active"] != false {
			t.Errorf("a revoked token introspects %v", in)
		}
		// Another client may not revoke it; an unknown token is revoked without error.
		other := newToken()
		resp = e.postForm(oauth2.PathRevoke, url.Values{"token": {other}}, "rs", rsSecret)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("revocation of another client's token: %s; want 400", resp.Status)
		}
		if in := e.introspect(rsSecret, other); in["active"] != true {
			t.Errorf("another client revoked the token: %v", in)
		}
		resp = e.postForm(oauth2.PathRevoke, url.Values{"token": {forged}}, "rs", rsSecret)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("revocation of an unknown token: %s; want 200", resp.Status)
		}

		// Expired: inactive once its lifetime has passed, cached or not.
		e.clock.Advance(oauth2.DefaultAccessTokenLifetime + time.Second)
		if in := e.introspect(rsSecret, other); in["active"] != false {
			t.Errorf("an expired token introspects %v", in)
		}
		// Introspection needs an authenticated confidential client.
		resp = e.postForm(oauth2.PathIntrospect, url.Values{"token": {other}, "client_id": {"spa"}}, "", "")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("introspection by a public client: %s; want 401", resp.Status)
		}
		e.assertNoSecrets(secret, rsSecret, active, other)
	})
}

func TestOAuth2JWTAccessTokens(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.OAuth2Store) {
		e := newOAuth2Env(t, st, func(c *oauth2.Config) { c.JWTAccessTokens = true; c.SigningAlgorithm = "RS256" })
		rsSecret := webClients(e)
		ctx := context.Background()
		op := e.oidcProvider()
		tok := e.codeFlow(e.browser(redirectURI), e.spaConfig(op, "openid"), "n")
		if strings.Count(tok.AccessToken, ".") != 2 {
			t.Fatalf("the access token is not a JWT")
		}
		// The JWT verifies with the published keys (go-oidc's remote key set).
		ks := oidc.NewRemoteKeySet(ctx, e.issuer+oauth2.PathJWKS)
		payload, err := ks.VerifySignature(ctx, tok.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		var claims map[string]any
		_ = json.Unmarshal(payload, &claims)
		if claims["sub"] != "alice" || claims["client_id"] != "spa" || claims["tenant"] != "t1" {
			t.Errorf("JWT access token claims %v", claims)
		}
		if in := e.introspect(rsSecret, tok.AccessToken); in["active"] != true {
			t.Fatalf("JWT access token introspection %v", in)
		}
		if err := e.p.Revoke(ctx, tok.AccessToken, ""); err != nil {
			t.Fatal(err)
		}
		if in := e.introspect(rsSecret, tok.AccessToken); in["active"] != false {
			t.Errorf("a revoked JWT access token introspects %v", in)
		}

		// Rotation: the old key stays published, new tokens are signed with the new one.
		old, err := e.p.ListSigningKeys(ctx)
		if err != nil || len(old) != 1 {
			t.Fatalf("keys %v, %v", old, err)
		}
		nk, err := e.p.RotateSigningKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		jwks, err := e.p.JWKS(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(jwks), old[0].ID) || !strings.Contains(string(jwks), nk.ID) {
			t.Errorf("after rotation the JWKS lacks a key: %s", jwks)
		}
		tok2 := e.codeFlow(e.browser(redirectURI), e.spaConfig(op, "openid"), "n2")
		rawID, _ := tok2.Extra("id_token").(string)
		if _, err := op.Verifier(&oidc.Config{ClientID: "spa"}).Verify(ctx, rawID); err != nil {
			t.Errorf("ID token after rotation: %v", err)
		}
		if !strings.Contains(headerOf(t, rawID), nk.ID) {
			t.Errorf("the new ID token is not signed by the new key")
		}
	})
}

func headerOf(t *testing.T, jws string) string {
	h, err := base64.RawURLEncoding.DecodeString(strings.Split(jws, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestOAuth2Logout(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t))
	webClients(e)
	op := e.oidcProvider()
	cfg := e.spaConfig(op, "openid")
	b := e.browser(redirectURI)
	tok := e.codeFlow(b, cfg, "n")
	rawID, _ := tok.Extra("id_token").(string)

	b2 := e.browser("http://127.0.0.1:9/bye")
	b2.Jar = b.Jar
	resp, err := b2.Get(e.issuer + oauth2.PathLogout + "?" + url.Values{
		"id_token_hint": {rawID}, "post_logout_redirect_uri": {"http://127.0.0.1:9/bye"}, "state": {"s"},
	}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "http://127.0.0.1:9/bye?state=s" {
		t.Errorf("logout redirected to %q", loc)
	}
	// After logout the login is asked again.
	e.codeFlow(b, cfg, "n2")
	if e.loginSkips.Load() != 0 {
		t.Errorf("the login was remembered after logout")
	}
	// An unregistered post_logout_redirect_uri is refused.
	resp, err = b2.Get(e.issuer + oauth2.PathLogout + "?" + url.Values{
		"id_token_hint": {rawID}, "post_logout_redirect_uri": {"http://127.0.0.1:9/evil"},
	}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("logout to an unregistered URI: %s; want 400", resp.Status)
	}
}
