package oauth2

import (
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/wardhq/ward/store/memory"
)

func logoutTestProvider(t testing.TB, secrets ...string) *Provider {
	t.Helper()
	cfg := Config{
		Issuer: "https://id.example.com", LoginURL: "https://login.example.com/login",
		ConsentURL: "https://login.example.com/consent", Logger: slog.New(slog.DiscardHandler),
	}
	for _, s := range secrets {
		cfg.TokenSecrets = append(cfg.TokenSecrets, []byte(s))
	}
	p, err := NewProvider(memory.NewOAuth2Store(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	logoutSecretA = "0123456789abcdef0123456789abcdef-logout-a"
	logoutSecretB = "0123456789abcdef0123456789abcdef-logout-b"
)

// confirmationRequest is the POST the confirmation page's form sends for res, with the browser's
// cookies.
func confirmationRequest(res *BrowserResult, p *Provider, session string) BrowserRequest {
	params := url.Values{}
	for k, v := range res.Form {
		params[k] = v
	}
	params.Set(LogoutChoiceParam, LogoutChoiceYes)
	return BrowserRequest{Method: http.MethodPost, Params: params, Cookies: []*http.Cookie{
		{Name: p.cookieName(LoginSessionCookie), Value: session}, {Name: res.SetCookies[0].Name, Value: res.SetCookies[0].Value},
	}}
}

// A confirmation made under the signing token secret is still accepted after a rotation puts a
// new secret first, and refused once its secret is dropped.
func TestLogoutConfirmationSecretRotation(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	res := logoutTestProvider(t, logoutSecretA).askLogout(url.Values{"state": {"s"}}, "session-cookie", now)
	rotated := logoutTestProvider(t, logoutSecretB, logoutSecretA)
	if err := rotated.checkLogoutConfirmation(confirmationRequest(res, rotated, "session-cookie"), "session-cookie", now); err != nil {
		t.Errorf("after rotation: %v", err)
	}
	dropped := logoutTestProvider(t, logoutSecretB)
	if dropped.checkLogoutConfirmation(confirmationRequest(res, dropped, "session-cookie"), "session-cookie", now) == nil {
		t.Error("a confirmation under a dropped secret was accepted")
	}
}

// FuzzLogoutConfirmation feeds the confirmation token parser: no input panics, and nothing but
// the token the page was shown with passes for that browser's flow cookie and session.
func FuzzLogoutConfirmation(f *testing.F) {
	p := logoutTestProvider(f, logoutSecretA)
	now := time.Unix(1_900_000_000, 0)
	res := p.askLogout(url.Values{"state": {"s"}}, "session-cookie", now)
	genuine := res.Form.Get(LogoutConfirmParam)
	f.Add(genuine, "s")
	f.Fuzz(func(t *testing.T, token, state string) {
		r := confirmationRequest(res, p, "session-cookie")
		r.Params.Set(LogoutConfirmParam, token)
		r.Params.Set("state", state)
		err := p.checkLogoutConfirmation(r, "session-cookie", now)
		if err == nil && (token != genuine || state != "s") {
			t.Fatalf("token %q with state %q passed; only %q with state s may", token, state, genuine)
		}
	})
}
