package oauth2_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2"
)

// A login app that authenticated the user just now (Fresh) may accept another subject than the
// browser's remembered login; without Fresh that is refused. An authentication time in the
// future is refused.
func TestAcceptLoginFreshAndAuthTime(t *testing.T) {
	ctx := context.Background()
	p, _ := flowProvider(t)
	challenge, cookies := startFlow(t, p)
	if _, err := p.AcceptLogin(ctx, challenge, oauth2.LoginAcceptance{Subject: "alice", AuthTime: time.Now().Add(time.Hour)}); fault.CodeOf(err) != fault.InvalidArgument {
		t.Errorf("an auth_time an hour ahead: %v, want InvalidArgument", err)
	}
	next, err := p.AcceptLogin(ctx, challenge, oauth2.LoginAcceptance{Subject: "alice", Remember: true, AuthTime: time.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Authorize(ctx, oauth2.BrowserRequest{Params: url.Values{"login_verifier": {param(t, next, "login_verifier")}}, Cookies: cookies})
	if err != nil {
		t.Fatal(err)
	}
	var remembered []*http.Cookie
	for _, c := range res.SetCookies {
		if strings.Contains(c.Name, oauth2.LoginSessionCookie) {
			remembered = append(remembered, c)
		}
	}
	if len(remembered) != 1 {
		t.Fatalf("a remembered login set the cookies %v", res.SetCookies)
	}

	res, err = p.Authorize(ctx, oauth2.BrowserRequest{Params: url.Values{
		"client_id": {"web"}, "response_type": {"code"}, "redirect_uri": {appRedirect}, "scope": {"openid"}, "state": {"s2"},
	}, Cookies: remembered})
	if err != nil {
		t.Fatal(err)
	}
	second := param(t, res.RedirectTo, "login_challenge")
	lr, err := p.GetLoginRequest(ctx, second)
	if err != nil || !lr.Skip || lr.Subject != "alice" {
		t.Fatalf("the second login request: %+v, %v; want Skip for alice", lr, err)
	}
	if _, err := p.AcceptLogin(ctx, second, oauth2.LoginAcceptance{Subject: "bob"}); fault.CodeOf(err) != fault.InvalidArgument {
		t.Errorf("bob over alice's remembered login: %v, want InvalidArgument", err)
	}
	if _, err := p.AcceptLogin(ctx, second, oauth2.LoginAcceptance{Subject: "bob", Fresh: true}); err != nil {
		t.Errorf("bob, authenticated just now, over alice's remembered login: %v", err)
	}
}
