package kratos

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/flow"
)

// OAuth2Login is the OAuth2 server whose logins the browser login flows answer, as Kratos
// answers Hydra's when oauth2_provider is configured: a flow started with login_challenge
// accepts that login once the user is signed in.
type OAuth2Login interface {
	// ResumeLogin is asked when a browser starts a login flow with login_challenge, with the
	// session the browser holds (nil when none). It returns where the browser goes when the
	// session answers the login already, or reauth when the user must authenticate again though
	// the session is valid (prompt=login, max_age passed); neither: the login form is shown.
	ResumeLogin(ctx context.Context, challenge string, s *identity.Session) (redirect string, reauth bool, err error)
	// AcceptLogin accepts the login of challenge for s, the session the user authenticated in
	// just now, and returns where the browser goes.
	AcceptLogin(ctx context.Context, challenge string, s *identity.Session) (string, error)
}

// initBrowserLogin answers GET /self-service/login/browser. With login_challenge and an
// OAuth2Login, the browser's session may answer the OAuth2 login at once; a session that must
// authenticate again turns the flow into a refresh, as Kratos does when Hydra does not skip.
func (h *Handler) initBrowserLogin(w http.ResponseWriter, r *http.Request) {
	challenge := r.URL.Query().Get("login_challenge")
	if challenge == "" || h.oauth2 == nil {
		initFlow(h, flow.TypeBrowser, h.flows.InitLogin)(w, r)
		return
	}
	sess, err := h.currentSession(r)
	if err != nil && flow.AsError(err) == nil {
		h.flowError(w, r, err)
		return
	}
	redirect, reauth, err := h.oauth2.ResumeLogin(r.Context(), challenge, sess)
	if err != nil {
		h.flowError(w, r, err)
		return
	}
	if redirect != "" {
		h.redirectBrowser(w, r, redirect)
		return
	}
	if reauth {
		q := r.URL.Query()
		q.Set("refresh", "true")
		r.URL.RawQuery = q.Encode()
	}
	initFlow(h, flow.TypeBrowser, h.flows.InitLogin)(w, r)
}

// redirectBrowser sends a browser to u: a 303, or to a client that asked for JSON, Kratos's 422
// browser_location_change_required naming it.
func (h *Handler) redirectBrowser(w http.ResponseWriter, r *http.Request, u string) {
	if !wantsJSON(r) {
		http.Redirect(w, r, u, http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"error": map[string]any{"id": "browser_location_change_required", "code": http.StatusUnprocessableEntity,
			"status": http.StatusText(http.StatusUnprocessableEntity), "message": "browser location change required",
			"reason": "The OAuth2 login was answered; the browser goes on to the OAuth2 server."},
		"redirect_browser_to": u,
	})
}

// acceptOAuth2Login completes the OAuth2 login a flow carried, for the session it started: the
// browser goes where the OAuth2 server says instead of the flow's return URL.
func (h *Handler) acceptOAuth2Login(r *http.Request, challenge string, s *identity.Session) (string, []flow.ContinueWith, error) {
	to, err := h.oauth2.AcceptLogin(r.Context(), challenge, s)
	if err != nil {
		return "", nil, err
	}
	return to, []flow.ContinueWith{{Action: flow.ActionRedirectBrowserTo, RedirectBrowserTo: to}}, nil
}

// loginWithChallenge is where a browser that registered without being signed in goes to sign in
// for the OAuth2 login its registration carried.
func (h *Handler) loginWithChallenge(challenge string) string {
	u := *h.base
	u.Path = strings.TrimRight(u.Path, "/") + flow.RouteLoginInitBrowser
	u.RawQuery = url.Values{"login_challenge": {challenge}}.Encode()
	return u.String()
}
