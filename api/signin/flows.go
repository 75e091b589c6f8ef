package signin

import (
	"context"
	"errors"
	"net/http"

	"github.com/wardhq/ward/api/pages"
	"github.com/wardhq/ward/identity/flow"
)

// login shows GET /ui/login?flow=ID.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	showFlow(h, w, r, flow.RouteLoginInitBrowser, h.flows.GetLogin, func(f *flow.LoginFlow) pages.FlowPage {
		p := pages.FlowPage{Kind: pages.FlowLogin, ID: f.ID, UI: f.UI, ReturnTo: f.ReturnTo, LoginChallenge: f.OAuth2LoginChallenge}
		if f.Refresh {
			// Re-authentication of the session the browser holds: the user may rather leave it.
			p.Title, p.NoFlowSwitch = "Confirm it is you", true
			p.Links = []pages.Link{{Lead: "Not you?", Text: "Sign out", Href: h.public(PathLogout)}}
		} else if h.flows.RecoveryEnabled() {
			p.Links = []pages.Link{{Lead: "Forgot your password?", Text: "Recover your account", Href: h.public(flow.RouteRecoveryInitBrowser)}}
		}
		return p
	})
}

// registration shows GET /ui/registration?flow=ID.
func (h *Handler) registration(w http.ResponseWriter, r *http.Request) {
	showFlow(h, w, r, flow.RouteRegistrationInitBrowser, h.flows.GetRegistration, func(f *flow.RegistrationFlow) pages.FlowPage {
		return pages.FlowPage{Kind: pages.FlowRegistration, ID: f.ID, UI: f.UI, ReturnTo: f.ReturnTo, LoginChallenge: f.OAuth2LoginChallenge}
	})
}

// settings shows GET /ui/settings?flow=ID.
func (h *Handler) settings(w http.ResponseWriter, r *http.Request) {
	showFlow(h, w, r, flow.RouteSettingsInitBrowser, h.flows.GetSettings, func(f *flow.SettingsFlow) pages.FlowPage {
		return pages.FlowPage{Kind: pages.FlowSettings, ID: f.ID, UI: f.UI, ReturnTo: f.ReturnTo,
			Links: []pages.Link{{Lead: "Done?", Text: "Sign out", Href: h.public(PathLogout)}}}
	})
}

// recovery shows GET /ui/recovery?flow=ID.
func (h *Handler) recovery(w http.ResponseWriter, r *http.Request) {
	showFlow(h, w, r, flow.RouteRecoveryInitBrowser, h.flows.GetRecovery, func(f *flow.RecoveryFlow) pages.FlowPage {
		return pages.FlowPage{Kind: pages.FlowRecovery, ID: f.ID, UI: f.UI, ReturnTo: f.ReturnTo,
			Links: []pages.Link{{Lead: "Remembered it?", Text: "Sign in", Href: h.public(flow.RouteLoginInitBrowser)}}}
	})
}

// showFlow shows the flow ?flow= names, read as the browser may read it; without ?flow= it
// starts a browser flow at initRoute, with the query kept (return_to, login_challenge, refresh),
// as Kratos UIs do.
func showFlow[F any](h *Handler, w http.ResponseWriter, r *http.Request, initRoute string,
	get func(context.Context, *flow.Request, string) (F, error), page func(F) pages.FlowPage) {
	q := r.URL.Query()
	if !q.Has("flow") {
		to := h.public(initRoute)
		if r.URL.RawQuery != "" {
			to += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	id, err := flow.ParseFlowID(q.Get("flow"))
	if err == nil {
		var f F
		if f, err = get(r.Context(), h.kratos.FlowRequest(r), id); err == nil {
			h.render(r, h.pages.Flow(w, r, page(f)))
			return
		}
	}
	h.flowFailed(w, r, err, initRoute)
}

// flowFailed answers a flow the page cannot show: an expired flow or a missing session goes where
// the error says (a new flow, the login); an unknown flow is started anew; anything else is
// shown on the error page.
func (h *Handler) flowFailed(w http.ResponseWriter, r *http.Request, err error, initRoute string) {
	e := flow.AsError(err)
	switch {
	case e != nil && e.Redirect != "":
		http.Redirect(w, r, e.Redirect, http.StatusSeeOther)
	case e != nil && e.Code == http.StatusNotFound:
		http.Redirect(w, r, h.public(initRoute), http.StatusSeeOther)
	case e != nil:
		h.showError(w, r, pages.ErrorDetails{ID: e.ID, Code: e.Code, Message: e.Message, Reason: e.Reason})
	default:
		h.failed(w, r, err)
	}
}

// failed shows an error that is not the flows' own: a server error, whose cause is logged and
// not shown.
func (h *Handler) failed(w http.ResponseWriter, r *http.Request, err error) {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		h.showError(w, r, pages.ErrorDetails{Code: http.StatusRequestEntityTooLarge, Message: "The form is too large."})
		return
	}
	h.log.ErrorContext(r.Context(), "a sign-in page failed", "path", r.URL.Path, "error", err)
	h.showError(w, r, pages.ErrorDetails{Code: http.StatusInternalServerError,
		Message: "Something went wrong on our side.", Reason: "Try again in a moment."})
}

// errorPage shows GET /ui/error?id=: an error a flow sent the browser here with.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request) {
	e, ok := h.kratos.SelfServiceError(r.URL.Query().Get("id"))
	if !ok {
		h.showError(w, r, pages.ErrorDetails{Code: http.StatusNotFound, Message: "This error is unknown or was forgotten.",
			Reason: "An error can be shown for an hour after it happened. Start again from the sign-in page."})
		return
	}
	h.showError(w, r, pages.ErrorDetails{ID: e.ID, Code: e.Code, Message: e.Message, Reason: e.Reason})
}
