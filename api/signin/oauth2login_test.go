package signin

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/oauth2"
)

// fakeLogins is an OAuth2 server with one pending login request.
type fakeLogins struct {
	req      *oauth2.LoginRequest
	accepted []oauth2.LoginAcceptance
}

func (f *fakeLogins) GetLoginRequest(_ context.Context, challenge string) (*oauth2.LoginRequest, error) {
	if f.req == nil || challenge != f.req.Challenge {
		return nil, fault.New(fault.NotFound, "no such flow")
	}
	return f.req, nil
}

func (f *fakeLogins) AcceptLogin(_ context.Context, challenge string, a oauth2.LoginAcceptance) (string, error) {
	f.accepted = append(f.accepted, a)
	return "https://ward.example/oauth2/auth?login_verifier=v", nil
}

func TestLoginBridgeResume(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	sess := &identity.Session{
		IdentityID: "id-1", AAL: "aal1", AuthenticatedAt: now.Add(-10 * time.Minute), ExpiresAt: now.Add(time.Hour),
		AuthenticationMethods: []identity.AuthenticationMethod{{Method: "password"}, {Method: "password"}},
	}
	for _, c := range []struct {
		name       string
		oidc       oauth2.OIDCContext
		skip       string // the remembered subject, "" when not Skip
		session    *identity.Session
		wantAccept bool
		wantReauth bool
	}{
		{name: "no session: the form", oidc: oauth2.OIDCContext{MaxAge: -1}},
		{name: "a session answers", oidc: oauth2.OIDCContext{MaxAge: -1}, session: sess, wantAccept: true},
		{name: "remembered, same subject", oidc: oauth2.OIDCContext{MaxAge: -1}, skip: "id-1", session: sess, wantAccept: true},
		{name: "remembered, another subject", oidc: oauth2.OIDCContext{MaxAge: -1}, skip: "id-2", session: sess, wantReauth: true},
		{name: "prompt=login", oidc: oauth2.OIDCContext{MaxAge: -1, Prompt: []string{"login"}}, session: sess, wantReauth: true},
		{name: "max_age passed", oidc: oauth2.OIDCContext{MaxAge: 300}, session: sess, wantReauth: true},
		{name: "max_age not passed", oidc: oauth2.OIDCContext{MaxAge: 3600}, session: sess, wantAccept: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeLogins{req: &oauth2.LoginRequest{Challenge: "ch", OIDC: c.oidc, Skip: c.skip != "", Subject: c.skip}}
			b := NewLoginBridge(f, func() time.Time { return now })
			to, reauth, err := b.ResumeLogin(context.Background(), "ch", c.session)
			if err != nil {
				t.Fatal(err)
			}
			wantN := 0
			if c.wantAccept {
				wantN = 1
			}
			if reauth != c.wantReauth || (to != "") != c.wantAccept || len(f.accepted) != wantN {
				t.Fatalf("ResumeLogin: %q, reauth %v, accepted %d; want accept %v, reauth %v", to, reauth, len(f.accepted), c.wantAccept, c.wantReauth)
			}
			if c.wantAccept {
				a := f.accepted[0]
				if a.Subject != "id-1" || a.ACR != "aal1" || !slices.Equal(a.AMR, []string{"pwd"}) || !a.AuthTime.Equal(sess.AuthenticatedAt) ||
					!a.Remember || a.RememberFor != time.Hour || a.Fresh {
					t.Errorf("the acceptance: %+v", a)
				}
			}
		})
	}
	if _, _, err := NewLoginBridge(&fakeLogins{}, nil).ResumeLogin(context.Background(), "gone", sess); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("an unknown challenge: %v, want NotFound", err)
	}
	f := &fakeLogins{req: &oauth2.LoginRequest{Challenge: "ch"}}
	if _, err := NewLoginBridge(f, func() time.Time { return now }).AcceptLogin(context.Background(), "ch", sess); err != nil || !f.accepted[0].Fresh {
		t.Errorf("AcceptLogin after a login: %v, %+v; want a fresh acceptance", err, f.accepted)
	}
}

func TestConsentCSRFBinding(t *testing.T) {
	a := consentCSRF("secret-1", "challenge-1")
	for name, other := range map[string]string{
		"another secret":    consentCSRF("secret-2", "challenge-1"),
		"another challenge": consentCSRF("secret-1", "challenge-2"),
	} {
		if other == a {
			t.Errorf("the consent token of %s is the same", name)
		}
	}
	if consentCSRF("secret-1", "challenge-1") != a {
		t.Error("the consent token is not a function of the secret and the challenge")
	}
}
