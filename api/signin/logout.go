package signin

import (
	"crypto/subtle"
	"net/http"

	"github.com/wardhq/ward/api/pages"
	"github.com/wardhq/ward/identity/flow"
)

// maxFormBytes bounds the forms the pages post here (logout, consent).
const maxFormBytes = 64 << 10

// logoutPage shows GET /ui/logout: do you want to sign out? Without a session the browser goes to
// the login.
func (h *Handler) logoutPage(w http.ResponseWriter, r *http.Request) {
	lf, err := h.flows.CreateBrowserLogout(r.Context(), h.kratos.FlowRequest(r))
	if err != nil {
		h.logoutFailed(w, r, err)
		return
	}
	hidden := []pages.Field{{Name: "token", Value: lf.LogoutToken}}
	if rt := r.URL.Query().Get("return_to"); rt != "" {
		hidden = append(hidden, pages.Field{Name: "return_to", Value: rt})
	}
	h.render(r, h.pages.Logout(w, r, pages.LogoutPage{Action: h.public(PathLogout), Hidden: hidden}))
}

// logoutAnswer takes POST /ui/logout: yes sends the browser to Kratos's logout URL, no back to
// the settings. The posted token must be the session's logout token: it is what makes the
// answer the user's own, since no other site can read it.
func (h *Handler) logoutAnswer(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.failed(w, r, err)
		return
	}
	if r.PostForm.Get(pages.LogoutChoiceField) != pages.LogoutYes {
		http.Redirect(w, r, h.public(PathSettings), http.StatusSeeOther)
		return
	}
	req := h.kratos.FlowRequest(r)
	q := req.URL.Query()
	q.Set("return_to", r.PostForm.Get("return_to"))
	if q.Get("return_to") == "" {
		q.Del("return_to")
	}
	req.URL.RawQuery = q.Encode()
	lf, err := h.flows.CreateBrowserLogout(r.Context(), req)
	if err != nil {
		h.logoutFailed(w, r, err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("token")), []byte(lf.LogoutToken)) != 1 {
		h.showError(w, r, pages.ErrorDetails{ID: flow.ErrIDCSRF, Code: http.StatusForbidden,
			Message: "The sign-out was not confirmed on this site's page.", Reason: "Open the sign-out page again and confirm there."})
		return
	}
	http.Redirect(w, r, lf.LogoutURL, http.StatusSeeOther)
}

// logoutFailed answers a logout without a session (the browser goes to the login) or another
// error (shown).
func (h *Handler) logoutFailed(w http.ResponseWriter, r *http.Request, err error) {
	if e := flow.AsError(err); e != nil && e.ID == flow.ErrIDNoActiveSession {
		http.Redirect(w, r, h.public(flow.RouteLoginInitBrowser), http.StatusSeeOther)
		return
	}
	h.flowFailed(w, r, err, flow.RouteLoginInitBrowser)
}
