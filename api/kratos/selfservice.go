package kratos

import (
	"context"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/flow"
)

// maxLogoutBodyBytes bounds the body of DELETE /self-service/logout/api: one session token.
const maxLogoutBodyBytes = 64 << 10

// wantsJSON is Kratos's test of a browser request that is answered with JSON instead of
// redirects: it accepts application/json, or sends it.
func wantsJSON(r *http.Request) bool {
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		return true
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/json"
}

// flowRequest is what the flows need of r: its URL made absolute with the public base URL, its
// headers, cookies and body, and the client's address and user agent.
func (h *Handler) flowRequest(r *http.Request, body []byte) *flow.Request {
	u := *r.URL
	u.Scheme, u.Host = h.base.Scheme, h.base.Host
	return &flow.Request{
		URL: &u, Header: r.Header, CSRFCookie: h.csrfCookie(r), SessionToken: h.sessionToken(r),
		ContentType: r.Header.Get("Content-Type"), Body: body,
		ClientIP: h.clientAddr(r), UserAgent: r.UserAgent(),
	}
}

// readSubmission reads a flow submission's body, at most flow.MaxSubmissionBytes.
func readSubmission(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
}

// flowError answers err of a flow as Kratos does: a browser that did not ask for JSON goes to the
// error's Redirect, or else to the error UI with the error's ID; an API flow, and every request
// that asked for JSON, gets Kratos's JSON error with its status.
func (h *Handler) flowError(w http.ResponseWriter, r *http.Request, err error) {
	browser := !wantsJSON(r)
	if t, ok := flow.TypeOf(err); ok {
		browser = browser && t == flow.TypeBrowser
	}
	if browser {
		h.toErrorUI(w, r, err)
		return
	}
	h.writeError(w, r, err)
}

// initFlow answers GET /self-service/KIND/{browser,api}: a browser flow sets the CSRF cookie
// when the browser has none and sends a browser that did not ask for JSON to the flow's UI.
func initFlow[F any](h *Handler, t flow.Type, start func(context.Context, flow.Type, *flow.Request) (*flow.FlowInit[F], error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res, err := start(r.Context(), t, h.flowRequest(r, nil))
		if err != nil {
			h.flowError(w, r, err)
			return
		}
		if t == flow.TypeBrowser {
			if res.SetCSRFCookie != "" {
				h.setCSRFCookie(w, res.SetCSRFCookie)
			}
			if !wantsJSON(r) {
				http.Redirect(w, r, res.Redirect, http.StatusSeeOther)
				return
			}
		}
		writeJSON(w, http.StatusOK, res.Flow)
	}
}

// getFlow answers GET /self-service/KIND/flows?id=.
func getFlow[F any](h *Handler, get func(context.Context, *flow.Request, string) (F, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := flow.ParseFlowID(r.URL.Query().Get("id"))
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		f, err := get(r.Context(), h.flowRequest(r, nil), id)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, f)
	}
}

// submission reads the flow query value and the body of a POST /self-service/KIND?flow=.
func (h *Handler) submission(w http.ResponseWriter, r *http.Request) (string, *flow.Request, error) {
	id, err := flow.ParseFlowID(r.URL.Query().Get("flow"))
	if err != nil {
		return "", nil, err
	}
	body, err := readSubmission(w, r, flow.MaxSubmissionBytes)
	if err != nil {
		return "", nil, err
	}
	return id, h.flowRequest(r, body), nil
}

// refused answers a submission the flow refused: 400 with the flow and its messages, or the UI
// for a browser that did not ask for JSON.
func refused(w http.ResponseWriter, r *http.Request, browser bool, redirect string, f any) {
	if browser && !wantsJSON(r) {
		http.Redirect(w, r, redirect, http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusBadRequest, f)
}

// answerFlow answers a submission whose outcome is the flow itself (settings, verification):
// refused as refused does, else 200 with the flow, or the UI for a browser that did not ask for
// JSON.
func answerFlow(w http.ResponseWriter, r *http.Request, browser, wasRefused bool, redirect string, f any) {
	if wasRefused {
		refused(w, r, browser, redirect, f)
		return
	}
	if browser && !wantsJSON(r) {
		http.Redirect(w, r, redirect, http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

// submitLogin answers POST /self-service/login?flow=.
func (h *Handler) submitLogin(w http.ResponseWriter, r *http.Request) {
	id, req, err := h.submission(w, r)
	if err != nil {
		h.flowError(w, r, err)
		return
	}
	res, err := h.flows.SubmitLogin(r.Context(), req, id)
	if err != nil {
		h.flowError(w, r, err)
		return
	}
	browser := res.Flow.Type == flow.TypeBrowser
	if res.Refused {
		refused(w, r, browser, res.Redirect, res.Flow)
		return
	}
	if !browser {
		writeJSON(w, http.StatusOK, successfulLogin{Session: res.Session, SessionToken: res.SessionToken, ContinueWith: res.ContinueWith})
		return
	}
	h.setSessionCookie(w, res.SessionToken, res.Session.ExpiresAt)
	if res.LoginChallenge != "" && h.oauth2 != nil {
		if res.Redirect, res.ContinueWith, err = h.acceptOAuth2Login(r, res.LoginChallenge, res.Session); err != nil {
			h.flowError(w, r, err)
			return
		}
	}
	if !wantsJSON(r) {
		http.Redirect(w, r, res.Redirect, http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, successfulLogin{Session: res.Session, ContinueWith: res.ContinueWith})
}

// successfulLogin is Kratos's successfulNativeLogin (the token only for API flows).
type successfulLogin struct {
	Session      *identity.Session   `json:"session"`
	SessionToken string              `json:"session_token,omitempty"`
	ContinueWith []flow.ContinueWith `json:"continue_with,omitempty"`
}

// successfulRegistration is Kratos's successfulNativeRegistration.
type successfulRegistration struct {
	Identity     *identity.Identity  `json:"identity"`
	Session      *identity.Session   `json:"session,omitempty"`
	SessionToken string              `json:"session_token,omitempty"`
	ContinueWith []flow.ContinueWith `json:"continue_with,omitempty"`
}

// submitRegistration answers POST /self-service/registration?flow=.
func (h *Handler) submitRegistration(w http.ResponseWriter, r *http.Request) {
	id, req, err := h.submission(w, r)
	if err != nil {
		h.flowError(w, r, err)
		return
	}
	res, err := h.flows.SubmitRegistration(r.Context(), req, id)
	if err != nil {
		h.flowError(w, r, err)
		return
	}
	browser := res.Flow.Type == flow.TypeBrowser
	if res.Refused {
		refused(w, r, browser, res.Redirect, res.Flow)
		return
	}
	out := successfulRegistration{Identity: res.Identity, Session: res.Session, ContinueWith: res.ContinueWith}
	if !browser {
		out.SessionToken = res.SessionToken
		writeJSON(w, http.StatusOK, out)
		return
	}
	if res.Session != nil {
		h.setSessionCookie(w, res.SessionToken, res.Session.ExpiresAt)
	}
	if challenge := res.Flow.OAuth2LoginChallenge; challenge != "" && h.oauth2 != nil {
		// As Kratos: a new identity signed in completes the OAuth2 login; one that is not signs
		// in first.
		res.Redirect = h.loginWithChallenge(challenge)
		if res.Session != nil {
			if res.Redirect, _, err = h.acceptOAuth2Login(r, challenge, res.Session); err != nil {
				h.flowError(w, r, err)
				return
			}
		}
		out.ContinueWith = []flow.ContinueWith{{Action: flow.ActionRedirectBrowserTo, RedirectBrowserTo: res.Redirect}}
	}
	if !wantsJSON(r) {
		http.Redirect(w, r, res.Redirect, http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// submitSettings answers POST /self-service/settings?flow=: the flow, in state success when the
// change was saved.
func (h *Handler) submitSettings(w http.ResponseWriter, r *http.Request) {
	id, req, err := h.submission(w, r)
	if err != nil {
		h.flowError(w, r, err)
		return
	}
	res, err := h.flows.SubmitSettings(r.Context(), req, id)
	if err != nil {
		h.flowError(w, r, err)
		return
	}
	answerFlow(w, r, res.Flow.Type == flow.TypeBrowser, res.Refused, res.Redirect, res.Flow)
}

// submitVerification answers POST /self-service/verification?flow=: the flow, 200 whether a
// code was sent, refused as wrong, or accepted (its state and messages tell which), 400 for a
// malformed submission; a browser that did not ask for JSON goes to the flow's UI.
func (h *Handler) submitVerification(w http.ResponseWriter, r *http.Request) {
	id, req, err := h.submission(w, r)
	if err != nil {
		h.flowError(w, r, err)
		return
	}
	res, err := h.flows.SubmitVerification(r.Context(), req, id)
	if err != nil {
		h.flowError(w, r, err)
		return
	}
	answerFlow(w, r, res.Flow.Type == flow.TypeBrowser, res.Refused, res.Redirect, res.Flow)
}

// submitRecovery answers POST /self-service/recovery?flow=: the flow, 200 whether a code was
// sent, refused as wrong, or accepted, 400 for a malformed submission. A recovered browser gets
// its session cookie and goes to the settings flow (JSON clients read it from continue_with,
// with an API flow's session token); a browser that did not ask for JSON otherwise goes to the
// flow's UI.
func (h *Handler) submitRecovery(w http.ResponseWriter, r *http.Request) {
	id, req, err := h.submission(w, r)
	if err != nil {
		h.flowError(w, r, err)
		return
	}
	res, err := h.flows.SubmitRecovery(r.Context(), req, id)
	if err != nil {
		h.flowError(w, r, err)
		return
	}
	h.answerRecovery(w, r, res, res.Flow.Type == flow.TypeBrowser)
}

// answerRecovery answers a recovery submission or link: a recovered browser gets its session
// cookie, any browser the CSRF cookie the flows set, and the flow or a redirect as answerFlow
// writes them.
func (h *Handler) answerRecovery(w http.ResponseWriter, r *http.Request, res *flow.RecoveryResult, browser bool) {
	if browser && res.Session != nil {
		h.setSessionCookie(w, res.SessionToken, res.Session.ExpiresAt)
	}
	if browser && res.SetCSRFCookie != "" {
		h.setCSRFCookie(w, res.SetCSRFCookie)
	}
	answerFlow(w, r, browser, res.Refused, res.Redirect, res.Flow)
}

// openRecoveryLink answers the link of a recovery email, GET /self-service/recovery?flow=&token=:
// the browser that opens it is signed in and sent to the settings flow (303; JSON clients get
// the flow), or sent to a new recovery flow that says the link is invalid.
func (h *Handler) openRecoveryLink(w http.ResponseWriter, r *http.Request) {
	id, err := flow.ParseFlowID(r.URL.Query().Get("flow"))
	if err != nil {
		h.flowError(w, r, err)
		return
	}
	res, err := h.flows.OpenRecoveryLink(r.Context(), h.flowRequest(r, nil), id, r.URL.Query().Get("token"))
	if err != nil {
		h.flowError(w, r, err)
		return
	}
	h.answerRecovery(w, r, res, true)
}

// openVerificationLink answers the link of a verification email, GET
// /self-service/verification?flow=&code=: 303 to the flow's UI with the code filled in (JSON
// clients get the flow), whatever the flow's type, as Kratos does; with &token= instead (the
// link method) the address is verified first.
func (h *Handler) openVerificationLink(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) {
		if wantsJSON(r) {
			h.writeError(w, r, err)
			return
		}
		h.toErrorUI(w, r, err)
	}
	id, err := flow.ParseFlowID(r.URL.Query().Get("flow"))
	if err != nil {
		fail(err)
		return
	}
	if r.URL.Query().Has("token") {
		// The link method's link: it verifies when opened, as Kratos's does.
		res, err := h.flows.VerifyLink(r.Context(), h.flowRequest(r, nil), id, r.URL.Query().Get("token"))
		if err != nil {
			fail(err)
			return
		}
		answerFlow(w, r, true, res.Refused, res.Redirect, res.Flow)
		return
	}
	res, err := h.flows.OpenVerificationLink(r.Context(), h.flowRequest(r, nil), id, r.URL.Query().Get("code"))
	if err != nil {
		fail(err)
		return
	}
	if res.SetCSRFCookie != "" {
		h.setCSRFCookie(w, res.SetCSRFCookie)
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, res.Flow)
		return
	}
	http.Redirect(w, r, res.Redirect, http.StatusSeeOther)
}

// createBrowserLogout answers GET /self-service/logout/browser: the logout URL and its token.
func (h *Handler) createBrowserLogout(w http.ResponseWriter, r *http.Request) {
	f, err := h.flows.CreateBrowserLogout(r.Context(), h.flowRequest(r, nil))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

// completeBrowserLogout answers GET /self-service/logout?token=: the session ends, its cookie is
// deleted and the CSRF secret renewed; 204 to JSON, else 303 to the return URL.
func (h *Handler) completeBrowserLogout(w http.ResponseWriter, r *http.Request) {
	res, err := h.flows.CompleteBrowserLogout(r.Context(), h.flowRequest(r, nil))
	if err != nil {
		h.flowError(w, r, err)
		return
	}
	h.deleteSessionCookie(w)
	if res.SetCSRFCookie != "" {
		h.setCSRFCookie(w, res.SetCSRFCookie)
	}
	if wantsJSON(r) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, res.Redirect, http.StatusSeeOther)
}

// logoutAPI answers DELETE /self-service/logout/api: 204 once the session named by the body's
// session_token has ended.
func (h *Handler) logoutAPI(w http.ResponseWriter, r *http.Request) {
	body, err := readSubmission(w, r, maxLogoutBodyBytes)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := h.flows.LogoutAPI(r.Context(), body); err != nil {
		h.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
