package flow

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/url"

	"github.com/wardhq/ward/fault"
)

// The public routes of logout, as Kratos serves them.
const (
	RouteLogoutBrowser = "/self-service/logout/browser"
	RouteLogoutSubmit  = "/self-service/logout"
	RouteLogoutAPI     = "/self-service/logout/api"
)

// LogoutFlow is Kratos's logoutFlow: the URL that logs the browser out, and its token.
type LogoutFlow struct {
	LogoutToken string `json:"logout_token"`
	LogoutURL   string `json:"logout_url"`
}

// logoutTokenPrefix marks logout tokens as Kratos's do.
const logoutTokenPrefix = "ory_lo_"

// logoutToken is the logout token of the session whose token is sessionToken: a hash of it,
// domain-separated from every other hash of the token, so that it names the session without
// revealing the token or being stored, and stops working when the session ends.
func logoutToken(sessionToken string) string {
	h := sha256.New()
	h.Write([]byte("ward identity/flow logout token v1\x00"))
	h.Write([]byte(sessionToken))
	return logoutTokenPrefix + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// CreateBrowserLogout answers GET /self-service/logout/browser: the logout URL of the session the
// request carries, with its return_to when the query has an allowed one. Without a session it is
// Kratos's 401 session_inactive.
func (s *Service) CreateBrowserLogout(ctx context.Context, r *Request) (*LogoutFlow, error) {
	sess, err := s.session(ctx, r.SessionToken)
	if err != nil {
		return nil, err
	}
	if sess == nil {
		return nil, errNoActiveSession()
	}
	token := logoutToken(r.SessionToken)
	q := url.Values{"token": {token}}
	if rt := r.query("return_to"); rt != "" {
		u, err := s.logoutReturns(rt)
		if err != nil {
			return nil, err
		}
		q.Set("return_to", u)
	}
	return &LogoutFlow{LogoutToken: token, LogoutURL: s.cfg.publicPath(RouteLogoutSubmit, q)}, nil
}

// logoutReturns resolves a logout return_to; relative ones take the logout return URL's host.
func (s *Service) logoutReturns(returnTo string) (string, error) {
	p := *s.cfg.returns
	p.def = s.cfg.logoutReturn
	u, err := p.resolve(returnTo)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// LogoutResult is the answer to a browser logout.
type LogoutResult struct {
	// Redirect is where the browser goes: the return_to, else the logout return URL. A JSON
	// request is answered 204 instead.
	Redirect string
	// SetCSRFCookie is the browser's new CSRF secret: Kratos renews it at logout.
	SetCSRFCookie string
}

// CompleteBrowserLogout answers GET /self-service/logout?token=: it ends the session the request
// carries when token is that session's logout token. The transport then deletes the session
// cookie. A missing token is 400, a token of another session 403, and a request without an active
// session (also a token used before: its session has ended) 401 session_inactive.
func (s *Service) CompleteBrowserLogout(ctx context.Context, r *Request) (*LogoutResult, error) {
	token := r.query("token")
	if token == "" {
		return nil, errBadRequest("Please include a token in the URL query.")
	}
	sess, err := s.session(ctx, r.SessionToken)
	if err != nil {
		return nil, err
	}
	if sess == nil {
		return nil, errNoActiveSession()
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(logoutToken(r.SessionToken))) != 1 {
		return nil, errForbidden("Unable to log out because the logout token in the URL query does not match the session cookie.")
	}
	target := s.cfg.logoutReturn.String()
	if rt := r.query("return_to"); rt != "" {
		if target, err = s.logoutReturns(rt); err != nil {
			return nil, err
		}
	}
	if err := s.accounts.RevokeSessionByToken(ctx, r.SessionToken); err != nil {
		return nil, err
	}
	return &LogoutResult{Redirect: target, SetCSRFCookie: NewCSRFSecret()}, nil
}

// LogoutAPI answers DELETE /self-service/logout/api, whose JSON body {"session_token": "…"} names
// the session to end; the transport answers 204. A token that names no active session is Kratos's
// 403.
func (s *Service) LogoutAPI(ctx context.Context, body []byte) error {
	var p struct {
		SessionToken string `json:"session_token"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return errBadRequest("Unable to decode the JSON body: %s", err)
	}
	notFound := errForbidden("The provided Ory Session Token could not be found, is invalid, or otherwise malformed.")
	if p.SessionToken == "" {
		return notFound
	}
	sess, err := s.session(ctx, p.SessionToken)
	if err != nil {
		return err
	}
	if sess == nil {
		return notFound
	}
	if err := s.accounts.RevokeSessionByToken(ctx, p.SessionToken); err != nil {
		if fault.CodeOf(err) == fault.NotFound {
			return notFound.withCause(err)
		}
		return err
	}
	return nil
}
