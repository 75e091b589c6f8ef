package oauth2_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	xoauth2 "golang.org/x/oauth2"

	"github.com/wardhq/ward/oauth2"
)

// A JWT access token always carries aud (RFC 9068 §2.2): with no audience granted, the issuer.
func TestOAuth2JWTAccessTokenAudience(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t), func(c *oauth2.Config) { c.JWTAccessTokens = true })
	webClients(e)
	ctx := context.Background()
	op := e.oidcProvider()
	ks := oidc.NewRemoteKeySet(ctx, e.issuer+oauth2.PathJWKS)
	aud := func(tok string) []string {
		payload, err := ks.VerifySignature(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		var claims struct {
			Aud []string `json:"aud"`
		}
		if err := json.Unmarshal(payload, &claims); err != nil {
			t.Fatal(err)
		}
		return claims.Aud
	}
	tok := e.codeFlow(e.browser(redirectURI), e.spaConfig(op, "openid"), "n")
	if got := aud(tok.AccessToken); !slices.Equal(got, []string{e.issuer}) {
		t.Errorf("no audience requested: aud %v; want [%s]", got, e.issuer)
	}
}

// A native client's loopback IP redirect URI registered without a port matches any port (RFC 8252
// §7.3), and the code is redeemed with the URI as requested; localhost, another path, or a URI
// registered with a port get no leeway.
func TestOAuth2LoopbackRedirectAnyPort(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t))
	e.createClient(oauth2.Client{
		ID: "cli", AuthMethod: oauth2.AuthNone,
		RedirectURIs: []string{"http://127.0.0.1/cb", "http://[::1]/cb", "http://localhost/cb"},
		GrantTypes:   []oauth2.GrantType{oauth2.GrantAuthorizationCode}, ResponseTypes: []string{"code"}, Scopes: []string{"openid"},
	})
	verifier := xoauth2.GenerateVerifier()
	start := func(b *http.Client, redirect string) *http.Response {
		q := url.Values{"client_id": {"cli"}, "response_type": {"code"}, "redirect_uri": {redirect}, "scope": {"openid"},
			"code_challenge": {xoauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}, "state": {"s"}}
		resp, err := b.Get(e.issuer + oauth2.PathAuthorize + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, redirect := range []string{"http://127.0.0.1:54321/cb", "http://[::1]:8080/cb", "http://127.0.0.1:1/cb"} {
		q := e.authorize(e.browser(redirect), e.issuer+oauth2.PathAuthorize+"?"+url.Values{"client_id": {"cli"},
			"response_type": {"code"}, "redirect_uri": {redirect}, "scope": {"openid"}, "state": {"s"},
			"code_challenge": {xoauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}.Encode(), redirect)
		if q.Get("code") == "" {
			t.Fatalf("%s: %v; want a code", redirect, q)
		}
		resp := e.postForm(oauth2.PathToken, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
			"redirect_uri": {redirect}, "client_id": {"cli"}, "code_verifier": {verifier}}, "", "")
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: exchange %s; want 200", redirect, resp.Status)
		}
	}
	b := e.browser("")
	b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, redirect := range []string{"http://localhost:54321/cb", "http://127.0.0.1:54321/cb2", "http://127.0.0.1:54321/cb?x",
		"http://127.0.0.1:0/cb", "http://127.0.0.1:65536/cb", "http://127.0.0.1:080/cb", "http://127.0.0.1:/cb",
		"http://127.0.0.1:54321@evil.example/cb", "http://127.0.0.2:54321/cb", "https://127.0.0.1:54321/cb"} {
		if resp := start(b, redirect); resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("%s: %s, Location %q; want a 400 page", redirect, resp.Status, resp.Header.Get("Location"))
		}
	}
}

// With RequirePKCE (pkce_required_for_confidential_clients), a confidential client without a
// code_challenge is refused in the redirect; without the switch it is served, as before.
func TestOAuth2PKCERequiredForConfidential(t *testing.T) {
	for _, required := range []bool{true, false} {
		e := newOAuth2Env(t, memoryStore(t), func(c *oauth2.Config) { c.RequirePKCE = required })
		e.createClient(oauth2.Client{
			ID: "web", AuthMethod: oauth2.AuthClientSecretBasic, RedirectURIs: []string{redirectURI},
			GrantTypes: []oauth2.GrantType{oauth2.GrantAuthorizationCode}, ResponseTypes: []string{"code"}, Scopes: []string{"openid"},
		})
		q := e.authorize(e.browser(redirectURI), e.issuer+oauth2.PathAuthorize+"?"+url.Values{"client_id": {"web"},
			"response_type": {"code"}, "redirect_uri": {redirectURI}, "scope": {"openid"}, "state": {"s"}}.Encode(), redirectURI)
		if required && (q.Get("error") != "invalid_request" || q.Get("code") != "") {
			t.Errorf("PKCE required, none sent: %v; want invalid_request", q)
		}
		if !required && q.Get("code") == "" {
			t.Errorf("PKCE not required, none sent: %v; want a code", q)
		}
	}
}
