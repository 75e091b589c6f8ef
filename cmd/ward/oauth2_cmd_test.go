package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	oauth2v1 "github.com/wardhq/ward/proto/ward/oauth2/v1"
	"github.com/wardhq/ward/proto/ward/oauth2/v1/oauth2v1connect"
)

// createdClient is `ward clients create --json`'s output.
type createdClient struct {
	Client struct {
		ClientID   string   `json:"client_id"`
		GrantTypes []string `json:"grant_types"`
	} `json:"client"`
	ClientSecret string `json:"client_secret"`
}

func createClientCLI(t *testing.T, public, admin string, args ...string) createdClient {
	t.Helper()
	out, err := ward(t, public, admin, "", append([]string{"clients", "create", "--json"}, args...)...)
	if err != nil {
		t.Fatalf("ward clients create: %v", err)
	}
	var c createdClient
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("clients create --json printed %q: %v", out, err)
	}
	return c
}

// TestClientsCLI registers a confidential client with the CLI, gets a token for it with
// golang.org/x/oauth2's client credentials flow, introspects it over Connect on the public
// listener (with and without the client's credentials), and deletes the client, which revokes it.
func TestClientsCLI(t *testing.T) {
	ctx := context.Background()
	public, admin, _ := startServer(t)
	c := createClientCLI(t, public, admin, "--grant-types", "client_credentials", "--scopes", "read,write", "--name", "batch job")
	if c.Client.ClientID == "" || c.ClientSecret == "" {
		t.Fatalf("clients create printed no ID or secret: %+v", c)
	}

	cc := clientcredentials.Config{ClientID: c.Client.ClientID, ClientSecret: c.ClientSecret, TokenURL: public + "/oauth2/token", Scopes: []string{"read"}}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("client credentials: %v", err)
	}

	introspection := oauth2v1connect.NewIntrospectionServiceClient(http.DefaultClient, public)
	req := connect.NewRequest(&oauth2v1.IntrospectRequest{Token: tok.AccessToken})
	if _, err := introspection.Introspect(ctx, req); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Errorf("public Introspect without credentials: %v, want unauthenticated", err)
	}
	req.Header().Set("Authorization", "Basic "+basic(c.Client.ClientID, c.ClientSecret))
	res, err := introspection.Introspect(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Msg.GetActive() || res.Msg.GetClientId() != c.Client.ClientID || strings.Join(res.Msg.GetScopes(), " ") != "read" {
		t.Errorf("introspection of a fresh token: %v", res.Msg)
	}

	// The admin listener's metrics count the token endpoint's requests and how introspections
	// were answered.
	if _, err := introspection.Introspect(ctx, req); err != nil {
		t.Fatal(err)
	}
	metrics := get(t, admin+"/metrics")
	for _, want := range []string{
		`ward_http_duration_seconds_count{listener="public",route="/oauth2/token",status="200"} 1`,
		`ward_oauth2_introspections_total{answer="rejected"} 0`,
		`ward_oauth2_revocation_polls_total{outcome="ok"}`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(metrics, `ward_oauth2_introspections_total{answer="cache"} 0`) {
		t.Errorf("a second introspection of a token was not answered from the cache")
	}

	out, err := ward(t, public, admin, "", "clients", "list")
	if err != nil || !strings.Contains(out, c.Client.ClientID) || !strings.Contains(out, "batch job") {
		t.Errorf("clients list: %q, %v", out, err)
	}
	if _, err := ward(t, public, admin, "", "clients", "update", c.Client.ClientID, "--scopes", "read"); err != nil {
		t.Errorf("clients update: %v", err)
	}
	out, err = ward(t, public, admin, "", "clients", "get", c.Client.ClientID)
	if err != nil || !strings.Contains(out, `"batch job"`) || strings.Contains(out, `"write"`) {
		t.Errorf("clients get after an update of the scopes (the name kept, write gone): %q, %v", out, err)
	}
	if _, err := ward(t, public, admin, "", "clients", "delete", c.Client.ClientID); err != nil {
		t.Fatal(err)
	}
	adminIntrospection := oauth2v1connect.NewIntrospectionServiceClient(http.DefaultClient, admin)
	res, err = adminIntrospection.Introspect(ctx, connect.NewRequest(&oauth2v1.IntrospectRequest{Token: tok.AccessToken}))
	if err != nil || res.Msg.GetActive() {
		t.Errorf("the token of a deleted client introspects as %v, %v; want inactive", res.Msg, err)
	}
	if _, err := ward(t, public, admin, "", "clients", "get", c.Client.ClientID); err == nil || !strings.Contains(err.Error(), "not_found") {
		t.Errorf("clients get of a deleted client: %v, want not_found", err)
	}
	if _, err := ward(t, public, admin, "", "clients", "create", "--grant-types", "client_credentials", "--auth-method", "none"); err == nil || !strings.Contains(err.Error(), "invalid_argument") {
		t.Errorf("a public client with client_credentials: %v, want invalid_argument", err)
	}
}

// TestLoginConsentCLI runs an authorization code flow with PKCE in which the CLI plays the login
// and consent apps, as a script would: `ward login accept` and `ward consent accept` print where
// the browser goes next.
//
// The identity service is off: with it, ward's own login flow and consent page would answer.
func TestLoginConsentCLI(t *testing.T) {
	ctx := context.Background()
	public, admin, _ := startServerWith(t, func(c *serveConfig) { c.Identity.Enabled = false })
	const redirect = "http://127.0.0.1:9/callback"
	c := createClientCLI(t, public, admin, "--grant-types", "authorization_code,refresh_token", "--redirect-uris", redirect,
		"--scopes", "openid,offline_access,read", "--auth-method", "client_secret_post")

	conf := oauth2.Config{
		ClientID: c.Client.ClientID, ClientSecret: c.ClientSecret, RedirectURL: redirect, Scopes: []string{"openid", "read"},
		Endpoint: oauth2.Endpoint{AuthURL: public + "/oauth2/auth", TokenURL: public + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams},
	}
	verifier := oauth2.GenerateVerifier()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	// The browser keeps cookies: the flow is bound to the browser that started it.
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	next := conf.AuthCodeURL("state-123", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "n-1"))

	// The browser visits the authorization endpoint and is sent to the (unconfigured) login app.
	loc := follow(t, browser, next)
	challenge := loc.Query().Get("login_challenge")
	if challenge == "" || loc.Path != "/oauth2/no-login-app" {
		t.Fatalf("the authorization endpoint sent the browser to %s", loc)
	}
	if resp, err := browser.Get(loc.String()); err != nil || resp.StatusCode != http.StatusNotImplemented {
		t.Errorf("the page for a missing login app: %v, %v; want 501", resp, err)
	}
	out, err := ward(t, public, admin, "", "login", "accept", challenge, "--subject", "alice")
	if err != nil {
		t.Fatal(err)
	}
	loc = follow(t, browser, strings.TrimSpace(out))
	consent := loc.Query().Get("consent_challenge")
	if consent == "" {
		t.Fatalf("after login the browser went to %s, not to the consent app", loc)
	}
	if out, err := ward(t, public, admin, "", "consent", "get", consent); err != nil || !strings.Contains(out, `"alice"`) {
		t.Errorf("consent get: %q, %v", out, err)
	}
	out, err = ward(t, public, admin, "", "consent", "accept", consent)
	if err != nil {
		t.Fatal(err)
	}
	loc = follow(t, browser, strings.TrimSpace(out))
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirect || loc.Query().Get("state") != "state-123" {
		t.Fatalf("after consent the browser went to %s", loc)
	}
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchanging the code: %v", err)
	}
	if tok.AccessToken == "" || tok.Extra("id_token") == nil {
		t.Errorf("the token response lacks an access or ID token: %+v", tok)
	}

	// A second challenge is rejected through the CLI: the client gets access_denied.
	loc = follow(t, browser, conf.AuthCodeURL("state-2", oauth2.S256ChallengeOption(verifier)))
	out, err = ward(t, public, admin, "", "login", "reject", loc.Query().Get("login_challenge"), "--description", "not today")
	if err != nil {
		t.Fatal(err)
	}
	// A rejection goes straight back to the client: nothing is left for ward to do.
	loc, err = url.Parse(strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loc.String(), redirect+"?") || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "state-2" {
		t.Errorf("a rejected login reached the client as %s", loc)
	}

	if out, err := ward(t, public, admin, "", "keys", "rotate"); err != nil || !strings.Contains(out, `"kid"`) {
		t.Errorf("keys rotate: %q, %v", out, err)
	}
	if out, err := ward(t, public, admin, "", "keys", "list"); err != nil || strings.Count(out, `"kid"`) != 2 {
		t.Errorf("keys list after a rotation (the retired key stays listed): %q, %v", out, err)
	}
}

// follow requests u without following redirects and returns the Location it answers with.
func follow(t *testing.T, browser *http.Client, u string) *url.URL {
	t.Helper()
	resp, err := browser.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET %s: %s, want a redirect", u, resp.Status)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func basic(id, secret string) string {
	r, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// TestLoginCLIErrors checks that answers to unknown challenges fail with the API's error, and
// that a login cannot be accepted without a subject.
func TestLoginCLIErrors(t *testing.T) {
	public, admin, _ := startServer(t)
	for _, args := range [][]string{
		{"login", "reject", "no-such-challenge"},
		{"consent", "reject", "no-such-challenge"},
		{"login", "accept", "no-such-challenge", "--subject", "alice"},
		{"consent", "accept", "no-such-challenge"},
	} {
		if _, err := ward(t, public, admin, "", args...); err == nil || !strings.Contains(oneLine(err), "not_found") {
			t.Errorf("ward %s: %v, want not_found", strings.Join(args, " "), err)
		}
	}
	if _, err := ward(t, public, admin, "", "login", "accept", "x"); err == nil || !strings.Contains(err.Error(), "--subject is required") {
		t.Errorf("login accept without --subject: %v", err)
	}
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
