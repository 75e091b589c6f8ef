package signin

import (
	"context"
	"slices"
	"time"

	"github.com/wardhq/ward/api/kratos"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/oauth2"
)

// Logins is what the bridge needs of the OAuth2 server; *oauth2.Provider implements it.
type Logins interface {
	GetLoginRequest(ctx context.Context, challenge string) (*oauth2.LoginRequest, error)
	AcceptLogin(ctx context.Context, challenge string, a oauth2.LoginAcceptance) (string, error)
}

var _ Logins = (*oauth2.Provider)(nil)

// LoginBridge is the identity service as ward's OAuth2 login app, in process: it answers the
// login_challenge of a browser login flow with the identity session (subject: the identity's
// ID; acr: the session's assurance level; amr: its methods; auth_time: when it authenticated).
//
// The OAuth2 server remembers the login for as long as the session lasts (at most its own
// login-session lifetime), and a later authorization in the same browser reuses the session:
// the login form is skipped while the session is valid, unless the request has prompt=login,
// or a max_age that the session's authentication is older than, or the OAuth2 server
// remembers another subject — then the user authenticates again.
type LoginBridge struct {
	logins Logins
	now    func() time.Time
}

var _ kratos.OAuth2Login = (*LoginBridge)(nil)

// NewLoginBridge returns the bridge to logins; now is the clock (nil: time.Now).
func NewLoginBridge(logins Logins, now func() time.Time) *LoginBridge {
	if now == nil {
		now = time.Now
	}
	return &LoginBridge{logins: logins, now: now}
}

// ResumeLogin implements [kratos.OAuth2Login].
func (b *LoginBridge) ResumeLogin(ctx context.Context, challenge string, s *identity.Session) (string, bool, error) {
	lr, err := b.logins.GetLoginRequest(ctx, challenge)
	if err != nil {
		return "", false, challengeError(err)
	}
	if s == nil {
		return "", false, nil
	}
	if b.mustReauthenticate(lr, s) {
		return "", true, nil
	}
	to, err := b.logins.AcceptLogin(ctx, challenge, b.acceptance(s, false))
	if err != nil {
		return "", false, challengeError(err)
	}
	return to, false, nil
}

// AcceptLogin implements [kratos.OAuth2Login].
func (b *LoginBridge) AcceptLogin(ctx context.Context, challenge string, s *identity.Session) (string, error) {
	to, err := b.logins.AcceptLogin(ctx, challenge, b.acceptance(s, true))
	if err != nil {
		return "", challengeError(err)
	}
	return to, nil
}

// mustReauthenticate applies OpenID Connect's rules (Core §3.1.2.1) to a session from before.
func (b *LoginBridge) mustReauthenticate(lr *oauth2.LoginRequest, s *identity.Session) bool {
	switch {
	case slices.Contains(lr.OIDC.Prompt, "login"):
		return true
	case lr.OIDC.MaxAge >= 0 && b.now().Sub(s.AuthenticatedAt) > time.Duration(lr.OIDC.MaxAge)*time.Second:
		return true
	case lr.Skip && lr.Subject != s.IdentityID:
		return true
	}
	return false
}

func (b *LoginBridge) acceptance(s *identity.Session, fresh bool) oauth2.LoginAcceptance {
	a := oauth2.LoginAcceptance{
		Subject: s.IdentityID, ACR: s.AAL, AuthTime: s.AuthenticatedAt, Fresh: fresh,
		Remember: true, RememberFor: s.ExpiresAt.Sub(b.now()),
	}
	if a.RememberFor <= 0 {
		a.Remember, a.RememberFor = false, 0
	}
	for _, m := range s.AuthenticationMethods {
		v := amrValue(m.Method)
		if v != "" && !slices.Contains(a.AMR, v) {
			a.AMR = append(a.AMR, v)
		}
	}
	return a
}

// amrValue is the RFC 8176 value of a credential type.
func amrValue(method string) string {
	switch method {
	case "password":
		return "pwd"
	case "totp":
		return "otp"
	case "webauthn", "passkey":
		return "hwk"
	}
	return method
}

// challengeError words an OAuth2 login that cannot be answered for the user.
func challengeError(err error) error {
	switch fault.CodeOf(err) {
	case fault.NotFound, fault.FailedPrecondition:
		return fault.Wrap(fault.NotFound, err, "The sign-in request of the application is unknown, expired or answered already. Start the sign-in again from the application.")
	}
	return err
}
