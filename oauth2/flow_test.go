package oauth2_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store/memory"
)

const appRedirect = "https://app.example.com/cb"

// flowProvider returns a Provider with a confidential web client "web" and a clock to move.
func flowProvider(t *testing.T) (*oauth2.Provider, *atomic.Int64) {
	t.Helper()
	var offset atomic.Int64
	p := newProvider(t, memory.NewOAuth2Store(), func(c *oauth2.Config) {
		c.Clock = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	if _, _, err := p.CreateClient(context.Background(), oauth2.Client{
		ID: "web", AuthMethod: oauth2.AuthClientSecretBasic, RedirectURIs: []string{appRedirect},
		GrantTypes:    []oauth2.GrantType{oauth2.GrantAuthorizationCode},
		ResponseTypes: []string{"code"}, Scopes: []string{"openid", "profile"},
	}); err != nil {
		t.Fatal(err)
	}
	return p, &offset
}

// param returns a query parameter of a URL.
func param(t *testing.T, rawURL, name string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(name)
}

func startFlow(t *testing.T, p *oauth2.Provider) (challenge string, cookies []*http.Cookie) {
	t.Helper()
	res, err := p.Authorize(context.Background(), oauth2.BrowserRequest{Params: url.Values{
		"client_id": {"web"}, "response_type": {"code"}, "redirect_uri": {appRedirect},
		"scope": {"openid"}, "state": {"st"}, "nonce": {"n"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.RedirectTo, "https://login.example.com/login?") || len(res.SetCookies) != 1 {
		t.Fatalf("the flow starts with %+v", res)
	}
	return param(t, res.RedirectTo, "login_challenge"), res.SetCookies
}

func wantCode(t *testing.T, what string, err error, code fault.Code) {
	t.Helper()
	if fault.CodeOf(err) != code {
		t.Errorf("%s: %v; want %v", what, err, code)
	}
}

// The login and consent methods the admin API serves: each answers once, and errors carry the
// codes the admin API maps.
func TestLoginAndConsentAdminMethods(t *testing.T) {
	ctx := context.Background()
	p, _ := flowProvider(t)
	challenge, cookies := startFlow(t, p)

	_, err := p.GetLoginRequest(ctx, "no-such-challenge")
	wantCode(t, "an unknown challenge", err, fault.NotFound)
	lr, err := p.GetLoginRequest(ctx, challenge)
	if err != nil {
		t.Fatal(err)
	}
	if lr.Client.ID != "web" || lr.Skip || len(lr.RequestedScopes) != 1 || lr.OIDC.MaxAge != -1 || !strings.Contains(lr.RequestURL, "client_id=web") {
		t.Errorf("login request %+v", lr)
	}
	_, err = p.AcceptLogin(ctx, challenge, oauth2.LoginAcceptance{})
	wantCode(t, "a login without a subject", err, fault.InvalidArgument)
	next, err := p.AcceptLogin(ctx, challenge, oauth2.LoginAcceptance{Subject: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(next, "https://id.example.com/oauth2/auth?login_verifier=") {
		t.Errorf("after login the browser goes to %s", next)
	}
	_, err = p.AcceptLogin(ctx, challenge, oauth2.LoginAcceptance{Subject: "alice"})
	wantCode(t, "a login accepted twice", err, fault.FailedPrecondition)
	_, err = p.RejectLogin(ctx, challenge, oauth2.Rejection{})
	wantCode(t, "a login rejected after its acceptance", err, fault.FailedPrecondition)

	// The verifier is refused without the flow's cookie, and accepted with it.
	verifier := url.Values{"login_verifier": {param(t, next, "login_verifier")}}
	if _, err := p.Authorize(ctx, oauth2.BrowserRequest{Params: verifier}); err == nil {
		t.Error("a login verifier without the flow's cookie was accepted")
	}
	res, err := p.Authorize(ctx, oauth2.BrowserRequest{Params: verifier, Cookies: cookies})
	if err != nil {
		t.Fatal(err)
	}
	consent := param(t, res.RedirectTo, "consent_challenge")
	if consent == "" {
		t.Fatalf("after the login verifier the browser goes to %s", res.RedirectTo)
	}
	if _, err := p.Authorize(ctx, oauth2.BrowserRequest{Params: verifier, Cookies: cookies}); err == nil {
		t.Error("a login verifier was accepted twice")
	}

	cr, err := p.GetConsentRequest(ctx, consent)
	if err != nil {
		t.Fatal(err)
	}
	if cr.Subject != "alice" || cr.Skip || cr.Client.ID != "web" {
		t.Errorf("consent request %+v", cr)
	}
	for _, a := range []struct {
		field string
		a     oauth2.ConsentAcceptance
	}{
		{"grant_scopes[0]", oauth2.ConsentAcceptance{GrantScopes: []string{"profile"}}},
		{"grant_audiences[0]", oauth2.ConsentAcceptance{GrantAudiences: []string{"x"}}},
		{"id_token_claims.sub", oauth2.ConsentAcceptance{IDTokenClaims: map[string]any{"sub": "mallory"}}},
		{"access_token_claims.scope", oauth2.ConsentAcceptance{AccessTokenClaims: map[string]any{"scope": "admin"}}},
	} {
		_, err := p.AcceptConsent(ctx, consent, a.a)
		var fe *fault.Error
		if !asFault(err, &fe) || fe.Code != fault.InvalidArgument || fe.Field != a.field {
			t.Errorf("consent %+v: %v; want InvalidArgument on %s", a.a, err, a.field)
		}
	}
	next, err = p.AcceptConsent(ctx, consent, oauth2.ConsentAcceptance{GrantScopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.RejectConsent(ctx, consent, oauth2.Rejection{})
	wantCode(t, "a consent rejected after its acceptance", err, fault.FailedPrecondition)
	done := url.Values{"consent_verifier": {param(t, next, "consent_verifier")}}
	res, err = p.Authorize(ctx, oauth2.BrowserRequest{Params: done, Cookies: cookies})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.RedirectTo, appRedirect+"?") || param(t, res.RedirectTo, "code") == "" || param(t, res.RedirectTo, "state") != "st" {
		t.Errorf("the flow ends at %s", res.RedirectTo)
	}
	if _, err := p.Authorize(ctx, oauth2.BrowserRequest{Params: done, Cookies: cookies}); err == nil {
		t.Error("a consent verifier was accepted twice")
	}
	_, err = p.GetConsentRequest(ctx, consent)
	wantCode(t, "a consent request after the flow", err, fault.FailedPrecondition)
}

func TestFlowsExpire(t *testing.T) {
	ctx := context.Background()
	p, offset := flowProvider(t)
	challenge, _ := startFlow(t, p)
	offset.Store(int64(oauth2.DefaultFlowLifetime + time.Second))
	_, err := p.GetLoginRequest(ctx, challenge)
	wantCode(t, "an expired login challenge", err, fault.NotFound)
	_, err = p.AcceptLogin(ctx, challenge, oauth2.LoginAcceptance{Subject: "alice"})
	wantCode(t, "accepting an expired login challenge", err, fault.NotFound)
}

func TestRejectedLoginReachesTheClient(t *testing.T) {
	ctx := context.Background()
	p, _ := flowProvider(t)
	challenge, _ := startFlow(t, p)
	next, err := p.RejectLogin(ctx, challenge, oauth2.Rejection{Code: "login_required", Description: `no "session"`})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(next, appRedirect+"?") || param(t, next, "error") != "login_required" ||
		param(t, next, "error_description") != "no 'session'" || param(t, next, "state") != "st" {
		t.Errorf("a rejected login sends the browser to %s", next)
	}
}

func asFault(err error, target **fault.Error) bool { return errors.As(err, target) }
