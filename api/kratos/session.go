package kratos

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/flow"
)

// sessionToken returns the session token r carries, in Kratos's order: the X-Session-Token
// header, then the session cookie, then Authorization: Bearer. "" when none.
func (h *Handler) sessionToken(r *http.Request) string {
	if t := r.Header.Get("X-Session-Token"); t != "" {
		return t
	}
	if c, err := r.Cookie(h.cookie); err == nil && c.Value != "" {
		return c.Value
	}
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// currentSession returns the valid session r carries, or Kratos's 401 session_inactive.
func (h *Handler) currentSession(r *http.Request) (*identity.Session, error) {
	token := h.sessionToken(r)
	if token == "" {
		return nil, noSession()
	}
	s, err := h.ids.Whoami(r.Context(), token)
	if err != nil {
		return nil, sessionErr(err)
	}
	return s, nil
}

// sessionErr is Kratos's 401 session_inactive for a token that names no valid session, and err
// otherwise.
func sessionErr(err error) error {
	if errors.Is(err, identity.ErrNoActiveSession) {
		return noSession()
	}
	return err
}

// setSessionCookie gives the browser the session's token until the session expires: HttpOnly,
// SameSite=Lax, Secure off loopback, host-only (the __Host- prefix over https).
func (h *Handler) setSessionCookie(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: h.cookie, Value: token, Path: "/", Expires: expires.UTC(),
		MaxAge:   max(1, int(time.Until(expires).Seconds())),
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (h *Handler) deleteSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: h.cookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

// setCSRFCookie gives the browser its CSRF secret for a year, as Kratos's nosurf does.
func (h *Handler) setCSRFCookie(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{Name: flow.CSRFCookieName, Value: secret, Path: "/",
		MaxAge: int((365 * 24 * time.Hour).Seconds()), HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

func (h *Handler) csrfCookie(r *http.Request) string {
	if c, err := r.Cookie(flow.CSRFCookieName); err == nil {
		return c.Value
	}
	return ""
}

// whoami answers GET /sessions/whoami: the session with its identity, and the identity's ID in
// X-Kratos-Authenticated-Identity-Id, or Kratos's 403 session_aal2_required for a session below
// session.whoami.required_aal. A warm whoami writes the JSON the session cache keeps.
func (h *Handler) whoami(w http.ResponseWriter, r *http.Request) {
	if r.URL.RawQuery != "" && r.URL.Query().Get("tokenize_as") != "" {
		h.writeError(w, r, badRequest("Unable to find the tokenizer template: ward has no session tokenizer templates configured."))
		return
	}
	token := h.sessionToken(r)
	if token == "" {
		h.writeError(w, r, noSession())
		return
	}
	s, body, err := h.ids.WhoamiJSON(r.Context(), token)
	if err != nil {
		h.writeError(w, r, sessionErr(err))
		return
	}
	if !s.SatisfiesAAL(h.ids.WhoamiRequiredAAL()) {
		// session.whoami.required_aal: the identity has a second factor this session has not used.
		h.writeError(w, r, h.flows.AAL2Required())
		return
	}
	hd := w.Header()
	hd.Set("X-Kratos-Authenticated-Identity-Id", s.IdentityID)
	hd.Set("Content-Type", "application/json; charset=utf-8")
	hd.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(http.StatusOK)
	// The client may be gone: nothing to do about it. The newline ends it as writeJSON's encoder does.
	if _, err := w.Write(body); err == nil {
		_, _ = io.WriteString(w, "\n")
	}
}

// listMySessions answers GET /sessions: the identity's other active sessions.
func (h *Handler) listMySessions(w http.ResponseWriter, r *http.Request) {
	s, err := h.currentSession(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	p, err := sessionListParams(r, false)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	list, next, err := h.ids.ListOwnSessions(r.Context(), s, p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writePage(w, r, p.PageSize, next)
	writeJSON(w, http.StatusOK, nonNil(list))
}

// deleteMyOtherSessions answers DELETE /sessions: {"count": n} of the sessions revoked.
func (h *Handler) deleteMyOtherSessions(w http.ResponseWriter, r *http.Request) {
	s, err := h.currentSession(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	n, err := h.ids.RevokeOtherSessions(r.Context(), s)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"count": n})
}

// deleteMySession answers DELETE /sessions/{id}: 204; the current session is refused (that is
// logout), another identity's is not found.
func (h *Handler) deleteMySession(w http.ResponseWriter, r *http.Request) {
	s, err := h.currentSession(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	id, err := pathUUID(r, "id")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := h.ids.RevokeOwnSession(r.Context(), s, id); err != nil {
		h.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// nonNil returns list, or an empty list for nil, so that the JSON is [] rather than null.
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
